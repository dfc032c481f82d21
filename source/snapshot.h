// The consistent starting point of an initial copy: every table read as of one binlog position.
#pragma once
#include "common/cxx_zone.h"

#include "source/mysql_client.h"
#include "binlog/row.h"

namespace mysql_sync {

// FLUSH TABLES WITH READ LOCK (held for milliseconds), read the binlog position and GTID, START
// TRANSACTION WITH CONSISTENT SNAPSHOT, UNLOCK TABLES. Every later read on `client` sees the data
// exactly as of the returned position, until the client commits. Throws SourceError.
BinlogPosition begin_consistent_snapshot(MysqlClient& client);

// The source's current binlog end (SHOW MASTER STATUS / SHOW BINARY LOG STATUS, gtid_binlog_pos).
BinlogPosition current_binlog_position(MysqlClient& client);

}  // namespace mysql_sync
