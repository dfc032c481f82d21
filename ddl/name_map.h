// The name_map argument: {"shop": "shop_pg", "shop.orders": "sales.orders", "shop.orders.amt": "amount"}.
// Default: names kept exactly.
#pragma once
#include "common/cxx_zone.h"

#include <map>
#include <string>
#include <utility>

namespace mysql_sync {

class NameMap {
 public:
  // Throws SyncError 22023 for a key with more than three parts or a table target without a schema.
  void add(const std::string& key, const std::string& value);

  std::string schema_of(const std::string& db) const;
  std::pair<std::string, std::string> table_of(const std::string& db, const std::string& table) const;
  std::string column_of(const std::string& db, const std::string& table, const std::string& column) const;
  // Whether a "db.table" entry names the table's target (not only its database's).
  bool maps_table(const std::string& db, const std::string& table) const;

 private:
  std::map<std::string, std::string> databases_;
  std::map<std::string, std::pair<std::string, std::string>> tables_;
  std::map<std::string, std::string> columns_;
};

}  // namespace mysql_sync
