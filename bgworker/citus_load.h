// Copies into a Citus table (the initial load, alter_sync, resync_table). The in-process COPY
// writes a relation directly, which for a Citus table is the coordinator's empty shell; the rows
// must go through Citus's COPY path, which a COPY statement reaches and a data-source callback
// does not (Citus routes COPY in its utility hook). So the COPY text goes through a named pipe
// (task/copy_pipe.h) into `COPY table (columns) FROM '<fifo>'` on the coordinator, which Citus
// routes to the shards (COPY over its connections to each shard's node, the node's own shards in
// process), in the caller's transaction and in pieces of at most kPieceBytes (the live
// rows_copied moves on with each). This is Citus's own COPY FROM a file (bench/citus/run measures
// both), with the source read on the feed's thread meanwhile. A first version staged the rows in
// a temporary table and ran INSERT ... SELECT: it parsed and wrote every row twice and took 1.2 to
// 1.3 times the CPU (sysbench 1M rows: 13.0-14.8 against 9.6-11.4 CPU-s on a coordinator + 2
// workers, 5.9 against 5.0 on a single node).
#pragma once
#include "bgworker/worker.h"

extern "C" {
#include "commands/copy.h"
}

namespace mysql_sync {
class CopySource;
}

// COPY of `source`'s rows (to its end) into Citus table `target`, for runtime->tables[index] (its
// copied columns). Returns the rows.
uint64 copy_source_via_citus(int index, Oid target, mysql_sync::CopySource* source);

// The same from COPY's data-source callback `read` (PostgreSQL code, called on this thread, so not
// from the pipe's): its text is gathered in pieces that end at a row end, each written as above.
uint64 copy_callback_via_citus(int index, Oid target, copy_data_source_cb read);
