// resync_table and alter_sync in the worker: the requests they record in mysql_sync.table_requests
// are serviced between apply batches, while the task keeps its place in the binlog.
//
// Resync of table T: a consistent snapshot of the source at P is opened on its own connection
// (runtime->snapshot_client; P >= every position the reader has delivered, as the reader never
// reads past the source's current position) and T's rows are copied into a shadow table shaped
// like the target (LIKE ... INCLUDING ALL). The copy runs in pieces (chunked_copy.h): one COPY of
// ~100 ms per PostgreSQL transaction, interleaved with the stream's batches in the main loop, the
// rows read by CopyFeed's producer thread with mysql_use_result from the snapshot connection kept
// open across pieces. The reader keeps running and the other tables keep streaming.
//
// T's changes while the copy runs: the stream applies them to the OLD target (which stays the
// synced table), and those ending after P also go to a spool (runtime->resync_spool, an unlinked
// temporary file; note_applied_change). When the copy is complete, the stream stands at S
// (everything up to S committed, no batch open):
//   - S >= P: one transaction swaps the shadow in (drop, rename, table_state) and applies the
//     spool, i.e. exactly T's changes of (P, S], to it; the stream then applies T's changes after
//     S to the new target as usual. Changes up to P are in the copy, (P, S] come from the spool,
//     after S from the stream: each exactly once. The stream's position is not moved by it.
//   - S < P (the stream lags behind the snapshot): nothing was spooled; the shadow replaces the
//     target when the stream reaches P: before the first item that ends after P is applied
//     (resync_swap_due), in one transaction (drop, rename, table_state).
// A transaction ending exactly at P is in the copy (and applied to the old target only).
// A DDL item in the stream during the copy stops it (shadow dropped, spool discarded) before the
// DDL is applied; the still-recorded request starts again from a new snapshot. Other requests
// wait until the copy is over.
//
// alter_sync add: new tables are created (existing_tables applies) and copied from a snapshot at
// P, each in one go (the reader stopped, the stream waiting: not in pieces yet, as the pieces of
// a table with no table_state row would need a shadow of their own to restart cleanly), each in
// one transaction with its table_state row, whose copy position P makes the stream skip
// the table's changes up to P (change_in_copy). The reader then starts again from the applied
// position with the longer table list (its queue is dropped: nothing in it was applied).
// alter_sync remove: the table_state rows go and the reader starts again without the tables; the
// target tables are kept.
//
// A request is deleted in the transaction that completes it, so a worker that dies in the middle
// does it again when it starts: a half-made shadow (its committed pieces) is dropped and the copy
// starts over from a new snapshot (the spool dies with the process), while the old target stays
// valid and streamed; the swap with the spool's changes is one transaction. A request that fails
// for a reason a retry cannot fix is dropped with its error (table_status.last_error, or
// status.last_error for alter_sync), and the task goes on streaming; connection failures
// (class 08) fail the task, which the launcher retries.
#pragma once
#include "bgworker/worker.h"

// True when resync_table or alter_sync asked for work since the last look (and once at the start),
// and no resync copy is running (requests wait for its end).
bool table_requests_waiting(void);

// A resync's copy runs in pieces: copy_next_piece does one (its own transaction, ~100 ms; call
// between batches) and, after the last, swaps or schedules the swap.
bool table_copy_running(void);
void copy_next_piece(void);
// Inside a transaction that stores the stream's position (which clears task_state.detail): the
// detail names the running copy again.
void keep_table_copy_detail(void);
// Before a DDL is applied: a running copy stops (its shadow dropped) and starts again afterwards from
// a new snapshot, as its request is still recorded (the table list and shapes may change).
void interrupt_table_copy(const char* reason);
// Called for every change the stream applies (or holds back from a table awaiting its repair): the
// resynced table's changes after the snapshot go to the spool that brings the shadow up to the
// stream's position.
void note_applied_change(const mysql_sync::TableChange& change, const mysql_sync::BinlogPosition& end);

// Services the task's requests. Call between batches: no transaction open, everything up to
// runtime->last_end applied. A resync starts its copy (copy_next_piece goes on with it); an added
// table is copied in one go, the reader stopped meanwhile and started again from last_end.
// Returns true when the table list changed (per-table counters must be resized).
bool service_table_requests(void);

// Whether a resynced table's shadow must replace its target before `item` is applied.
bool resync_swap_due(const mysql_sync::SourceItem* item);

// Replaces the targets whose swap is due by their shadows (own transactions; no batch open).
void swap_resynced_tables(const mysql_sync::SourceItem* item);

// The change is in its table's copy already (a table added at a position ahead of the stream).
bool change_in_copy(const mysql_sync::TableChange& change, const mysql_sync::BinlogPosition& end);

// Repair of a table whose rows changed on the source without row events (a partition operation,
// IMPORT TABLESPACE): inside the caller's transaction (the DDL's), a 'repair' request is recorded,
// serviced like a resync (a new snapshot, a shadow copy, the swap), and the table's state becomes
// pending. Until the swap, none of its changes reach the stale target (awaits_repair); a repair
// that fails leaves the table `failed` and held back until resync_table copies it again.
void request_repair(int index, const char* reason);
