#include "source/object_patterns.h"

#include "common/errors.h"

namespace mysql_sync {

namespace {

bool is_wildcard(char c) { return c == '*' || c == '%'; }

}  // namespace

bool wildcard_match(const std::string& pattern, const std::string& text) {
  // Greedy matching with one backtrack point: the last wildcard seen retries one character later.
  size_t p = 0, t = 0;
  size_t star = std::string::npos, star_text = 0;
  while (t < text.size()) {
    if (p < pattern.size() && is_wildcard(pattern[p])) {
      star = p++;
      star_text = t;
    } else if (p < pattern.size() && pattern[p] == text[t]) {
      ++p;
      ++t;
    } else if (star != std::string::npos) {
      p = star + 1;
      t = ++star_text;
    } else {
      return false;
    }
  }
  while (p < pattern.size() && is_wildcard(pattern[p])) ++p;
  return p == pattern.size();
}

ObjectPatterns::ObjectPatterns(const std::vector<std::string>& patterns) : patterns_(patterns) {
  for (const std::string& pattern : patterns) {
    size_t dot = pattern.find('.');
    if (dot == std::string::npos || dot == 0 || dot + 1 == pattern.size() ||
        pattern.find('.', dot + 1) != std::string::npos)
      throw SyncError("22023", "invalid object pattern \"" + pattern + "\": expected database.table",
                      "Write objects as db.table, where * or % match any characters, e.g. "
                      "'{shop.*, crm.customers, crm.order_%}'.");
    parts_.emplace_back(pattern.substr(0, dot), pattern.substr(dot + 1));
  }
}

bool ObjectPatterns::matches(const std::string& db, const std::string& table) const {
  for (const auto& [db_pattern, table_pattern] : parts_)
    if (wildcard_match(db_pattern, db) && wildcard_match(table_pattern, table)) return true;
  return false;
}

bool ObjectPatterns::matches_database(const std::string& db) const {
  for (const auto& part : parts_)
    if (wildcard_match(part.first, db)) return true;
  return false;
}

}  // namespace mysql_sync
