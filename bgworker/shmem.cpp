#include "extension/bridge.h"
#include "bgworker/shmem.h"

#include "extension/guc.h"

extern "C" {
#include "storage/ipc.h"
#include "utils/timestamp.h"
#include "storage/lwlock.h"
#include "storage/shmem.h"
}

SyncShared* sync_shared = nullptr;

static shmem_startup_hook_type previous_startup_hook = nullptr;

static Size shared_size(void) {
  return add_size(offsetof(SyncShared, slots), mul_size(sizeof(TaskSlot), mysql_sync_max_tasks));
}

void mysql_sync_attach_shmem(void) {
  bool found = false;
  LWLockAcquire(AddinShmemInitLock, LW_EXCLUSIVE);
  sync_shared = static_cast<SyncShared*>(ShmemInitStruct("mysql_sync", shared_size(), &found));
  if (!found) {
    memset(sync_shared, 0, shared_size());
    SpinLockInit(&sync_shared->mutex);
    sync_shared->slot_count = mysql_sync_max_tasks;
  }
  LWLockRelease(AddinShmemInitLock);
}

MYSQL_SYNC_VOID_ENTRY(startup_hook, (void), ()) {
  if (previous_startup_hook) previous_startup_hook();
  mysql_sync_attach_shmem();
}

static shmem_request_hook_type previous_request_hook = nullptr;

MYSQL_SYNC_VOID_ENTRY(request_hook, (void), ()) {
  if (previous_request_hook) previous_request_hook();
  RequestAddinShmemSpace(shared_size());
}

void mysql_sync_install_shmem_hooks(void) {
  previous_request_hook = shmem_request_hook;
  shmem_request_hook = request_hook;
  previous_startup_hook = shmem_startup_hook;
  shmem_startup_hook = startup_hook;
}

void wake_launcher(void) {
  if (sync_shared == nullptr) return;
  SpinLockAcquire(&sync_shared->mutex);
  Latch* latch = sync_shared->launcher_latch;
  SpinLockRelease(&sync_shared->mutex);
  if (latch) SetLatch(latch);
}

pid_t note_table_requests(int slot_index) {
  TaskSlot* slot = &sync_shared->slots[slot_index];
  SpinLockAcquire(&sync_shared->mutex);
  slot->table_requests++;
  pid_t pid = slot->pid;
  SpinLockRelease(&sync_shared->mutex);
  return pid;
}

constexpr int64 kRateWindowUs = 1000000;

void publish_rows_copied(int slot_index, int64 rows, int64 in_flight) {
  const TimestampTz now = GetCurrentTimestamp();
  TaskSlot* slot = &sync_shared->slots[slot_index];
  SpinLockAcquire(&sync_shared->mutex);
  slot->rows_copied = rows;
  slot->copy_rows_in_flight = in_flight;
  CopyRate* rate = &slot->copy_rate;
  if (rate->window_start == 0 || rows < rate->window_rows) {
    rate->window_start = now;
    rate->window_rows = rows;
    rate->rows_per_second = 0;
  } else if (now - rate->window_start >= kRateWindowUs) {
    const double sample =
        (double)(rows - rate->window_rows) * USECS_PER_SEC / (double)(now - rate->window_start);
    rate->rows_per_second = rate->rows_per_second > 0 ? (rate->rows_per_second + sample) / 2 : sample;
    rate->window_start = now;
    rate->window_rows = rows;
  }
  SpinLockRelease(&sync_shared->mutex);
}

void publish_copy_table(int slot_index, const char* source_table) {
  TaskSlot* slot = &sync_shared->slots[slot_index];
  SpinLockAcquire(&sync_shared->mutex);
  strlcpy(slot->copy_table, source_table, kTableNameSize);
  slot->copy_rows_in_flight = 0;
  SpinLockRelease(&sync_shared->mutex);
}

double copy_rate_at(const TaskSlot* slot, TimestampTz now) {
  const CopyRate& rate = slot->copy_rate;
  const int64 elapsed = now - rate.window_start;
  if (rate.window_start == 0 || elapsed <= 2 * kRateWindowUs) return rate.rows_per_second;
  const double since = (double)(slot->rows_copied - rate.window_rows) * USECS_PER_SEC / (double)elapsed;
  return since < rate.rows_per_second ? since : rate.rows_per_second;
}

bool read_running_slot(int index, TaskSlot* copy) {
  SpinLockAcquire(&sync_shared->mutex);
  *copy = sync_shared->slots[index];
  SpinLockRelease(&sync_shared->mutex);
  return copy->in_use && copy->pid != 0;
}

int find_task_slot(const char* task) {
  if (sync_shared == nullptr) return -1;
  int found = -1;
  SpinLockAcquire(&sync_shared->mutex);
  for (int i = 0; i < sync_shared->slot_count; i++) {
    if (sync_shared->slots[i].in_use && strcmp(sync_shared->slots[i].task, task) == 0) {
      found = i;
      break;
    }
  }
  SpinLockRelease(&sync_shared->mutex);
  return found;
}
