// Copies into a Citus table (the initial load, alter_sync, resync_table). The in-process COPY
// writes a relation directly, which for a Citus table is the coordinator's empty shell; the rows
// must go through Citus's COPY path, which a COPY statement reaches and a data-source callback
// does not (Citus routes COPY in its utility hook). So the COPY text goes through a named pipe
// (task/copy_pipe.h) into `COPY table (columns) FROM '<fifo>'` on the coordinator, which Citus
// routes to the shards (COPY over its connections to each shard's node, the node's own shards in
// process), in the caller's transaction and in pieces of at most kPieceBytes. This is Citus's own
// COPY FROM a file (bench/citus/run measures both). A first version staged the rows in a
// temporary table and ran INSERT ... SELECT: it parsed and wrote every row twice and took 1.2 to
// 1.3 times the CPU (sysbench 1M rows: 13.0-14.8 against 9.6-11.4 CPU-s on a coordinator + 2
// workers, 5.9 against 5.0 on a single node).
#pragma once
#include "bgworker/worker.h"

// COPY of the COPY text `text` (`size` bytes, whole rows: a backfill's chunk) into Citus table
// `target`, for runtime->tables[index] (its copied columns). Returns the rows.
uint64 copy_text_via_citus(int index, Oid target, const char* text, size_t size);
