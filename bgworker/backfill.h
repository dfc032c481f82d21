// The backfill engine on the worker's main thread: the one way rows are copied. The initial load,
// alter_sync (and a DDL bringing a table with rows) and resync_table each start a backfill of a
// table; options.parallel readers (task/chunk_reader.h) read its chunks in key order, each in a
// short source transaction of its own, and the main thread writes each chunk in a PostgreSQL
// transaction of its own between the stream's apply batches, with the chunk's last key and the
// counters in table_state: the stream never waits for a copy, and a worker killed in the middle
// resumes every table after its last committed chunk. Why the result is exact:
// task/backfill_plan.h.
//
// While a table is backfilled the stream applies its changes leniently to the relation being
// filled (bgworker/apply.h): the target (initial load, alter_sync), or the shadow of a resync,
// whose old target meanwhile gets them as usual (or, for a repair of a stale target, not at all).
// When every chunk is written the table is done: the initial load adds the keys and indexes it
// left for after the rows, a resync's shadow replaces the target (bgworker/table_requests.h),
// and the table's changes are applied strictly again.
//
// A DDL of a table being backfilled (applied to its target like any other, per options.ddl): the
// chunks read before it are dropped unwritten and the reads go on under the new definition (from
// the start again when the key changed); a resync starts again from scratch.
#pragma once
#include "bgworker/worker.h"

// How the stream applies a table's changes.
enum class BackfillRole : uint8_t {
  none,         // as usual
  lenient,      // to its target, leniently (the target is being filled)
  with_shadow,  // to its target as usual, and leniently to the resync's shadow
  shadow_only,  // a repair: only to the shadow (the old target is stale)
  held,         // none at all: a stale target awaiting its repair (SyncTable::awaits_repair)
};
BackfillRole backfill_role(int table) noexcept;

// Starts the backfill of runtime->tables[index] (its target or shadow exists), inside the
// caller's transaction: table_state gets state copying and the backfill's state. The stream
// stands at runtime->last_end (all of it applied). keys_pending: the target's keys are added
// once the rows are in (the initial load).
void backfill_begin(int index, mysql_sync::BackfillKind kind, bool keys_pending);
// After the worker loaded its tables: resumes the backfills table_state records (own transaction).
void backfill_resume(void);

bool backfill_running(void) noexcept;
// A table of the initial load is still being copied (the task is in full_load).
bool backfill_loading(void) noexcept;
// Between two batches (no transaction open, everything up to runtime->last_end applied): writes
// the chunks the stream has passed, each in its own transaction, gives the readers work, and
// finishes the tables whose chunks are all written.
void backfill_step(void);
// How long the main loop may sleep: briefly while backfills run (chunks arrive on their own).
long backfill_wait_ms(long idle_ms) noexcept;

// Before the stream applies a change of a table being backfilled (inside the batch): the initial
// load's target gets its primary key now if it has none yet (the change is looked up by it).
void backfill_before_change(int table);
// After the stream applied a change of a table being backfilled: its keys are noted.
void backfill_note_change(const mysql_sync::TableChange& change, const mysql_sync::BinlogPosition& end);

// A DDL changed table `index` (inside the DDL's transaction, its effect applied): the backfill
// goes on under the new definition; `restart` (TRUNCATE) reads the table again from its start.
// A table that left the task loses its backfill.
void backfill_table_changed(int index, bool restart);
// Tables leave the task (alter_sync remove): their backfills end, the others follow the new
// indexes (`removed` per table of the old list; call before the list shrinks).
void backfill_tables_removed(const bool* removed);
// Ends the backfill of a table without finishing it (its readers' work is dropped).
void backfill_cancel(int index);

// Inside a transaction that stores the stream's position (which clears task_state.detail): the
// detail names the running backfills again.
void backfill_keep_detail(void);
