// The target's dialect: plain PostgreSQL, Greenplum / AnalyticDB for PostgreSQL, or Citus. Pure
// C++ (no PostgreSQL header): the DDL text of each dialect is built here from plain inputs and
// unit-tested (regress/unit/dialect_test.cpp). Identifiers come in already quoted by the caller
// (quote_identifier); values travel as statement parameters.
#pragma once
#include "common/cxx_zone.h"

#include <string>
#include <vector>

namespace mysql_sync {

enum class Dialect { postgresql, greenplum, citus };

// From version() and whether the citus extension is installed in the database.
Dialect detect_dialect(const std::string& version_text, bool citus_installed);
const char* dialect_name(Dialect dialect);

// What a distribution key becomes.
struct DistributionDdl {
  std::string create_suffix;        // appended to CREATE TABLE (...): " DISTRIBUTED BY (a, b)"
  std::string after_create;         // run right after CREATE TABLE with `params` as $1.., or ""
  std::vector<std::string> params;  // text parameters of after_create
  std::string note;                 // what was recorded or left out, for the log; "" when all applied
};

// How a Citus table is made: a reference table (options.reference_tables, or no usable
// distribution key), else hash-distributed into `shard_count` shards (0: Citus's
// citus.shard_count), colocated with the tables of the same key type and shard count.
struct CitusPlacement {
  bool reference = false;
  int shard_count = 0;
};

// `qualified_table` and `quoted_columns` are quoted identifiers; `column_names` are the same
// columns unquoted (Citus takes the column's name as a value).
DistributionDdl distribution_ddl(Dialect dialect, const std::string& qualified_table,
                                 const std::vector<std::string>& quoted_columns,
                                 const std::vector<std::string>& column_names,
                                 const CitusPlacement& citus = CitusPlacement());

// Whether a unique index on `index_columns` can be created: Greenplum and Citus only enforce
// uniqueness on keys that contain every distribution column.
bool unique_index_allowed(Dialect dialect, const std::vector<std::string>& distribution_columns,
                          const std::vector<std::string>& index_columns);

// The column clause for a MySQL AUTO_INCREMENT column of PostgreSQL type `pg_type`, or "" when the
// target cannot have an identity there (not an integer type; server before PostgreSQL 10).
std::string identity_clause(Dialect dialect, int server_version_num, const std::string& pg_type);

// "CREATE [UNIQUE] INDEX name ON table (cols)" from quoted parts; `name` may be "" (the server
// picks one).
std::string create_index_sql(const std::string& quoted_name, const std::string& qualified_table,
                             const std::vector<std::string>& quoted_columns, bool unique);

// "ALTER TABLE t ADD CONSTRAINT name FOREIGN KEY (..) REFERENCES r (..) ON UPDATE .. ON DELETE ..
// NOT VALID". Rules are MySQL's words (CASCADE, SET NULL, SET DEFAULT, RESTRICT, NO ACTION);
// anything else becomes NO ACTION.
std::string foreign_key_sql(const std::string& qualified_table, const std::string& quoted_name,
                            const std::vector<std::string>& quoted_columns, const std::string& qualified_referenced,
                            const std::vector<std::string>& quoted_referenced_columns, const std::string& on_update,
                            const std::string& on_delete);

// An index or constraint name of at most 63 bytes: "<table>_<name>", or when that is longer its
// first bytes, "_" and a hash of it (shortened_identifier, ddl/target_names.h): the schema sync
// and the DDL replay name an object the same way, and two long names stay two names.
std::string object_name(const std::string& table, const std::string& name);

// The name to write for a primary key or CHECK constraint left unnamed ("pkey", "<column>_check"):
// PostgreSQL's own choice is object_name's up to 63 bytes, "" is returned then; beyond, PostgreSQL
// would cut "<table>_<suffix>" another way than object_name, so object_name's is returned.
std::string explicit_constraint_name(const std::string& table, const std::string& suffix);

}  // namespace mysql_sync
