// The worker's reads and writes of the extension's catalog, through SPI. Functions that say
// "own transaction" start and commit one; the others run inside the caller's.
#pragma once
#include "bgworker/worker.h"

// Loads task_config and task_state into worker_task and fills the runtime's configuration
// (URI, patterns, name map, options). Own transaction. False when the task no longer exists.
bool load_task(void);

// Counts a start for the launcher's backoff; store_position resets it (own transaction).
void note_worker_start(void);

// Persists state and detail (own transaction).
void save_task_state(const char* state, const char* detail);

// Persists a failure: state failed or stopped, the error and when (own transaction).
void save_task_failure(const char* state, const char* sqlstate, const char* message, const char* hint);

// Replaces the task's table_state rows with runtime->tables (inside the caller's transaction).
void write_table_states(const char* table_state);

// Inserts the table_state row of one table (inside the caller's transaction). `created_target`:
// the initial sync created the target table (it then adds the keys and indexes after the data).
// The table's first schema_history version is recorded with it, without a position, unless the
// caller records one of its own (record_version false: a DDL creating the table).
void write_table_state(int index, const char* table_state, bool created_target, bool record_version = true);

// How many table_state rows the task has (own transaction).
int count_table_states(void);

// Appends a version of the table's source definition (runtime->tables[index].source) to the schema
// history: `ddl` and `at` name the statement and its binlog position, NULL for the schema sync
// (inside the caller's transaction).
void record_schema_version(int index, const char* ddl, const mysql_sync::BinlogPosition* at);

// Rewrites the table_state row once known as `old_source_table` from runtime->tables[index]:
// names, target and columns (inside the caller's transaction).
void update_table_state(int index, const char* old_source_table);

// A backfilled table's table_state rows_copied and chunks_copied, as text (palloc'd, inside the
// caller's transaction).
void read_copy_counts(const char* source_table, char** rows, char** chunks);

// A backfilled table is synced: its table_state row says so, and the log names its rows and chunks
// ("<done> shop.t (N rows in M chunks)"). Inside the caller's transaction, which it ends.
void mark_copied_table_synced(const char* source_table, const char* done);

// Removes a table that left the task (inside the caller's transaction).
void delete_table_state(const char* source_table);

// Loads runtime->tables from table_state, with each table's newest schema version (own transaction).
void load_table_states(void);
// Each synced table's newest schema_history definition, as (source_table, definition JSON)
// pairs in *cells (palloc'd); returns the number of pairs.
int newest_schema_versions(char*** cells);

// Stores the applied position and counters with the changes it covers (inside the caller's
// transaction). Returns false when the task was dropped meanwhile.
bool store_position(const char* state, const mysql_sync::BinlogPosition& end, TimestampTz source_time,
                    int64 changes, int64 transactions, int64 rows_copied);

// Adds per-table counters (inside the caller's transaction).
void add_table_counters(int table, int64 changes, int64 invalid_values, int64 rows_copied, const char* state);

// Runs `sql` through SPI with text parameters (NULL pointers are SQL NULL); ERROR on failure.
int spi_exec_text(const char* sql, int nargs, const char* const* args);

// Starts/ends a transaction with SPI connected and a snapshot pushed; a transaction block where
// Citus is installed (bgworker/citus.h).
void begin_catalog_transaction(void);
void end_catalog_transaction(void);
