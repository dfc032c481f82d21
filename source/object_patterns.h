// The `objects` argument: db.table patterns where * and % match any run of characters and _ is
// literal (MySQL table names often contain it). Names compare exactly (case-sensitive), as MySQL
// stores them on Linux.
#pragma once
#include "common/cxx_zone.h"

#include <string>
#include <vector>

namespace mysql_sync {

class ObjectPatterns {
 public:
  // Throws SyncError 22023 for a pattern without exactly one dot between non-empty parts.
  explicit ObjectPatterns(const std::vector<std::string>& patterns);
  bool matches(const std::string& db, const std::string& table) const;
  bool matches_database(const std::string& db) const;  // some pattern may match a table in db
  const std::vector<std::string>& patterns() const { return patterns_; }

 private:
  std::vector<std::string> patterns_;
  std::vector<std::pair<std::string, std::string>> parts_;
};

bool wildcard_match(const std::string& pattern, const std::string& text);

}  // namespace mysql_sync
