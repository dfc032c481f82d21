#include "bgworker/verify_pause.h"

#include "bgworker/shmem.h"
#include "bgworker/worker.h"
#include "extension/bridge.h"

extern "C" {
#include "miscadmin.h"
#include "pgstat.h"
#include "storage/latch.h"
#include "storage/proc.h"
#include "storage/procarray.h"
#include "utils/timestamp.h"
}

namespace {

constexpr long kWorkerHoldMs = 10000;  // the worker waits this long at most for the release
constexpr long kPollMs = 100;

uint32 handled_request = 0;  // worker: the last request answered

void wake_process(pid_t pid) {
  PGPROC* proc = BackendPidGetProc(pid);
  if (proc != nullptr) SetLatch(&proc->procLatch);
}

}  // namespace

void verify_pause_point(const mysql_sync::BinlogPosition* next_end, const mysql_sync::BinlogPosition& applied,
                        void (*commit_pending)(void)) {
  TaskSlot* slot = &sync_shared->slots[worker_task.slot];
  // Unlocked look first: this runs once per item.
  uint32 pending = *(volatile uint32*)&slot->verify_request;
  if (pending == 0 || pending == handled_request) return;

  char file[kFileNameSize];
  int64 pos = 0;
  SpinLockAcquire(&sync_shared->mutex);
  uint32 id = slot->verify_request;
  strlcpy(file, slot->verify_file, kFileNameSize);
  pos = slot->verify_pos;
  SpinLockRelease(&sync_shared->mutex);
  if (id == 0 || id == handled_request) return;

  int applied_vs_target = 0, next_vs_target = 0;
  MYSQL_SYNC_CXX(worker_task.label, {
    mysql_sync::BinlogPosition target;
    target.file = file;
    target.pos = (uint64_t)pos;
    applied_vs_target = mysql_sync::compare_positions(applied, target);
    if (next_end) next_vs_target = mysql_sync::compare_positions(*next_end, target);
  });
  bool past = applied_vs_target > 0;
  bool here = !past && (next_end ? next_vs_target > 0 : applied_vs_target == 0);
  if (!past && !here) return;  // not there yet: apply on

  if (here) commit_pending();  // the committed state is now every transaction up to P

  Latch* requester = nullptr;
  pid_t requester_pid = 0;
  bool hold = false;
  SpinLockAcquire(&sync_shared->mutex);
  if (slot->verify_request == id) {
    requester_pid = slot->verify_requester;
    hold = slot->verify_hold;
    slot->verify_answered = id;
    slot->verify_past = past;
    strlcpy(slot->verify_at_file, applied.file.c_str(), kFileNameSize);
    slot->verify_at_pos = (int64)applied.pos;
    requester = slot->verify_latch;
  }
  SpinLockRelease(&sync_shared->mutex);
  handled_request = id;
  if (requester == nullptr) return;  // withdrawn meanwhile
  SetLatch(requester);
  if (past) return;

  ereport(LOG, (errmsg("mysql_sync task \"%s\": holding at binlog %s:%lld while verify() %s",
                       worker_task.name, applied.file.c_str(), (long long)applied.pos,
                       hold ? "reads the Citus tables" : "takes its snapshot")));
  // Hold still until the verifier has its snapshot (or gives up, or 10 s pass); a holding
  // verifier (Citus) until it has read the target, for as long as its backend lives.
  TimestampTz until = TimestampTzPlusMilliseconds(GetCurrentTimestamp(), kWorkerHoldMs);
  for (;;) {
    SpinLockAcquire(&sync_shared->mutex);
    bool done = slot->verify_released == id || slot->verify_request != id;
    SpinLockRelease(&sync_shared->mutex);
    if (done) break;
    if (hold && BackendPidGetProc(requester_pid) == nullptr) {
      ereport(LOG, (errmsg("mysql_sync task \"%s\": the verify() holding the worker is gone; going on",
                           worker_task.name)));
      break;
    }
    long left = hold ? kPollMs : TimestampDifferenceMilliseconds(GetCurrentTimestamp(), until);
    if (left <= 0) {
      ereport(LOG,
              (errmsg("mysql_sync task \"%s\": verify() did not release the worker within %ld s; going on",
                      worker_task.name, kWorkerHoldMs / 1000)));
      break;
    }
    (void)WaitLatch(MyLatch, WL_LATCH_SET | WL_TIMEOUT | WL_EXIT_ON_PM_DEATH, Min(left, kPollMs),
                    PG_WAIT_EXTENSION);
    ResetLatch(MyLatch);
    CHECK_FOR_INTERRUPTS();
  }
}

static void withdraw_request(int slot_index, uint32 id) {
  TaskSlot* slot = &sync_shared->slots[slot_index];
  SpinLockAcquire(&sync_shared->mutex);
  if (slot->verify_request == id) {
    slot->verify_request = 0;
    slot->verify_requester = 0;
    slot->verify_latch = nullptr;
  }
  SpinLockRelease(&sync_shared->mutex);
}

bool verify_request_pause(const char* task, int slot_index, pid_t worker_pid, const char* file, int64 pos,
                          long timeout_ms, bool hold, VerifyPauseAnswer* answer) {
  TaskSlot* slot = &sync_shared->slots[slot_index];
  SpinLockAcquire(&sync_shared->mutex);
  pid_t holder = slot->verify_request != 0 ? slot->verify_requester : 0;
  bool busy = holder != 0 && holder != MyProcPid;
  if (busy) {
    SpinLockRelease(&sync_shared->mutex);
    if (BackendPidGetProc(holder) != nullptr)
      ereport(ERROR,
              (errcode(ERRCODE_LOCK_NOT_AVAILABLE),
               errmsg("task \"%s\": another verify() of this task is running (pid %d)", task, (int)holder),
               errhint("Wait for it to finish, then call verify again.")));
    SpinLockAcquire(&sync_shared->mutex);  // its backend is gone: take the request over
  }
  uint32 id = ++slot->verify_last_id;
  if (id == 0) id = ++slot->verify_last_id;
  slot->verify_request = id;
  slot->verify_requester = MyProcPid;
  slot->verify_latch = MyLatch;
  slot->verify_hold = hold;
  strlcpy(slot->verify_file, file, kFileNameSize);
  slot->verify_pos = pos;
  SpinLockRelease(&sync_shared->mutex);
  wake_process(worker_pid);

  bool answered = false, gone = false;
  TimestampTz until = TimestampTzPlusMilliseconds(GetCurrentTimestamp(), timeout_ms);
  PG_TRY();
  {
    for (;;) {
      SpinLockAcquire(&sync_shared->mutex);
      answered = slot->verify_answered == id;
      if (answered) {
        answer->id = id;
        answer->past = slot->verify_past;
        strlcpy(answer->at_file, slot->verify_at_file, sizeof answer->at_file);
        answer->at_pos = slot->verify_at_pos;
      }
      gone = slot->pid != worker_pid;
      SpinLockRelease(&sync_shared->mutex);
      if (answered || gone) break;
      if (TimestampDifferenceExceeds(until, GetCurrentTimestamp(), 0)) {
        withdraw_request(slot_index, id);
        ereport(ERROR,
                (errcode(ERRCODE_QUERY_CANCELED),
                 errmsg("task \"%s\": the worker did not reach the source snapshot's binlog position %s:%lld "
                        "within %ld s",
                        task, file, (long long)pos, timeout_ms / 1000),
                 errhint("The task is behind the source (see lag_seconds in mysql_sync.status); call "
                         "verify again when it has caught up.")));
      }
      (void)WaitLatch(MyLatch, WL_LATCH_SET | WL_TIMEOUT | WL_EXIT_ON_PM_DEATH, kPollMs, PG_WAIT_EXTENSION);
      ResetLatch(MyLatch);
      CHECK_FOR_INTERRUPTS();
    }
  }
  PG_CATCH();
  {
    withdraw_request(slot_index, id);
    PG_RE_THROW();
  }
  PG_END_TRY();
  if (!answered || answer->past) withdraw_request(slot_index, id);
  return answered;
}

void verify_release_pause(int slot_index, pid_t worker_pid, uint32 id) {
  TaskSlot* slot = &sync_shared->slots[slot_index];
  SpinLockAcquire(&sync_shared->mutex);
  slot->verify_released = id;
  if (slot->verify_request == id) {
    slot->verify_request = 0;
    slot->verify_requester = 0;
    slot->verify_latch = nullptr;
  }
  SpinLockRelease(&sync_shared->mutex);
  wake_process(worker_pid);
}
