// The JSON lines of the contract: one object per event, one per row for row events.
#pragma once
#include "common/cxx_zone.h"

#include <functional>
#include <string>

#include "binlog/event.h"

namespace mysql_sync {

// Calls `emit` with each JSON object (no trailing newline) that `event` prints as. A rows event
// prints one object per row; for a partial image (binlog_row_image = MINIMAL/NOBLOB) "before" /
// "after" hold only the present columns' values, and "before_present" / "after_present" (added
// after "after") list those columns' indexes into "columns". Full images print as before. `file` is the
// base name of the binlog file the event came from. `current_gtid` is the GTID of the transaction
// the event belongs to (empty if none). Nested events of a TRANSACTION_PAYLOAD are printed with the
// payload's pos/end_pos. A row whose after image holds partial JSON diff lists instead of documents
// (DecoderOptions::json_diff_without_before) ends with "after_json_diff": the indexes of those columns.
void event_to_json(const Event& event, const std::string& file, const std::string& current_gtid,
                   const std::function<void(const std::string&)>& emit);

}  // namespace mysql_sync

namespace mysql_sync {

// Prints the events of one file in order, tracking the GTID of the transaction in progress (from a
// GTID event to its XID/COMMIT/ROLLBACK, or to the DDL a GTID stands for).
class EventJsonWriter {
 public:
  explicit EventJsonWriter(std::string file) : file_(std::move(file)) {}
  void write(const Event& event, const std::function<void(const std::string&)>& emit);
  // The same lines, each followed by '\n', appended to `out` (a caller's output buffer: no copy).
  void append(const Event& event, std::string& out);
  const std::string& current_gtid() const { return current_gtid_; }

 private:
  void after(const Event& event);
  std::string file_;
  std::string current_gtid_;
  std::string line_;    // the line being built, reused so that printing rows does not allocate
  std::string prefix_;  // the fields every row of a rows event starts with
  bool in_transaction_ = false;
};

}  // namespace mysql_sync
