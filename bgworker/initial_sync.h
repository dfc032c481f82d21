// The initial sync: target schemas and tables, then every table's rows from a consistent snapshot
// of the source (one per source connection, options.parallel: bgworker/copy_load.h), each table or
// key range in its own PostgreSQL transaction that also records the snapshot's binlog position
// (and the last completed key) in the table's table_state row.
//
// Resuming: an interrupted load keeps the tables whose copy committed; the others are copied
// from a new snapshot (a half-copied ranged table after its last committed key). Tables (and key
// ranges) copied from an older snapshot then catch up, in transactions that
// apply their changes and advance their recorded position together, until every table is at the
// newest snapshot position T; the task's position T is stored last, and streaming starts there.
// A change at or before a table's recorded position is never applied to it (it is in the copy).
#pragma once
#include "bgworker/worker.h"

extern "C" {
#include "commands/copy.h"
}

void run_initial_sync(void);

// Without a copy (options.start_position): describes the source tables, checks that their
// targets exist and records them, keeping the stored position.
void register_tables(void);

// Reads the target's dialect and version (for create_target_table; inside a transaction).
void detect_target_dialect(void);
// Creates the target table of runtime->tables[index] (columns, defaults, comments, distribution)
// without keys, and adds its primary key and indexes (inside the caller's transaction).
void create_target_table(int index);
void add_keys(int index);
// Building blocks of the initial sync that alter_sync and resync_table reuse (bgworker/
// table_requests.h); all inside the caller's transaction, with runtime->tables[index] described.
// Creates, clears or checks the target as initial_sync and existing_tables say; true when created.
bool prepare_added_table(int index);
// Identity sequences past the copied maximum and the source's AUTO_INCREMENT counter.
void set_target_identities(int index);
// COPY of the table's rows from runtime->snapshot_client into `relid`; the live rows_copied shows
// rows_before plus the rows so far. Returns the rows.
uint64 copy_source_rows(int index, Oid relid, int64 rows_before, int64* invalid);

namespace mysql_sync {
class CopyFeed;
}
// COPY of `feed`'s rows into `relid`, the target of runtime->tables[index], inside the current
// transaction; the live rows_copied shows the copy base plus the feed's rows. Returns the rows.
// COPY FROM `read` (COPY's data-source callback) into `relid`, the columns being the table's
// target columns in source order; inside the caller's transaction. Returns the rows. The one
// write of a copied chunk: a Citus table's rows go through Citus (bgworker/citus_load.h).
uint64 copy_rows_into(int index, Oid relid, copy_data_source_cb read);
// The same from `feed` (a Citus table's COPY reads it on the pipe's thread).
uint64 copy_feed_into(int index, Oid relid, mysql_sync::CopyFeed* feed);
// The task's rows committed so far (live rows_copied counts on from there).
void set_copy_base(int64 rows);
// The live rows_copied: the copy base plus the rows the current copy wrote or read.
void show_copy_progress(uint64 rows);
