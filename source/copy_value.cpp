// copy_value_text(): values of the initial copy (text protocol, utf8mb4, time_zone '+00:00') in
// exactly the text the binlog decoder prints for the same stored value (column_value.cpp); both
// format through value_text.h.
#include <charconv>
#include <cstdlib>
#include <cstring>
#include <string_view>

#include "binlog/charset.h"
#include "common/errors.h"
#include "source/mysql_client.h"
#include "source/mysql_type_names.h"
#include "source/source_catalog.h"
#include "binlog/value_text.h"

namespace mysql_sync {

namespace {

[[noreturn]] void malformed(const SourceColumn& column, std::string_view text) {
  throw ValueError("column \"" + column.name + "\": cannot read the " + column.data_type + " value '" +
                       std::string(text) + "' returned by the source",
                   "22007");
}

// Reads `count` digits at `pos` of the server's fixed temporal format.
int digits(const SourceColumn& column, std::string_view text, size_t pos, size_t count) {
  if (pos + count > text.size()) malformed(column, text);
  int value = 0;
  for (size_t i = pos; i < pos + count; ++i) {
    if (text[i] < '0' || text[i] > '9') malformed(column, text);
    value = value * 10 + (text[i] - '0');
  }
  return value;
}

void expect(const SourceColumn& column, std::string_view text, size_t pos, char c) {
  if (pos >= text.size() || text[pos] != c) malformed(column, text);
}

// ".123" at `pos` (or nothing) -> microseconds.
uint32_t fraction(const SourceColumn& column, std::string_view text, size_t pos) {
  if (pos == text.size()) return 0;
  expect(column, text, pos, '.');
  size_t count = text.size() - pos - 1;
  if (count == 0 || count > 6) malformed(column, text);
  uint32_t micro = static_cast<uint32_t>(digits(column, text, pos + 1, count));
  for (size_t i = count; i < 6; ++i) micro *= 10;
  return micro;
}

struct DateTime {
  int year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0;
  uint32_t microsecond = 0;
};

// "YYYY-MM-DD" or "YYYY-MM-DD HH:MM:SS[.f]"
DateTime parse_datetime(const SourceColumn& column, std::string_view text, bool with_time) {
  DateTime d;
  d.year = digits(column, text, 0, 4);
  expect(column, text, 4, '-');
  d.month = digits(column, text, 5, 2);
  expect(column, text, 7, '-');
  d.day = digits(column, text, 8, 2);
  if (!with_time) {
    if (text.size() != 10) malformed(column, text);
    return d;
  }
  expect(column, text, 10, ' ');
  d.hour = digits(column, text, 11, 2);
  expect(column, text, 13, ':');
  d.minute = digits(column, text, 14, 2);
  expect(column, text, 16, ':');
  d.second = digits(column, text, 17, 2);
  d.microsecond = fraction(column, text, 19);
  return d;
}

// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's days_from_civil).
int64_t days_from_civil(int year, int month, int day) {
  year -= month <= 2;
  const int64_t era = (year >= 0 ? year : year - 399) / 400;
  const int64_t yoe = year - era * 400;
  const int64_t doy = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1;
  const int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

Value invalid_date(const SourceColumn& column, std::string_view text, InvalidDates invalid_dates,
                   uint32_t* invalid_values) {
  // Same SQLSTATE and policy as the decoder.
  if (invalid_dates == InvalidDates::error)
    throw ValueError("column \"" + column.name + "\" holds the zero or invalid " + column.data_type + " '" +
                         std::string(text) + "' (invalid_dates is 'error')",
                     "22008");
  if (invalid_values) ++*invalid_values;
  if (column.nullable) return std::nullopt;
  return std::string("-infinity");
}

Value temporal_value(const SourceColumn& column, std::string_view text, InvalidDates invalid_dates,
                     uint32_t* invalid_values) {
  const std::string& type = column.data_type;
  const int fsp = static_cast<int>(column.datetime_precision);
  std::string out;
  if (type == "time") {
    // [-]H..H:MM:SS[.f] with 2 or 3 hour digits (-838:59:59 .. 838:59:59)
    bool negative = !text.empty() && text[0] == '-';
    size_t start = negative ? 1 : 0;
    size_t colon = text.find(':', start);
    if (colon == std::string_view::npos || colon == start || colon - start > 3) malformed(column, text);
    uint32_t hours = static_cast<uint32_t>(digits(column, text, start, colon - start));
    int minute = digits(column, text, colon + 1, 2);
    expect(column, text, colon + 3, ':');
    int second = digits(column, text, colon + 4, 2);
    append_time(out, negative, hours, minute, second, fraction(column, text, colon + 6), fsp);
    return out;
  }
  const bool with_time = type != "date";
  DateTime d = parse_datetime(column, text, with_time);
  if (is_invalid_date(d.year, d.month, d.day)) return invalid_date(column, text, invalid_dates, invalid_values);
  if (type == "date") {
    append_date(out, d.year, d.month, d.day);
  } else if (type == "timestamp") {
    int64_t epoch = days_from_civil(d.year, d.month, d.day) * 86400 + d.hour * 3600 + d.minute * 60 + d.second;
    append_timestamp(out, epoch, d.microsecond, fsp);
  } else {
    append_datetime(out, d.year, d.month, d.day, d.hour, d.minute, d.second, d.microsecond, fsp);
  }
  return out;
}

template <typename F>
F parse_number(const SourceColumn& column, std::string_view text) {
  F value{};
  auto result = std::from_chars(text.data(), text.data() + text.size(), value);
  if (result.ec != std::errc() || result.ptr != text.data() + text.size()) malformed(column, text);
  return value;
}

Value vector_value(const SourceColumn& column, const uint8_t* data, size_t size) {
  std::string out;
  if (!append_float_vector(out, data, size))
    throw ValueError("column \"" + column.name + "\": VECTOR value of " + std::to_string(size) +
                     " bytes is not a float array");
  return out;
}

unsigned bit_width(const SourceColumn& column) {
  if (column.numeric_precision > 0) return static_cast<unsigned>(column.numeric_precision);
  size_t open = column.column_type.find('(');
  return open == std::string::npos ? 1u : static_cast<unsigned>(std::atoi(column.column_type.c_str() + open + 1));
}

}  // namespace

CopyForm copy_form_of(const SourceColumn& column) {
  const std::string& type = column.data_type;
  if (type == "tinyint" || type == "smallint" || type == "mediumint" || type == "int" || type == "integer" ||
      type == "bigint" || type == "decimal" || type == "numeric")
    return CopyForm::number;
  if (type == "char" || type == "varchar" || type == "enum" || type == "set" || type == "json" || is_text_type(type))
    return CopyForm::text;
  return CopyForm::converted;
}

Value copy_value_text(const SourceColumn& column, const char* data, unsigned long length,
                      InvalidDates invalid_dates, uint32_t* invalid_values) {
  if (!data) return std::nullopt;
  const std::string_view text(data, length);
  const auto* bytes = reinterpret_cast<const uint8_t*>(data);
  const std::string& type = column.data_type;
  std::string out;

  if (type == "date" || type == "datetime" || type == "timestamp" || type == "time")
    return temporal_value(column, text, invalid_dates, invalid_values);
  if (type == "year") return std::to_string(parse_number<int>(column, text));  // "0000" -> "0"
  if (type == "float") {
    // copy_select_sql() reads FLOAT as `f` * 1e0: the exact double of the stored float.
    append_float(out, static_cast<float>(parse_number<double>(column, text)));
    return out;
  }
  if (type == "double" || type == "real") {
    append_double(out, parse_number<double>(column, text));
    return out;
  }
  if (type == "bit") {
    append_bit_string(out, bytes, length, bit_width(column));
    return out;
  }
  if (type == "vector") return vector_value(column, bytes, length);
  if (is_binary_type(type) || is_geometry_type(type)) {
    append_bytea(out, bytes, length);
    return out;
  }
  const bool textual = type == "char" || type == "varchar" || type == "enum" || type == "set" || type == "json";
  if ((textual || is_text_type(type)) && !is_valid_utf8(bytes, length))
    throw ValueError("column \"" + column.name + "\" holds bytes that are not valid " +
                         (column.character_set.empty() ? std::string("UTF-8") : column.character_set),
                     "22021");
  // Integers, decimals (with their scale, as the decoder prints them), text, ENUM, SET, JSON.
  return std::string(text);
}

std::string copy_select_sql(const SourceTable& table) {
  std::string sql = "SELECT ";
  for (size_t i = 0; i < table.columns.size(); ++i) {
    const SourceColumn& column = table.columns[i];
    if (i != 0) sql += ", ";
    sql += MysqlClient::quote_identifier(column.name);
    // The text protocol prints FLOAT with 6 significant digits; a DOUBLE is printed exactly.
    if (column.data_type == "float") sql += " * 1e0";
  }
  sql += " FROM " + MysqlClient::quote_identifier(table.schema) + "." + MysqlClient::quote_identifier(table.name);
  return sql;
}

}  // namespace mysql_sync
