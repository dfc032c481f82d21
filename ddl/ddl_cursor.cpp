#include "ddl/ddl_cursor.h"

#include <cctype>

#include "common/errors.h"

namespace mysql_sync {

std::string to_lower(std::string text) {
  for (char& c : text) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return text;
}

std::string to_upper(std::string text) {
  for (char& c : text) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return text;
}

bool iequals(const std::string& a, const std::string& b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i)
    if (std::tolower(static_cast<unsigned char>(a[i])) != std::tolower(static_cast<unsigned char>(b[i])))
      return false;
  return true;
}

DdlCursor::DdlCursor(const std::vector<Token>& tokens, const std::string& sql, size_t statement_begin,
                     size_t statement_end, std::string default_db)
    : tokens_(tokens),
      sql_(sql),
      statement_begin_(statement_begin),
      statement_end_(statement_end),
      default_db_(std::move(default_db)) {}

const Token& DdlCursor::peek(size_t ahead) const {
  size_t i = at_ + ahead;
  return i < tokens_.size() ? tokens_[i] : tokens_.back();
}

const Token& DdlCursor::next() {
  const Token& t = peek();
  if (t.kind != TokenKind::end) ++at_;
  return t;
}

std::string DdlCursor::text_since(size_t from) const {
  if (from >= at_ || from >= tokens_.size()) return {};
  size_t begin = tokens_[from].begin, end = tokens_[at_ - 1].end;
  return end > begin ? sql_.substr(begin, end - begin) : std::string();
}

bool DdlCursor::accept(const char* keyword) {
  if (!peek().is_word(keyword)) return false;
  next();
  return true;
}

bool DdlCursor::accept_symbol(const char* symbol) {
  if (!peek().is_symbol(symbol)) return false;
  next();
  return true;
}

void DdlCursor::expect(const char* keyword) {
  if (!accept(keyword)) fail(keyword);
}

void DdlCursor::expect_symbol(const char* symbol) {
  if (!accept_symbol(symbol)) fail(std::string("\"") + symbol + "\"");
}

bool DdlCursor::at_name(size_t ahead) const {
  const Token& t = peek(ahead);
  return t.kind == TokenKind::word || t.kind == TokenKind::quoted_name ||
         (t.kind == TokenKind::string && t.double_quoted);
}

std::string DdlCursor::name(const char* what) {
  if (!at_name()) fail(what);
  return next().text;
}

QualifiedName DdlCursor::qualified_name(const char* what) {
  QualifiedName out;
  out.name = name(what);
  if (peek().is_symbol(".") && at_name(1)) {
    next();
    out.schema = std::move(out.name);
    out.name = name(what);
  } else {
    out.schema = default_db_;
  }
  return out;
}

std::string DdlCursor::string_literal(const char* what) {
  // A charset introducer: _utf8mb4'x'.
  if (peek().kind == TokenKind::word && peek().text.size() > 1 && peek().text[0] == '_' &&
      peek(1).kind == TokenKind::string)
    next();
  if (peek().kind != TokenKind::string) fail(what);
  std::string value = next().text;
  while (peek().kind == TokenKind::string && !peek().double_quoted) value += next().text;
  return value;
}

void DdlCursor::skip_value() {
  if (accept_symbol("(")) return skip_to_close_paren();
  if (at_end()) fail("a value");
  next();
}

void DdlCursor::skip_to_close_paren() {
  int depth = 1;
  while (depth > 0) {
    const Token& t = next();
    if (t.kind == TokenKind::end || t.kind == TokenKind::error) fail("\")\"");
    if (t.is_symbol("(")) ++depth;
    if (t.is_symbol(")")) --depth;
  }
}

void DdlCursor::skip_to_comma_or_close() {
  while (!at_end() && !peek().is_symbol(",") && !peek().is_symbol(")")) {
    if (peek().kind == TokenKind::error) fail("the end of the clause");
    if (accept_symbol("("))
      skip_to_close_paren();
    else
      next();
  }
}

std::string DdlCursor::lower_word() {
  if (!at_name() && peek().kind != TokenKind::number) fail("a word");
  return to_lower(next().text);
}

void DdlCursor::fail(const std::string& expected) const {
  const Token& t = peek();
  std::string near;
  if (t.kind == TokenKind::end) {
    near = "the end of the statement";
  } else if (t.kind == TokenKind::error) {
    near = t.text;
  } else {
    near = "\"" + sql_.substr(t.begin, std::min<size_t>(t.end - t.begin, 40)) + "\"";
  }
  std::string statement = sql_.substr(statement_begin_, statement_end_ - statement_begin_);
  if (statement.size() > 300) statement = statement.substr(0, 300) + "...";
  throw SyncError("42601",
                  "cannot parse the table DDL at offset " + std::to_string(t.begin) + ": expected " +
                      expected + ", found " + near + " in: " + statement,
                  "mysql_sync stops rather than skip a change to a table's shape; report the statement.");
}

}  // namespace mysql_sync
