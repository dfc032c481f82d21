#include "bgworker/source_monitor.h"

#include <mysql.h>
#include <sys/socket.h>

#include <chrono>
#include <csignal>
#include <cstdlib>
#include <pthread.h>

#include "binlog/errors.h"
#include "binlog/mysql_connection.h"

namespace mysql_sync {

namespace {

using Rows = std::vector<std::vector<std::optional<std::string>>>;

int64_t unix_now() {
  return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

Rows query_rows(st_mysql* m, const SourceUri& uri, const std::string& sql) {
  if (mysql_real_query(m, sql.data(), sql.size()) != 0) throw last_mysql_error(m, uri, "running " + sql);
  std::unique_ptr<MYSQL_RES, void (*)(MYSQL_RES*)> result(mysql_store_result(m), mysql_free_result);
  if (!result) throw last_mysql_error(m, uri, "reading the result of " + sql);
  unsigned count = mysql_num_fields(result.get());
  Rows rows;
  while (MYSQL_ROW row = mysql_fetch_row(result.get())) {
    unsigned long* lengths = mysql_fetch_lengths(result.get());
    auto& values = rows.emplace_back();
    for (unsigned i = 0; i < count; ++i)
      values.push_back(row[i] ? std::optional<std::string>(std::string(row[i], lengths[i])) : std::nullopt);
  }
  return rows;
}

std::optional<size_t> file_index(const SourceSnapshot& source, const std::string& file) {
  for (size_t i = 0; i < source.files.size(); i++)
    if (source.files[i].name == file) return i;
  return std::nullopt;
}

}  // namespace

std::optional<int64_t> bytes_behind(const SourceSnapshot& source, const BinlogPosition& applied) {
  if (source.current.file.empty() || applied.file.empty()) return std::nullopt;
  if (applied.file == source.current.file)
    return applied.pos >= source.current.pos ? 0 : int64_t(source.current.pos - applied.pos);
  std::optional<size_t> from = file_index(source, applied.file);
  std::optional<size_t> to = file_index(source, source.current.file);
  if (!from || !to || *to < *from) return std::nullopt;
  const uint64_t applied_size = source.files[*from].size;
  int64_t bytes = applied_size > applied.pos ? int64_t(applied_size - applied.pos) : 0;
  for (size_t i = *from + 1; i < *to; i++) bytes += int64_t(source.files[i].size);
  return bytes + int64_t(source.current.pos);
}

std::optional<int64_t> retention_left(const SourceSnapshot& source, const BinlogPosition& applied,
                                      std::optional<int64_t> closed_at, int64_t now) {
  if (source.expire_seconds <= 0 || applied.file.empty() || source.current.file.empty()) return std::nullopt;
  if (applied.file == source.current.file)
    return source.expire_seconds;  // still written: its clock has not started
  if (!file_index(source, applied.file) || !closed_at) return std::nullopt;
  return *closed_at + source.expire_seconds - now;
}

SourceMonitor::SourceMonitor(SourceMonitorConfig config) : config_(std::move(config)) {}

SourceMonitor::~SourceMonitor() {
  stop();
}

void SourceMonitor::start() {
  // The thread must not take PostgreSQL's signals: block them all before it is created.
  sigset_t all, previous;
  sigfillset(&all);
  pthread_sigmask(SIG_BLOCK, &all, &previous);
  thread_ = std::thread([this] { run(); });
  pthread_sigmask(SIG_SETMASK, &previous, nullptr);
}

void SourceMonitor::stop() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stopping_.store(true);
  }
  wake_.notify_all();
  int socket = socket_.load();
  if (socket >= 0) shutdown(socket, SHUT_RDWR);
  if (thread_.joinable()) thread_.join();
}

void SourceMonitor::set_applied(const BinlogPosition& applied) {
  std::lock_guard<std::mutex> lock(mutex_);
  applied_ = applied;
}

void SourceMonitor::note_file_closed(const std::string& file, int64_t unix_seconds) {
  std::lock_guard<std::mutex> lock(mutex_);
  closed_at_[file] = unix_seconds;
}

MonitorFigures SourceMonitor::figures() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return figures_;
}

std::string SourceMonitor::take_new_error() {
  std::lock_guard<std::mutex> lock(mutex_);
  if (error_.empty() || error_ == reported_error_) return "";
  reported_error_ = error_;
  return error_;
}

void SourceMonitor::publish(const MonitorFigures& figures) {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    figures_ = figures;
  }
  if (config_.publish) config_.publish(figures);
}

SourceSnapshot SourceMonitor::poll() {
  ConnectOptions options;
  // A source that stops answering (network cut, SIGSTOP) must not hold the thread for long.
  options.connect_timeout_seconds = 5;
  options.read_timeout_seconds = 5;
  options.write_timeout_seconds = 5;
  if (!connection_) {
    connection_ = connect_mysql(config_.uri, options);
    socket_.store(int(mysql_get_socket(connection_.get())));
    if (stopping_.load()) shutdown(socket_.load(), SHUT_RDWR);  // stop() came during the connect
  }
  st_mysql* m = connection_.get();
  const SourceUri& uri = config_.uri;
  try {
    SourceSnapshot snapshot;
    snapshot.polled_at = unix_now();
    Rows status;
    try {
      status = query_rows(m, uri, "SHOW MASTER STATUS");
    } catch (const SourceError& e) {
      if (e.mysql_errno() != 1064) throw;
      status = query_rows(m, uri, "SHOW BINARY LOG STATUS");  // MySQL 8.4 renamed it
    }
    if (status.empty() || status[0].size() < 2 || !status[0][0] || !status[0][1])
      throw SyncError("55000", "SHOW MASTER STATUS returned no binlog position (is log_bin off?)");
    snapshot.current.file = *status[0][0];
    snapshot.current.pos = std::strtoull(status[0][1]->c_str(), nullptr, 10);
    for (const auto& row : query_rows(m, uri, "SHOW BINARY LOGS"))
      if (row.size() >= 2 && row[0] && row[1])
        snapshot.files.push_back(BinlogFileSize{*row[0], std::strtoull(row[1]->c_str(), nullptr, 10)});
    // MariaDB 10.6+ links binlog_expire_logs_seconds and expire_logs_days; older MariaDB has only
    // the days; MySQL 8 uses the seconds, or the days when the seconds are 0.
    double seconds = 0, days = 0;
    for (const auto& row : query_rows(m, uri,
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

void SourceMonitor::run() {
  std::string previous_file;
  while (!stopping_.load()) {
    MonitorFigures figures;
    try {
      SourceSnapshot source = poll();
      std::lock_guard<std::mutex> lock(mutex_);
      // A rotation seen between two polls dates the closed file when the reader has not.
      if (!previous_file.empty() && previous_file != source.current.file && !closed_at_.count(previous_file))
        closed_at_[previous_file] = source.polled_at;
      previous_file = source.current.file;
      for (auto it = closed_at_.begin(); it != closed_at_.end();)
        it = file_index(source, it->first) || it->first == source.current.file ? std::next(it)
                                                                               : closed_at_.erase(it);
      figures.bytes_behind = bytes_behind(source, applied_);
      std::optional<int64_t> closed;
      auto found = closed_at_.find(applied_.file);
      if (found != closed_at_.end()) closed = found->second;
      figures.retention_left_seconds = retention_left(source, applied_, closed, source.polled_at);
      error_.clear();
      reported_error_.clear();
    } catch (const std::exception& e) {
      std::lock_guard<std::mutex> lock(mutex_);
      if (!stopping_.load()) error_ = e.what();
    }
    if (stopping_.load()) break;
    publish(figures);
    std::unique_lock<std::mutex> lock(mutex_);
    wake_.wait_for(lock, std::chrono::duration<double>(config_.poll_seconds),
                   [this] { return stopping_.load(); });
  }
}

}  // namespace mysql_sync
