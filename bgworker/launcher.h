// The launcher: one static background worker that starts a worker per enabled task, restarts
// failed ones with backoff, and stops the workers of tasks that were paused or dropped.
#pragma once

#include "extension/pg.h"

void register_launcher(void);

extern "C" {
PGDLLEXPORT void mysql_sync_launcher_main(Datum arg);
}
