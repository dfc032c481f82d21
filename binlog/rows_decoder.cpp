#include "binlog/rows_decoder.h"

#include "binlog/compression.h"
#include "binlog/json_diff.h"
#include "binlog/table_map_decoder.h"

namespace mysql_sync {

namespace {

constexpr uint64_t kPartialJsonUpdates = 1;  // binlog_row_value_options bit in a partial after image

std::string table_name(const TableMap& t) { return t.schema + "." + t.table; }

bool bit(const uint8_t* bits, size_t i) { return (bits[i / 8] >> (i % 8)) & 1; }

std::string column_label(const TableMap& table, size_t i) {
  const std::string& name = table.columns[i].name;
  return name.empty() ? "#" + std::to_string(i + 1) : name;
}

// The columns one image holds: the event's columns-present bitmap.
struct ImageColumns {
  const uint8_t* bitmap = nullptr;
  size_t present = 0;  // how many bits are set
  bool full = true;
};

ImageColumns read_image_columns(ByteReader& in, size_t count, const TableMap& table, bool partial_allowed) {
  ImageColumns cols;
  cols.bitmap = in.bytes((count + 7) / 8, "columns bitmap");
  for (size_t i = 0; i < count; ++i) {
    if (bit(cols.bitmap, i)) {
      ++cols.present;
    } else if (cols.full) {
      cols.full = false;
      if (!partial_allowed)
        throw ValueError("partial row images are not supported (table " + table_name(table) + ", column " +
                         std::to_string(i + 1) + " is absent; set binlog_row_image = FULL)");
    }
  }
  return cols;
}

std::vector<bool> present_flags(const ImageColumns& cols, size_t count) {
  std::vector<bool> flags(count);
  for (size_t i = 0; i < count; ++i) flags[i] = bit(cols.bitmap, i);
  return flags;
}

// Where the before image of a partial update keeps each JSON column's binary value (pointers into
// the event's bytes), for the after image's diffs.
struct JsonBefore {
  const uint8_t* data = nullptr;
  size_t size = 0;
  bool present = false;
};

class ImageReader {
 public:
  ImageReader(const TableMap& table, const ValueOptions& options, uint32_t& invalid_values)
      : table_(table), options_(options), invalid_values_(invalid_values) {}

  // One row image into `row` (resized to the table's columns; absent columns become nullopt).
  // Column `i` is not in the image (a partial image), or is NULL in it; advances the image's
  // null-bitmap index for every present column.
  static bool absent_or_null(const ImageColumns& cols, const uint8_t* nulls, size_t i, size_t& image_index) {
    if (!cols.full && !bit(cols.bitmap, i)) return true;
    return bit(nulls, image_index++);
  }

  // `json_before`: when not null, records the binary JSON values of this (before) image.
  void read(ByteReader& in, const ImageColumns& cols, Row& row, std::vector<JsonBefore>* json_before) {
    const size_t count = table_.columns.size();
    row.resize(count);
    const uint8_t* nulls = in.bytes((cols.present + 7) / 8, "row null bitmap");
    size_t image_index = 0;
    for (size_t i = 0; i < count; ++i) {
      if (absent_or_null(cols, nulls, i, image_index)) {
        row[i].reset();
        continue;
      }
      const ColumnDef& column = table_.columns[i];
      const uint8_t* start = in.current();
      read_value(in, column, i, row[i]);
      if (json_before && column.type == column_type::json) {
        size_t prefix = column.meta;  // the value's length prefix; read_value checked it is 1..4
        (*json_before)[i] = {start + prefix, static_cast<size_t>(in.current() - start) - prefix, true};
      }
    }
  }

  // A PARTIAL_UPDATE_ROWS after image: value options, then per JSON column whether it holds a
  // diff list instead of a document, then an ordinary image in which those columns are diffs.
  // `diffs_out` (may be null): where a diff without its before document is recorded, as (`row_index`,
  // column), its value then being the diff list's text; null: that is a ValueError.
  void read_partial_after(ByteReader& in, const ImageColumns& cols, Row& row,
                          const std::vector<JsonBefore>& json_before,
                          std::vector<std::pair<uint32_t, uint32_t>>* diffs_out, uint32_t row_index) {
    const size_t count = table_.columns.size();
    const uint64_t value_options = in.packed();
    const uint8_t* partial_bits = nullptr;
    size_t json_columns = 0;
    for (const ColumnDef& c : table_.columns) json_columns += c.type == column_type::json;
    if (value_options & kPartialJsonUpdates) partial_bits = in.bytes((json_columns + 7) / 8, "partial JSON bitmap");
    row.resize(count);
    const uint8_t* nulls = in.bytes((cols.present + 7) / 8, "row null bitmap");
    size_t image_index = 0, json_index = 0;
    for (size_t i = 0; i < count; ++i) {
      const ColumnDef& column = table_.columns[i];
      // The partial bitmap has a bit for every JSON column, present in this image or not.
      const bool is_diff = column.type == column_type::json && partial_bits && bit(partial_bits, json_index++);
      if (absent_or_null(cols, nulls, i, image_index)) {
        row[i].reset();
        continue;
      }
      if (!is_diff) {
        read_value(in, column, i, row[i]);
        continue;
      }
      size_t length = static_cast<size_t>(in.le(column.meta >= 1 && column.meta <= 4 ? column.meta : 4));
      const uint8_t* diffs = in.bytes(length, "partial JSON");
      const JsonBefore& before = json_before[i];
      if (!before.present && diffs_out != nullptr) {
        try {
          if (!row[i]) row[i].emplace();
          row[i]->clear();
          json_diffs_to_text(*row[i], diffs, length);
        } catch (const ValueError& e) {
          throw ValueError(
              "table " + table_name(table_) + " column " + column_label(table_, i) + ": " + e.what(),
              e.sqlstate());
        }
        diffs_out->emplace_back(row_index, static_cast<uint32_t>(i));
        continue;
      }
      if (!before.present)
        throw ValueError("table " + table_name(table_) + " column " + column_label(table_, i) +
                         ": partial JSON update without the column in the before image (set binlog_row_image "
                         "= FULL, or binlog_row_value_options = '')");
      try {
        JsonTree doc = json_binary_to_tree(before.data, before.size);
        apply_json_diffs(doc, diffs, length);
        if (!row[i]) row[i].emplace();
        row[i]->clear();
        append_json_tree(*row[i], doc);
      } catch (const ValueError& e) {
        throw ValueError("table " + table_name(table_) + " column " + column_label(table_, i) + ": " + e.what(),
                         e.sqlstate());
      }
    }
  }

 private:
  void read_value(ByteReader& in, const ColumnDef& column, size_t i, Value& out) {
    try {
      read_column_value_into(in, column, options_, invalid_values_, out);
    } catch (const ValueError& e) {
      throw ValueError("table " + table_name(table_) + " column " + column_label(table_, i) + ": " + e.what(),
                       e.sqlstate());
    }
  }

  const TableMap& table_;
  const ValueOptions& options_;
  uint32_t& invalid_values_;
};

// The next row of `rows` to fill: an existing one or one from the pool (buffers reused), or a new one.
Row& next_row(std::vector<Row>& rows, size_t& used, RowPool& pool) {
  if (used == rows.size()) {
    if (pool.empty()) {
      rows.emplace_back();
    } else {
      rows.push_back(std::move(pool.back()));
      pool.pop_back();
    }
  }
  return rows[used++];
}

// Shrinks `rows` to `used`, keeping the rows beyond it in the pool.
void keep_rows(std::vector<Row>& rows, size_t used, RowPool& pool) {
  while (rows.size() > used) {
    pool.push_back(std::move(rows.back()));
    rows.pop_back();
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

void decode_rows_body(ByteReader& in, RowOp op, RowsFormat format, const TableMapPtr& table,
                      const RowsOptions& options, RowsData& rows, RowPool& pool) {
  rows.op = op;
  rows.table = table;
  rows.invalid_values = 0;
  rows.statement_end = false;
  rows.before_present.clear();
  rows.after_present.clear();
  rows.after_json_diffs.clear();
  if (!table->has_field_metadata)
    throw DecodeError(in.offset(),
                      "rows event of " + table_name(*table) +
                          " follows a table map without column metadata (MySQL 5.1 before 5.1.18)",
                      "0A000");
  const size_t count = in.packed_length(0, "column count");
  if (count != table->columns.size())
    in.fail("rows event has " + std::to_string(count) + " columns, its table map (" + table_name(*table) + ") " +
            std::to_string(table->columns.size()));
  // DELETE's only image is a before image, INSERT's an after image; UPDATE has both bitmaps.
  const ImageColumns first = read_image_columns(in, count, *table, options.partial_images);
  const ImageColumns second =
      op == RowOp::update ? read_image_columns(in, count, *table, options.partial_images) : ImageColumns{};
  const ImageColumns& before_cols = first;
  const ImageColumns& after_cols = op == RowOp::update ? second : first;
  if (op != RowOp::insert && !before_cols.full) rows.before_present = present_flags(before_cols, count);
  if (op != RowOp::remove && !after_cols.full) rows.after_present = present_flags(after_cols, count);

  std::vector<uint8_t> inflated;
  ByteReader images = in;
  if (format == RowsFormat::mariadb_zlib) {
    const uint64_t at = in.offset();
    inflated = mariadb_inflate(in);
    // Offsets inside inflated bytes do not exist in the file: errors name where the data starts.
    images = ByteReader(inflated.data(), inflated.size(), at);
  }

  ImageReader reader(*table, options.values, rows.invalid_values);
  std::vector<JsonBefore> json_before;
  if (format == RowsFormat::partial_json) json_before.resize(count);
  size_t before_used = 0, after_used = 0;
  while (!images.at_end()) {
    const size_t row_start = images.position();
    switch (op) {
      case RowOp::insert: reader.read(images, after_cols, next_row(rows.after, after_used, pool), nullptr); break;
      case RowOp::remove: reader.read(images, before_cols, next_row(rows.before, before_used, pool), nullptr); break;
      case RowOp::update:
        if (format == RowsFormat::partial_json) {
          for (JsonBefore& j : json_before) j = JsonBefore{};
          reader.read(images, before_cols, next_row(rows.before, before_used, pool), &json_before);
          Row& after = next_row(rows.after, after_used, pool);
          reader.read_partial_after(images, after_cols, after, json_before,
                                    options.json_diff_without_before ? &rows.after_json_diffs : nullptr,
                                    static_cast<uint32_t>(after_used - 1));
        } else {
          reader.read(images, before_cols, next_row(rows.before, before_used, pool), nullptr);
          reader.read(images, after_cols, next_row(rows.after, after_used, pool), nullptr);
        }
        break;
    }
    // An image of no columns takes no bytes: bytes left over would otherwise loop forever.
    if (images.position() == row_start) images.fail("rows event with bytes after its last row");
  }
  keep_rows(rows.before, before_used, pool);
  keep_rows(rows.after, after_used, pool);
}

}  // namespace mysql_sync
