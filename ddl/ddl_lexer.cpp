#include "ddl/ddl_lexer.h"

#include <cstring>

namespace mysql_sync {

namespace {

bool is_word_char(unsigned char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '$' ||
         c >= 0x80;
}
bool is_digit(char c) {
  return c >= '0' && c <= '9';
}
bool is_hex_digit(char c) {
  return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}
bool is_space(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

// What a backslash escape stands for in a MySQL string literal. \% and \_ keep their
// backslash (they are LIKE escapes).
std::string unescape(char c) {
  switch (c) {
    case '0':
      return std::string(1, '\0');
    case 'b':
      return "\b";
    case 'n':
      return "\n";
    case 'r':
      return "\r";
    case 't':
      return "\t";
    case 'Z':
      return "\032";
    case '%':
      return "\\%";
    case '_':
      return "\\_";
    default:
      return std::string(1, c);
  }
}

const char* const kLongSymbols[] = {"<=>", "->>", "<=", ">=", "<>", "!=", ":=", "||", "&&", "->", "<<", ">>"};

class Lexer {
 public:
  explicit Lexer(const std::string& sql) : s_(sql) {}

  std::vector<Token> run() {
    while (!failed_) {
      skip_space_and_comments();
      if (failed_ || i_ >= s_.size()) break;
      next_token();
    }
    Token end;
    end.kind = TokenKind::end;
    end.begin = end.end = s_.size();
    out_.push_back(end);
    return std::move(out_);
  }

 private:
  void fail(size_t at, const char* what) {
    Token t;
    t.kind = TokenKind::error;
    t.text = what;
    t.begin = at;
    t.end = s_.size();
    out_.push_back(t);
    failed_ = true;
    i_ = s_.size();
  }

  void skip_space_and_comments() {
    while (i_ < s_.size()) {
      char c = s_[i_];
      if (is_space(c)) {
        ++i_;
      } else if (c == '#') {
        skip_line();
      } else if (at("--") && (i_ + 2 >= s_.size() || static_cast<unsigned char>(s_[i_ + 2]) <= ' ')) {
        skip_line();  // MySQL needs a space (or control character) after --
      } else if (at("/*!") || at("/*M!")) {
        if (in_version_comment_) return fail(i_, "a version comment inside a version comment");
        i_ += s_[i_ + 2] == 'M' ? 4 : 3;
        while (i_ < s_.size() && is_digit(s_[i_])) ++i_;  // the version; the body is code
        in_version_comment_ = true;
      } else if (at("/*")) {
        size_t close = s_.find("*/", i_ + 2);
        if (close == std::string::npos) return fail(i_, "an unterminated comment");
        i_ = close + 2;
      } else if (in_version_comment_ && at("*/")) {
        i_ += 2;
        in_version_comment_ = false;
      } else {
        return;
      }
    }
    if (in_version_comment_) fail(s_.size(), "an unterminated version comment");
  }

  void skip_line() {
    size_t eol = s_.find('\n', i_);
    i_ = eol == std::string::npos ? s_.size() : eol + 1;
  }

  bool at(const char* text) const { return s_.compare(i_, std::strlen(text), text) == 0; }

  void push(TokenKind kind, std::string text, size_t begin) {
    Token t;
    t.kind = kind;
    t.text = std::move(text);
    t.begin = begin;
    t.end = i_;
    out_.push_back(std::move(t));
  }

  void next_token() {
    const size_t begin = i_;
    const char c = s_[i_];
    if (c == '\'' || c == '"') return quoted_string(begin, begin);
    if (c == '`') return quoted_name(begin);
    // X'41', B'101', N'text' (either case): one token.
    if ((c == 'x' || c == 'X' || c == 'b' || c == 'B' || c == 'n' || c == 'N') && i_ + 1 < s_.size() &&
        s_[i_ + 1] == '\'') {
      if (c == 'n' || c == 'N') return quoted_string(i_ + 1, begin);
      size_t close = s_.find('\'', i_ + 2);
      if (close == std::string::npos) return fail(begin, "an unterminated string");
      std::string digits = s_.substr(i_ + 2, close - i_ - 2);
      i_ = close + 1;
      return push(c == 'x' || c == 'X' ? TokenKind::hex : TokenKind::bits, std::move(digits), begin);
    }
    if (is_digit(c) || (c == '.' && i_ + 1 < s_.size() && is_digit(s_[i_ + 1]) && !after_name()))
      return number(begin);
    if (is_word_char(static_cast<unsigned char>(c))) {
      while (i_ < s_.size() && is_word_char(static_cast<unsigned char>(s_[i_]))) ++i_;
      return push(TokenKind::word, s_.substr(begin, i_ - begin), begin);
    }
    for (const char* symbol : kLongSymbols) {
      if (at(symbol)) {
        i_ += std::strlen(symbol);
        return push(TokenKind::symbol, symbol, begin);
      }
    }
    ++i_;
    push(TokenKind::symbol, std::string(1, c), begin);
  }

  // After `t.`, `1x` is a name, not a number.
  bool after_name() const {
    return !out_.empty() &&
           (out_.back().kind == TokenKind::word || out_.back().kind == TokenKind::quoted_name);
  }

  void number(size_t begin) {
    if (s_[i_] == '0' && i_ + 2 < s_.size() && (s_[i_ + 1] == 'x' || s_[i_ + 1] == 'b')) {
      const bool hex = s_[i_ + 1] == 'x';
      size_t j = i_ + 2;
      while (j < s_.size() && (hex ? is_hex_digit(s_[j]) : (s_[j] == '0' || s_[j] == '1'))) ++j;
      if (j > i_ + 2 && (j >= s_.size() || !is_word_char(static_cast<unsigned char>(s_[j])))) {
        std::string digits = s_.substr(i_ + 2, j - i_ - 2);
        i_ = j;
        return push(hex ? TokenKind::hex : TokenKind::bits, std::move(digits), begin);
      }
    }
    size_t j = i_;
    while (j < s_.size() && is_digit(s_[j])) ++j;
    bool fraction = false;
    if (j < s_.size() && s_[j] == '.') {
      fraction = true;
      ++j;
      while (j < s_.size() && is_digit(s_[j])) ++j;
    }
    if (j < s_.size() && (s_[j] == 'e' || s_[j] == 'E')) {
      size_t k = j + 1;
      if (k < s_.size() && (s_[k] == '+' || s_[k] == '-')) ++k;
      if (k < s_.size() && is_digit(s_[k])) {
        j = k;
        while (j < s_.size() && is_digit(s_[j])) ++j;
        fraction = true;
      }
    }
    if (!fraction && j < s_.size() && is_word_char(static_cast<unsigned char>(s_[j]))) {
      while (j < s_.size() && is_word_char(static_cast<unsigned char>(s_[j]))) ++j;  // 1abc is a name
      i_ = j;
      return push(TokenKind::word, s_.substr(begin, j - begin), begin);
    }
    i_ = j;
    push(TokenKind::number, s_.substr(begin, j - begin), begin);
  }

  // quote_at: the opening quote; begin: where the token starts (before an N prefix).
  void quoted_string(size_t quote_at, size_t begin) {
    const char quote = s_[quote_at];
    std::string value;
    size_t j = quote_at + 1;
    while (true) {
      if (j >= s_.size()) return fail(begin, "an unterminated string");
      char c = s_[j];
      if (c == quote) {
        if (j + 1 < s_.size() && s_[j + 1] == quote) {
          value.push_back(quote);
          j += 2;
          continue;
        }
        ++j;
        break;
      }
      if (c == '\\' && j + 1 < s_.size()) {
        value += unescape(s_[j + 1]);
        j += 2;
        continue;
      }
      value.push_back(c);
      ++j;
    }
    i_ = j;
    push(TokenKind::string, std::move(value), begin);
    out_.back().double_quoted = quote == '"';
  }

  void quoted_name(size_t begin) {
    std::string value;
    size_t j = begin + 1;
    while (true) {
      if (j >= s_.size()) return fail(begin, "an unterminated quoted identifier");
      if (s_[j] == '`') {
        if (j + 1 < s_.size() && s_[j + 1] == '`') {
          value.push_back('`');
          j += 2;
          continue;
        }
        ++j;
        break;
      }
      value.push_back(s_[j++]);
    }
    i_ = j;
    push(TokenKind::quoted_name, std::move(value), begin);
  }

  const std::string& s_;
  size_t i_ = 0;
  bool in_version_comment_ = false;
  bool failed_ = false;
  std::vector<Token> out_;
};

}  // namespace

bool Token::is_word(const char* keyword) const {
  if (kind != TokenKind::word) return false;
  size_t n = std::strlen(keyword);
  if (text.size() != n) return false;
  for (size_t i = 0; i < n; ++i) {
    char c = text[i];
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
    if (c != keyword[i]) return false;
  }
  return true;
}

std::vector<Token> tokenize(const std::string& sql) {
  return Lexer(sql).run();
}

}  // namespace mysql_sync
