#include "task/copy_ranges.h"

#include <stdexcept>

#include "binlog/json_escape.h"
#include "source/mysql_client.h"
#include "task/runtime.h"

namespace mysql_sync {

namespace {

bool is_integer_type(const std::string& type) {
  return type == "tinyint" || type == "smallint" || type == "mediumint" || type == "int" || type == "bigint";
}

bool same_position(const BinlogPosition& a, const BinlogPosition& b) {
  return compare_positions(a, b) == 0;
}

}  // namespace

int range_key_column(const SourceTable& table, const std::vector<std::string>& primary_key) {
  if (primary_key.size() != 1) return -1;
  for (size_t c = 0; c < table.columns.size(); c++)
    if (table.columns[c].name == primary_key[0])
      return is_integer_type(table.columns[c].data_type) ? (int)c : -1;
  return -1;
}

bool is_integer_text(const std::string& text) {
  size_t start = !text.empty() && text[0] == '-' ? 1 : 0;
  if (start == text.size()) return false;
  for (size_t i = start; i < text.size(); i++)
    if (text[i] < '0' || text[i] > '9') return false;
  return true;
}

int compare_integer_text(const std::string& a, const std::string& b) {
  auto digits = [](const std::string& s) {
    size_t i = !s.empty() && s[0] == '-' ? 1 : 0;
    while (i + 1 < s.size() && s[i] == '0') i++;  // leading zeros
    return s.substr(i);
  };
  std::string da = digits(a), db = digits(b);
  bool na = !a.empty() && a[0] == '-' && da != "0";
  bool nb = !b.empty() && b[0] == '-' && db != "0";
  if (na != nb) return na ? -1 : 1;
  int magnitude = da.size() != db.size() ? (da.size() < db.size() ? -1 : 1)
                                         : (da < db   ? -1
                                            : da > db ? 1
                                                      : 0);
  return na ? -magnitude : magnitude;
}

std::string copy_range_sql(const SourceTable& table, int key_column, const std::string& after,
                           uint64_t limit) {
  if (key_column < 0 || key_column >= (int)table.columns.size() ||
      (!after.empty() && !is_integer_text(after)))
    throw std::invalid_argument("copy_range_sql: no integer key");
  std::string key = MysqlClient::quote_identifier(table.columns[key_column].name);
  std::string sql = copy_select_sql(table);
  if (!after.empty()) sql += " WHERE " + key + " > " + after;
  sql += " ORDER BY " + key + " LIMIT " + std::to_string(limit);
  return sql;
}

const BinlogPosition& CopyRegions::position_of(const std::string& key) const {
  for (const KeyRegion& region : regions)
    if (compare_integer_text(key, region.upto) <= 0) return region.at;
  return rest;
}

const BinlogPosition& CopyRegions::oldest() const {
  const BinlogPosition* out = &rest;
  for (const KeyRegion& region : regions)
    if (compare_positions(region.at, *out) < 0) out = &region.at;
  return *out;
}

void CopyRegions::extend(const std::string& upto, const BinlogPosition& at) {
  if (!regions.empty() && same_position(regions.back().at, at))
    regions.back().upto = upto;
  else
    regions.push_back(KeyRegion{upto, at});
}

void CopyRegions::finish(const BinlogPosition& at) {
  rest = at;
  merge();
}

void CopyRegions::advance_to(const BinlogPosition& at) {
  for (KeyRegion& region : regions)
    if (compare_positions(region.at, at) < 0) region.at = at;
  if (compare_positions(rest, at) < 0) rest = at;
  merge();
}

void CopyRegions::merge() {
  std::vector<KeyRegion> merged;
  for (const KeyRegion& region : regions) {
    if (!merged.empty() && same_position(merged.back().at, region.at))
      merged.back().upto = region.upto;
    else
      merged.push_back(region);
  }
  while (!merged.empty() && same_position(merged.back().at, rest)) merged.pop_back();
  regions = std::move(merged);
}

std::string CopyRegions::regions_json() const {
  std::string out = "[";
  for (size_t i = 0; i < regions.size(); i++) {
    if (i) out += ", ";
    out += "{\"upto\": \"" + regions[i].upto + "\", \"file\": ";
    append_json_string(out, regions[i].at.file);
    out += ", \"pos\": " + std::to_string(regions[i].at.pos) + "}";
  }
  return out + "]";
}

}  // namespace mysql_sync
