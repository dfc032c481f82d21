#include "ddl/name_map.h"

#include <vector>

#include "common/errors.h"

namespace mysql_sync {
namespace {

// Splits on dots; MySQL names containing dots cannot be mapped (they are rare and ambiguous here).
std::vector<std::string> split_dots(const std::string& text) {
  std::vector<std::string> parts;
  size_t start = 0;
  for (;;) {
    size_t dot = text.find('.', start);
    parts.push_back(text.substr(start, dot == std::string::npos ? std::string::npos : dot - start));
    if (dot == std::string::npos) break;
    start = dot + 1;
  }
  return parts;
}

}  // namespace

void NameMap::add(const std::string& key, const std::string& value) {
  std::vector<std::string> parts = split_dots(key);
  for (const std::string& part : parts)
    if (part.empty())
      throw SyncError("22023", "name_map key \"" + key + "\" has an empty part",
                      "Keys are db, db.table or db.table.column.");
  if (value.empty()) throw SyncError("22023", "name_map maps \"" + key + "\" to an empty name");
  if (parts.size() == 1) {
    databases_[key] = value;
  } else if (parts.size() == 2) {
    std::vector<std::string> target = split_dots(value);
    if (target.size() != 2 || target[0].empty() || target[1].empty())
      throw SyncError("22023", "name_map maps table \"" + key + "\" to \"" + value + "\"",
                      "A table maps to \"schema.table\", e.g. {\"shop.orders\": \"sales.orders\"}.");
    tables_[key] = {target[0], target[1]};
  } else if (parts.size() == 3) {
    columns_[key] = value;
  } else {
    throw SyncError("22023", "name_map key \"" + key + "\" has more than three parts",
                    "Keys are db, db.table or db.table.column.");
  }
}

std::string NameMap::schema_of(const std::string& db) const {
  auto it = databases_.find(db);
  return it == databases_.end() ? db : it->second;
}

std::pair<std::string, std::string> NameMap::table_of(const std::string& db, const std::string& table) const {
  auto it = tables_.find(db + "." + table);
  if (it != tables_.end()) return it->second;
  return {schema_of(db), table};
}

bool NameMap::maps_table(const std::string& db, const std::string& table) const {
  return tables_.count(db + "." + table) > 0;
}

std::string NameMap::column_of(const std::string& db, const std::string& table, const std::string& column) const {
  auto it = columns_.find(db + "." + table + "." + column);
  return it == columns_.end() ? column : it->second;
}

}  // namespace mysql_sync
