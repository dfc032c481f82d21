// Tokens of MySQL/MariaDB SQL text, for the DDL parser. Comments are dropped; the bodies of
// version comments (/*!50100 ... */, MariaDB's /*M!100100 ... */) are code, whatever the version:
// the server that wrote the binlog ran them. Every token carries its byte offsets in the text.
#pragma once
#include "common/cxx_zone.h"

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace mysql_sync {

enum class TokenKind : uint8_t {
  word,         // an unquoted identifier or keyword, as written
  quoted_name,  // `a``b` -> a`b
  string,       // '...' or "..." (MySQL's default sql_mode), unescaped; N'..' too
  number,       // 12, 1.5, .5e3 as written
  hex,          // 0x41 or X'41': the hex digits
  bits,         // 0b101 or B'101': the binary digits
  symbol,       // ( ) , ; . = @ and operators (<=, ->>, ...)
  error,        // an unterminated string, quoted name or comment: text says which; lexing stops
  end,          // after the last token
};

struct Token {
  TokenKind kind = TokenKind::end;
  std::string text;
  size_t begin = 0;  // byte offsets in the text: [begin, end)
  size_t end = 0;
  bool double_quoted = false;  // a string in "...": an identifier under ANSI_QUOTES

  bool is_symbol(const char* s) const { return kind == TokenKind::symbol && text == s; }
  // An unquoted word equal to `keyword` ignoring case (keyword given in upper case).
  bool is_word(const char* keyword) const;
};

// The tokens of `sql`, ending with one `end` token (after an `error` token if lexing failed).
std::vector<Token> tokenize(const std::string& sql);

}  // namespace mysql_sync
