#include "extension/bridge.h"
#include "extension/commit_wakeup.h"

#include "bgworker/shmem.h"

extern "C" {
#include "access/xact.h"
#include "storage/proc.h"
#include "storage/procarray.h"
}

namespace {

// Plain data: a flag and a few task names.
constexpr int kMaxPendingWorkers = 16;
bool launcher_pending = false;
char pending_workers[kMaxPendingWorkers][kTaskNameSize];
int pending_worker_count = 0;

void wake_worker(const char* task) {
  int index = find_task_slot(task);
  if (index < 0) return;  // no worker: it reads the requests when it starts
  pid_t pid = note_table_requests(index);
  if (pid == 0) return;
  PGPROC* proc = BackendPidGetProc(pid);
  if (proc != nullptr) SetLatch(&proc->procLatch);
}

MYSQL_SYNC_VOID_ENTRY(wake_at_commit, (XactEvent event, [[maybe_unused]] void* arg), (event, arg)) {
  if (event == XACT_EVENT_COMMIT) {
    if (launcher_pending) wake_launcher();
    for (int i = 0; i < pending_worker_count; i++) wake_worker(pending_workers[i]);
  }
  if (event == XACT_EVENT_COMMIT || event == XACT_EVENT_ABORT || event == XACT_EVENT_PREPARE) {
    launcher_pending = false;
    pending_worker_count = 0;
  }
}

void register_once(void) {
  static bool registered = false;
  if (registered) return;
  RegisterXactCallback(wake_at_commit, nullptr);
  registered = true;
}

}  // namespace

void wake_launcher_at_commit(void) {
  register_once();
  launcher_pending = true;
}

void wake_worker_at_commit(const char* task) {
  register_once();
  for (int i = 0; i < pending_worker_count; i++)
    if (strcmp(pending_workers[i], task) == 0) return;
  // More tasks than slots in one transaction: the others' workers find the requests at their
  // next batch boundary instead.
  if (pending_worker_count < kMaxPendingWorkers)
    strlcpy(pending_workers[pending_worker_count++], task, kTaskNameSize);
}
