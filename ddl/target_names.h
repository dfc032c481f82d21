// Target names PostgreSQL can hold. PostgreSQL keeps at most 63 bytes of an identifier and cuts
// longer ones wherever it reads them, while a MySQL name may have 64 characters (up to 256 bytes in
// utf8mb4): a longer schema, table or column name would be created cut and then not be found by its
// full name, and two names that share their first 63 bytes would become one. So:
// - schema, table and column names, which users query by, are never shortened for them: the
//   precheck (target_conflict) and the DDL replay refuse such a name and give the name_map entry
//   that fixes it (its value is the shortening below, or any name the user prefers);
// - index and constraint names that the task makes up (<table>_<index>, <table>_pkey,
//   <table>_<column>_check), which name_map cannot reach, are shortened: their first bytes (cut on a
//   character boundary), "_" and the CRC-32 of the whole name in 8 hex digits, 63 bytes in all.
#pragma once
#include "common/cxx_zone.h"

#include <cstddef>
#include <string>
#include <vector>

#include "ddl/name_map.h"
#include "source/source_catalog.h"

namespace mysql_sync {

constexpr size_t kMaxIdentifierBytes = 63;  // PostgreSQL's NAMEDATALEN - 1

// What PostgreSQL makes of `name`: at most its first 63 bytes, cut on a UTF-8 character boundary.
std::string pg_truncated(const std::string& name);

// `name` when it fits; else its first bytes, "_" and 8 hex digits of its CRC-32 (63 bytes).
std::string shortened_identifier(const std::string& name);

// "shop.t.c (68 bytes, 64 characters)"-style size of a name, for messages.
std::string name_size(const std::string& name);

// One table as the task would create it on the target.
struct PlannedTable {
  std::string source_schema, source_name;    // MySQL names
  bool table_mapped = false;                 // name_map has a db.table entry for it
  std::string schema, name;                  // the target, after name_map
  std::vector<std::string> source_columns;   // MySQL column names, in order
  std::vector<std::string> columns;          // their target names (name_map), parallel
  std::vector<std::string> indexes;          // source index names: target indexes <name>_<index>
  std::vector<std::string> checked_columns;  // target names of ENUM columns: <name>_<column>_check
};

// The table `source` would become, with name_map applied.
PlannedTable planned_table(const SourceTable& source, const NameMap& names);

struct NameFindings {
  std::vector<std::string> too_long;    // "column shop.t.<name> (68 bytes, 64 characters)"
  std::vector<std::string> collisions;  // "tables shop.a..., shop.b... would all be shop.<cut>"
  std::vector<std::string> name_map;    // JSON members that fix them: "\"shop.t.c\": \"...\""
  std::vector<std::string> shortened;   // made-up names shortened: "index i of shop.t -> <name>"
  bool failed() const { return !too_long.empty() || !collisions.empty(); }
  // "name_map => '{...}' -- ..." with every entry of `name_map`.
  std::string hint() const;
};

// Every schema, table and column name of `tables` that PostgreSQL cannot hold (longer than 63
// bytes) or that collides with another once cut, and the made-up index and constraint names that
// get shortened.
NameFindings check_target_names(const std::vector<PlannedTable>& tables);

// Throws SyncError 42622 listing what check_target_names finds wrong, with its hint: for tables
// that reach the worker without the precheck's target_conflict (skip_precheck, backfills).
void require_fitting_names(const std::vector<PlannedTable>& tables);

// For a name that arrives by DDL (CREATE TABLE, ADD/RENAME COLUMN, RENAME TABLE): throws SyncError
// 42622 naming `what` and the name_map entry `map_key` -> `map_value` that fixes it, when `name`
// is longer than 63 bytes.
void require_fitting_name(const std::string& what, const std::string& name, const std::string& map_key,
                          const std::string& map_value);

}  // namespace mysql_sync
