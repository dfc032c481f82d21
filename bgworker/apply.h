// Applies row changes to the target tables through SPI with prepared plans, one per table and
// statement kind. Runs inside the worker's apply transaction.
#pragma once
#include "bgworker/worker.h"

// Applies one change. ERROR (with the task, table, key and binlog position in its context) when the
// row to update or delete is missing, on a duplicate key, or for a value the column cannot hold.
void apply_change(const mysql_sync::TableChange& change, const mysql_sync::BinlogPosition& end);

// Forgets the prepared plans and column types (the table list changed).
void reset_appliers(void);

// Looks up a target table; ERROR 42P01 naming it (and the hint) when missing_ok is false.
Oid target_relid(int table, bool missing_ok);
