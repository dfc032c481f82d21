// The source monitor: a thread that polls the source on a connection of its own (SHOW MASTER
// STATUS, SHOW BINARY LOGS, the binlog expiry settings) about once a second and derives how far
// the task is behind in bytes and how long the source keeps the oldest binlog the task needs.
// Pure C++: it never calls PostgreSQL; the worker hands it the applied position and receives the
// figures through a callback (both thread-safe). A failing poll never stops the task: the
// figures become unknown and the error is kept for the worker to log once.
#pragma once
#include "common/cxx_zone.h"

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "source/binlog_status.h"
#include "binlog/row.h"
#include "source/source_uri.h"

namespace mysql_sync {

struct MonitorFigures {
  std::optional<int64_t> bytes_behind;            // source position minus applied, across files
  std::optional<int64_t> retention_left_seconds;  // until the applied file may be purged
};

// Bytes from `applied` to the source's current position, summing the sizes of the files in
// between; unknown when the applied file is no longer listed (purged) or the snapshot is empty.
std::optional<int64_t> bytes_behind(const SourceSnapshot& source, const BinlogPosition& applied);

// Seconds until the source may purge the applied file: its last write (closed_at, the time of
// its ROTATE; `now` while it is the active file) plus the expiry, minus now. Unknown when
// binlogs never expire, or when the file is closed and its closing time is not known.
std::optional<int64_t> retention_left(const SourceSnapshot& source, const BinlogPosition& applied,
                                      std::optional<int64_t> closed_at, int64_t now);

struct SourceMonitorConfig {
  SourceUri uri;
  double poll_seconds = 1.0;
  // Called on the monitor thread after each poll (also with unknown figures after a failure).
  std::function<void(const MonitorFigures&)> publish;
};

class SourceMonitor {
 public:
  explicit SourceMonitor(SourceMonitorConfig config);
  ~SourceMonitor();  // stops and joins the thread
  SourceMonitor(const SourceMonitor&) = delete;
  SourceMonitor& operator=(const SourceMonitor&) = delete;

  void start();
  void stop();  // thread-safe, idempotent; interrupts a poll waiting on the network

  // Any thread: the position everything is applied up to.
  void set_applied(const BinlogPosition& applied);
  // Any thread (the reader): `file` ended at `unix_seconds` (the timestamp of its ROTATE event).
  void note_file_closed(const std::string& file, int64_t unix_seconds);

  // The figures of the last poll (unknown before the first poll and after a failure).
  MonitorFigures figures() const;
  // A new monitor failure since the last call (each distinct failure once), else empty.
  std::string take_new_error();

 private:
  void run();
  void publish(const MonitorFigures& figures);

  SourceMonitorConfig config_;
  std::thread thread_;
  std::atomic<bool> stopping_{false};
  BinlogStatusReader status_;  // used by the monitor thread only (interrupt() by any)
  mutable std::mutex mutex_;
  std::condition_variable wake_;
  BinlogPosition applied_;
  std::map<std::string, int64_t> closed_at_;  // file -> unix seconds of its ROTATE
  MonitorFigures figures_;
  std::string error_;           // the last failure, "" after a good poll
  std::string reported_error_;  // the failure take_new_error last returned
};

}  // namespace mysql_sync
