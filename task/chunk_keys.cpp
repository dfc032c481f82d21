#include "task/chunk_keys.h"

#include "common/errors.h"
#include "common/hex.h"
#include "source/mysql_client.h"

namespace mysql_sync {

namespace {

bool one_of(const std::string& type, std::initializer_list<const char*> names) {
  for (const char* name : names)
    if (type == name) return true;
  return false;
}

std::optional<KeyLiteral> literal_of(const SourceColumn& column) {
  const std::string& type = column.data_type;
  if (one_of(type, {"tinyint", "smallint", "mediumint", "int", "integer", "bigint", "decimal", "numeric",
                    "float", "double", "real", "year"}))
    return KeyLiteral::number;
  if (one_of(type, {"char", "varchar", "tinytext", "text", "mediumtext", "longtext", "date", "datetime",
                    "timestamp", "time"}))
    return KeyLiteral::string;
  if (one_of(type, {"binary", "varbinary", "tinyblob", "blob", "mediumblob", "longblob"}))
    return KeyLiteral::binary;
  if (type == "enum") return KeyLiteral::enumeration;
  if (type == "set") return KeyLiteral::set;
  if (type == "bit") return KeyLiteral::bit;
  return std::nullopt;
}

bool is_integer_type(const std::string& type) {
  return one_of(type, {"tinyint", "smallint", "mediumint", "int", "integer", "bigint"});
}

[[noreturn]] void bad_value(const SourceTable& table, const SourceColumn& column, const std::string& why) {
  throw SyncError("22000",
                  "key column \"" + column.name + "\" of " + table.schema + "." + table.name + ": " + why,
                  "resync_table copies the table again.");
}

int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// A signed 128-bit integer from an integer text (every MySQL integer fits).
bool parse_int128(const std::string& text, __int128* out) {
  size_t i = 0;
  bool negative = !text.empty() && text[0] == '-';
  if (negative || (!text.empty() && text[0] == '+')) i = 1;
  if (i == text.size() || text.size() > 22) return false;
  __int128 value = 0;
  for (; i < text.size(); i++) {
    if (text[i] < '0' || text[i] > '9') return false;
    value = value * 10 + (text[i] - '0');
  }
  *out = negative ? -value : value;
  return true;
}

std::string int128_text(__int128 value) {
  if (value == 0) return "0";
  bool negative = value < 0;
  unsigned __int128 magnitude = negative ? (unsigned __int128)(-(value + 1)) + 1 : (unsigned __int128)value;
  std::string digits;
  while (magnitude > 0) {
    digits.insert(digits.begin(), char('0' + int(magnitude % 10)));
    magnitude /= 10;
  }
  return negative ? "-" + digits : digits;
}

// Characters of a number as the source prints one (digits, sign, point, exponent).
bool is_number_text(const std::string& text) {
  if (text.empty()) return false;
  for (char c : text)
    if (!((c >= '0' && c <= '9') || c == '-' || c == '+' || c == '.' || c == 'e' || c == 'E')) return false;
  return true;
}

}  // namespace

KeyPaging key_paging(const SourceTable& table, const std::vector<std::string>& key) {
  KeyPaging paging;
  if (key.empty()) {
    paging.unpaged_reason = "it has no key";
    return paging;
  }
  for (const std::string& name : key) {
    size_t c = 0;
    while (c < table.columns.size() && table.columns[c].name != name) c++;
    if (c == table.columns.size()) {
      paging.columns.clear();
      paging.unpaged_reason = "its key column \"" + name + "\" is not copied";
      return paging;
    }
    const SourceColumn& column = table.columns[c];
    std::optional<KeyLiteral> literal = literal_of(column);
    if (!literal || column.nullable) {
      paging.columns.clear();
      paging.unpaged_reason = "its key column \"" + name + "\" (" + column.column_type + ")" +
                              (literal ? " may be NULL" : " cannot be compared in a WHERE clause");
      return paging;
    }
    paging.columns.push_back(KeyColumn{c, *literal});
  }
  paging.splittable = is_integer_type(table.columns[paging.columns[0].column].data_type);
  return paging;
}

std::string key_literal(const SourceTable& table, const KeyColumn& key, const std::string& value,
                        const QuoteString& quote) {
  const SourceColumn& column = table.columns[key.column];
  switch (key.literal) {
    case KeyLiteral::number:
      if (!is_number_text(value)) bad_value(table, column, "\"" + value + "\" is not a number");
      return value;
    case KeyLiteral::string:
      return quote(value);
    case KeyLiteral::binary:
      return "X'" + hex_of(value) + "'";
    case KeyLiteral::enumeration:
      for (size_t i = 0; i < column.enum_values.size(); i++)
        if (column.enum_values[i] == value) return std::to_string(i + 1);
      if (value.empty()) return "0";  // the error member '' of a non-strict insert
      bad_value(table, column, "\"" + value + "\" is not one of its ENUM members");
    case KeyLiteral::set: {
      unsigned long long mask = 0;
      size_t start = 0;
      while (start < value.size()) {
        size_t comma = value.find(',', start);
        std::string member =
            value.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
        size_t i = 0;
        while (i < column.enum_values.size() && column.enum_values[i] != member) i++;
        if (i == column.enum_values.size() || i >= 64)
          bad_value(table, column, "\"" + member + "\" is not one of its SET members");
        mask |= 1ULL << i;
        if (comma == std::string::npos) break;
        start = comma + 1;
      }
      return std::to_string(mask);
    }
    case KeyLiteral::bit: {
      if (value.size() > 8) bad_value(table, column, "a BIT value of more than 64 bits");
      unsigned long long number = 0;
      for (unsigned char c : value) number = number << 8 | c;
      return std::to_string(number);
    }
  }
  bad_value(table, column, "unknown key type");
}

std::string chunk_select_sql(const SourceTable& table, const KeyPaging& paging, const ChunkRange& range,
                             uint64_t limit, const QuoteString& quote) {
  std::string sql = copy_select_sql(table);
  if (!paging.paged()) return sql;
  auto name = [&](size_t k) {
    return MysqlClient::quote_identifier(table.columns[paging.columns[k].column].name);
  };
  std::vector<std::string> where;
  if (!range.after.empty()) {
    if (range.after.size() != paging.columns.size())
      throw SyncError("XX000", "a stored key of " + table.schema + "." + table.name + " has " +
                                   std::to_string(range.after.size()) + " values for a key of " +
                                   std::to_string(paging.columns.size()) + " columns");
    // (k1, k2, k3) > (v1, v2, v3) as k1 >= v1 AND (k1 > v1 OR (k2 > v2 OR (k2 = v2 AND k3 > v3)))
    // with k1 = v1 implied inside: the range optimizers of MySQL and MariaDB read it as a range
    // of the key's index (MariaDB does not for the row constructor itself).
    std::vector<std::string> values;
    for (size_t k = 0; k < paging.columns.size(); k++)
      values.push_back(key_literal(table, paging.columns[k], range.after[k], quote));
    std::string tail = name(paging.columns.size() - 1) + " > " + values.back();
    for (size_t k = paging.columns.size() - 1; k-- > 1;)
      tail = name(k) + " > " + values[k] + " OR (" + name(k) + " = " + values[k] + " AND (" + tail + "))";
    if (paging.columns.size() == 1)
      where.push_back(tail);
    else
      where.push_back(name(0) + " >= " + values[0] + " AND (" + name(0) + " > " + values[0] + " OR (" + tail +
                      "))");
  } else if (range.from) {
    where.push_back(name(0) + " > " + key_literal(table, paging.columns[0], *range.from, quote));
  }
  if (range.upto)
    where.push_back(name(0) + " <= " + key_literal(table, paging.columns[0], *range.upto, quote));
  for (size_t i = 0; i < where.size(); i++) sql += (i ? " AND (" : " WHERE (") + where[i] + ")";
  sql += " ORDER BY ";
  for (size_t k = 0; k < paging.columns.size(); k++) sql += (k ? ", " : "") + name(k);
  sql += " LIMIT " + std::to_string(limit);
  return sql;
}

std::string key_bounds_sql(const SourceTable& table, const KeyPaging& paging) {
  std::string first = MysqlClient::quote_identifier(table.columns[paging.columns.at(0).column].name);
  return "SELECT MIN(" + first + "), MAX(" + first + ") FROM " + MysqlClient::quote_identifier(table.schema) +
         "." + MysqlClient::quote_identifier(table.name);
}

std::vector<std::string> split_points(const std::string& min, const std::string& max, int parts) {
  std::vector<std::string> out;
  __int128 low, high;
  if (parts < 2 || !parse_int128(min, &low) || !parse_int128(max, &high) || high <= low) return out;
  __int128 span = high - low;
  __int128 previous = low;
  for (int p = 1; p < parts; p++) {
    __int128 point = low + span * p / parts;
    if (point <= previous || point >= high) continue;
    out.push_back(int128_text(point));
    previous = point;
  }
  return out;
}

std::string stored_key_value(KeyLiteral literal, const std::string& value) {
  return literal == KeyLiteral::binary || literal == KeyLiteral::bit ? hex_of(value) : value;
}

std::string loaded_key_value(KeyLiteral literal, const std::string& stored) {
  if (literal != KeyLiteral::binary && literal != KeyLiteral::bit) return stored;
  std::string out;
  for (size_t i = 0; i + 1 < stored.size(); i += 2) {
    int high = hex_digit(stored[i]), low = hex_digit(stored[i + 1]);
    if (high < 0 || low < 0 || stored.size() % 2 != 0)
      throw SyncError("XX000", "table_state.backfill holds a malformed binary key \"" + stored + "\"");
    out += char(high << 4 | low);
  }
  return out;
}

}  // namespace mysql_sync
