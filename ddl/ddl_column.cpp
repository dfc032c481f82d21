// Column definitions of CREATE/ALTER TABLE -> SourceColumn as information_schema describes them.
// column_type follows MariaDB 10.11 (and MySQL 5.7): integers carry their display width, the
// default one when none is written ("int(11)", "int(10) unsigned", "tinyint(1)" for BOOL).
#include <cstdint>
#include <string>

#include "binlog/charset.h"
#include "ddl/ddl_cursor.h"
#include "common/errors.h"
#include "source/mysql_type_names.h"

namespace mysql_sync {

namespace {

struct IntegerType {
  const char* name;
  int signed_width, unsigned_width;
  int precision;  // information_schema NUMERIC_PRECISION
};

const IntegerType kIntegerTypes[] = {
    {"tinyint", 4, 3, 3}, {"smallint", 6, 5, 5},  {"mediumint", 9, 8, 7},
    {"int", 11, 10, 10},  {"bigint", 20, 20, 19},
};

// Synonyms of the integer types, to their canonical name.
std::string integer_name(const std::string& word) {
  if (word == "tinyint" || word == "int1") return "tinyint";
  if (word == "smallint" || word == "int2") return "smallint";
  if (word == "mediumint" || word == "int3" || word == "middleint") return "mediumint";
  if (word == "int" || word == "integer" || word == "int4") return "int";
  if (word == "bigint" || word == "int8") return "bigint";
  return {};
}

const IntegerType* integer_type(const std::string& name) {
  for (const IntegerType& t : kIntegerTypes)
    if (name == t.name) return &t;
  return nullptr;
}

int64_t parse_count(DdlCursor& cursor) {
  if (cursor.peek().kind != TokenKind::number) cursor.fail("a number");
  const std::string& text = cursor.next().text;
  if (text.find_first_not_of("0123456789") != std::string::npos || text.size() > 12)
    cursor.fail("a whole number");
  return std::stoll(text);
}

// "(n)" when present; -1 otherwise.
int64_t optional_length(DdlCursor& cursor) {
  if (!cursor.accept_symbol("(")) return -1;
  int64_t n = parse_count(cursor);
  cursor.expect_symbol(")");
  return n;
}

std::string quote_member(const std::string& member) {
  std::string out = "'";
  for (char c : member) {
    if (c == '\'')
      out += "''";
    else if (c == '\\')
      out += "\\\\";
    else
      out.push_back(c);
  }
  return out + "'";
}

size_t utf8_length(const std::string& text) {
  size_t n = 0;
  for (unsigned char c : text)
    if ((c & 0xC0) != 0x80) ++n;
  return n;
}

const char* text_type_for_bytes(int64_t bytes, bool binary) {
  if (bytes < 256) return binary ? "tinyblob" : "tinytext";
  if (bytes < 65536) return binary ? "blob" : "text";
  if (bytes < 16777216) return binary ? "mediumblob" : "mediumtext";
  return binary ? "longblob" : "longtext";
}

int64_t text_max_length(const std::string& type) {
  if (type == "tinytext" || type == "tinyblob") return 255;
  if (type == "text" || type == "blob") return 65535;
  if (type == "mediumtext" || type == "mediumblob") return 16777215;
  return 4294967295LL;
}

struct ParsedType {
  bool national = false;
  bool byte = false;         // CHAR(n) BYTE
  int64_t text_length = -1;  // TEXT(M): resolved once the charset is known
};

void finish_numeric_modifiers(DdlCursor& cursor, SourceColumn& column, bool& zerofill) {
  while (true) {
    if (cursor.accept("UNSIGNED"))
      column.is_unsigned = true;
    else if (cursor.accept("SIGNED"))
      column.is_unsigned = false;
    else if (cursor.accept("ZEROFILL"))
      zerofill = column.is_unsigned = true;
    else
      break;
  }
}

std::string sign_suffix(const SourceColumn& column, bool zerofill) {
  return std::string(column.is_unsigned ? " unsigned" : "") + (zerofill ? " zerofill" : "");
}

ParsedType parse_data_type(DdlCursor& cursor, ColumnDefinition& def) {
  SourceColumn& column = def.column;
  ParsedType parsed;
  if (!cursor.at_name() || cursor.peek().kind != TokenKind::word) cursor.fail("a data type");
  std::string word = cursor.lower_word();
  if (word == "national") {
    parsed.national = true;
    word = cursor.lower_word();
  }
  if (word == "nchar") {
    parsed.national = true;
    word = "char";
  } else if (word == "nvarchar") {
    parsed.national = true;
    word = "varchar";
  } else if (word == "character") {
    word = "char";
  } else if (word == "varcharacter") {
    word = "varchar";
  }
  if (word == "char" && (cursor.accept("VARYING") || cursor.accept("VARCHAR"))) word = "varchar";
  if (word == "double") cursor.accept("PRECISION");
  if (word == "long") {
    if (cursor.accept("VARBINARY"))
      word = "mediumblob";
    else {
      if (!cursor.accept("VARCHAR")) cursor.accept("VARCHARACTER");
      word = "mediumtext";
    }
  }

  bool zerofill = false;
  if (std::string integer = integer_name(word); !integer.empty()) {
    const IntegerType& t = *integer_type(integer);
    int64_t width = optional_length(cursor);
    finish_numeric_modifiers(cursor, column, zerofill);
    if (width < 0) width = column.is_unsigned ? t.unsigned_width : t.signed_width;
    column.data_type = integer;
    column.column_type = integer + "(" + std::to_string(width) + ")" + sign_suffix(column, zerofill);
    column.numeric_precision = integer == "bigint" && column.is_unsigned ? 20 : t.precision;
    return parsed;
  }
  if (word == "bool" || word == "boolean") {
    column.data_type = "tinyint";
    column.column_type = "tinyint(1)";
    column.numeric_precision = 3;
    return parsed;
  }
  if (word == "serial") {
    column.data_type = "bigint";
    column.column_type = "bigint(20) unsigned";
    column.is_unsigned = true;
    column.numeric_precision = 20;
    column.nullable = false;
    column.auto_increment = true;
    def.unique = true;
    return parsed;
  }
  if (word == "decimal" || word == "dec" || word == "numeric" || word == "fixed") {
    int64_t precision = 10, scale = 0;
    if (cursor.accept_symbol("(")) {
      precision = parse_count(cursor);
      if (cursor.accept_symbol(",")) scale = parse_count(cursor);
      cursor.expect_symbol(")");
    }
    finish_numeric_modifiers(cursor, column, zerofill);
    column.data_type = "decimal";
    column.numeric_precision = precision;
    column.numeric_scale = scale;
    column.column_type = "decimal(" + std::to_string(precision) + "," + std::to_string(scale) + ")" +
                         sign_suffix(column, zerofill);
    return parsed;
  }
  if (word == "float" || word == "double" || word == "real") {
    std::string type = word == "float" ? "float" : "double";
    std::string params;
    int64_t precision = type == "float" ? 12 : 22, scale = 0;
    bool has_scale = false;
    if (cursor.accept_symbol("(")) {
      int64_t m = parse_count(cursor);
      if (cursor.accept_symbol(",")) {
        scale = parse_count(cursor);
        precision = m;
        has_scale = true;
        params = "(" + std::to_string(m) + "," + std::to_string(scale) + ")";
      } else if (type == "float" && m > 24) {
        type = "double";  // FLOAT(p) with p > 24 is a DOUBLE
        precision = 22;
      }
      cursor.expect_symbol(")");
    }
    finish_numeric_modifiers(cursor, column, zerofill);
    column.data_type = type;
    column.numeric_precision = precision;
    column.numeric_scale = has_scale ? scale : 0;
    column.column_type = type + params + sign_suffix(column, zerofill);
    return parsed;
  }
  if (word == "bit") {
    int64_t width = optional_length(cursor);
    if (width < 0) width = 1;
    column.data_type = "bit";
    column.numeric_precision = width;
    column.column_type = "bit(" + std::to_string(width) + ")";
    return parsed;
  }
  if (word == "char" || word == "varchar" || word == "binary" || word == "varbinary") {
    int64_t length = optional_length(cursor);
    if (length < 0) length = (word == "char" || word == "binary") ? 1 : 0;
    if (word == "char" || word == "varchar") {
      if (cursor.accept("BYTE")) word = word == "char" ? "binary" : "varbinary";
    }
    column.data_type = word;
    column.char_max_length = length;
    column.column_type = word + "(" + std::to_string(length) + ")";
    if (word == "binary" || word == "varbinary") column.collation_id = kBinaryCollation;
    return parsed;
  }
  if (word == "text" || word == "blob") {
    parsed.text_length = optional_length(cursor);
    column.data_type = column.column_type = word;
    column.char_max_length = text_max_length(word);
    if (word == "blob") {
      if (parsed.text_length >= 0)
        column.data_type = column.column_type = text_type_for_bytes(parsed.text_length, true);
      column.char_max_length = text_max_length(column.data_type);
      column.collation_id = kBinaryCollation;
    }
    return parsed;
  }
  if (is_text_type(word) || is_binary_type(word)) {
    column.data_type = column.column_type = word;
    column.char_max_length = text_max_length(word);
    if (is_binary_type(word)) column.collation_id = kBinaryCollation;
    return parsed;
  }
  if (word == "enum" || word == "set") {
    cursor.expect_symbol("(");
    std::string members;
    size_t longest = 0;
    do {
      std::string member = cursor.string_literal("an ENUM or SET member");
      if (!members.empty()) members += ",";
      members += quote_member(member);
      longest = std::max(longest, utf8_length(member));
      column.enum_values.push_back(std::move(member));
    } while (cursor.accept_symbol(","));
    cursor.expect_symbol(")");
    column.data_type = word;
    column.column_type = word + "(" + members + ")";
    column.char_max_length = static_cast<int64_t>(longest);
    return parsed;
  }
  if (word == "date") {
    column.data_type = column.column_type = "date";
    return parsed;
  }
  if (word == "time" || word == "datetime" || word == "timestamp") {
    int64_t fsp = optional_length(cursor);
    column.data_type = word;
    column.datetime_precision = fsp < 0 ? 0 : fsp;
    column.column_type = fsp > 0 ? word + "(" + std::to_string(fsp) + ")" : word;
    return parsed;
  }
  if (word == "year") {
    optional_length(cursor);
    column.data_type = "year";
    column.column_type = "year(4)";
    return parsed;
  }
  if (word == "json") {
    column.data_type = column.column_type = "json";
    return parsed;
  }
  if (is_geometry_type(word)) {
    column.data_type = column.column_type = word;
    column.collation_id = kBinaryCollation;
    return parsed;
  }
  if (word == "vector") {
    int64_t n = optional_length(cursor);
    column.data_type = "vector";
    column.column_type = n >= 0 ? "vector(" + std::to_string(n) + ")" : "vector";
    return parsed;
  }
  // Another type (MariaDB's INET6, UUID ...): kept by name; pg_type_of() decides whether it maps.
  column.data_type = word;
  column.column_type = word;
  if (cursor.accept_symbol("(")) {
    size_t from = cursor.position() - 1;
    cursor.skip_to_close_paren();
    column.column_type += to_lower(cursor.text_since(from));
  }
  return parsed;
}

bool is_numeric_type(const std::string& type) {
  return !integer_name(type).empty() || type == "decimal" || type == "float" || type == "double" ||
         type == "year";
}

// The value of hex digits: as a number for numeric columns, b'...' for BIT, bytes otherwise.
std::string hex_or_bits_value(const std::string& digits, bool hex, const std::string& type) {
  std::string binary;
  if (hex) {
    for (char c : digits) {
      int v = c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10;
      for (int bit = 3; bit >= 0; --bit) binary.push_back(((v >> bit) & 1) ? '1' : '0');
    }
  } else {
    binary = digits;
  }
  if (type == "bit") {
    size_t first = binary.find('1');
    return "b'" + (first == std::string::npos ? std::string("0") : binary.substr(first)) + "'";
  }
  if (is_numeric_type(type)) {
    uint64_t value = 0;
    for (char c : binary) {
      if (value >> 63) break;  // too wide: keep the low bits readable rather than overflow
      value = (value << 1) | static_cast<uint64_t>(c == '1');
    }
    return std::to_string(value);
  }
  // Bytes, the leftmost byte padded on the left (0x123 = 0x0123).
  std::string bytes;
  size_t pad = (8 - binary.size() % 8) % 8;
  binary.insert(0, pad, '0');
  for (size_t i = 0; i + 8 <= binary.size(); i += 8) {
    unsigned v = 0;
    for (size_t k = 0; k < 8; ++k) v = (v << 1) | static_cast<unsigned>(binary[i + k] == '1');
    bytes.push_back(static_cast<char>(v));
  }
  return bytes;
}

bool is_operator(const Token& t) {
  return t.kind == TokenKind::symbol && !t.is_symbol(",") && !t.is_symbol(")") && !t.is_symbol("(") &&
         !t.is_symbol(";");
}

// One operand of a default expression: a literal, a name, name(args) or (expr).
void skip_operand(DdlCursor& cursor) {
  while (cursor.peek().is_symbol("-") || cursor.peek().is_symbol("+") || cursor.peek().is_symbol("~") ||
         cursor.peek().is_symbol("!"))
    cursor.next();
  if (cursor.accept_symbol("(")) return cursor.skip_to_close_paren();
  if (cursor.at_end() || cursor.peek().kind == TokenKind::error || cursor.peek().kind == TokenKind::symbol)
    cursor.fail("a value");
  cursor.next();
  if (cursor.accept_symbol("(")) cursor.skip_to_close_paren();
}

// CURRENT_TIMESTAMP and its synonyms, written the way MariaDB's COLUMN_DEFAULT shows them.
bool now_function(DdlCursor& cursor, std::string& out) {
  const Token& t = cursor.peek();
  bool now = t.is_word("CURRENT_TIMESTAMP") || t.is_word("LOCALTIME") || t.is_word("LOCALTIMESTAMP");
  bool needs_parens = t.is_word("NOW");
  bool date = t.is_word("CURRENT_DATE") || t.is_word("CURDATE");
  bool time = t.is_word("CURRENT_TIME") || t.is_word("CURTIME");
  if (!now && !needs_parens && !date && !time) return false;
  if (needs_parens && !cursor.peek(1).is_symbol("(")) return false;
  cursor.next();
  std::string precision;
  if (cursor.accept_symbol("(")) {
    if (cursor.peek().kind == TokenKind::number) precision = cursor.next().text;
    cursor.expect_symbol(")");
  }
  if (date)
    out = "curdate()";
  else if (time)
    out = "curtime(" + precision + ")";
  else
    out = "current_timestamp(" + precision + ")";
  return true;
}

}  // namespace

void parse_default_value(DdlCursor& cursor, SourceColumn& column) {
  column.default_value.reset();
  column.default_is_expression = false;
  const size_t start = cursor.position();
  if (cursor.accept_symbol("(")) {
    size_t inner = cursor.position();
    cursor.skip_to_close_paren();
    size_t after = cursor.position();
    cursor.rewind(after - 1);
    column.default_value = cursor.text_since(inner);
    cursor.rewind(after);
    column.default_is_expression = true;
    return;
  }
  std::string now;
  const Token& t = cursor.peek();
  if (now_function(cursor, now)) {
    column.default_value = now;
    column.default_is_expression = true;
  } else if (t.is_word("NULL")) {
    cursor.next();
  } else if (t.is_word("TRUE") || t.is_word("FALSE")) {
    column.default_value = t.is_word("TRUE") ? "1" : "0";
    cursor.next();
  } else if (t.kind == TokenKind::string || (t.kind == TokenKind::word && t.text.size() > 1 &&
                                             t.text[0] == '_' && cursor.peek(1).kind == TokenKind::string)) {
    column.default_value = cursor.string_literal("a default value");
  } else if ((t.is_word("DATE") || t.is_word("TIME") || t.is_word("TIMESTAMP")) &&
             cursor.peek(1).kind == TokenKind::string) {
    cursor.next();
    column.default_value = cursor.string_literal("a default value");
  } else if (t.kind == TokenKind::word && t.text.size() > 1 && t.text[0] == '_' &&
             (cursor.peek(1).kind == TokenKind::hex || cursor.peek(1).kind == TokenKind::bits)) {
    cursor.next();
    const Token& v = cursor.next();
    column.default_value = hex_or_bits_value(v.text, v.kind == TokenKind::hex, "");
  } else if (t.kind == TokenKind::hex || t.kind == TokenKind::bits) {
    cursor.next();
    column.default_value = hex_or_bits_value(t.text, t.kind == TokenKind::hex, column.data_type);
  } else if (t.kind == TokenKind::number) {
    column.default_value = cursor.next().text;
  } else if ((t.is_symbol("-") || t.is_symbol("+")) && cursor.peek(1).kind == TokenKind::number) {
    std::string sign = t.is_symbol("-") ? "-" : "";
    cursor.next();
    column.default_value = sign + cursor.next().text;
  } else {
    skip_operand(cursor);  // a function call or a name (MariaDB: DEFAULT uuid())
    column.default_value = cursor.text_since(start);
    column.default_is_expression = true;
  }
  // MariaDB takes unparenthesized expressions: DEFAULT 1 + 1.
  bool continued = false;
  while (is_operator(cursor.peek())) {
    cursor.next();
    skip_operand(cursor);
    continued = true;
  }
  if (continued) {
    column.default_value = cursor.text_since(start);
    column.default_is_expression = true;
  }
}

void parse_key_parts(DdlCursor& cursor, SourceIndex& index) {
  cursor.expect_symbol("(");
  do {
    if (cursor.accept_symbol("(")) {
      cursor.skip_to_close_paren();
      index.on_expression = true;
    } else {
      index.columns.push_back(cursor.name("a key column"));
      if (cursor.accept_symbol("(")) {
        parse_count(cursor);
        cursor.expect_symbol(")");
        index.on_prefix = true;
      }
    }
    if (!cursor.accept("ASC")) cursor.accept("DESC");
  } while (cursor.accept_symbol(","));
  cursor.expect_symbol(")");
}

std::string canonical_charset(const std::string& name) {
  std::string lower = to_lower(name);
  return lower == "utf8" ? "utf8mb3" : lower;
}

std::string canonical_collation(const std::string& name) {
  std::string lower = to_lower(name);
  if (lower.compare(0, 5, "utf8_") == 0) return "utf8mb3_" + lower.substr(5);
  return lower;
}

std::string charset_of_collation(const std::string& collation) {
  uint16_t id = collation_id_of("", canonical_collation(collation));
  const char* name = id ? charset_name(id) : nullptr;
  return name ? name : "";
}

bool is_character_column(const SourceColumn& column) {
  const std::string& t = column.data_type;
  return t == "char" || t == "varchar" || is_text_type(t) || t == "enum" || t == "set";
}

int max_bytes_per_char(const std::string& charset) {
  if (charset == "utf8mb4" || charset == "utf16" || charset == "utf16le" || charset == "utf32" ||
      charset == "gb18030")
    return 4;
  if (charset == "utf8mb3" || charset == "ujis" || charset == "eucjpms") return 3;
  if (charset == "ucs2" || charset == "big5" || charset == "gbk" || charset == "gb2312" ||
      charset == "sjis" || charset == "cp932" || charset == "euckr")
    return 2;
  return 1;
}

void settle_text_charset(SourceColumn& column, const std::string& charset_in,
                         const std::string& collation_in) {
  if (!is_character_column(column) || !column.character_set.empty()) return;
  std::string collation = canonical_collation(collation_in);
  std::string charset = charset_in.empty() ? charset_of_collation(collation) : canonical_charset(charset_in);
  if (charset.empty()) return;
  if (charset == "binary") {
    // CHAR/VARCHAR/TEXT CHARACTER SET binary are the binary types.
    const std::string& t = column.data_type;
    std::string binary = t == "char"         ? "binary"
                         : t == "varchar"    ? "varbinary"
                         : t == "tinytext"   ? "tinyblob"
                         : t == "text"       ? "blob"
                         : t == "mediumtext" ? "mediumblob"
                         : t == "longtext"   ? "longblob"
                                             : "";
    column.collation_id = kBinaryCollation;
    if (binary.empty()) {
      column.character_set = column.collation = "binary";  // ENUM/SET of binary strings
    } else {
      column.column_type = binary + column.column_type.substr(t.size());
      column.data_type = binary;
    }
    return;
  }
  column.character_set = charset;
  column.collation_id = collation_id_of(charset, collation);
  column.collation = !collation.empty() && charset_of_collation(collation) == charset
                         ? collation
                         : collation_name_of(column.collation_id);
}

ColumnDefinition parse_column_definition(DdlCursor& cursor) {
  ColumnDefinition def;
  SourceColumn& column = def.column;
  column.name = cursor.name("a column name");
  ParsedType parsed = parse_data_type(cursor, def);
  std::string charset = parsed.national ? "utf8mb3" : "", collation;
  bool binary_collation = false;
  while (true) {
    const Token& t = cursor.peek();
    if (t.kind == TokenKind::end || t.is_symbol(",") || t.is_symbol(")") || t.is_word("FIRST") ||
        t.is_word("AFTER"))
      break;
    if (cursor.accept("NOT")) {
      if (cursor.accept("SECONDARY")) continue;  // MySQL HeatWave: NOT SECONDARY
      cursor.expect("NULL");
      column.nullable = false;
    } else if (cursor.accept("NULL")) {
      column.nullable = true;
    } else if (cursor.accept("DEFAULT")) {
      parse_default_value(cursor, column);
    } else if (cursor.accept("AUTO_INCREMENT")) {
      column.auto_increment = true;
    } else if (cursor.accept("UNIQUE")) {
      cursor.accept("KEY");
      def.unique = true;
    } else if (cursor.accept("PRIMARY")) {
      cursor.expect("KEY");
      def.primary_key = true;
    } else if (cursor.accept("KEY")) {
      def.primary_key = true;
    } else if (cursor.accept("COMMENT")) {
      column.comment = cursor.string_literal("a comment string");
    } else if (cursor.accept("COLLATE")) {
      cursor.optional_equals();
      collation = cursor.string_or_name("a collation");
    } else if (cursor.peek_is("CHARACTER") || cursor.peek_is("CHARSET") ||
               (cursor.peek_is("CHAR") && cursor.peek_is("SET", 1))) {
      if (!cursor.accept("CHARSET")) {
        cursor.next();
        cursor.expect("SET");
      }
      cursor.optional_equals();
      charset = cursor.string_or_name("a character set");
    } else if (cursor.accept("BINARY")) {
      binary_collation = true;
    } else if (cursor.accept("ASCII")) {
      charset = "latin1";
    } else if (cursor.accept("UNICODE")) {
      charset = "ucs2";
    } else if (cursor.accept("GENERATED")) {
      cursor.expect("ALWAYS");
      cursor.expect("AS");
      cursor.expect_symbol("(");
      cursor.skip_to_close_paren();
      column.generated = true;
    } else if (cursor.accept("AS")) {
      cursor.expect_symbol("(");
      cursor.skip_to_close_paren();
      column.generated = true;
    } else if (cursor.accept("VIRTUAL") || cursor.accept("STORED") || cursor.accept("PERSISTENT") ||
               cursor.accept("VISIBLE") || cursor.accept("INVISIBLE") || cursor.accept("UNSIGNED") ||
               cursor.accept("SIGNED") || cursor.accept("ZEROFILL")) {
    } else if (cursor.accept("ON")) {
      cursor.expect("UPDATE");
      SourceColumn value;
      parse_default_value(cursor, value);
      column.on_update_current_timestamp =
          value.default_is_expression && value.default_value->rfind("current_timestamp", 0) == 0;
    } else if (cursor.accept("REFERENCES")) {
      // An inline REFERENCES is parsed and ignored, as MySQL and MariaDB do.
      cursor.qualified_name("a referenced table");
      if (cursor.accept_symbol("(")) cursor.skip_to_close_paren();
      while (true) {
        if (cursor.accept("MATCH")) {
          cursor.lower_word();
        } else if (cursor.accept("ON")) {
          if (!cursor.accept("DELETE")) cursor.expect("UPDATE");
          if (cursor.accept("SET") || cursor.accept("NO"))
            cursor.lower_word();
          else
            cursor.lower_word();
        } else {
          break;
        }
      }
    } else if (cursor.peek_is("CONSTRAINT") || cursor.peek_is("CHECK")) {
      if (cursor.accept("CONSTRAINT") && !cursor.peek_is("CHECK")) cursor.name("a constraint name");
      cursor.expect("CHECK");
      cursor.expect_symbol("(");
      cursor.skip_to_close_paren();
      if (cursor.accept("NOT"))
        cursor.expect("ENFORCED");
      else
        cursor.accept("ENFORCED");
    } else if (cursor.accept("COLUMN_FORMAT") || cursor.accept("STORAGE") || cursor.accept("SRID")) {
      cursor.lower_word();
    } else if (cursor.accept("COMPRESSED")) {
      if (cursor.accept_symbol("=")) cursor.lower_word();
    } else if (cursor.accept("WITH") || cursor.accept("WITHOUT")) {
      cursor.expect("SYSTEM");
      cursor.expect("VERSIONING");
    } else if (cursor.accept("SERIAL")) {
      cursor.expect("DEFAULT");
      cursor.expect("VALUE");
      column.nullable = false;
      column.auto_increment = true;
      def.unique = true;
    } else if (cursor.at_name() && cursor.peek(1).is_symbol("=")) {
      // ENGINE_ATTRIBUTE = '...', MariaDB engine-defined attributes (name = value).
      cursor.next();
      cursor.next();
      cursor.skip_value();
    } else if ((cursor.peek_is("ENGINE_ATTRIBUTE") || cursor.peek_is("SECONDARY_ENGINE_ATTRIBUTE")) &&
               cursor.peek(1).kind == TokenKind::string) {
      cursor.next();
      cursor.next();
    } else {
      cursor.fail("a column attribute");
    }
  }
  if (def.primary_key) column.nullable = false;
  if (column.generated) {
    column.default_value.reset();
    column.default_is_expression = false;
  }
  if (!charset.empty() || !collation.empty()) {
    def.explicit_charset = true;
    std::string cs = charset.empty() ? charset_of_collation(collation) : canonical_charset(charset);
    if (binary_collation && collation.empty() && !cs.empty()) collation = cs + "_bin";
    settle_text_charset(column, cs, collation);
  }
  if (parsed.text_length >= 0 && column.data_type == "text") {
    int per_char = max_bytes_per_char(column.character_set.empty() ? "utf8mb4" : column.character_set);
    column.data_type = column.column_type = text_type_for_bytes(parsed.text_length * per_char, false);
    column.char_max_length = text_max_length(column.data_type);
  }
  return def;
}

}  // namespace mysql_sync
