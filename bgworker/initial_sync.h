// The initial sync: target schemas and tables, then every table's rows from one consistent
// snapshot of the source, committed together with the snapshot's binlog position. A crash
// rolls it all back and the next run starts it again.
#pragma once
#include "bgworker/worker.h"

void run_initial_sync(void);

// Without a copy (options.start_position): describes the source tables, checks that their
// targets exist and records them, keeping the stored position.
void register_tables(void);
