#include "rows_decoder.h"

#include "compression.h"
#include "table_map_decoder.h"

namespace mysql_sync {

namespace {

std::string table_name(const TableMap& t) { return t.schema + "." + t.table; }

void require_full_image(const uint8_t* present, size_t count, const TableMap& table) {
  for (size_t i = 0; i < count; ++i)
    if (((present[i / 8] >> (i % 8)) & 1) == 0) {
      throw ValueError("partial row images are not supported (table " + table_name(table) + ", column " +
                       std::to_string(i + 1) + " is absent; set binlog_row_image = FULL)");
    }
}

Row read_row(ByteReader& in, const TableMap& table, const ValueOptions& options, uint32_t& invalid_values) {
  const size_t count = table.columns.size();
  const uint8_t* nulls = in.bytes((count + 7) / 8, "row null bitmap");
  Row row(count);
  for (size_t i = 0; i < count; ++i) {
    if ((nulls[i / 8] >> (i % 8)) & 1) continue;
    const ColumnDef& column = table.columns[i];
    try {
      row[i] = read_column_value(in, column, options, invalid_values);
    } catch (const ValueError& e) {
      std::string name = column.name.empty() ? "#" + std::to_string(i + 1) : column.name;
      throw ValueError("table " + table_name(table) + " column " + name + ": " + e.what(), e.sqlstate());
    }
  }
  return row;
}

void read_images(ByteReader& in, RowOp op, const TableMap& table, const ValueOptions& options, RowsData& rows) {
  while (!in.at_end()) {
    switch (op) {
      case RowOp::insert:
        rows.after.push_back(read_row(in, table, options, rows.invalid_values));
        break;
      case RowOp::remove:
        rows.before.push_back(read_row(in, table, options, rows.invalid_values));
        break;
      case RowOp::update:
        rows.before.push_back(read_row(in, table, options, rows.invalid_values));
        rows.after.push_back(read_row(in, table, options, rows.invalid_values));
        break;
    }
  }
}

}  // namespace

RowsHeader read_rows_header(ByteReader& in, unsigned post_header_length, bool is_v2) {
  RowsHeader h;
  h.table_id = read_table_id(in, post_header_length);
  h.flags = in.u16();
  if (is_v2) {
    uint16_t extra = in.u16();  // includes its own two bytes
    if (extra < 2) in.fail("bad rows extra-data length " + std::to_string(extra));
    in.skip(extra - 2u, "rows extra data");
  }
  return h;
}

RowsData decode_rows_body(ByteReader& in, RowOp op, RowsFormat format, const TableMapPtr& table,
                          const ValueOptions& options) {
  RowsData rows;
  rows.op = op;
  rows.table = table;
  size_t count = in.packed_length(0, "column count");
  if (count != table->columns.size())
    in.fail("rows event has " + std::to_string(count) + " columns, its table map (" + table_name(*table) + ") " +
            std::to_string(table->columns.size()));
  const size_t bitmap_bytes = (count + 7) / 8;
  const uint8_t* before_present = in.bytes(bitmap_bytes, "columns bitmap");
  require_full_image(before_present, count, *table);
  if (op == RowOp::update) require_full_image(in.bytes(bitmap_bytes, "columns bitmap"), count, *table);
  if (format == RowsFormat::partial_json)
    throw ValueError("partial JSON updates are not supported (table " + table_name(*table) +
                     "; set binlog_row_value_options = '')");
  std::vector<uint8_t> inflated;
  ByteReader images = in;
  if (format == RowsFormat::mariadb_zlib) {
    const uint64_t at = in.offset();
    inflated = mariadb_inflate(in);
    // Offsets inside inflated bytes do not exist in the file: errors name where the data starts.
    images = ByteReader(inflated.data(), inflated.size(), at);
  }
  read_images(images, op, *table, options, rows);
  return rows;
}


}  // namespace mysql_sync
