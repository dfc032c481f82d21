// verify(): reads a source table in primary-key chunks inside the verifier's consistent snapshot,
// with the initial copy's SELECT and value conversion, and looks up keys found in the target.
// Pure C++ (no PostgreSQL).
#pragma once
#include "common/cxx_zone.h"

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "source/mysql_client.h"
#include "source/source_catalog.h"
#include "task/verify_compare.h"

namespace mysql_sync {

class SourceChunkReader {
 public:
  // `columns`: the compared source columns in compared order; `key_columns`: the primary key as
  // indexes into `columns`. Throws SyncError 42703 when the table lacks one of the columns.
  SourceChunkReader(MysqlClient& client, const SourceTable& table, const std::vector<std::string>& columns,
                    const std::vector<size_t>& key_columns, size_t chunk_rows, InvalidDates invalid_dates);

  // The next chunk in the source's key order (keyset pagination: WHERE (key) > (last) ORDER BY key
  // LIMIT n), values in the PostgreSQL text form of the mapped types. False when no rows are left.
  bool next_chunk(std::vector<CanonicalRow>& rows);

  // The source rows whose keys are among `keys` (key values in PostgreSQL text form, one vector
  // per key), as rows of the key columns only. nullopt when a key column's type has no literal
  // form here (see mysql_literal_of).
  std::optional<std::vector<CanonicalRow>> find_keys(const std::vector<CanonicalRow>& keys);

  const SourceTable& compared() const { return compared_; }

 private:
  // Runs `sql` and converts its rows; `last_key` (when given) receives the last row's raw key bytes.
  void read(const std::string& sql, const SourceTable& shape, std::vector<CanonicalRow>& rows,
            std::vector<std::string>* last_key);

  MysqlClient& client_;
  SourceTable compared_;  // the table with the compared columns only, in compared order
  SourceTable keys_only_;
  std::vector<size_t> key_columns_;
  size_t chunk_rows_;
  InvalidDates invalid_dates_;
  std::vector<std::string> last_key_;  // raw text-protocol bytes of the previous chunk's last key
  bool started_ = false;
  bool finished_ = false;
};

// A MySQL literal for a key value given in the PostgreSQL text form of its mapped type, for the
// key lookups: integers and decimals as they are, strings as _utf8mb4 X'..', bytes as X'..',
// dates and times quoted. nullopt for a type or value that has none (float, bit, infinity, BC).
std::optional<std::string> mysql_literal_of(const SourceColumn& column, const std::string& pg_text);

}  // namespace mysql_sync
