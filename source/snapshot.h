// The consistent starting point of an initial copy: every table read as of one binlog position.
#pragma once
#include "common/cxx_zone.h"

#include <string>
#include <utility>
#include <vector>

#include "source/mysql_client.h"
#include "binlog/row.h"

namespace mysql_sync {

// The tables a snapshot locks (db, table) where the server refuses the global read lock.
using LockedTables = std::vector<std::pair<std::string, std::string>>;

// MySQL: FLUSH TABLES WITH READ LOCK (held for milliseconds), read the binlog position and GTID
// set, START TRANSACTION WITH CONSISTENT SNAPSHOT, UNLOCK TABLES. Where the global lock is refused
// (Amazon RDS / Aurora), `lock_if_refused` are locked instead with LOCK TABLES ... READ on a second
// connection (no writer of theirs can commit meanwhile) while the transaction opens and the position
// is read. MariaDB: no lock (binlog_snapshot_file/position). Every later read on `client` sees the
// data exactly as of the returned position, until the client commits. Throws SourceError.
BinlogPosition begin_consistent_snapshot(MysqlClient& client, const LockedTables& lock_if_refused = {});

// The source's current binlog end (SHOW MASTER STATUS / SHOW BINARY LOG STATUS, gtid_binlog_pos).
BinlogPosition current_binlog_position(MysqlClient& client);

}  // namespace mysql_sync
