// The one way rows are copied: the initial load, alter_sync and resync_table backfill a table in
// chunks (task/chunk_keys.h, read by task/chunk_reader.h) that the worker's main thread writes
// between the stream's apply batches (bgworker/backfill.h). This is the C++ state of the
// backfills of a task: their segments and cursors, the readers' orders, the chunks waiting to be
// written, and the keys the stream changed lately. Pure C++.
//
// Why a chunk is exact. During a table's backfill the stream applies every change of the table
// to its target as it comes, leniently (an update or delete of a row not copied yet inserts the
// new row or does nothing), so a row the stream changed is right in the target from then on. A
// chunk is written when the stream has applied everything up to the chunk's high position H, at
// some S >= H: a row of the chunk is inserted unless the target holds its key already (the
// stream put it there) or the stream changed its key after the chunk's low position L (the row
// read may be older than the stream's version, or deleted since: the stream's version stands).
// Every other row of the chunk is unchanged from its read up to S, so the target holds the
// source's rows as of S. For an exact snapshot L = H = P. For a watermark chunk a transaction
// written to the binlog before L may still commit in the engine after the SELECT began: the keys
// the stream changed in the kVisibilityMs before L count too, and a table's first chunk waits
// that long after its backfill began.
#pragma once
#include "common/cxx_zone.h"

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "task/chunk_keys.h"
#include "task/chunk_reader.h"
#include "task/source_item.h"

namespace mysql_sync {

enum class BackfillKind : uint8_t {
  load,    // the initial load: the target was prepared by the schema sync
  add,     // alter_sync (or a DDL bringing a table with rows): a new table of the task
  resync,  // resync_table: into a shadow that replaces the target at the end
  repair,  // a resync whose old target is stale (unlogged rows): the stream skips it meanwhile
};
const char* backfill_kind_name(BackfillKind kind);
std::optional<BackfillKind> backfill_kind_of(const std::string& name);

struct BackfillSegment {
  // The segment's part of the first key column: (from, upto]; none: unbounded.
  std::optional<std::string> from, upto;
  KeyValues after;    // the last key written (committed with its chunk); empty: none yet
  bool done = false;  // every chunk of it written
  // Reading ahead of the writes (not stored):
  KeyValues read_after;  // where the next chunk to read starts
  bool read_done = false;
  bool reading = false;
  int64_t reading_since_us = 0;
  uint64_t limit = 0;  // rows of the next chunk
  std::vector<std::unique_ptr<Chunk>> ready;  // read, waiting for their write, in key order
};

struct TouchedKey {
  BinlogPosition at;  // the end of the transaction that changed it
  int64_t at_us;      // when the stream applied it
  std::vector<Value> key;  // the key columns' values, as the binlog gives them
};

struct TableBackfill {
  uint64_t serial = 0;  // names it in the readers' orders (table indexes move when tables leave)
  uint32_t table = 0;   // TaskRuntime::tables
  BackfillKind kind = BackfillKind::load;
  uint64_t generation = 0;  // bumped by a DDL of the table: older chunks are dropped unwritten
  SourceTable source;       // what a chunk reads (SyncTable::copy_source())
  KeyPaging paging;
  std::vector<size_t> key_columns;  // the key's columns in the table's rows (source column indexes)
  bool planned = false;  // the segments are known (a splittable table waits for its bounds)
  std::vector<BackfillSegment> segments;
  BinlogPosition started_at;  // the stream's position when the backfill began (or resumed)
  int64_t started_us = 0;
  int64_t rows_estimate = 0;
  bool stream_wrote = false;  // the stream inserted rows: a chunk may meet them
  bool keys_pending = false;  // the initial load builds the target's keys after the rows
  std::vector<TouchedKey> touched;  // oldest first
  int64_t retry_after_us = 0;   // a read failed: no new read before then
  int retries = 0;
  // An unpaged table (task/chunk_keys.h: a key that may be NULL or cannot be compared) is read
  // in one chunk.
  bool finished() const noexcept;
};

// A reader and what it reads.
struct ReaderSlot {
  std::unique_ptr<ChunkReader> reader;
  bool busy = false;
  uint64_t serial = 0;  // the backfill
  size_t segment = 0;   // SIZE_MAX: its bounds
  uint64_t generation = 0;
};

// Every backfill of the task, with the readers they share (options.parallel).
struct BackfillRun {
  std::vector<TableBackfill> tables;
  std::vector<ReaderSlot> readers;
  size_t cursor = 0;  // round robin of choose_read
  uint64_t next_serial = 1;
  uint64_t next_order = 1;
  TableBackfill* of_table(uint32_t table) noexcept;  // null when the table has no backfill
  TableBackfill* of_serial(uint64_t serial) noexcept;
  size_t ready_bytes() const noexcept;  // COPY text of the chunks waiting for their write
};

// The state of table_state.backfill: {"kind": "load", "keys_pending": false, "segments": [{"from":
// null, "upto": "1000", "after": ["17", "a"], "done": false}, ...]}.
std::string backfill_state_json(const TableBackfill& backfill);
// Restores kind, segments and their written keys; throws SyncError XX000 for a damaged value.
void load_backfill_state(TableBackfill& backfill, const std::string& json);

// A new generation from `source`/`key` (a fresh backfill, or a DDL changed the table): the reads
// ahead are dropped, and the written cursors are kept unless the key changed (then the table is
// read again from its start: the rows already written stay and are skipped). A table not planned
// yet is split into segments for parallel reads when `split` (after its bounds are read), else
// read as one.
void start_generation(TableBackfill& backfill, const SourceTable& source, const std::vector<std::string>& key,
                      const std::vector<size_t>& key_columns, bool split);

// The stream applied `change` to the backfilled table: its keys are noted (before and after).
void note_touched(TableBackfill& backfill, const TableChange& change, const BinlogPosition& end, int64_t now_us);
// Forgets the notes no chunk, read or to be read, can need any more.
void prune_touched(TableBackfill& backfill, int64_t now_us);
// The keys of the notes a chunk must not overwrite (task/backfill_plan.h, top).
std::vector<const TouchedKey*> keys_to_skip(const TableBackfill& backfill, const Chunk& chunk);

// The segment whose next chunk a free reader should read, round robin from *cursor over the
// backfills; false when none.
struct ReadChoice {
  size_t backfill;
  size_t segment;  // SIZE_MAX: the table's bounds (to split it)
};
std::optional<ReadChoice> choose_read(std::vector<TableBackfill>& backfills, size_t* cursor, int64_t now_us);
struct ReadSettings {
  Consistency consistency = Consistency::automatic;  // options.consistency
  InvalidDates invalid_dates = InvalidDates::to_null;
  int64_t rows_per_second = 0;  // a reader's share of options.max_rows_per_second; 0: unlimited
  uint64_t range_rows = 100000;  // mysql_sync.copy_range_rows: rows of a chunk at most
  int64_t chunk_ms = 1000;       // mysql_sync.copy_chunk_time: what a chunk's read should take
};
// The order of that read (marks the segment as being read).
ChunkOrder make_order(TableBackfill& backfill, size_t segment, uint64_t id, const ReadSettings& settings,
                      int64_t now_us);
// A chunk arrived from a reader (the read cursor moves on; it waits for its write).
void chunk_read(TableBackfill& backfill, size_t segment, std::unique_ptr<Chunk> chunk,
                const ReadSettings& settings);
// A bounds read arrived: the table is cut into up to `parts` segments.
void bounds_read(TableBackfill& backfill, const Chunk& chunk, int parts);
// The segment's oldest ready chunk was written: its key is the segment's cursor.
void chunk_written(TableBackfill& backfill, size_t segment);

}  // namespace mysql_sync
