#include "ddl/ddl_guard.h"

#include <algorithm>
#include <cctype>
#include <vector>

#include "ddl/ddl_lexer.h"

namespace mysql_sync {
namespace {

// The statement's names and dots, from the one SQL lexer (ddl/ddl_lexer.h): comments dropped,
// version comments (/*!50100 ..*/, MariaDB's /*M!100100 ..*/) read as code, strings skipped.
struct NameToken {
  std::string text;
  bool quoted = false;  // backquoted identifier
  bool dot = false;     // a '.' token
};

std::vector<NameToken> name_tokens(const std::string& sql) {
  std::vector<NameToken> out;
  for (const Token& token : tokenize(sql)) {
    if (token.kind == TokenKind::word || token.kind == TokenKind::quoted_name) {
      NameToken t;
      t.text = token.text;
      t.quoted = token.kind == TokenKind::quoted_name;
      out.push_back(std::move(t));
    } else if (token.is_symbol(".")) {
      NameToken t;
      t.dot = true;
      out.push_back(std::move(t));
    } else if (token.kind == TokenKind::error || token.kind == TokenKind::end) {
      break;
    }
  }
  return out;
}

std::string upper(const std::string& s) {
  std::string out = s;
  std::transform(out.begin(), out.end(), out.begin(), [](unsigned char ch) { return std::toupper(ch); });
  return out;
}

}  // namespace

std::string synced_table_in_statement(
    const std::string& sql, const std::string& default_db,
    const std::function<bool(const std::string&, const std::string&)>& is_synced,
    const std::function<bool(const std::string&)>& has_synced_tables) {
  std::vector<NameToken> tokens = name_tokens(sql);
  if (tokens.empty()) return "";
  const std::string first = upper(tokens[0].text);
  static const char* const harmless[] = {"ANALYZE", "OPTIMIZE", "REPAIR",  "CHECK",    "FLUSH", "GRANT",
                                         "REVOKE",  "SAVEPOINT", "RELEASE", "SET",      "BEGIN", "COMMIT",
                                         "ROLLBACK", "XA",       "SHOW",    "CHECKSUM", "USE"};
  if (!tokens[0].quoted)
    for (const char* word : harmless)
      if (first == word) return "";

  // DROP/ALTER/CREATE DATABASE|SCHEMA touches every synced table in it.
  if (tokens.size() >= 3 && (first == "DROP" || first == "ALTER") && !tokens[1].quoted) {
    const std::string second = upper(tokens[1].text);
    if (second == "DATABASE" || second == "SCHEMA") {
      size_t k = 2;
      if (k + 1 < tokens.size() && upper(tokens[k].text) == "IF") k += 2;  // IF EXISTS
      if (k < tokens.size() && has_synced_tables(tokens[k].text)) return tokens[k].text + ".*";
      return "";
    }
  }

  for (size_t k = 0; k < tokens.size(); k++) {
    if (tokens[k].dot) continue;
    if (k + 2 < tokens.size() && tokens[k + 1].dot && !tokens[k + 2].dot) {
      if (is_synced(tokens[k].text, tokens[k + 2].text)) return tokens[k].text + "." + tokens[k + 2].text;
      k += 2;
      continue;
    }
    bool after_dot = k > 0 && tokens[k - 1].dot;
    if (!after_dot && !default_db.empty() && is_synced(default_db, tokens[k].text))
      return default_db + "." + tokens[k].text;
  }
  return "";
}

}  // namespace mysql_sync
