// WRITE/UPDATE/DELETE_ROWS bodies (v1, v2, MariaDB compressed after inflation) -> RowsData.
#pragma once
#include "common/cxx_zone.h"

#include "binlog/byte_reader.h"
#include "binlog/column_value.h"
#include "binlog/event.h"

namespace mysql_sync {

struct RowsHeader {
  uint64_t table_id = 0;
  uint16_t flags = 0;
};

// The post-header (table id, flags) and, for v2 events, the extra row info, which is skipped.
RowsHeader read_rows_header(ByteReader& in, unsigned post_header_length, bool is_v2);

enum class RowsFormat : uint8_t {
  plain,
  partial_json,     // MySQL PARTIAL_UPDATE_ROWS (binlog_row_value_options=PARTIAL_JSON)
  mariadb_zlib,     // MariaDB *_COMPRESSED: the row images (only they) are zlib-compressed
};

struct RowsOptions {
  ValueOptions values;
  // Accept images without every column (binlog_row_image = MINIMAL/NOBLOB): RowsData's
  // before_present/after_present say which columns they hold. Off: such an event is a ValueError.
  bool partial_images = false;
  bool json_diff_without_before = false;  // see DecoderOptions
};

// Rows kept for reuse when an event has fewer rows in an image than the previous one (an INSERT
// after an UPDATE leaves the before image empty): their vectors and strings keep their capacity.
using RowPool = std::vector<Row>;

// Everything after the post-header: column count, present-columns bitmaps and the row images,
// decoded into `rows`, whose vectors and value strings are reused (cleared, capacity kept).
void decode_rows_body(ByteReader& in, RowOp op, RowsFormat format, const TableMapPtr& table,
                      const RowsOptions& options, RowsData& rows, RowPool& pool);

}  // namespace mysql_sync
