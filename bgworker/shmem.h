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
constexpr int kTableNameSize = 2 * 256 + 2;  // db.table, MySQL names of up to 64 characters

// The recent pace of the task's copy (rows_copied per second), for the views' time left: one
// sample a second, each averaged with the ones before, so the figure follows changes of pace
// within seconds.
struct CopyRate {
  TimestampTz window_start;  // 0: no sample yet
  int64 window_rows;         // rows_copied when the current window started
  double rows_per_second;    // 0 until a window is complete
};

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
  CopyRate copy_rate;               // of rows_copied, while a copy runs
  char copy_table[kTableNameSize];  // the table the running (or last) COPY writes, db.table
  int64 copy_rows_in_flight;        // its rows of that COPY, not yet in table_state
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

// The worker's live rows_copied (the task's committed rows plus those of the copy under way), of
// which `in_flight` are rows of copy_table not yet committed to its table_state; also samples the
// copy's rate. A count lower than before (a dropped copy) starts the rate afresh.
void publish_rows_copied(int slot_index, int64 rows, int64 in_flight);

// A COPY into the table db.table begins (none of its rows in flight yet).
void publish_copy_table(int slot_index, const char* source_table);

// The slot's copy rate as of `now` (rows per second, 0 when not known): a copy that published no
// count for more than two windows (its worker stalled or stopped copying) counts its pace since.
double copy_rate_at(const TaskSlot* slot, TimestampTz now);

// A copy of slot `index` taken under the lock; false when no worker runs in it.
bool read_running_slot(int index, TaskSlot* copy);

// mysql_sync.table_requests has new rows for the slot's task (table_requests_waiting() sees the
// bumped counter). Returns the slot's worker pid, 0 when none runs.
pid_t note_table_requests(int slot_index);
