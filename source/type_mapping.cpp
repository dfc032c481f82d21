// pg_type_of(): the contract's MySQL -> PostgreSQL type table, and ENUM/SET member parsing.
#include <cctype>
#include <string>

#include "common/errors.h"
#include "source/mysql_type_names.h"
#include "source/source_catalog.h"

namespace mysql_sync {

namespace {

// The character a MySQL string-literal backslash escape stands for (\n, \0, \Z ...; any other
// character stands for itself).
char unescaped(char escape) {
  switch (escape) {
    case 'n': return '\n';
    case 'r': return '\r';
    case 't': return '\t';
    case '0': return '\0';
    case 'Z': return '\032';
    case 'b': return '\b';
    default: return escape;
  }
}

// The n of "bit(n)", "char(n)"... from COLUMN_TYPE, or `fallback` when it has none.
int64_t parenthesized_length(const std::string& column_type, int64_t fallback) {
  size_t open = column_type.find('(');
  if (open == std::string::npos) return fallback;
  int64_t value = 0;
  bool any = false;
  for (size_t i = open + 1; i < column_type.size() && column_type[i] >= '0' && column_type[i] <= '9'; ++i) {
    value = value * 10 + (column_type[i] - '0');
    any = true;
  }
  return any ? value : fallback;
}

std::string with_precision(const char* base, int64_t fsp, const char* suffix) {
  if (fsp < 0) fsp = 0;
  if (fsp > 6) fsp = 6;
  return std::string(base) + "(" + std::to_string(fsp) + ")" + suffix;
}

bool is_one_of(const std::string& value, std::initializer_list<const char*> names) {
  for (const char* name : names)
    if (value == name) return true;
  return false;
}

}  // namespace

bool is_text_type(const std::string& type) {
  return is_one_of(type, {"tinytext", "text", "mediumtext", "longtext"});
}

bool is_binary_type(const std::string& type) {
  return is_one_of(type, {"binary", "varbinary", "tinyblob", "blob", "mediumblob", "longblob"});
}

bool is_geometry_type(const std::string& type) {
  return is_one_of(type, {"geometry", "point", "linestring", "polygon", "multipoint", "multilinestring",
                          "multipolygon", "geometrycollection", "geomcollection"});
}

std::vector<std::string> parse_enum_members(const std::string& column_type) {
  // COLUMN_TYPE quotes each member in '...', doubling quotes and escaping with backslashes
  // (MariaDB writes \\ \n \0 and '' as seen in information_schema).
  std::vector<std::string> members;
  size_t i = column_type.find('(');
  if (i == std::string::npos) return members;
  ++i;
  while (i < column_type.size()) {
    char c = column_type[i];
    if (c == ')') break;
    if (c == ',' || c == ' ') {
      ++i;
      continue;
    }
    if (c != '\'') throw SyncError("XX000", "cannot parse the members of " + column_type);
    std::string member;
    ++i;
    for (;; ++i) {
      if (i >= column_type.size()) throw SyncError("XX000", "unterminated member in " + column_type);
      c = column_type[i];
      if (c == '\'') {
        if (i + 1 < column_type.size() && column_type[i + 1] == '\'') {
          member.push_back('\'');
          ++i;
          continue;
        }
        ++i;
        break;
      }
      if (c == '\\' && i + 1 < column_type.size()) {
        member.push_back(unescaped(column_type[++i]));
        continue;
      }
      member.push_back(c);
    }
    members.push_back(std::move(member));
  }
  return members;
}

std::string pg_type_of(const SourceColumn& column) {
  const std::string& type = column.data_type;
  const bool is_unsigned = column.is_unsigned;
  if (type == "tinyint") return "smallint";
  if (type == "smallint") return is_unsigned ? "integer" : "smallint";
  if (type == "mediumint") return "integer";
  if (type == "int" || type == "integer") return is_unsigned ? "bigint" : "integer";
  if (type == "bigint") return is_unsigned ? "numeric(20,0)" : "bigint";
  if (type == "decimal" || type == "numeric")
    return "numeric(" + std::to_string(column.numeric_precision) + "," + std::to_string(column.numeric_scale) + ")";
  if (type == "float") return "real";
  if (type == "double" || type == "double precision" || type == "real") return "double precision";
  if (type == "bit") return "bit(" + std::to_string(parenthesized_length(column.column_type, 1)) + ")";
  if (type == "char" || type == "varchar") {
    int64_t length = column.char_max_length > 0 ? column.char_max_length
                                                : parenthesized_length(column.column_type, 0);
    // char(0)/varchar(0) hold only '' (or NULL); PostgreSQL has no zero length.
    if (length <= 0) return "text";
    return type == "char" ? "char(" + std::to_string(length) + ")" : "varchar(" + std::to_string(length) + ")";
  }
  if (is_text_type(type)) return column.is_json_text ? "jsonb" : "text";
  if (is_binary_type(type) || is_geometry_type(type)) return "bytea";
  if (type == "enum" || type == "set") return "text";
  if (type == "date") return "date";
  if (type == "datetime") return with_precision("timestamp", column.datetime_precision, " without time zone");
  if (type == "timestamp") return with_precision("timestamp", column.datetime_precision, " with time zone");
  if (type == "time") return "interval";
  if (type == "year") return "smallint";
  if (type == "json") return "jsonb";
  if (type == "vector") return "real[]";
  throw SyncError("0A000",
                  "column \"" + column.name + "\" has the MySQL type " + column.column_type +
                      ", which has no PostgreSQL mapping",
                  "Leave the table out of objects, or change the column's type on the source.");
}

namespace {

std::string lowered(std::string text) {
  for (char& c : text) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return text;
}

bool is_number_text(const std::string& text) {
  if (text.empty()) return false;
  size_t i = (text[0] == '-' || text[0] == '+') ? 1 : 0;
  bool digit = false;
  for (; i < text.size(); ++i) {
    char c = text[i];
    if (c >= '0' && c <= '9') digit = true;
    else if (c != '.' && c != 'e' && c != 'E' && c != '-' && c != '+') return false;
  }
  return digit;
}

// 'it''s' (MariaDB also writes backslash escapes) -> it's
std::string unquote(const std::string& quoted) {
  std::string out;
  for (size_t i = 1; i + 1 < quoted.size(); ++i) {
    char c = quoted[i];
    if (c == '\'' && i + 2 < quoted.size() && quoted[i + 1] == '\'') {
      out.push_back('\'');
      ++i;
    } else if (c == '\\' && i + 2 < quoted.size()) {
      out.push_back(unescaped(quoted[++i]));
    } else {
      out.push_back(c);
    }
  }
  return out;
}

}  // namespace

void parse_mariadb_default(const std::optional<std::string>& cell, SourceColumn& column) {
  column.default_value.reset();
  column.default_is_expression = false;
  if (!cell || *cell == "NULL") return;
  const std::string& text = *cell;
  if (text.size() >= 2 && text.front() == '\'' && text.back() == '\'') {
    column.default_value = unquote(text);
  } else if (text.size() >= 3 && (text[0] == 'b' || text[0] == 'B') && text[1] == '\'' && text.back() == '\'') {
    column.default_value = text;  // b'101': a BIT literal, read by pg_default_of
  } else if (is_number_text(text)) {
    column.default_value = text;
  } else {
    column.default_value = text;
    column.default_is_expression = true;
  }
}

PgDefault pg_default_of(const SourceColumn& column) {
  PgDefault out;
  if (!column.default_value || column.generated || column.auto_increment) return out;
  const std::string& value = *column.default_value;
  const std::string& type = column.data_type;
  if (column.default_is_expression) {
    std::string e = lowered(value);
    bool now = e.rfind("current_timestamp", 0) == 0 || e.rfind("now(", 0) == 0 ||
               e.rfind("localtimestamp", 0) == 0 || e.rfind("localtime", 0) == 0;
    if (now && type == "timestamp") out = {PgDefault::Kind::expression, "CURRENT_TIMESTAMP"};
    else if (now && type == "datetime") out = {PgDefault::Kind::expression, "LOCALTIMESTAMP"};
    else if ((e == "curdate()" || e.rfind("current_date", 0) == 0) && type == "date")
      out = {PgDefault::Kind::expression, "CURRENT_DATE"};
    return out;  // other expressions have no faithful translation
  }
  // A TIMESTAMP literal was given in the session time zone of the DDL, unknown here.
  if (type == "timestamp") return out;
  if (type == "bit") {
    std::string bits;
    if (value.size() >= 3 && (value[0] == 'b' || value[0] == 'B') && value[1] == '\'') {
      bits = value.substr(2, value.size() - 3);
    } else if (is_number_text(value) && value.find_first_not_of("0123456789") == std::string::npos) {
      unsigned long long n = std::strtoull(value.c_str(), nullptr, 10);
      for (; n; n >>= 1) bits.insert(bits.begin(), static_cast<char>('0' + (n & 1)));
    } else {
      return out;
    }
    int64_t width = parenthesized_length(column.column_type, 1);
    if (bits.find_first_not_of("01") != std::string::npos || static_cast<int64_t>(bits.size()) > width) return out;
    bits.insert(0, static_cast<size_t>(width) - bits.size(), '0');
    return {PgDefault::Kind::literal, bits};
  }
  try {
    uint32_t invalid = 0;
    Value text = copy_value_text(column, value.data(), value.size(), InvalidDates::to_null, &invalid);
    if (!text || invalid) return out;  // a zero date: no default rather than a wrong one
    out = {PgDefault::Kind::literal, *text};
  } catch (const std::exception&) {
    // Not representable: no default.
  }
  return out;
}

}  // namespace mysql_sync
