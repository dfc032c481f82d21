#include "binlog/column_value.h"

#include <charconv>
#include <cstring>

#include "binlog/charset.h"
#include "binlog/decimal.h"
#include "binlog/json_binary.h"
#include "binlog/temporal.h"
#include "binlog/value_text.h"

namespace mysql_sync {

namespace {

// The string of `out`, emptied but with its capacity kept: values are decoded into the caller's
// buffers so that a steady stream of rows reuses them instead of allocating.
std::string& text_of(Value& out) {
  if (!out) out.emplace();
  out->clear();
  return *out;
}

template <typename T>
void append_integer(std::string& out, T v) {
  char buf[24];
  auto r = std::to_chars(buf, buf + sizeof buf, v);
  out.append(buf, r.ptr);
}

void integer_value(ByteReader& in, size_t bytes, bool is_unsigned, Value& out) {
  uint64_t raw = in.le(bytes);
  if (is_unsigned) {
    append_integer(text_of(out), raw);
  } else {
    unsigned shift = static_cast<unsigned>(64 - bytes * 8);
    int64_t v = static_cast<int64_t>(raw << shift) >> shift;  // sign-extend
    append_integer(text_of(out), v);
  }
}

void invalid_date(const ColumnDef& column, const ValueOptions& options, uint32_t& invalid_values,
                  const char* kind, Value& out) {
  if (options.invalid_dates == InvalidDates::error)
    throw ValueError(std::string("zero or invalid ") + kind + " value (invalid_dates is 'error')", "22008");
  ++invalid_values;
  if (column.nullable)
    out.reset();
  else
    text_of(out).append("-infinity");
}

void date_value(const DateTimeParts& d, bool with_time, int fsp, const ColumnDef& column,
                const ValueOptions& options, uint32_t& invalid_values, Value& out) {
  if (is_invalid_date(d.year, d.month, d.day) || d.hour > 23 || d.minute > 59 || d.second > 59)
    return invalid_date(column, options, invalid_values, with_time ? "datetime" : "date", out);
  if (with_time)
    append_datetime(text_of(out), d.year, d.month, d.day, d.hour, d.minute, d.second, d.microsecond, fsp);
  else
    append_date(text_of(out), d.year, d.month, d.day);
}

void time_value(const TimeParts& t, int fsp, Value& out) {
  append_time(text_of(out), t.negative, t.hours, t.minute, t.second, t.microsecond, fsp);
}

int checked_fsp(ByteReader& in, uint16_t meta) {
  if (meta > 6) in.fail("invalid fractional seconds precision " + std::to_string(meta));
  return static_cast<int>(meta);
}

size_t length_prefix_bytes(ByteReader& in, uint16_t meta) {
  if (meta < 1 || meta > 4) in.fail("invalid length-prefix size " + std::to_string(meta));
  return meta;
}

// Character data: converted to UTF-8 per collation, or bytea for the binary collation. With no
// collation known at all (old servers without metadata and no tracked shape), UTF-8 text is kept
// as text and anything else printed as bytea.
void string_value(const uint8_t* data, size_t size, uint16_t collation, Value& out) {
  std::string& s = text_of(out);
  if (collation == kBinaryCollation || (collation == 0 && !is_valid_utf8(data, size))) {
    append_bytea(s, data, size);
  } else if (collation == 0) {
    s.append(reinterpret_cast<const char*>(data), size);
  } else {
    append_as_utf8(s, data, size, collation, "value");
  }
}

void enum_value(ByteReader& in, const ColumnDef& column, const ValueOptions& options, Value& out) {
  unsigned bytes = column.meta & 0xFF;
  if (bytes != 1 && bytes != 2) in.fail("invalid ENUM size " + std::to_string(bytes));
  uint64_t index = in.le(bytes);
  if (index == 0) {  // MySQL's '' error value of an ENUM
    text_of(out);
    return;
  }
  if (index <= column.enum_values.size()) {
    text_of(out).append(column.enum_values[index - 1]);
    return;
  }
  if (column.enum_values.empty() && options.enum_index_when_unknown) {
    append_integer(text_of(out), index);
    return;
  }
  throw ValueError("ENUM index " + std::to_string(index) + " has no known member (" +
                   std::to_string(column.enum_values.size()) +
                   " known; binlog_row_metadata=FULL or a tracked schema provides them)");
}

void set_value(ByteReader& in, const ColumnDef& column, const ValueOptions& options, Value& out) {
  unsigned bytes = column.meta & 0xFF;
  if (bytes < 1 || bytes > 8) in.fail("invalid SET size " + std::to_string(bytes));
  uint64_t bits = in.le(bytes);
  std::string& s = text_of(out);
  if (column.enum_values.empty() && options.enum_index_when_unknown) {
    append_integer(s, bits);
    return;
  }
  for (unsigned i = 0; i < 64 && bits != 0; ++i) {
    if ((bits & (uint64_t{1} << i)) == 0) continue;
    bits &= ~(uint64_t{1} << i);
    if (i >= column.enum_values.size())
      throw ValueError("SET bit " + std::to_string(i) + " has no known member (" +
                       std::to_string(column.enum_values.size()) + " known)");
    if (!s.empty()) s.push_back(',');
    s += column.enum_values[i];
  }
}

void vector_value(const uint8_t* data, size_t size, Value& out) {
  if (!append_float_vector(text_of(out), data, size))
    throw ValueError("VECTOR value of " + std::to_string(size) + " bytes is not a float array");
}

// BINARY(n) is logged without its trailing zero bytes, which are part of the value.
void padded_binary_value(const uint8_t* data, size_t size, size_t width, Value& out) {
  std::string& s = text_of(out);
  append_bytea(s, data, size);
  s.append(2 * (width - size), '0');
}

}  // namespace

uint8_t string_real_type(uint16_t meta) {
  uint8_t b0 = static_cast<uint8_t>(meta >> 8);
  return (b0 & 0x30) != 0x30 ? static_cast<uint8_t>(b0 | 0x30) : b0;
}

unsigned string_max_length(uint16_t meta) {
  uint8_t b0 = static_cast<uint8_t>(meta >> 8);
  unsigned len = meta & 0xFF;
  // Lengths above 255 keep their two high bits, inverted, in bits 4-5 of the type byte.
  if ((b0 & 0x30) != 0x30) len |= static_cast<unsigned>(((b0 & 0x30) ^ 0x30) << 4);
  return len;
}

void read_column_value_into(ByteReader& in, const ColumnDef& column, const ValueOptions& options,
                            uint32_t& invalid_values, Value& out) {
  using namespace column_type;
  switch (column.type) {
    case tiny: return integer_value(in, 1, column.is_unsigned, out);
    case short_: return integer_value(in, 2, column.is_unsigned, out);
    case int24: return integer_value(in, 3, column.is_unsigned, out);
    case long_: return integer_value(in, 4, column.is_unsigned, out);
    case longlong: return integer_value(in, 8, column.is_unsigned, out);
    case float_: {
      uint32_t bits = static_cast<uint32_t>(in.le(4));
      float f;
      std::memcpy(&f, &bits, sizeof f);
      return append_float(text_of(out), f);
    }
    case double_: {
      uint64_t bits = in.le(8);
      double d;
      std::memcpy(&d, &bits, sizeof d);
      return append_double(text_of(out), d);
    }
    case newdecimal: return read_decimal(in, column.meta >> 8, column.meta & 0xFF, text_of(out));
    case decimal:
      // Pre-5.0 DECIMAL is stored as unpacked digits whose width the TABLE_MAP does not carry (the
      // server logs no metadata for it), so its size in the row is unknowable; mysqlbinlog gives up too.
      throw ValueError("old DECIMAL columns (created before MySQL 5.0.3) cannot be decoded from the binlog: the "
                       "table map carries no width for them; run ALTER TABLE ... FORCE on the source to upgrade them");
    case year: {
      unsigned v = in.u8();
      return append_integer(text_of(out), v == 0 ? 0u : 1900 + v);
    }
    case date:
    case newdate:
      return date_value(date_from_u24(in.u24()), false, 0, column, options, invalid_values, out);
    case datetime:
      return date_value(datetime_from_u64(in.u64()), true, 0, column, options, invalid_values, out);
    case datetime2: {
      int fsp = checked_fsp(in, column.meta);
      int64_t packed = read_datetime2_packed(in, fsp);
      if (packed < 0) return invalid_date(column, options, invalid_values, "datetime", out);
      return date_value(datetime_from_packed(packed), true, fsp, column, options, invalid_values, out);
    }
    case timestamp: {
      uint32_t seconds = in.u32();
      if (seconds == 0) return invalid_date(column, options, invalid_values, "timestamp", out);
      return append_timestamp(text_of(out), seconds, 0, 0);
    }
    case timestamp2: {
      int fsp = checked_fsp(in, column.meta);
      uint32_t seconds = static_cast<uint32_t>(in.be(4));
      uint32_t micro = read_fraction(in, fsp);
      if (micro > 999999) in.fail("invalid TIMESTAMP fraction");
      if (seconds == 0 && micro == 0) return invalid_date(column, options, invalid_values, "timestamp", out);
      return append_timestamp(text_of(out), seconds, micro, fsp);
    }
    case time: {
      uint32_t raw = in.u24();
      int32_t v = static_cast<int32_t>(raw << 8) >> 8;
      return time_value(time_from_i24(v), 0, out);
    }
    case time2: {
      int fsp = checked_fsp(in, column.meta);
      return time_value(time_from_packed(read_time2_packed(in, fsp)), fsp, out);
    }
    case bit: {
      unsigned bits = (column.meta >> 8) * 8u + (column.meta & 0xFF);
      size_t bytes = (bits + 7) / 8;
      const uint8_t* p = in.bytes(bytes, "bit");
      return append_bit_string(text_of(out), p, bytes, bits);
    }
    case enum_: return enum_value(in, column, options, out);
    case set: return set_value(in, column, options, out);
    case string: {
      uint8_t real = string_real_type(column.meta);
      if (real == enum_) return enum_value(in, column, options, out);
      if (real == set) return set_value(in, column, options, out);
      size_t max = string_max_length(column.meta);
      size_t len = max > 255 ? in.u16() : in.u8();
      const uint8_t* p = in.bytes(len, "char");
      if (column.collation == kBinaryCollation && len < max) return padded_binary_value(p, len, max, out);
      return string_value(p, len, column.collation, out);
    }
    case varchar:
    case var_string: {
      size_t len = column.meta > 255 ? in.u16() : in.u8();
      return string_value(in.bytes(len, "varchar"), len, column.collation, out);
    }
    case tiny_blob:
    case medium_blob:
    case long_blob:
    case blob: {
      size_t len = static_cast<size_t>(in.le(length_prefix_bytes(in, column.meta)));
      const uint8_t* p = in.bytes(len, "blob");
      return string_value(p, len, column.collation, out);
    }
    case geometry: {
      size_t len = static_cast<size_t>(in.le(length_prefix_bytes(in, column.meta)));
      return append_bytea(text_of(out), in.bytes(len, "geometry"), len);
    }
    case json: {
      size_t len = static_cast<size_t>(in.le(length_prefix_bytes(in, column.meta)));
      const uint8_t* p = in.bytes(len, "json");
      return append_json_binary_as_text(text_of(out), p, len);
    }
    case vector: {
      size_t len = static_cast<size_t>(in.le(length_prefix_bytes(in, column.meta)));
      return vector_value(in.bytes(len, "vector"), len, out);
    }
    case null:
      out.reset();
      return;
    default:
      throw ValueError("column type " + std::to_string(column.type) + " is not supported");
  }
}

Value read_column_value(ByteReader& in, const ColumnDef& column, const ValueOptions& options,
                        uint32_t& invalid_values) {
  Value out;
  read_column_value_into(in, column, options, invalid_values, out);
  return out;
}

}  // namespace mysql_sync
