// What the source says about its tables (information_schema), and the MySQL -> PostgreSQL type
// mapping of the interface contract.
#pragma once
#include "common/cxx_zone.h"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "source/mysql_client.h"
#include "source/object_patterns.h"
#include "binlog/row.h"
#include "binlog/table_map.h"

namespace mysql_sync {

struct SourceColumn {
  std::string name;
  std::string data_type;    // information_schema DATA_TYPE, lower case: int, varchar, enum ...
  std::string column_type;  // COLUMN_TYPE: int(10) unsigned, enum('a','b') ...
  bool nullable = true;
  std::optional<std::string> default_value;
  std::string character_set;  // empty for non-text
  std::string collation;
  uint16_t collation_id = 0;
  int64_t char_max_length = 0;
  int64_t numeric_precision = 0;
  int64_t numeric_scale = 0;
  int64_t datetime_precision = 0;
  bool is_unsigned = false;
  bool auto_increment = false;
  bool is_json_text = false;                 // MariaDB JSON: longtext with CHECK (json_valid(col))
  bool generated = false;                    // VIRTUAL/STORED generated column
  bool default_is_expression = false;        // default_value is an expression (CURRENT_TIMESTAMP ...)
  bool on_update_current_timestamp = false;  // ON UPDATE CURRENT_TIMESTAMP (DDL parser only)
  std::vector<std::string> enum_values;      // ENUM and SET members
  std::string comment;
};

// A secondary index (the primary key is SourceTable::primary_key).
struct SourceIndex {
  std::string name;
  bool unique = false;
  std::string type;                  // BTREE, HASH, FULLTEXT, SPATIAL ...
  std::vector<std::string> columns;  // in key order
  bool on_prefix = false;            // some column is indexed on a prefix only (SUB_PART)
  bool on_expression = false;        // a functional key part (MySQL 8): not reproduced
};

struct SourceForeignKey {
  std::string name;
  std::vector<std::string> columns;
  std::string ref_schema, ref_table;
  std::vector<std::string> ref_columns;
  std::string on_update, on_delete;  // CASCADE, SET NULL, RESTRICT, NO ACTION, SET DEFAULT
};

struct SourceTable {
  std::string schema;
  std::string name;
  std::vector<SourceColumn> columns;  // ordinal order
  std::vector<std::string> primary_key;
  std::vector<SourceIndex> indexes;  // secondary indexes, by name
  std::vector<SourceForeignKey> foreign_keys;
  uint64_t auto_increment = 0;  // the next AUTO_INCREMENT value, 0 when none
  int64_t rows_estimate = 0;
  std::string engine;
  std::string comment;
  std::string default_charset;  // the table's DEFAULT CHARSET, lower case (from TABLE_COLLATION)

  TableShape shape() const;  // for the decoder, when the binlog lacks metadata
};

// How the rows of `after` differ in shape from those of `before` (two definitions of one table):
// the columns (names, order, types, nullability, character sets, generated) and the primary key,
// as "column c added; column d: int -> bigint". Empty when a copy under either reads the same
// columns (indexes, comments and defaults do not count).
std::string row_shape_difference(const SourceTable& before, const SourceTable& after);

// Base tables matching the patterns, sorted by schema then name. Views are not returned.
std::vector<SourceTable> describe_tables(MysqlClient& client, const ObjectPatterns& patterns);

// The PostgreSQL type of a column per the contract ("numeric(20,0)", "timestamp(3) with time zone",
// "text" ...). ENUM becomes text; its CHECK comes from enum_check(). Throws SyncError 0A000 naming
// the column for a type that cannot be mapped.
std::string pg_type_of(const SourceColumn& column);

// How the initial copy treats a column's text-protocol value, decided once per column:
// `number` (integers, DECIMAL) is already in PostgreSQL's form; `text` (CHAR, VARCHAR, TEXT,
// ENUM, SET, JSON) is too once checked to be valid UTF-8; `converted` goes through
// copy_value_text().
enum class CopyForm : uint8_t { number, text, converted };
CopyForm copy_form_of(const SourceColumn& column);

// Converts one text-protocol value of the initial copy into the PostgreSQL text form of the
// column's mapped type, identical to what the decoder produces for the same stored value.
// Returns nullopt for NULL, and for invalid dates under InvalidDates::to_null (counted in
// *invalid_values). Throws ValueError under InvalidDates::error or for bytes invalid in the
// column's character set.
Value copy_value_text(const SourceColumn& column, const char* data, unsigned long length,
                      InvalidDates invalid_dates, uint32_t* invalid_values);

// The initial copy's SELECT of every column in order, in the form copy_value_text() expects:
// "SELECT `a`, `f` * 1e0 FROM `db`.`t`" (FLOAT is read through a DOUBLE: the text protocol prints
// FLOAT with 6 digits only). The caller may append WHERE / ORDER BY.
std::string copy_select_sql(const SourceTable& table);

// A column default in PostgreSQL terms. `literal` holds the value in the PostgreSQL text form of
// the mapped type (quote it and cast it); `expression` holds a fixed SQL expression of ours
// (CURRENT_TIMESTAMP, LOCALTIMESTAMP, CURRENT_DATE); `none` when there is no default or it cannot
// be represented (an invalid date, an arbitrary expression, a generated column).
struct PgDefault {
  enum class Kind : uint8_t { none, literal, expression };
  Kind kind = Kind::none;
  std::string text;
};
PgDefault pg_default_of(const SourceColumn& column);

// MariaDB's COLUMN_DEFAULT (10.2.7+): 'quoted literal', NULL, a number, or an expression.
// Fills default_value (unquoted) and default_is_expression; nullopt for NULL.
void parse_mariadb_default(const std::optional<std::string>& cell, SourceColumn& column);

// The members of an ENUM or SET from its COLUMN_TYPE: "enum('a','it''s')" -> {"a", "it's"}.
std::vector<std::string> parse_enum_members(const std::string& column_type);

}  // namespace mysql_sync
