// Shared memory: one slot per running task (live status for the views, the worker's pid for
// stop_sync) and the launcher's latch.
#pragma once

#include "extension/pg.h"

extern "C" {
#include "datatype/timestamp.h"
#include "port/atomics.h"
#include "storage/latch.h"
#include "storage/spin.h"
}

constexpr int kTaskNameSize = 64;
constexpr int kStateSize = 16;
constexpr int kFileNameSize = 256;

struct TaskSlot {
  bool in_use;
  char task[kTaskNameSize];
  pid_t pid;                        // the worker's pid, 0 when none runs
  char state[kStateSize];           // live state while the worker runs
  char source_file[kFileNameSize];  // applied position
  int64 source_pos;
  TimestampTz applied_source_time;  // source time up to which everything is applied
  TimestampTz last_event_at;        // when the reader last received anything
  int64 rows_copied;
  int64 changes_applied;
  int64 transactions_applied;

  // verify(): a backend asks the worker to hold still at a source position (bgworker/verify_pause.h).
  uint32 verify_request;  // id of the pending request, 0 when none
  uint32 verify_last_id;  // the last id handed out
  pid_t verify_requester;
  Latch* verify_latch;  // the requester's, set when the worker answers
  char verify_file[kFileNameSize];
  int64 verify_pos;
  uint32 verify_answered;  // the request the worker answered
  bool verify_past;        // ... having already committed past the position
  char verify_at_file[kFileNameSize];  // ... with this committed position
  int64 verify_at_pos;
  uint32 verify_released;  // the request the requester released
  bool verify_hold;        // hold until released, however long (a Citus target: see verify_pause.h)
  // The source monitor's figures, written by its thread (atomics: no lock, no PostgreSQL call);
  // kUnknownFigure when not known.
  pg_atomic_uint64 bytes_behind;
  pg_atomic_uint64 retention_left_s;  // int64 seconds, may be negative (purge overdue)
  uint32 table_requests;  // bumped by resync_table/alter_sync: the worker reads mysql_sync.table_requests
};

constexpr uint64 kUnknownFigure = UINT64CONST(0x8000000000000000);

struct SyncShared {
  slock_t mutex;
  pid_t launcher_pid;
  Latch* launcher_latch;
  int slot_count;
  TaskSlot slots[FLEXIBLE_ARRAY_MEMBER];
};

extern SyncShared* sync_shared;

void mysql_sync_install_shmem_hooks(void);  // from _PG_init, when preloaded
void wake_launcher(void);

// Slot lookup by task name; -1 when none. Caller holds no lock.
int find_task_slot(const char* task);

// mysql_sync.table_requests has new rows for the slot's task (table_requests_waiting() sees the
// bumped counter). Returns the slot's worker pid, 0 when none runs.
pid_t note_table_requests(int slot_index);
