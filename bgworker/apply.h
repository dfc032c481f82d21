// Applies row changes to the target tables inside the worker's apply transaction.
//
// The fast path is the executor-level one that PostgreSQL's own logical replication apply uses
// (execReplication.c): per table and batch one EState/ResultRelInfo with its indexes open, tuples
// built from the text values with the columns' input functions, ExecSimpleRelationInsert, and for
// updates and deletes a lookup through the key's unique btree index followed by
// ExecSimpleRelationUpdate/Delete. Tables that path cannot serve exactly like an INSERT/UPDATE/
// DELETE statement would (target columns the source does not fill, rules, partitioned tables, no
// unique index on exactly the key columns) go through SPI prepared plans instead.
#pragma once
#include "bgworker/worker.h"

// Where a change goes: the table's target, or the shadow a resync fills (bgworker/backfill.h).
enum class ApplyTo : uint8_t { target, shadow };

// Applies one change. ERROR (with the task, table, key and binlog position in its context) when the
// row to update or delete is missing, on a duplicate key, or for a value the column cannot hold.
// `lenient` (a table being backfilled, whose rows are not all copied yet): an update of a missing
// row inserts its new version, a delete of one does nothing.
void apply_change(const mysql_sync::TableChange& change, const mysql_sync::BinlogPosition& end,
                  ApplyTo to = ApplyTo::target, bool lenient = false);

// Closes the per-batch executor state (relations, indexes, scans) before the transaction the
// changes were applied in commits. A pre-commit callback does it too, so a caller that forgets
// leaks nothing; harmless when nothing is open.
void apply_batch_end(void);

// Forgets the prepared plans and column types (the table list changed).
void reset_appliers(void);

// ERROR 23000: the row to update or delete is not in the target (`what`: "update", "delete");
// `key` names it when the caller knows it ("(id)=(5)"), else the apply's error context does.
[[noreturn]] void report_row_missing(const char* qualified, const char* what, const char* key);

// The value as a C string for an input function; ERROR for a NUL character, which PostgreSQL
// text cannot hold (the C string would silently end there).
char* value_cstring(const std::string& text);

// SPI_prepare and SPI_keepplan of `sql`; ERROR naming the statement when it cannot be prepared.
struct _SPI_plan* prepare_kept(const char* sql, int nargs, Oid* types);

// Looks up a target table; ERROR 42P01 naming it (and the hint) when missing_ok is false.
Oid target_relid(int table, bool missing_ok);
// The table's resync shadow (SyncTable::shadow_name); ERROR 42P01 when missing.
Oid shadow_relid(int table);
