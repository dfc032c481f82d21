#include "ddl/target_names.h"

#include <cstdio>
#include <map>
#include <tuple>

#include "binlog/crc32.h"
#include "binlog/json_escape.h"
#include "common/errors.h"

namespace mysql_sync {
namespace {

constexpr size_t kHashSuffix = 9;  // "_" and 8 hex digits

bool continuation_byte(char c) {
  return (static_cast<unsigned char>(c) & 0xC0) == 0x80;
}

std::string cut_at(const std::string& name, size_t bytes) {
  if (name.size() <= bytes) return name;
  size_t cut = bytes;
  while (cut > 0 && continuation_byte(name[cut])) --cut;  // never inside a character
  return name.substr(0, cut);
}

size_t characters(const std::string& name) {
  size_t n = 0;
  for (char c : name) n += !continuation_byte(c);
  return n;
}

// A name_map member, as it goes inside '...' of an SQL hint: JSON-escaped, quotes doubled.
std::string map_member(const std::string& key, const std::string& value) {
  std::string json;
  append_json_string(json, key);
  json += ": ";
  append_json_string(json, value);
  std::string sql;
  for (char c : json) {
    if (c == '\'') sql += '\'';
    sql += c;
  }
  return sql;
}

struct Finder {
  NameFindings out;
  // Per namespace, per cut name: the full names that become it, each with its first label.
  std::map<std::string, std::map<std::string, std::map<std::string, std::string>>> cut_names;

  void check(const std::string& space, const std::string& label, const std::string& name,
             const std::string& key, const std::string& value) {
    std::map<std::string, std::string>& same = cut_names[space][pg_truncated(name)];
    if (same.count(name)) return;  // seen (a schema of many tables, a many-to-one target)
    same[name] = label;
    if (name.size() <= kMaxIdentifierBytes) return;
    out.too_long.push_back(label + " (" + name_size(name) + ")");
    out.name_map.push_back(map_member(key, value));
  }

  void made_up(const std::string& what, const std::string& full) {
    if (full.size() > kMaxIdentifierBytes)
      out.shortened.push_back(what + " -> " + shortened_identifier(full));
  }

  void collect_collisions() {
    for (const auto& [space, names] : cut_names)
      for (const auto& [cut, full_names] : names) {
        if (full_names.size() < 2) continue;
        std::string list;
        for (const auto& named : full_names) list += (list.empty() ? "" : ", ") + named.second;
        out.collisions.push_back(list + " would all be \"" + cut + "\"" +
                                 (space.empty() ? "" : " in " + space));
      }
  }
};

}  // namespace

std::string pg_truncated(const std::string& name) {
  return cut_at(name, kMaxIdentifierBytes);
}

std::string shortened_identifier(const std::string& name) {
  if (name.size() <= kMaxIdentifierBytes) return name;
  char hash[kHashSuffix + 1];
  std::snprintf(hash, sizeof hash, "_%08x",
                crc32_of(reinterpret_cast<const uint8_t*>(name.data()), name.size()));
  return cut_at(name, kMaxIdentifierBytes - kHashSuffix) + hash;
}

std::string name_size(const std::string& name) {
  return std::to_string(name.size()) + " bytes, " + std::to_string(characters(name)) + " characters";
}

std::string NameFindings::hint() const {
  if (name_map.empty()) return "";
  std::string members;
  for (const std::string& m : name_map) members += (members.empty() ? "" : ", ") + m;
  return "name_map => '{" + members +
         "}' -- PostgreSQL keeps 63 bytes of a name; these entries give each a name that fits (the "
         "first bytes and a hash of the whole name), or choose your own";
}

PlannedTable planned_table(const SourceTable& source, const NameMap& names) {
  PlannedTable t;
  t.source_schema = source.schema;
  t.source_name = source.name;
  t.table_mapped = names.maps_table(source.schema, source.name);
  std::tie(t.schema, t.name) = names.table_of(source.schema, source.name);
  for (const SourceColumn& c : source.columns) {
    t.source_columns.push_back(c.name);
    t.columns.push_back(names.column_of(source.schema, source.name, c.name));
    if (c.data_type == "enum") t.checked_columns.push_back(t.columns.back());
  }
  for (const SourceIndex& index : source.indexes) t.indexes.push_back(index.name);
  return t;
}

NameFindings check_target_names(const std::vector<PlannedTable>& tables) {
  Finder f;
  for (const PlannedTable& t : tables) {
    const std::string source = t.source_schema + "." + t.source_name;
    if (t.table_mapped)
      f.check("", "schema " + t.schema + " of " + source, t.schema, source,
              shortened_identifier(t.schema) + "." + t.name);
    else
      f.check("", "schema " + t.schema, t.schema, t.source_schema, shortened_identifier(t.schema));
    const std::string relations = "schema " + pg_truncated(t.schema);
    f.check(relations, "table " + source, t.name, source,
            pg_truncated(t.schema) + "." + shortened_identifier(t.name));
    const std::string columns = "table " + pg_truncated(t.schema) + "." + pg_truncated(t.name);
    for (size_t c = 0; c < t.columns.size() && c < t.source_columns.size(); c++)
      f.check(columns, "column " + source + "." + t.source_columns[c], t.columns[c],
              source + "." + t.source_columns[c], shortened_identifier(t.columns[c]));
    f.made_up("primary key of " + source, t.name + "_pkey");
    for (const std::string& index : t.indexes)
      f.made_up("index " + index + " of " + source, t.name + "_" + index);
    for (const std::string& column : t.checked_columns)
      f.made_up("check constraint of " + source + "." + column, t.name + "_" + column + "_check");
  }
  f.collect_collisions();
  return f.out;
}

void require_fitting_names(const std::vector<PlannedTable>& tables) {
  NameFindings f = check_target_names(tables);
  if (!f.failed()) return;
  std::string what;
  for (const std::string& s : f.too_long) what += (what.empty() ? "" : ", ") + s;
  for (const std::string& s : f.collisions) what += (what.empty() ? "" : "; ") + s;
  throw SyncError("42622", "target names PostgreSQL cannot hold (63 bytes at most): " + what, f.hint());
}

void require_fitting_name(const std::string& what, const std::string& name, const std::string& map_key,
                          const std::string& map_value) {
  if (name.size() <= kMaxIdentifierBytes) return;
  throw SyncError(
      "42622", what + " has a name of " + name_size(name) + "; PostgreSQL keeps 63 bytes, so it would be cut",
      "Give it a shorter name: drop_sync the task and start_sync it again with name_map => '{" +
          map_member(map_key, map_value) + "}' added (a fresh copy), or rename it on the source first.");
}

}  // namespace mysql_sync
