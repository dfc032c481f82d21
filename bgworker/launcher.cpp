#include "extension/bridge.h"
#include "bgworker/launcher.h"

#include "bgworker/shmem.h"
#include "extension/guc.h"

extern "C" {
#include "access/xact.h"
#include "executor/spi.h"
#include "pgstat.h"
#include "postmaster/bgworker.h"
#include "postmaster/interrupt.h"
#include "tcop/tcopprot.h"
#include "storage/ipc.h"
#include "storage/latch.h"
#include "storage/proc.h"
#include "utils/guc.h"
#include "utils/snapmgr.h"
#include "utils/timestamp.h"
}

namespace {

// What the launcher remembers per task slot, in its own memory.
struct LaunchState {
  BackgroundWorkerHandle* handle;  // null when no worker was started
  TimestampTz next_start;          // not before this time (backoff after failed or crashed runs)
  bool wanted;                     // enabled and not paused/stopped in this scan
};

LaunchState* launch_states = nullptr;

void start_worker(int slot_index) {
  TaskSlot* slot = &sync_shared->slots[slot_index];
  BackgroundWorker worker;
  memset(&worker, 0, sizeof worker);
  worker.bgw_flags = BGWORKER_SHMEM_ACCESS | BGWORKER_BACKEND_DATABASE_CONNECTION;
  worker.bgw_start_time = BgWorkerStart_RecoveryFinished;
  worker.bgw_restart_time = BGW_NEVER_RESTART;  // the launcher restarts, with backoff
  snprintf(worker.bgw_library_name, BGW_MAXLEN, "mysql_sync");
  snprintf(worker.bgw_function_name, BGW_MAXLEN, "mysql_sync_worker_main");
  snprintf(worker.bgw_name, BGW_MAXLEN, "mysql_sync worker %s", slot->task);
  snprintf(worker.bgw_type, BGW_MAXLEN, "mysql_sync worker");
  strlcpy(worker.bgw_extra, slot->task, BGW_EXTRALEN);
  worker.bgw_main_arg = Int32GetDatum(slot_index);
  worker.bgw_notify_pid = MyProcPid;

  BackgroundWorkerHandle* handle = nullptr;
  if (!RegisterDynamicBackgroundWorker(&worker, &handle)) {
    ereport(WARNING, (errmsg("mysql_sync task \"%s\": no background worker slot free", slot->task),
                      errhint("Raise max_worker_processes.")));
    launch_states[slot_index].next_start =
        TimestampTzPlusMilliseconds(GetCurrentTimestamp(), mysql_sync_restart_delay_s * 1000L);
    return;
  }
  launch_states[slot_index].handle = handle;
  ereport(LOG, (errmsg("mysql_sync task \"%s\": worker started", slot->task)));
}

// Tasks run only against the catalog this library was built for: another version may name its
// tables and columns otherwise, and misreading it could apply changes twice. Says so once per
// version seen.
bool catalog_version_matches(const char* version) {
  static char reported[64] = "";
  if (strcmp(version, MYSQL_SYNC_VERSION) == 0) {
    reported[0] = '\0';
    return true;
  }
  if (strcmp(reported, version) != 0) {
    strlcpy(reported, version, sizeof reported);
    ereport(WARNING,
            (errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
             errmsg("mysql_sync: the extension's catalog is version %s, the library is version %s; "
                    "no task runs until they match",
                    version, MYSQL_SYNC_VERSION),
             errhint("Run ALTER EXTENSION mysql_sync UPDATE in database \"%s\".", mysql_sync_database)));
  }
  return false;
}

// Reads the enabled tasks and marks the slots of those that should run.
void scan_tasks(void) {
  for (int i = 0; i < sync_shared->slot_count; i++) {
    launch_states[i].wanted = false;
  }

  SetCurrentStatementStartTimestamp();
  StartTransactionCommand();
  SPI_connect();
  PushActiveSnapshot(GetTransactionSnapshot());
  pgstat_report_activity(STATE_RUNNING, "mysql_sync launcher: reading tasks");

  int ret =
      SPI_execute("SELECT extversion FROM pg_catalog.pg_extension WHERE extname = 'mysql_sync'", true, 1);
  bool catalog_ok = ret == SPI_OK_SELECT && SPI_processed == 1 &&
                    catalog_version_matches(SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1));
  if (catalog_ok) {
    // Restored or promoted tasks first: they must not start as they were.
    ret = SPI_execute("SELECT mysql_sync._adopt_cluster()", false, 0);
    if (ret != SPI_OK_SELECT) elog(ERROR, "mysql_sync launcher: _adopt_cluster failed: %d", ret);
    ret = SPI_execute(
        "SELECT c.task, s.state, s.run_attempts, "
        "       s.last_run_at + make_interval(secs => LEAST(300, "
        "         extract(epoch FROM current_setting('mysql_sync.restart_delay')::interval) "
        "         * 2 ^ GREATEST(s.run_attempts - 1, 0))::float8) "
        "  FROM mysql_sync.task_config c JOIN mysql_sync.task_state s USING (task) "
        "WHERE c.enabled AND s.state NOT IN ('paused', 'stopped') ORDER BY c.created_at",
        true, 0);
    for (uint64 row = 0; ret == SPI_OK_SELECT && row < SPI_processed; row++) {
      char* task = SPI_getvalue(SPI_tuptable->vals[row], SPI_tuptable->tupdesc, 1);
      char* state = SPI_getvalue(SPI_tuptable->vals[row], SPI_tuptable->tupdesc, 2);
      int index = find_task_slot(task);
      if (index < 0) {
        SpinLockAcquire(&sync_shared->mutex);
        for (int i = 0; i < sync_shared->slot_count; i++) {
          if (!sync_shared->slots[i].in_use) {
            memset(&sync_shared->slots[i], 0, sizeof(TaskSlot));
            sync_shared->slots[i].in_use = true;
            strlcpy(sync_shared->slots[i].task, task, kTaskNameSize);
            index = i;
            break;
          }
        }
        SpinLockRelease(&sync_shared->mutex);
        if (index < 0) {
          ereport(WARNING, (errmsg("mysql_sync task \"%s\": cannot run: all %d task slots are in use", task,
                                   sync_shared->slot_count),
                            errhint("Raise mysql_sync.max_tasks and restart PostgreSQL.")));
          continue;
        }
        memset(&launch_states[index], 0, sizeof(LaunchState));
      }
      // The backoff is in the catalog so that it survives crash restarts (shared memory does not):
      // a worker that keeps failing, or crashing the server, is retried ever more slowly.
      launch_states[index].wanted = true;
      bool isnull;
      Datum not_before = SPI_getbinval(SPI_tuptable->vals[row], SPI_tuptable->tupdesc, 4, &isnull);
      launch_states[index].next_start = isnull ? 0 : DatumGetTimestampTz(not_before);
      (void)state;
    }
  }

  SPI_finish();
  PopActiveSnapshot();
  CommitTransactionCommand();
  pgstat_report_activity(STATE_IDLE, nullptr);
}

// Starts, restarts and stops workers to match the scan. Returns the milliseconds until the next
// scheduled start (or the naptime).
long reconcile(void) {
  TimestampTz now = GetCurrentTimestamp();
  long wait_ms = mysql_sync_naptime_s * 1000L;

  for (int i = 0; i < sync_shared->slot_count; i++) {
    LaunchState* launch = &launch_states[i];
    TaskSlot* slot = &sync_shared->slots[i];
    if (!slot->in_use) continue;

    bool running = false;
    if (launch->handle == nullptr && slot->pid != 0) {
      // A worker from before this launcher's restart: still ours while it lives.
      running = kill(slot->pid, 0) == 0;
      if (running && !launch->wanted) kill(slot->pid, SIGTERM);
      if (!running) slot->pid = 0;
      if (running) continue;
    }
    if (launch->handle != nullptr) {
      pid_t pid;
      running = GetBackgroundWorkerPid(launch->handle, &pid) != BGWH_STOPPED;
      if (!running) {
        pfree(launch->handle);
        launch->handle = nullptr;
        SpinLockAcquire(&sync_shared->mutex);
        slot->pid = 0;
        slot->state[0] = '\0';
        SpinLockRelease(&sync_shared->mutex);
        // Look again at the catalog (the worker's last word) before deciding when to restart.
        return 0;
      }
    }

    if (running && !launch->wanted) {
      TerminateBackgroundWorker(launch->handle);
    } else if (!running && launch->wanted) {
      if (now >= launch->next_start) {
        start_worker(i);
      } else {
        long remaining = (launch->next_start - now) / 1000 + 1;
        if (remaining < wait_ms) wait_ms = remaining;
      }
    } else if (!running && !launch->wanted) {
      SpinLockAcquire(&sync_shared->mutex);
      slot->in_use = false;
      SpinLockRelease(&sync_shared->mutex);
      memset(launch, 0, sizeof(LaunchState));
    }
  }
  return wait_ms;
}

MYSQL_SYNC_VOID_ENTRY(launcher_exit, ([[maybe_unused]] int code, [[maybe_unused]] Datum arg), (code, arg)) {
  SpinLockAcquire(&sync_shared->mutex);
  sync_shared->launcher_pid = 0;
  sync_shared->launcher_latch = nullptr;
  SpinLockRelease(&sync_shared->mutex);
}

}  // namespace

void register_launcher(void) {
  BackgroundWorker worker;
  memset(&worker, 0, sizeof worker);
  worker.bgw_flags = BGWORKER_SHMEM_ACCESS | BGWORKER_BACKEND_DATABASE_CONNECTION;
  worker.bgw_start_time = BgWorkerStart_RecoveryFinished;
  worker.bgw_restart_time = 5;
  snprintf(worker.bgw_library_name, BGW_MAXLEN, "mysql_sync");
  snprintf(worker.bgw_function_name, BGW_MAXLEN, "mysql_sync_launcher_main");
  snprintf(worker.bgw_name, BGW_MAXLEN, "mysql_sync launcher");
  snprintf(worker.bgw_type, BGW_MAXLEN, "mysql_sync launcher");
  RegisterBackgroundWorker(&worker);
}

MYSQL_SYNC_VOID_ENTRY(mysql_sync_launcher_main, ([[maybe_unused]] Datum arg), (arg)) {
  pqsignal(SIGHUP, SignalHandlerForConfigReload);
  pqsignal(SIGTERM, die);
  BackgroundWorkerUnblockSignals();

  launch_states = static_cast<LaunchState*>(
      MemoryContextAllocZero(TopMemoryContext, sizeof(LaunchState) * sync_shared->slot_count));
  SpinLockAcquire(&sync_shared->mutex);
  sync_shared->launcher_pid = MyProcPid;
  sync_shared->launcher_latch = &MyProc->procLatch;
  // Slots of a previous launcher life stay: their workers may still run (see reconcile).
  SpinLockRelease(&sync_shared->mutex);
  before_shmem_exit(launcher_exit, 0);

  BackgroundWorkerInitializeConnection(mysql_sync_database, nullptr, 0);
  ereport(LOG, (errmsg("mysql_sync launcher started for database \"%s\"", mysql_sync_database)));

  for (;;) {
    CHECK_FOR_INTERRUPTS();
    if (ConfigReloadPending) {
      ConfigReloadPending = false;
      ProcessConfigFile(PGC_SIGHUP);
    }
    scan_tasks();
    long wait_ms = reconcile();
    (void)WaitLatch(MyLatch, WL_LATCH_SET | WL_TIMEOUT | WL_EXIT_ON_PM_DEATH, wait_ms, PG_WAIT_EXTENSION);
    ResetLatch(MyLatch);
  }
}
