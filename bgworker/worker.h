// The task worker's process-wide state (PostgreSQL zone: plain data and one pointer to the C++
// owner).
#pragma once
#include "task/runtime.h"

#include "extension/pg.h"

extern "C" {
#include "datatype/timestamp.h"
#include "nodes/pg_list.h"
}

struct WorkerTask {
  char name[64];
  char label[96];  // mysql_sync task "name": the prefix of its log lines and errors
  int slot;
  mysql_sync::TaskRuntime* runtime;  // owner of the C++ objects, created with new

  // configuration (strings palloc'd in TopMemoryContext)
  char* source;
  bool sync_schema;
  bool sync_data;
  char existing_tables[16];
  bool apply_insert, apply_update, apply_delete;
  bool enabled;

  // persisted state at start
  char state[16];
  char* source_file;  // null before the initial sync finished (or with a GTID position only)
  int64 source_pos;
  char* source_gtid;

  // The table (index into runtime->tables) whose change raised the error being reported, -1 when
  // none: set by the apply's error context, recorded in mysql_sync.errors.
  int failing_table;
};

extern WorkerTask worker_task;

// Creates and starts the task's reader from `start`, memory-bounded by mysql_sync.max_memory
// (larger transactions spill to PostgreSQL's temporary file directory).
void start_reader(const mysql_sync::BinlogPosition& start);

// runtime->tables[index], without a temporary (the PostgreSQL zone's plain access).
mysql_sync::SyncTable* task_table(int index) noexcept;

// Whether the task's `operations` include this kind of change.
bool operation_enabled(mysql_sync::RowOp op);

// The reader's next item, owned by runtime->current until the next call; null when none is queued.
mysql_sync::SourceItem* next_source_item(void);

// Sleeps on the latch and the reader's eventfd until more is queued (or `timeout_ms`); returns
// false at once, without sleeping, when items arrived meanwhile.
bool wait_for_source(long timeout_ms);

// ERROR for a reader failure, with the last applied position (runtime->last_end).
[[noreturn]] void raise_source_failure(const mysql_sync::SourceItem* item);

// How much of a spilled transaction is read back into memory at a time.
size_t spill_chunk_bytes(void);

// Grows the per-table counters of the batch after a DDL added a table (no batch open).
void resize_batch_counters(void);

// Sets the live state in shared memory (the status view shows it while the worker runs).
void set_live_state(const char* state);

extern "C" {
PGDLLEXPORT void mysql_sync_worker_main(Datum arg);
}
