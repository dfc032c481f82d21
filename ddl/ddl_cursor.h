// Internal to the DDL parser: a cursor over the tokens of one statement, with the small helpers
// every grammar rule uses, and the 42601 error that names the offset.
#pragma once
#include "common/cxx_zone.h"

#include <string>
#include <vector>

#include "ddl/ddl_lexer.h"
#include "ddl/ddl_parser.h"

namespace mysql_sync {

class DdlCursor {
 public:
  // tokens: one statement's tokens followed by an `end` token; sql: the whole query text.
  DdlCursor(const std::vector<Token>& tokens, const std::string& sql, size_t statement_begin,
            size_t statement_end, std::string default_db);

  const Token& peek(size_t ahead = 0) const;
  const Token& next();  // returns the current token and moves on (never past `end`)
  size_t position() const { return at_; }
  void rewind(size_t position) { at_ = position; }
  bool at_end() const { return peek().kind == TokenKind::end; }
  // The statement text from the start of token `from` to the end of the previous token.
  std::string text_since(size_t from) const;
  const std::string& default_db() const { return default_db_; }

  bool accept(const char* keyword);  // an unquoted word
  bool accept_symbol(const char* symbol);
  void expect(const char* keyword);
  void expect_symbol(const char* symbol);
  bool peek_is(const char* keyword, size_t ahead = 0) const { return peek(ahead).is_word(keyword); }

  // True when the current token can be a name: a word, a `quoted name`, or a "string" (an
  // identifier under ANSI_QUOTES; never a string in a name position otherwise).
  bool at_name(size_t ahead = 0) const;
  std::string name(const char* what);
  QualifiedName qualified_name(const char* what);
  std::string string_literal(const char* what);  // 'a' 'b' concatenates, as in MySQL
  // An option value written either way: CHARSET 'utf8mb4' or CHARSET utf8mb4.
  std::string string_or_name(const char* what) {
    return peek().kind == TokenKind::string ? string_literal(what) : name(what);
  }
  // `=` is optional before the value of most options.
  void optional_equals() { accept_symbol("="); }
  // Skips one value: a token, or a parenthesized group.
  void skip_value();
  // After an opening parenthesis: skips to the matching one and consumes it.
  void skip_to_close_paren();
  // Skips tokens up to (not including) a `,` or `)` outside parentheses, or the end.
  void skip_to_comma_or_close();
  void skip_rest() {
    while (!at_end()) next();
  }
  std::string lower_word();  // the current token as a lower-case word, consumed

  [[noreturn]] void fail(const std::string& expected) const;

 private:
  const std::vector<Token>& tokens_;
  const std::string& sql_;
  size_t statement_begin_, statement_end_;
  std::string default_db_;
  size_t at_ = 0;
};

std::string to_lower(std::string text);
std::string to_upper(std::string text);
bool iequals(const std::string& a, const std::string& b);

// Column definitions and key parts (ddl_column.cpp).
struct ColumnDefinition {
  SourceColumn column;
  bool primary_key = false;  // inline PRIMARY KEY (or KEY)
  bool unique = false;       // inline UNIQUE [KEY], SERIAL
  bool explicit_charset = false;
};
// name data_type attributes...; stops before `,`, `)`, FIRST, AFTER or the end.
ColumnDefinition parse_column_definition(DdlCursor& cursor);
// `(a, b(10) DESC, (expr))` into index.columns, on_prefix, on_expression.
void parse_key_parts(DdlCursor& cursor, SourceIndex& index);
// A default or SET DEFAULT value into column.default_value / default_is_expression; the data
// type (already in `column`) decides how hex and bit literals read.
void parse_default_value(DdlCursor& cursor, SourceColumn& column);
// CHARACTER SET x / COLLATE y names as information_schema spells them: lower case, utf8 -> utf8mb3.
std::string canonical_charset(const std::string& name);
std::string canonical_collation(const std::string& name);
std::string charset_of_collation(const std::string& collation);
// Fills character_set/collation/collation_id of a text column that has none from `charset`
// (and `collation` when given); converts CHAR/VARCHAR/TEXT of charset binary to the binary types.
void settle_text_charset(SourceColumn& column, const std::string& charset, const std::string& collation);
bool is_character_column(const SourceColumn& column);  // char, varchar, *text, enum, set
int max_bytes_per_char(const std::string& charset);

}  // namespace mysql_sync
