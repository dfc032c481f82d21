// The data part of the initial sync: options.parallel source connections, each in its own
// consistent snapshot, read the tables still to copy (one table per connection at a time); the
// worker's main thread, the only one writing PostgreSQL, takes their rows in turn, a unit at a
// time: a key range (tables whose primary key is one integer column, mysql_sync.copy_range_rows
// rows each) or a whole table, each unit in its own transaction. While it writes one unit, the
// other connections read their next one ahead.
//
// Snapshots. The connections' snapshots need not be at one binlog position (MariaDB gives each
// START TRANSACTION WITH CONSISTENT SNAPSHOT its own, without a global lock; on MySQL each takes
// the short FLUSH TABLES WITH READ LOCK). Each table records the position of the snapshot it was
// read from, and the catch-up (initial_sync.cpp) brings every table to the newest of them, as it
// does for tables of an interrupted earlier run.
//
// Resume from a key range. A ranged table commits each range together with the last completed
// key (table_state.copy_ranges). A load killed mid-table resumes after that key from a new
// snapshot S2: the keys up to it hold the older snapshot S1, the keys above it S2. The catch-up
// applies a change to a key only if it comes after that key's own copy position
// (CopyRegions::position_of), an update moving a row across the boundary as its delete and insert
// halves: exact, since the key ranges split the rows and every row's history is applied from its
// own copy on.
#pragma once
#include "bgworker/worker.h"

namespace mysql_sync {
struct TableChange;
}

// Opens min(options.parallel, pending) source connections, each starting its consistent
// snapshot; *first receives the first one's position.
void open_copy_snapshots(int pending, mysql_sync::BinlogPosition* first);

// Copies every table whose copy is not done, over the open connections, then closes them.
// Returns the task's committed rows_copied.
int64 copy_pending_tables(int64 committed_rows);

// Catch-up of a table whose copy parts come from different snapshots: applies the change, or the
// half of an update that falls on a key whose copy precedes `end`. True when it applied something.
bool catch_up_split_change(const mysql_sync::TableChange& change, const mysql_sync::BinlogPosition& end);

// Every part of the table's copy holds the changes up to `at`: records it (inside the catch-up's
// transaction).
void advance_copy_regions(int index, const mysql_sync::BinlogPosition& at);
