// Keyset pagination of a source table: a backfill reads a table in chunks in the order of its key
// (the primary key, or table_keys' primary_key), of any type and any number of columns, each chunk
// "the next n rows after the last key read": WHERE key > last ORDER BY key LIMIT n. The ordering
// and every comparison happen on the source, with the source column's collation (a case- and
// accent-insensitive VARCHAR orders as the source orders it, never as PostgreSQL would): the last
// key travels back as a literal of the source's own type. Pure C++.
#pragma once
#include "common/cxx_zone.h"

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "source/source_catalog.h"

namespace mysql_sync {

// How a key value is written back into a WHERE clause.
enum class KeyLiteral : uint8_t {
  number,       // integers, DECIMAL, FLOAT/DOUBLE (read exactly), YEAR: as the source printed it
  string,       // character strings and temporal types: a quoted string (the column's collation,
                // the session's time zone +00:00 for TIMESTAMP)
  binary,       // BINARY, VARBINARY, BLOB: X'...'
  enumeration,  // ENUM: its index (ENUMs order by index, not by name)
  set,          // SET: its bit mask (SETs order by it)
  bit,          // BIT: its unsigned value
};

struct KeyColumn {
  size_t column;  // index into the paged table's columns
  KeyLiteral literal;
};

struct KeyPaging {
  std::vector<KeyColumn> columns;  // key order; empty: the table is read whole, in one chunk
  std::string unpaged_reason;      // why not, when empty
  bool paged() const { return !columns.empty(); }
  // The first key column is an integer: its range can be split for parallel reads.
  bool splittable = false;
};

// The paging of `table` (a copy source: the columns a copy reads) by `key` (column names).
KeyPaging key_paging(const SourceTable& table, const std::vector<std::string>& key);

// A key: each key column's value as the source's text protocol returns it (raw bytes).
using KeyValues = std::vector<std::string>;

// Where a chunk starts and where its segment ends. A table is one segment, or several when its
// integer first key column is split for parallel reads: (from, upto] on that column.
struct ChunkRange {
  KeyValues after;                  // the last key read before; empty: from the segment's start
  std::optional<std::string> from;  // the segment's lower bound on the first column (exclusive)
  std::optional<std::string> upto;  // its upper bound on the first column (inclusive)
};

// Quotes a character string for the source (MysqlClient::quote_string).
using QuoteString = std::function<std::string(const std::string&)>;

// The SQL literal of a value of key column `key` of `table`. Throws SyncError 22000 for a value
// that does not fit its column (an ENUM member the definition does not list, a malformed number).
std::string key_literal(const SourceTable& table, const KeyColumn& key, const std::string& value,
                        const QuoteString& quote);

// The chunk's SELECT: copy_select_sql(table) + WHERE (the range) + ORDER BY the key + LIMIT.
// An unpaged table: the whole table, no ORDER BY, no LIMIT.
std::string chunk_select_sql(const SourceTable& table, const KeyPaging& paging, const ChunkRange& range,
                             uint64_t limit, const QuoteString& quote);

// SELECT MIN(k1), MAX(k1) of a splittable table's first key column.
std::string key_bounds_sql(const SourceTable& table, const KeyPaging& paging);

// Up to parts - 1 ascending integer texts that cut [min, max] into parts about equal ranges;
// fewer when the range is small. min and max are integer texts.
std::vector<std::string> split_points(const std::string& min, const std::string& max, int parts);

// A key value as table_state.backfill stores it (JSON strings are UTF-8: binary values as hex),
// and back.
std::string stored_key_value(KeyLiteral literal, const std::string& value);
std::string loaded_key_value(KeyLiteral literal, const std::string& stored);

}  // namespace mysql_sync
