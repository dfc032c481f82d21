// The stream's changes to Citus tables (PostgreSQL zone). One statement per row change would
// be one network round trip from the coordinator to a worker node each (about 3,000 changes/s
// here, against 55,000 in process), so the changes of a batch are kept per table as their net
// effect per primary key (task/net_changes.h) and written when the batch ends, before its
// position is stored, in set-based statements that Citus routes:
//   - the rows that existed before the batch and were updated or deleted: one
//     DELETE ... USING unnest(<key arrays>) per shard, the keys grouped by shard with Citus's
//     get_shard_id_for_distribution_column (router-planned: Citus sends each to its shard's
//     node); the rows deleted must be all of them, else the target has diverged (ERROR naming
//     the key);
//   - the rows the batch ends with: one INSERT ... SELECT FROM unnest(<column arrays>), which
//     Citus copies to the shards' nodes (binary COPY) and which also marks the transaction for
//     Citus's two-phase commit: the shard writes and the stored position commit together on
//     every node or not at all, so each source transaction is applied exactly once across a
//     crash of the worker, the coordinator or a worker node.
// An update of the distribution key is thus a delete and an insert. Reference tables and
// Citus-managed local tables (one shard) take the same statements without the grouping.
#pragma once
#include "bgworker/worker.h"

// Forgets the tables' prepared statements (the table list or a table's shape changed).
void citus_reset_appliers(int table_count);

// The batch writes runtime->tables[index] through Citus: its target or resync shadow `relid`
// (`qualified`) is a Citus table (called once per batch, after the table is locked). `slot`:
// index for the target, index + the table count for the shadow (bgworker/apply.h ApplyTo).
void citus_attach_table(int slot, int index, Oid relid, const char* qualified);

// Adds a change to the net effect of the slot's relation (ERROR when it cannot follow the batch's
// earlier changes of its key: a duplicate key, or a row the batch deleted). A table whose pending
// changes reach a limit is written at once. `lenient` (a table being backfilled): a row to update
// or delete that is not there yet is no error (the update's new row is inserted all the same).
void citus_add_change(int slot, const mysql_sync::TableChange& change, bool lenient);

// Writes every table's pending changes (before the batch's transaction commits).
void citus_flush_changes(void);

// Whether changes are waiting to be written; dropping them (the transaction aborted).
bool citus_changes_pending(void);
void citus_discard_changes(void);
