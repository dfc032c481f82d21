#include "ddl/ddl_guard.h"

#include <algorithm>
#include <cctype>
#include <vector>

namespace mysql_sync {
namespace {

struct Token {
  std::string text;
  bool quoted = false;  // backquoted identifier
  bool dot = false;     // a '.' token
};

std::vector<Token> tokenize(const std::string& sql) {
  std::vector<Token> tokens;
  size_t i = 0, n = sql.size();
  while (i < n) {
    char c = sql[i];
    if (std::isspace(static_cast<unsigned char>(c))) {
      i++;
    } else if (c == '#' || (c == '-' && i + 2 <= n && sql[i + 1] == '-' &&
                            (i + 2 == n || std::isspace(static_cast<unsigned char>(sql[i + 2]))))) {
      while (i < n && sql[i] != '\n') i++;
    } else if (c == '/' && i + 1 < n && sql[i + 1] == '*') {
      if (i + 2 < n && sql[i + 2] == '!') {
        i += 3;  // version comment: its body is code
        while (i < n && std::isdigit(static_cast<unsigned char>(sql[i]))) i++;
      } else {
        size_t end = sql.find("*/", i + 2);
        i = end == std::string::npos ? n : end + 2;
      }
    } else if (c == '*' && i + 1 < n && sql[i + 1] == '/') {
      i += 2;  // end of a version comment
    } else if (c == '\'' || c == '"') {
      i++;
      while (i < n && sql[i] != c) i += (sql[i] == '\\' && i + 1 < n) ? 2 : 1;
      i++;
    } else if (c == '`') {
      Token t;
      t.quoted = true;
      i++;
      while (i < n) {
        if (sql[i] == '`') {
          if (i + 1 < n && sql[i + 1] == '`') {
            t.text += '`';
            i += 2;
            continue;
          }
          break;
        }
        t.text += sql[i++];
      }
      i++;
      tokens.push_back(std::move(t));
    } else if (c == '.') {
      Token t;
      t.dot = true;
      tokens.push_back(t);
      i++;
    } else if (std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '$' ||
               static_cast<unsigned char>(c) >= 0x80) {
      Token t;
      while (i < n && (std::isalnum(static_cast<unsigned char>(sql[i])) || sql[i] == '_' || sql[i] == '$' ||
                       static_cast<unsigned char>(sql[i]) >= 0x80))
        t.text += sql[i++];
      tokens.push_back(std::move(t));
    } else {
      i++;
    }
  }
  return tokens;
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
  std::vector<Token> tokens = tokenize(sql);
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
