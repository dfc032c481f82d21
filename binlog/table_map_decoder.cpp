#include "binlog/table_map_decoder.h"

#include "binlog/charset.h"
#include "binlog/column_value.h"

namespace mysql_sync {

namespace {

// Optional metadata field types (binlog_row_metadata).
enum : uint8_t {
  signedness = 1, default_charset = 2, column_charset = 3, column_name = 4, set_str_value = 5,
  enum_str_value = 6, geometry_type = 7, simple_primary_key = 8, primary_key_with_prefix = 9,
  enum_and_set_default_charset = 10, enum_and_set_column_charset = 11, column_visibility = 12,
};

uint8_t real_type(const ColumnDef& c) {
  return c.type == column_type::string ? string_real_type(c.meta) : c.type;
}

bool is_numeric(const ColumnDef& c) {
  using namespace column_type;
  switch (c.type) {
    case tiny: case short_: case int24: case long_: case longlong: case newdecimal: case float_: case double_:
      return true;
    default:
      return false;
  }
}

bool is_character(const ColumnDef& c) {
  using namespace column_type;
  switch (real_type(c)) {
    case string: case var_string: case varchar: case blob: case tiny_blob: case medium_blob: case long_blob:
    case vector:  // MySQL 9 lists VECTOR among character columns (with the binary collation)
      return true;
    default:
      return false;
  }
}

bool is_enum_or_set(const ColumnDef& c) {
  uint8_t t = real_type(c);
  return t == column_type::enum_ || t == column_type::set;
}

uint16_t read_type_meta(ByteReader& in, uint8_t type) {
  using namespace column_type;
  switch (type) {
    case float_: case double_: case blob: case tiny_blob: case medium_blob: case long_blob: case geometry:
    case json: case time2: case datetime2: case timestamp2: case vector:
      return in.u8();
    case varchar: case var_string: case bit:
      return in.u16();
    case newdecimal: case string: case enum_: case set:
      return static_cast<uint16_t>(in.be(2));
    default:
      return 0;
  }
}

// Indexes of the columns for which `pred` holds, in column order.
template <typename Pred>
std::vector<ColumnDef*> columns_where(TableMap& t, Pred pred) {
  std::vector<ColumnDef*> out;
  for (auto& c : t.columns)
    if (pred(c)) out.push_back(&c);
  return out;
}

// Bit i of a MSB-first bitmap.
bool msb_bit(std::string_view bits, size_t i) {
  return i / 8 < bits.size() && (static_cast<uint8_t>(bits[i / 8]) >> (7 - i % 8)) & 1;
}

void read_default_charset(ByteReader& in, const std::vector<ColumnDef*>& cols) {
  uint16_t def = static_cast<uint16_t>(in.packed());
  for (ColumnDef* c : cols) c->collation = def;
  while (!in.at_end()) {
    uint64_t index = in.packed();
    uint16_t coll = static_cast<uint16_t>(in.packed());
    if (index >= cols.size()) in.fail("charset metadata for column " + std::to_string(index) + " out of range");
    cols[index]->collation = coll;
  }
}

void read_column_charsets(ByteReader& in, const std::vector<ColumnDef*>& cols) {
  for (ColumnDef* c : cols) {
    if (in.at_end()) break;
    c->collation = static_cast<uint16_t>(in.packed());
  }
}

void read_str_values(ByteReader& in, const std::vector<ColumnDef*>& cols) {
  for (ColumnDef* c : cols) {
    if (in.at_end()) break;
    size_t count = in.packed_length(1, "member count");
    c->enum_values.clear();
    c->enum_values.reserve(count);
    for (size_t i = 0; i < count; ++i) c->enum_values.emplace_back(in.packed_string("member"));
  }
}

void read_optional_metadata(ByteReader& in, TableMap& t, bool mariadb) {
  auto numeric = columns_where(t, is_numeric);
  auto character = columns_where(t, [mariadb](const ColumnDef& c) {
    return is_character(c) || (mariadb && real_type(c) == column_type::geometry);
  });
  auto enum_set = columns_where(t, is_enum_or_set);
  auto enums = columns_where(t, [](const ColumnDef& c) { return real_type(c) == column_type::enum_; });
  auto sets = columns_where(t, [](const ColumnDef& c) { return real_type(c) == column_type::set; });
  while (!in.at_end()) {
    uint8_t kind = in.u8();
    size_t length = in.packed_length(1, "optional metadata length");
    ByteReader field = in.sub(length, "optional metadata");
    switch (kind) {
      case signedness: {
        std::string_view bits = field.rest();
        for (size_t i = 0; i < numeric.size(); ++i) numeric[i]->is_unsigned = msb_bit(bits, i);
        break;
      }
      case default_charset: read_default_charset(field, character); break;
      case column_charset: read_column_charsets(field, character); break;
      case column_name:
        for (auto& c : t.columns) c.name = std::string(field.packed_string("column name"));
        t.has_column_names = true;
        break;
      case set_str_value: read_str_values(field, sets); break;
      case enum_str_value: read_str_values(field, enums); break;
      case simple_primary_key:
        t.primary_key.clear();
        while (!field.at_end()) t.primary_key.push_back(static_cast<uint16_t>(field.packed()));
        break;
      case primary_key_with_prefix:
        t.primary_key.clear();
        while (!field.at_end()) {
          t.primary_key.push_back(static_cast<uint16_t>(field.packed()));
          field.packed();  // prefix length
        }
        break;
      case enum_and_set_default_charset: read_default_charset(field, enum_set); break;
      case enum_and_set_column_charset: read_column_charsets(field, enum_set); break;
      default: break;  // geometry type, visibility, vector dimensions and future kinds: not needed
    }
  }
}

// ENUM/SET member names are stored in the column's charset; convert them to UTF-8 like values.
void convert_members(ColumnDef& c) {
  if (c.collation == 0 || c.collation == kBinaryCollation || charset_of(c.collation) == Charset::utf8) return;
  for (auto& m : c.enum_values) {
    std::string utf8;
    append_as_utf8(utf8, reinterpret_cast<const uint8_t*>(m.data()), m.size(), c.collation, "ENUM/SET member");
    m = std::move(utf8);
  }
}

void complete_from_shape(TableMap& t, const TableShape& shape) {
  for (size_t i = 0; i < t.columns.size(); ++i) {
    ColumnDef& c = t.columns[i];
    if (c.name.empty() && i < shape.column_names.size()) c.name = shape.column_names[i];
    if (c.enum_values.empty() && i < shape.enum_values.size()) c.enum_values = shape.enum_values[i];
    if (c.collation == 0 && i < shape.collations.size()) c.collation = shape.collations[i];
    if (i < shape.json_text.size() && shape.json_text[i]) c.is_json_text = true;
    if (!c.is_unsigned && i < shape.is_unsigned.size() && shape.is_unsigned[i]) c.is_unsigned = true;
  }
  if (t.primary_key.empty()) t.primary_key = shape.primary_key;
}

}  // namespace

uint64_t read_table_id(ByteReader& in, unsigned post_header_length) {
  return post_header_length == 6 ? in.u32() : in.u48();
}

std::shared_ptr<TableMap> decode_table_map(ByteReader& in, unsigned post_header_length,
                                           const DecoderOptions& options, bool mariadb) {
  auto t = std::make_shared<TableMap>();
  t->table_id = read_table_id(in, post_header_length);
  in.u16();  // flags
  if (post_header_length > 8) in.skip(post_header_length - 8, "table map post-header");
  size_t len = in.u8();
  t->schema = in.string(len, "schema name");
  in.skip(1, "schema terminator");
  len = in.u8();
  t->table = in.string(len, "table name");
  in.skip(1, "table terminator");
  size_t count = in.packed_length(1, "column count");
  t->columns.resize(count);
  const uint8_t* types = in.bytes(count, "column types");
  for (size_t i = 0; i < count; ++i) t->columns[i].type = types[i];
  if (in.at_end()) {
    // MySQL 5.1 before 5.1.18 wrote neither column metadata nor the null bitmap: the table is
    // named, but no rows event can be decoded with this map (decode_rows_body refuses it).
    t->has_field_metadata = false;
    return t;
  }
  size_t meta_length = in.packed_length(1, "metadata length");
  ByteReader meta = in.sub(meta_length, "column metadata");
  for (auto& c : t->columns) c.meta = read_type_meta(meta, c.type);
  const uint8_t* nulls = in.bytes((count + 7) / 8, "null bitmap");
  for (size_t i = 0; i < count; ++i) t->columns[i].nullable = (nulls[i / 8] >> (i % 8)) & 1;
  for (auto& c : t->columns)
    if (is_enum_or_set(c)) c.type = real_type(c);

  read_optional_metadata(in, *t, mariadb);

  if (options.shape_of)
    if (const TableShape* shape = options.shape_of(t->schema, t->table)) complete_from_shape(*t, *shape);
  for (auto& c : t->columns)
    if (is_enum_or_set(c)) convert_members(c);
  return t;
}

}  // namespace mysql_sync
