// Applies the DDL the reader planned (ddl/ddl_plan.h) to the target, in one transaction with
// the binlog position after it: the target statements, the task's table list, table_state and a new
// schema_history version per table. A plan that says pause or fail stops the task before it.
#pragma once
#include "bgworker/worker.h"

// `item` is a transaction item whose `ddl` is not empty. A plan that says pause exits the worker
// (task paused before the statement); one that says fail raises ERROR. Call before opening the
// transaction that would apply it.
void stop_at_ddl_if_asked(const mysql_sync::SourceItem* item);

// Applies the statements' effects inside the caller's open transaction (the batch that then
// applies the item's row changes, if any: CREATE TABLE ... SELECT logs its rows with it, and
// stores the item's position).
void apply_ddl_effects(const mysql_sync::SourceItem* item);
