#include "source/snapshot.h"

#include <cctype>
#include <cstdlib>

#include "common/errors.h"
#include "source/mysql_connection.h"
#include "source/server_version.h"

namespace mysql_sync {

namespace {

[[noreturn]] void binlog_disabled(MysqlClient& client) {
  throw SourceError("55000",
                    "binary logging is disabled on the MySQL source at " + source_endpoint(client.uri()),
                    "Start the server with log_bin, binlog_format=ROW and binlog_row_image=FULL.", 0, false);
}

uint64_t to_position(const std::optional<std::string>& cell) {
  return cell ? std::strtoull(cell->c_str(), nullptr, 10) : 0;
}

std::string without_newlines(std::string text) {
  std::string out;
  for (char c : text)
    if (c != '\n' && c != '\r') out.push_back(c);
  return out;
}

std::optional<std::string> single_value(MysqlClient& client, const std::string& sql) {
  QueryResult result = client.query(sql);
  if (result.rows.empty() || result.rows[0].empty()) return std::nullopt;
  return result.rows[0][0];
}

// MariaDB: START TRANSACTION WITH CONSISTENT SNAPSHOT records the binlog position of the snapshot
// itself (binlog_snapshot_file/position), so no global read lock is needed (mariadb-dump does
// the same). The GTID of that position comes from BINLOG_GTID_POS().
BinlogPosition mariadb_snapshot(MysqlClient& client) {
  client.execute("START TRANSACTION WITH CONSISTENT SNAPSHOT");
  BinlogPosition position;
  for (auto& row : client.query("SHOW STATUS LIKE 'binlog_snapshot_%'").rows) {
    std::string name = row[0].value_or("");
    for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (name == "binlog_snapshot_file") position.file = row[1].value_or("");
    if (name == "binlog_snapshot_position") position.pos = to_position(row[1]);
  }
  if (position.file.empty()) {
    client.execute("ROLLBACK");
    binlog_disabled(client);
  }
  position.gtid = single_value(client, "SELECT BINLOG_GTID_POS(" + client.quote_string(position.file) + ", " +
                                           std::to_string(position.pos) + ")")
                      .value_or("");
  return position;
}

// The lock of `tables` on a connection of its own: LOCK TABLES waits for the transactions that
// wrote them to end, and no writer of theirs commits until UNLOCK TABLES, so a transaction opened
// meanwhile and the position read meanwhile agree for these tables. (LOCK TABLES on the snapshot's
// own connection would not do: START TRANSACTION releases it.)
BinlogPosition table_locked_snapshot(MysqlClient& client, const LockedTables& tables) {
  MysqlClient locker(client.uri());
  std::string list;
  for (const auto& [db, table] : tables)
    list += (list.empty() ? "" : ", ") + MysqlClient::quote_identifier(db) + "." +
            MysqlClient::quote_identifier(table) + " READ";
  locker.execute("LOCK TABLES " + list);
  client.execute("START TRANSACTION WITH CONSISTENT SNAPSHOT");
  BinlogPosition position = current_binlog_position(client);
  locker.execute("UNLOCK TABLES");
  return position;
}

bool refused(const SourceError& e) {
  return e.sqlstate() == "42501" || e.sqlstate() == "28000" || e.mysql_errno() == 1045 ||
         e.mysql_errno() == 1227;
}

// MySQL: no writes commit while the global read lock is held, so the position read under it is
// the snapshot's. The lock lasts milliseconds and is released on every path.
BinlogPosition locked_snapshot(MysqlClient& client, const LockedTables& lock_if_refused) {
  try {
    client.execute("FLUSH TABLES WITH READ LOCK");
  } catch (const SourceError& e) {
    if (!refused(e)) throw;
    if (!lock_if_refused.empty()) return table_locked_snapshot(client, lock_if_refused);
    throw SourceError(e.sqlstate(),
                      std::string(e.what()) + " (the consistent snapshot needs a global read lock)",
                      "GRANT RELOAD ON *.* TO the sync user.", e.mysql_errno(), false);
  }
  try {
    BinlogPosition position = current_binlog_position(client);
    client.execute("START TRANSACTION WITH CONSISTENT SNAPSHOT");
    client.execute("UNLOCK TABLES");
    return position;
  } catch (...) {
    try {
      client.execute("UNLOCK TABLES");
    } catch (...) {
      // The connection is gone, and the lock went with it.
    }
    throw;
  }
}

}  // namespace

BinlogPosition current_binlog_position(MysqlClient& client) {
  const bool mariadb = client.is_mariadb();
  QueryResult status = client.query(binlog_status_statement(parse_server_version(client.server_version())));
  if (status.rows.empty() || !status.rows[0][0]) binlog_disabled(client);
  BinlogPosition position;
  position.file = *status.rows[0][0];
  position.pos = to_position(status.rows[0][1]);
  if (mariadb) {
    position.gtid = single_value(client, "SELECT @@global.gtid_binlog_pos").value_or("");
  } else {
    for (size_t i = 0; i < status.columns.size(); ++i)
      if (status.columns[i] == "Executed_Gtid_Set") position.gtid = without_newlines(status.rows[0][i].value_or(""));
  }
  return position;
}

BinlogPosition begin_consistent_snapshot(MysqlClient& client, const LockedTables& lock_if_refused) {
  client.execute("SET SESSION TRANSACTION ISOLATION LEVEL REPEATABLE READ");
  return client.is_mariadb() ? mariadb_snapshot(client) : locked_snapshot(client, lock_if_refused);
}

}  // namespace mysql_sync
