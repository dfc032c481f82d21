// Citus targets (PostgreSQL zone). A target table is written through Citus whenever Citus's
// metadata (pg_dist_partition) lists it: a hash-distributed table, a reference table, a
// Citus-managed local table or a single-shard table, whoever made it so, also when it became one
// while the task streams (each batch looks again, after locking the table). Such a table's
// coordinator relation is an empty shell: rows reach its shards only through statements Citus
// plans (COPY, INSERT ... SELECT, DELETE), never through the executor calls the plain apply and
// the in-process COPY make.
//
// The worker's transactions are transaction blocks while Citus is installed (catalog.cpp):
// Citus then opens a transaction block on every node it writes (otherwise a one-shard write
// commits on its node at once) and runs the shards of the coordinator itself locally (otherwise
// it creates them over new connections, which do not see the worker's uncommitted schema).
// A transaction that wrote shards commits with Citus's two-phase commit (bgworker/citus_apply.h),
// and with synchronous_commit = on where other nodes exist: they commit their prepared
// transactions once the coordinator's commit is done, which must then survive a crash.
#pragma once
#include "bgworker/worker.h"

enum class CitusKind {
  none,          // not a Citus table (or Citus is not installed)
  distributed,   // hash-distributed: rows are routed by the distribution column
  single_shard,  // one shard: a reference table, a Citus-managed local table, a single-shard table
  other,         // append or range distributed: not supported as a target
};

// Whether the citus extension exists in the database (a catalog lookup; inside a transaction).
bool citus_installed(void);

// Whether Citus's metadata lists an active node other than this one (inside a transaction, with
// SPI connected; Citus installed).
bool citus_has_other_nodes(void);

// Citus's view of a relation; the distribution column's name into `dist_column` (NAMEDATALEN
// bytes) for a distributed table. Inside a transaction; `none` when Citus is not installed.
CitusKind citus_table_kind(Oid relid, char* dist_column);

// True for any Citus table (ERROR 0A000 naming it for an append or range distributed one).
bool is_citus_table(Oid relid);

// The quoted schema-qualified name of a relation.
char* qualified_relation_name(Oid relid);

// Runs `sql` (with text parameters), a statement on the existing target table `qualified`
// (TRUNCATE, DROP, ALTER ...), so that it reaches the shards of a Citus table too: Citus
// truncates and drops them from triggers and event triggers, which the worker's
// session_replication_role = replica skips; for a Citus table the statement runs as origin.
void exec_on_target(const char* qualified, const char* sql, int nargs = 0, const char* const* args = nullptr);

// Makes the new table `qualified` a Citus table like `model` (the same kind, colocated with it,
// by the same distribution column); nothing when `model` is not a Citus table. resync_table's
// shadow copy.
void distribute_like(const char* qualified, const char* model);

// ANALYZE of a Citus table in a transaction of its own (after a resync's swap committed: Citus
// analyzes over its own connections, which a transaction that wrote the node's own shards cannot
// use); nothing for other tables, which the swap analyzed.
void analyze_citus_table(const char* qualified);
