// Applies the DDL the reader planned (bgworker/ddl_plan.h) to the target, in one transaction with
// the binlog position after it: the target statements, the task's table list, table_state and a new
// schema_history version per table. A plan that says pause or fail stops the task before it.
#pragma once
#include "bgworker/worker.h"

// `item` is a transaction item whose `ddl` is not empty; no batch is open. Returns normally when
// applied (committed); a pause exits the worker, a failure raises ERROR.
void apply_ddl_item(const mysql_sync::SourceItem* item);
