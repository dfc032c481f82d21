// pg_type_of(): the contract's MySQL -> PostgreSQL type table, and ENUM/SET member parsing.
#include <string>

#include "errors.h"
#include "mysql_type_names.h"
#include "source_catalog.h"

namespace mysql_sync {

namespace {

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
        char escaped = column_type[++i];
        switch (escaped) {
          case 'n': member.push_back('\n'); break;
          case 'r': member.push_back('\r'); break;
          case 't': member.push_back('\t'); break;
          case '0': member.push_back('\0'); break;
          case 'Z': member.push_back('\032'); break;
          case 'b': member.push_back('\b'); break;
          default: member.push_back(escaped); break;
        }
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

}  // namespace mysql_sync
