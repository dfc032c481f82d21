// One decoded binlog event.
#pragma once
#include "common/cxx_zone.h"

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "binlog/row.h"
#include "binlog/table_map.h"

namespace mysql_sync {

enum class EventKind : uint8_t {
  other,               // decoded header only; `name` tells what it was
  format_description,
  rotate,
  query,               // `sql`, `schema`; BEGIN/COMMIT/ROLLBACK are told apart by `query_kind`
  xid,
  gtid,                // MySQL GTID/ANONYMOUS_GTID/GTID_TAGGED or MariaDB GTID: starts a transaction
  table_map,
  rows,
  heartbeat,           // HEARTBEAT and HEARTBEAT_V2: `next_file`, `next_pos`
  annotate,            // MariaDB ANNOTATE_ROWS or MySQL ROWS_QUERY: `sql`
  stop,
  transaction_payload, // MySQL 8 compressed transaction: `nested`
  xa_prepare,          // MySQL XA_PREPARE (38): ends the XA transaction's first phase, like xid; `fields`
};

enum class QueryKind : uint8_t { other, begin, commit, rollback, xa };

struct RowsData {
  RowOp op = RowOp::insert;
  TableMapPtr table;
  std::vector<Row> before;      // update and delete; same length as `after` for update
  std::vector<Row> after;       // insert and update
  // Which columns each image holds, one flag per table column. binlog_row_image = MINIMAL or NOBLOB
  // logs only some columns; an absent column is NOT a NULL: its value in the Row is std::nullopt
  // and its flag here is false. Empty = every column is present (FULL images, always the case
  // unless DecoderOptions::partial_images is on). A Row always has one entry per table column.
  std::vector<bool> before_present;
  std::vector<bool> after_present;
  // (row, column) of the after values that are a partial JSON diff list, not a document (only with
  // DecoderOptions::json_diff_without_before, when the before image lacks the column).
  std::vector<std::pair<uint32_t, uint32_t>> after_json_diffs;
  uint32_t invalid_values = 0;  // zero/invalid dates turned into NULL or -infinity
  bool statement_end = false;   // STMT_END_F: the statement's last rows event

  bool has_partial_images() const { return !before_present.empty() || !after_present.empty(); }
};

// A field of an event that has no kind of its own (intvar, rand, user_var, incident, xa_prepare,
// view_change, transaction_context): printed as an extra member of its JSON object, in order.
struct EventField {
  const char* name = "";               // static string
  std::optional<std::string> value;    // std::nullopt prints as JSON null
  bool is_number = false;              // printed as is (a number or true/false), not as a string
};

struct Event {
  uint8_t type_code = 0;
  const char* name = "unknown";  // lower-case event name used as the JSON "type" of non-row events
  EventKind kind = EventKind::other;
  uint32_t timestamp = 0;        // seconds since the epoch, from the header
  uint32_t server_id = 0;
  uint16_t flags = 0;
  uint64_t pos = 0;              // start offset in its file
  uint64_t end_pos = 0;          // offset after the event (header's next position when known)
  bool artificial = false;       // LOG_EVENT_ARTIFICIAL_F: made by the dump thread, not in the file

  // kind-specific payload
  std::string sql;               // query, annotate
  std::string schema;            // query: default database
  QueryKind query_kind = QueryKind::other;
  std::string gtid;              // gtid: "0-1-17" (MariaDB) or "uuid:17" / "uuid:tag:17" (MySQL)
  bool gtid_standalone = false;  // MariaDB GTID with FL_STANDALONE: a DDL, no XID follows
  uint64_t commit_timestamp_us = 0;  // MySQL 8 GTID original commit timestamp, 0 if absent
  std::string next_file;         // rotate, heartbeat, binlog_checkpoint: the binlog file
  uint64_t next_pos = 0;         // rotate: the position in next_file; heartbeat: the source's position
  uint64_t xid = 0;
  std::string server_version;    // format_description
  TableMapPtr table_map;         // table_map
  std::optional<RowsData> rows;  // rows
  std::vector<Event> nested;     // transaction_payload
  std::vector<EventField> fields;  // other kinds: what the event says, for the CLI and binlog_events()
};

}  // namespace mysql_sync
