// Reads of the source as of a known binlog position: verify()'s snapshot, and a backfill's chunks
// (task/chunk_reader.h) read at an exact snapshot position.
#pragma once
#include "common/cxx_zone.h"

#include "source/mysql_client.h"
#include "binlog/row.h"

namespace mysql_sync {

// verify(): MariaDB: begin_exact_snapshot with the position's GTID. MySQL: FLUSH TABLES WITH READ
// LOCK (held for milliseconds), read the binlog position and GTID, START
// TRANSACTION WITH CONSISTENT SNAPSHOT, UNLOCK TABLES. Every later read on `client` sees the data
// exactly as of the returned position, until the client commits. Throws SourceError (a refused
// lock, as on Amazon RDS / Aurora, with a hint saying so).
BinlogPosition begin_consistent_snapshot(MysqlClient& client);

// MariaDB: START TRANSACTION WITH CONSISTENT SNAPSHOT (repeatable read), whose binlog position
// MariaDB records itself (binlog_snapshot_file/position): no lock, nothing written. Every later
// read on `client` sees exactly the transactions up to the returned position (no GTID) until the
// client commits. Throws SourceError 0A000 on MySQL, which has no such position.
BinlogPosition begin_exact_snapshot(MysqlClient& client);

// The source's current binlog end (SHOW MASTER STATUS / SHOW BINARY LOG STATUS, gtid_binlog_pos).
// On MariaDB the GTID is read after the file position and may be past it (a watermark needs only
// the file position).
BinlogPosition current_binlog_position(MysqlClient& client);

// The same with the GTID position of exactly that file position, where a stream starts (MariaDB:
// BINLOG_GTID_POS of it; MySQL's status row gives both at once).
BinlogPosition stream_start_position(MysqlClient& client);

}  // namespace mysql_sync
