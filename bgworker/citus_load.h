// Copies into a Citus table (the initial load, resync_table, alter_sync). The in-process COPY
// writes a relation directly, which for a Citus table is the coordinator's empty shell, so the
// rows go through a stage: COPY FROM the feed into a temporary table with the target's columns,
// then INSERT INTO target SELECT FROM the stage, which Citus sends to the shards (COPY over its
// connections to each shard's node, in-process for the coordinator's own shards), all in the
// caller's transaction. The stage is emptied and refilled every kStageBytes of COPY text, so it
// stays in temp_buffers (the worker sets them at its start). Measured against Citus's own
// COPY FROM a file through the coordinator in bench/citus: faster, since Citus's COPY parses the
// text into tuples and formats them again for the shards, where INSERT ... SELECT sends them
// in binary.
#pragma once
#include "bgworker/worker.h"

extern "C" {
#include "commands/copy.h"
}

// COPY FROM `read` into Citus table `target` through a stage, for runtime->tables[index] (its
// copied columns). Returns the rows.
uint64 copy_rows_via_stage(int index, Oid target, copy_data_source_cb read);
