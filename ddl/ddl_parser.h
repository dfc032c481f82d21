// A lexer and recursive-descent parser for the MySQL/MariaDB statements that a QUERY event of the
// binlog carries, as far as they change the shape of tables: CREATE/ALTER/DROP/RENAME/TRUNCATE
// TABLE, CREATE/DROP INDEX, and the database forms. Everything else is classified (DML, other DDL,
// administrative) so that the caller can decide; nothing is guessed with regular expressions.
// Column definitions come out as SourceColumn, filled the way information_schema would describe
// them, so that one type mapping (pg_type_of) serves the schema sync and the DDL replay.
#pragma once
#include "common/cxx_zone.h"

#include <optional>
#include <string>
#include <vector>

#include "source/source_catalog.h"

namespace mysql_sync {

struct QualifiedName {
  std::string schema;  // the event's default database when the statement does not name one
  std::string name;
  bool operator==(const QualifiedName& o) const { return schema == o.schema && name == o.name; }
};

// FIRST / AFTER col of ADD, CHANGE and MODIFY COLUMN.
struct ColumnPosition {
  enum class Kind : uint8_t { unchanged, last, first, after };
  Kind kind = Kind::unchanged;  // unchanged: CHANGE/MODIFY without FIRST/AFTER; ADD appends (last)
  std::string after;
};

enum class AlterKind : uint8_t {
  add_column,       // column, position
  drop_column,      // name
  change_column,    // name (old) -> column (new definition, new name), position
  modify_column,    // column (same name), position
  rename_column,    // name -> new_name
  set_default,      // name, column.default_value / default_is_expression
  drop_default,     // name
  set_visibility,   // ALTER COLUMN c SET VISIBLE|INVISIBLE: no effect on rows
  add_index,        // index (name may be empty: MySQL names it after its first column)
  add_primary_key,  // index.columns
  drop_index,       // name
  drop_primary_key,
  rename_index,      // name -> new_name
  add_foreign_key,   // foreign_key
  drop_foreign_key,  // name
  rename_table,      // rename_to
  table_comment,     // comment
  convert_charset,   // CONVERT TO CHARACTER SET charset [COLLATE collation]: text columns change charset
  default_charset,   // [DEFAULT] CHARACTER SET = charset: new columns only
  unlogged_rows,     // rows change without row events: TRUNCATE/DROP/EXCHANGE/REORGANIZE/COALESCE/
                     // IMPORT/DISCARD PARTITION, DISCARD/IMPORT TABLESPACE, MariaDB's CONVERT PARTITION
                     // p TO TABLE t2 and CONVERT TABLE t2 TO PARTITION p; name ("TRUNCATE PARTITION"),
                     // other_table, rows_unreadable
  no_effect,         // ENGINE=, ALGORITHM=, LOCK=, FORCE, ORDER BY, AUTO_INCREMENT=, ROW_FORMAT=, CHECK
                     // constraints, PARTITION BY, ADD/ANALYZE/OPTIMIZE/REBUILD/REPAIR PARTITION, REMOVE
                     // PARTITIONING, KEY_BLOCK_SIZE, ENABLE/DISABLE KEYS ...: rows unchanged
};

struct AlterAction {
  AlterKind kind = AlterKind::no_effect;
  std::string name;      // the existing column / index / foreign key it acts on
  std::string new_name;  // rename_column, rename_index
  SourceColumn column;   // add_column, change_column, modify_column; set_default's default
  ColumnPosition position;
  SourceIndex index;            // add_index, add_primary_key
  SourceForeignKey foreign_key;  // add_foreign_key
  QualifiedName rename_to;       // rename_table
  std::string comment;           // table_comment
  std::string charset;           // convert_charset, default_charset (lower case)
  std::string collation;         // convert_charset, default_charset when given (lower case)
  bool if_exists = false;        // DROP COLUMN IF EXISTS ... (MariaDB)
  bool if_not_exists = false;    // ADD COLUMN IF NOT EXISTS ... (MariaDB)
  bool any_constraint = false;   // drop_foreign_key from DROP CONSTRAINT name: a foreign key, else
                                 // the unique index of that name, else a CHECK (no effect)
  // unlogged_rows: the other table whose rows change too (EXCHANGE PARTITION ... WITH TABLE t2),
  // appear (CONVERT PARTITION ... TO TABLE t2: created) or go (CONVERT TABLE t2 TO PARTITION: gone);
  // rows_unreadable: DISCARD, after which the source cannot be read until the IMPORT.
  QualifiedName other_table;
  bool other_table_created = false;
  bool other_table_gone = false;
  bool rows_unreadable = false;
  std::string text;              // the clause as written, for messages
};

enum class StatementKind : uint8_t {
  create_table,         // tables[0]; definition
  create_table_like,    // tables[0]; like
  create_table_select,  // tables[0]; CREATE TABLE ... [AS] SELECT: rows come as row events
  alter_table,          // tables[0]; actions
  rename_table,         // tables[i] -> rename_to[i] (RENAME TABLE a TO b, c TO d)
  drop_table,           // tables (DROP [TEMPORARY] TABLE [IF EXISTS] a, b)
  truncate_table,       // tables[0]
  create_index,         // tables[0]; actions = { add_index }
  drop_index,           // tables[0]; actions = { drop_index } (or drop_primary_key)
  create_database,      // database
  drop_database,        // database
  alter_database,       // database
  dml,                  // INSERT, UPDATE, DELETE, REPLACE, LOAD DATA (statement-based logging)
  other_ddl,            // CREATE/DROP of views, triggers, routines, events, users, servers ...:
                        // tables listed when the statement names any (a trigger's table)
  administrative,       // BEGIN, COMMIT, XA, SAVEPOINT, SET, GRANT, REVOKE, ANALYZE, OPTIMIZE, FLUSH ...
  unknown,              // a statement the parser does not know: tables lists every name it saw
};

struct DdlStatement {
  StatementKind kind = StatementKind::unknown;
  std::vector<QualifiedName> tables;
  std::vector<QualifiedName> rename_to;  // rename_table, parallel to tables
  QualifiedName like;                    // create_table_like
  SourceTable definition;                // create_table: schema/name, columns, primary_key, indexes,
                                         // foreign_keys, comment, engine, default_charset
  std::vector<AlterAction> actions;      // alter_table, create_index, drop_index
  std::string database;                  // create/drop/alter_database
  bool temporary = false;                // CREATE/DROP TEMPORARY TABLE: never replicated
  bool if_exists = false;                // create_table: CREATE OR REPLACE TABLE (MariaDB), i.e.
                                         // drop the table first if it exists
  bool if_not_exists = false;
  std::string text;                      // this statement's text (one of a multi-statement query)
};

// The kinds that change tables: CREATE/ALTER/DROP/RENAME/TRUNCATE TABLE, CREATE/DROP INDEX.
bool is_table_ddl(StatementKind kind);

// Parses every statement of a QUERY event's text (statements separated by ';'). default_db is
// the event's database: a table named without a database belongs to it. Comments, version
// comments (/*!50100 ... */ and MariaDB's /*M!100100 ... */: their body is code), strings with
// both quote styles and escapes, backquoted and ANSI double-quoted identifiers are understood.
// Throws SyncError 42601 naming the offset and the statement when a statement of a kind that
// changes tables (CREATE/ALTER/DROP/RENAME/TRUNCATE TABLE, CREATE/DROP INDEX) cannot be parsed:
// such a statement is never skipped silently. The offset is a byte offset in `sql`.
// Throws SyncError 0A000 for system-versioned tables (WITH/ADD SYSTEM VERSIONING): they add
// hidden columns to the rows.
//
// Details: column_type is written as MariaDB 10.11's information_schema shows it (integers keep
// a display width, the default one when none is written: "int(11)", "int(10) unsigned"); a
// default that is CURRENT_TIMESTAMP/NOW()/LOCALTIME[STAMP] reads "current_timestamp()" or
// "current_timestamp(3)" (expression); other expressions keep their text. JSON is data_type
// "json" on both flavours (the caller knows the server: MariaDB's JSON is a LONGTEXT). Text
// columns of a CREATE TABLE that names no charset (column or table) keep character_set empty:
// the database default applies, which only the caller knows. TEXT(M) picks its type assuming
// 4 bytes per character when no charset is written. An inline REFERENCES is ignored, as MySQL
// does; FOREIGN KEY does not add its implicit index. Stored programs (CREATE PROCEDURE/
// FUNCTION/TRIGGER/EVENT, BEGIN NOT ATOMIC) take the rest of the text: their body holds ';'.
std::vector<DdlStatement> parse_statements(const std::string& sql, const std::string& default_db);

// Applies a table-changing statement to the model of one table (alter_table, create_index,
// drop_index, and rename_table/rename_to of the ALTER form): columns added at their position,
// dropped, renamed, retyped; defaults; indexes and the primary key; the comment; CONVERT TO
// CHARACTER SET. Text columns without an explicit charset take the table's default charset.
// Throws SyncError 42703 (column), 42704 (index) naming the missing object when an action refers
// to something the model does not have (unless IF [NOT] EXISTS says to skip it): the model and
// the source disagree, and applying on would put values in the wrong columns. A duplicate column
// is 42701, a duplicate index or a second primary key 42P07/42P16. On error the model is left
// unchanged. Unnamed indexes get MySQL's name (their first column, then _2, _3 ...), unnamed
// foreign keys <table>_ibfk_<n>. CONVERT TO CHARACTER SET also widens TEXT types the way MySQL
// does so that they keep their length in characters (latin1 TEXT -> utf8mb4 MEDIUMTEXT).
// create_table replaces the model with the definition (when it names no charset, the model's
// default_charset applies: the caller sets the database default there); truncate_table changes
// nothing; other kinds throw XX000.
void apply_to_model(SourceTable& table, const DdlStatement& statement);

}  // namespace mysql_sync
