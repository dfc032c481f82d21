// The precheck's target items (target_conflict, target_privileges, distribution_keys), decided in
// C++ from the source's tables and from facts about the target that the PostgreSQL side gathers
// first (extension/precheck.cpp). The facts are plain data (pointers, numbers, no destructors),
// so that they can live on a PostgreSQL stack and in palloc'd memory. Pure C++.
#pragma once
#include "common/cxx_zone.h"

#include <string>
#include <vector>

#include "ddl/target_names.h"
#include "source/precheck.h"

namespace mysql_sync {

// A source table as the task would create or write it.
struct TargetColumn {
  std::string name;     // after name_map
  std::string pg_type;  // the contract's mapping, "" when it has none
};
struct TargetTable {
  std::string source;  // db.table
  std::string schema, name;
  std::vector<TargetColumn> columns;
  std::vector<std::string> primary_key;               // source column names (table_keys' when given)
  std::vector<std::vector<std::string>> unique_keys;  // source column names, primary key first
  std::vector<std::string> distribution_key;          // table_keys' distribution_key, or empty
};

// A column of an existing target table.
struct ExistingColumnFact {
  const char* name;
  const char* quoted_name;
  const char* type;  // format_type
  bool required;     // NOT NULL without a default, identity or generation
};

// What PostgreSQL says about one TargetTable, in the same order. Names come quoted as
// PostgreSQL's quote_identifier quotes them (only where needed).
struct TargetTableFacts {
  bool exists;
  const char* qualified_name;  // schema.name, quoted
  const char* quoted_schema;
  const char** quoted_columns;  // of TargetTable::columns, in order
  bool schema_exists;           // looked at when initial_sync has schema
  bool may_create_in_schema;    // CREATE on the schema (when it exists)
  bool may_write;               // the privileges the load or the stream needs (existing tables)
  int existing_column_count;    // existing tables the task writes into
  const ExistingColumnFact* existing_columns;
};

struct TargetFacts {
  const char* role;         // session user, quoted
  const char* database;     // quoted
  bool may_create_schemas;  // CREATE on the database
  bool greenplum, citus;
  // Citus only:
  const char* preload;  // shared_preload_libraries
  int shard_holder_count;
  const char** shard_holders;  // host:port of the active primaries that should have shards
  int unreachable_count;
  const char** unreachable;  // host:port (error) of worker nodes that did not answer
  int reference_pattern_count;
  const char** reference_patterns;  // options.reference_tables
  const TargetTableFacts* tables;
};

struct TargetMode {
  bool schema, data;   // initial_sync
  bool clear, append;  // existing_tables
};

// Which TargetTables the task writes into although they exist (needed before the facts:
// only their columns and privileges are gathered).
bool writes_existing(const TargetMode& mode, bool exists) noexcept;

// The three rows, in this order: target_conflict, target_privileges, distribution_keys.
std::vector<PrecheckRow> check_target(const std::vector<TargetTable>& tables, const NameFindings& long_names,
                                      const TargetFacts& facts, const TargetMode& mode);

}  // namespace mysql_sync
