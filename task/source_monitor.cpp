#include "task/source_monitor.h"

#include <chrono>
#include <cstdlib>

#include "common/helper_thread.h"
#include "common/errors.h"

namespace mysql_sync {

namespace {

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

SourceMonitor::SourceMonitor(SourceMonitorConfig config) : config_(std::move(config)), status_(config_.uri) {}

SourceMonitor::~SourceMonitor() {
  stop();
}

void SourceMonitor::start() {
  thread_ = start_helper_thread([this] { run(); },
                                [this](const char* what) {
                                  std::lock_guard<std::mutex> lock(mutex_);
                                  error_ = std::string("source monitor stopped: ") + what;
                                });
}

void SourceMonitor::stop() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stopping_.store(true);
  }
  wake_.notify_all();
  status_.interrupt();
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

void SourceMonitor::run() {
  std::string previous_file;
  while (!stopping_.load()) {
    MonitorFigures figures;
    try {
      SourceSnapshot source = status_.read();
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
