// resync_table and alter_sync in the worker: the requests they record in mysql_sync.table_requests
// are serviced between apply batches, while the task keeps its place in the binlog. Each starts a
// backfill (bgworker/backfill.h), so the stream never waits for a copy.
//
// alter_sync add: in one transaction the new tables get their targets (existing_tables applies;
// a created target gets its keys at once), their table_state rows and backfills, the request is
// deleted and tasks.objects updated. The reader then starts again from the applied position with
// the longer table list (its queue is dropped: nothing in it was applied); the new tables' changes
// are applied from there on, leniently until their rows are copied. A backfill that fails takes
// its table out of the task again (status.last_error says why).
// alter_sync remove: the table_state rows go and the reader starts again without the tables; the
// target tables are kept.
//
// resync_table of T (and the automatic repair of a stale T, kind 'repair'): in one transaction a
// shadow <target>__mysql_sync_resync is made LIKE the target (INCLUDING ALL) and T's backfill
// into it begins. The stream goes on applying T's changes to the old target, which stays the synced,
// readable table (a repair's stale target gets none), and leniently to the shadow too. When every
// chunk is written, one transaction replaces the target by the shadow (mysql_sync.
// _swap_resynced_table: owner, privileges, comment, index and sequence names kept) and deletes
// the request: the shadow holds the source's rows as of the stream's position, so every change is
// applied exactly once, before the swap to both, after it to the new target. A DDL of T during the
// copy drops the shadow, and the still-recorded request starts again under the new definition.
//
// A request is deleted in the transaction that completes it. A worker that dies in the middle
// resumes a resync from the shadow's last committed chunk (a shadow that is gone: from scratch).
// A request that fails for a reason a retry cannot fix is dropped with its error
// (table_status.last_error, or status.last_error for alter_sync), and the task goes on streaming;
// connection failures (class 08) fail the task, which the launcher retries.
#pragma once
#include "bgworker/worker.h"

#include "task/backfill_plan.h"

// True when resync_table or alter_sync asked for work since the last look (and once at the start).
bool table_requests_waiting(void);

// Services the task's requests. Call between batches: no transaction open, everything up to
// runtime->last_end applied. Returns true when the table list changed (per-table counters must
// be resized).
bool service_table_requests(void);

// The backfill engine's ends of a request (own transactions): an added table has its rows (its
// identity sequences set, state synced); a resync's shadow replaces the target; a backfill of
// kind add, resync or repair failed with `edata` (the transaction is rolled back).
void finish_added_table(int index);
void finish_resync(int index);
void backfill_failed(int index, mysql_sync::BackfillKind kind, ErrorData* edata);

// A DDL of a table being resynced (inside the DDL's transaction): the shadow goes; the request,
// still recorded, is serviced again.
void restart_resync(int index);
// A worker resuming a resync: the table's shadow; false when it is gone.
bool resume_resync(int index);

// Repair of a table whose rows changed on the source without row events (a partition operation,
// IMPORT TABLESPACE): inside the caller's transaction (the DDL's), a 'repair' request is recorded,
// serviced like a resync, and the table's state becomes pending. Until the swap, none of its
// changes reach the stale target (awaits_repair); a repair that fails leaves the table `failed`
// and held back until resync_table copies it again.
void request_repair(int index, const char* reason);
