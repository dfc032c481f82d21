// The write of one backfill chunk (task/backfill_plan.h) into its relation: the table's target,
// or the shadow a resync fills. Every chunk of the initial load, alter_sync and resync_table goes
// through write_chunk; its COPY goes through copy_text_into (bgworker/initial_sync.h), where a
// target that needs another route (a Citus table: Citus's own COPY) takes it.
#pragma once
#include "bgworker/worker.h"

// Keys of the chunk's table that the chunk must not write: the stream changed them after the
// chunk was read (or may have). Values as the binlog gives them (text forms), row-major.
struct ChunkSkips {
  int columns;                // key columns
  int count;                  // keys
  const char* const* values;  // count * columns; NULL for SQL NULL
};

// Writes the COPY text `text` (size bytes) of a chunk of runtime->tables[index] into `relid`,
// inside the caller's transaction, and returns the rows inserted:
//   - no key to skip and no row the stream may have inserted (may_meet false): COPY straight in;
//   - may_meet: the same, and if a row is there already (a unique violation) the chunk is
//     written as below instead (a Citus table: as below at once);
//   - keys to skip: COPY into a temporary stage, the skipped keys deleted from it (compared as
//     the target's types), then INSERT ... SELECT ... ON CONFLICT DO NOTHING: a row the stream
//     wrote stands.
uint64 write_chunk(int index, Oid relid, const char* text, size_t size, const ChunkSkips* skips, bool may_meet);
