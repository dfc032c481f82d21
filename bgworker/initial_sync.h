// The initial sync: the target schemas and tables, then every table's rows by the backfill engine
// (bgworker/backfill.h) while the stream runs from the binlog position read at the start. The
// tables, their table_state rows with the backfills' state, and that position commit in one
// transaction; from then on every chunk commits on its own, and a worker killed in the middle
// resumes each table after its last committed chunk (the stream after its stored position). The
// task is in full_load until the last table's chunks are written.
#pragma once
#include "bgworker/worker.h"

void run_initial_sync(void);

// A table of the initial load has all its rows (own transaction): the keys and indexes it left for
// after them (only those not made meanwhile: by the stream's first change, or a DDL), its identity
// sequences, state synced.
void finish_loaded_table(int index, bool keys_pending);
// The last table of the initial load is done (own transaction): foreign keys, state catching_up.
void finish_initial_load(void);

// Without a copy (options.start_position): describes the source tables, checks that their
// targets exist and records them, keeping the stored position.
void register_tables(void);

// Reads the target's dialect and version (for create_target_table; inside a transaction).
void detect_target_dialect(void);
// Creates the target table of runtime->tables[index] (columns, defaults, comments, distribution)
// without keys (inside the caller's transaction).
void create_target_table(int index);
// Its primary key, and its other indexes (missing_only: those it does not have yet); add_keys
// does both (inside the caller's transaction).
void add_primary_key(int index);
void add_indexes(int index, bool missing_only);
void add_keys(int index);
// Building blocks of the initial sync that alter_sync and resync_table reuse (bgworker/
// table_requests.h); all inside the caller's transaction, with runtime->tables[index] described.
// Creates, clears or checks the target as initial_sync and existing_tables say; true when created.
bool prepare_added_table(int index);
// Identity sequences past the copied maximum and the source's AUTO_INCREMENT counter.
void set_target_identities(int index);

// COPY FROM the COPY text `text` (`size` bytes, whole rows) into `relid`, the columns being the
// table's target columns in source order; inside the caller's transaction. Returns the rows. The
// one write of a copied chunk: a Citus table's rows go through Citus (bgworker/citus_load.h).
uint64 copy_text_into(int index, Oid relid, const char* text, size_t size);
