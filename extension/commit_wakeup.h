// Wake-ups that must wait for the caller's commit: the launcher reads the task table and a worker
// reads its table requests, so a wake-up before the commit would find nothing new and leave them
// waiting a whole naptime. Queued in the backend, sent from one transaction callback at COMMIT,
// dropped at ABORT.
#pragma once

// The launcher looks at the task table once the caller commits.
void wake_launcher_at_commit(void);

// The task's worker (if it runs) reads mysql_sync.table_requests once the caller commits.
void wake_worker_at_commit(const char* task);
