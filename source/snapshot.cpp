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

// MariaDB: the GTID position of exactly `position` (BINLOG_GTID_POS()).
void set_mariadb_gtid(MysqlClient& client, BinlogPosition& position) {
  position.gtid = single_value(client, "SELECT BINLOG_GTID_POS(" + client.quote_string(position.file) + ", " +
                                           std::to_string(position.pos) + ")")
                      .value_or("");
}

// MariaDB: the snapshot and the GTID of its position.
BinlogPosition mariadb_snapshot(MysqlClient& client) {
  BinlogPosition position = begin_exact_snapshot(client);
  set_mariadb_gtid(client, position);
  return position;
}

bool refused(const SourceError& e) {
  return e.sqlstate() == "42501" || e.sqlstate() == "28000" || e.mysql_errno() == 1045 ||
         e.mysql_errno() == 1227;
}

// MySQL: no writes commit while the global read lock is held, so the position read under it is
// the snapshot's. The lock lasts milliseconds and is released on every path.
BinlogPosition locked_snapshot(MysqlClient& client) {
  try {
    client.execute("FLUSH TABLES WITH READ LOCK");
  } catch (const SourceError& e) {
    if (!refused(e)) throw;
    throw SourceError(e.sqlstate(),
                      std::string(e.what()) + " (verify's consistent snapshot needs a global read lock)",
                      "GRANT RELOAD ON *.* TO the sync user. Amazon RDS and Aurora refuse the lock to every "
                      "user: compare there with verify() on a MariaDB or self-managed replica.",
                      e.mysql_errno(), false);
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

BinlogPosition stream_start_position(MysqlClient& client) {
  BinlogPosition position = current_binlog_position(client);
  if (client.is_mariadb()) set_mariadb_gtid(client, position);
  return position;
}

BinlogPosition begin_exact_snapshot(MysqlClient& client) {
  if (!client.is_mariadb())
    throw SourceError("0A000",
                      "the MySQL source at " + source_endpoint(client.uri()) +
                          " gives no binlog position of a consistent snapshot (MariaDB's binlog_snapshot_position)",
                      "Use options.consistency \"watermark\" (the default on MySQL).", 0, false);
  client.execute("SET SESSION TRANSACTION ISOLATION LEVEL REPEATABLE READ");
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
  return position;
}

BinlogPosition begin_consistent_snapshot(MysqlClient& client) {
  client.execute("SET SESSION TRANSACTION ISOLATION LEVEL REPEATABLE READ");
  return client.is_mariadb() ? mariadb_snapshot(client) : locked_snapshot(client);
}

}  // namespace mysql_sync
