// A table copy in bounded pieces, so that the worker's main loop can apply the stream of the
// other tables between them. runtime->copy (a CopyFeed whose producer thread reads the table from
// runtime->snapshot_client with mysql_use_result) stays open across pieces; each piece is one
// COPY FROM into a relation, in the caller's transaction, that ends at a row boundary once its
// time budget is spent. While the main thread applies the stream, the producer fills its bounded
// buffer and then waits, and so does the source: the snapshot session's net_write_timeout is
// raised (table_requests.cpp) so that no pause, however long, drops the connection.
#pragma once
#include "bgworker/worker.h"

// One piece: copies rows of runtime->tables[index] from runtime->copy into `relid` for about
// budget_ms (inside the caller's transaction). Returns the rows; *finished when the feed ended.
uint64 copy_table_piece(int index, Oid relid, long budget_ms, bool* finished);
