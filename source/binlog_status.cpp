#include "source/binlog_status.h"

#include <mysql.h>
#include <sys/socket.h>

#include <chrono>
#include <cstdlib>
#include <memory>
#include <optional>

#include "common/errors.h"

namespace mysql_sync {

BinlogStatusReader::BinlogStatusReader(SourceUri uri) : uri_(std::move(uri)) {}

BinlogStatusReader::~BinlogStatusReader() = default;

void BinlogStatusReader::interrupt() {
  interrupted_.store(true);
  int socket = socket_.load();
  if (socket >= 0) shutdown(socket, SHUT_RDWR);
}

SourceSnapshot BinlogStatusReader::read() {
  if (!connection_) {
    ConnectOptions options;
    options.connect_timeout_seconds = 5;
    options.read_timeout_seconds = 5;
    options.write_timeout_seconds = 5;
    connection_ = connect_mysql(uri_, options);
    socket_.store(int(mysql_get_socket(connection_.get())));
    if (interrupted_.load()) shutdown(socket_.load(), SHUT_RDWR);  // interrupt() came during the connect
  }
  st_mysql* m = connection_.get();
  try {
    SourceSnapshot snapshot;
    snapshot.polled_at =
        std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch())
            .count();
    QueryResultRows status;
    try {
      status = query_rows(m, uri_, "SHOW MASTER STATUS");
    } catch (const SourceError& e) {
      if (e.mysql_errno() != 1064) throw;
      status = query_rows(m, uri_, "SHOW BINARY LOG STATUS");  // MySQL 8.4 renamed it
    }
    if (status.empty() || status[0].size() < 2 || !status[0][0] || !status[0][1])
      throw SyncError("55000", "SHOW MASTER STATUS returned no binlog position (is log_bin off?)");
    snapshot.current.file = *status[0][0];
    snapshot.current.pos = std::strtoull(status[0][1]->c_str(), nullptr, 10);
    for (const auto& row : query_rows(m, uri_, "SHOW BINARY LOGS"))
      if (row.size() >= 2 && row[0] && row[1])
        snapshot.files.push_back(BinlogFileSize{*row[0], std::strtoull(row[1]->c_str(), nullptr, 10)});
    // MariaDB 10.6+ links binlog_expire_logs_seconds and expire_logs_days; older MariaDB has only
    // the days; MySQL 8 uses the seconds, or the days when the seconds are 0.
    double seconds = 0, days = 0;
    for (const auto& row : query_rows(m, uri_,
                                      "SHOW GLOBAL VARIABLES WHERE Variable_name IN "
                                      "('binlog_expire_logs_seconds', 'expire_logs_days')")) {
      if (row.size() < 2 || !row[0] || !row[1]) continue;
      if (*row[0] == "binlog_expire_logs_seconds") seconds = std::atof(row[1]->c_str());
      if (*row[0] == "expire_logs_days") days = std::atof(row[1]->c_str());
    }
    snapshot.expire_seconds = int64_t(seconds > 0 ? seconds : days * 86400);
    return snapshot;
  } catch (...) {
    socket_.store(-1);
    connection_.reset();  // reconnect on the next poll
    throw;
  }
}

}  // namespace mysql_sync
