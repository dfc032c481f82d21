#include "task/copy_feed.h"

#include <algorithm>
#include <chrono>
#include <cstring>

#include "common/helper_thread.h"
#include "binlog/charset.h"
#include "common/errors.h"

namespace mysql_sync {
namespace {

constexpr size_t kChunkBytes = 256 * 1024;
constexpr size_t kMaxChunks = 16;  // bounds the memory between the threads to ~4 MB

}  // namespace

void append_copy_escaped(std::string& line, const char* data, size_t size) {
  const char* end = data + size;
  const char* run = data;
  for (const char* p = data; p < end; p++) {
    char c = *p;
    if (c != '\\' && c != '\n' && c != '\r' && c != '\t') continue;
    line.append(run, p - run);
    line += '\\';
    line += c == '\\' ? '\\' : c == '\n' ? 'n' : c == '\r' ? 'r' : 't';
    run = p + 1;
  }
  line.append(run, end - run);
}

void append_copy_field(std::string& line, const Value& value) {
  if (!value) {
    line += "\\N";
    return;
  }
  append_copy_escaped(line, value->data(), value->size());
}

CopyFeed::CopyFeed(MysqlClient& client, const SourceTable& table, InvalidDates invalid_dates,
                   int64_t max_rows_per_second)
    : CopyFeed(client, table, invalid_dates, max_rows_per_second, copy_select_sql(table), -1) {}

CopyFeed::CopyFeed(MysqlClient& client, const SourceTable& table, InvalidDates invalid_dates,
                   int64_t max_rows_per_second, std::string sql, int key_column)
    : table_(table),
      invalid_dates_(invalid_dates),
      max_rows_per_second_(max_rows_per_second),
      key_column_(key_column) {
  for (const SourceColumn& column : table.columns) forms_.push_back(copy_form_of(column));

  // produce() catches its own errors; what could still escape is kept for read() to throw.
  thread_ = start_helper_thread(
      [this, &client, sql] { produce(client, sql); },
      [this](const char* what) {
        std::lock_guard<std::mutex> lock(mutex_);
        if (!error_)
          error_ = std::make_exception_ptr(SyncError("XX000", std::string("copy thread: ") + what));
        finished_ = true;
        changed_.notify_all();
      });
}

CopyFeed::~CopyFeed() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stopping_ = true;
  }
  changed_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void CopyFeed::hand_over(std::string& chunk) {
  std::unique_lock<std::mutex> lock(mutex_);
  changed_.wait(lock, [this] { return chunks_.size() < kMaxChunks || stopping_; });
  if (stopping_) throw std::runtime_error("copy stopped");
  chunks_.push_back(std::move(chunk));
  chunk = std::string();
  chunk.reserve(kChunkBytes + 4096);
  changed_.notify_all();
}

void CopyFeed::produce(MysqlClient& client, std::string sql) {
  try {
    std::string chunk;
    chunk.reserve(kChunkBytes + 4096);
    uint32_t invalid = 0;
    const auto started = std::chrono::steady_clock::now();
    // Throttled: look at the clock about 20 times a second's worth of rows.
    const uint64_t check_every = max_rows_per_second_ > 0
                                     ? std::max<uint64_t>(1, static_cast<uint64_t>(max_rows_per_second_) / 20)
                                     : 0;
    uint64_t produced = 0;
    std::string last_key;
    client.stream(sql, [&](const RawRow& row) {
      if (key_column_ >= 0 && row.data[key_column_] != nullptr)
        last_key.assign(row.data[key_column_], row.lengths[key_column_]);
      for (size_t i = 0; i < row.count; i++) {
        if (i) chunk += '\t';
        const char* data = row.data[i];
        size_t length = row.lengths[i];
        if (data == nullptr) {
          chunk += "\\N";
        } else if (forms_[i] == CopyForm::number) {
          chunk.append(data, length);  // digits, sign and point: nothing to escape
        } else if (forms_[i] == CopyForm::text) {
          if (!is_valid_utf8(reinterpret_cast<const uint8_t*>(data), length))
            throw ValueError("column \"" + table_.columns[i].name + "\" of " + table_.schema + "." +
                                 table_.name + " holds bytes that are not valid UTF-8",
                             "22021");
          append_copy_escaped(chunk, data, length);
        } else {
          append_copy_field(chunk,
                            copy_value_text(table_.columns[i], data, length, invalid_dates_, &invalid));
        }
      }
      chunk += '\n';
      rows_.fetch_add(1, std::memory_order_relaxed);
      produced++;
      if (chunk.size() >= kChunkBytes) {
        invalid_values_.fetch_add(invalid);
        invalid = 0;
        hand_over(chunk);
      }
      if (check_every && produced % check_every == 0) {
        auto due = started + std::chrono::microseconds(produced * 1000000 /
                                                       static_cast<uint64_t>(max_rows_per_second_));
        if (due > std::chrono::steady_clock::now()) {
          if (!chunk.empty()) {
            invalid_values_.fetch_add(invalid);
            invalid = 0;
            hand_over(chunk);
          }
          std::unique_lock<std::mutex> lock(mutex_);
          if (changed_.wait_until(lock, due, [this] { return stopping_; }))
            throw std::runtime_error("copy stopped");
        }
      }
    });
    invalid_values_.fetch_add(invalid);
    std::lock_guard<std::mutex> lock(mutex_);
    if (!chunk.empty()) chunks_.push_back(std::move(chunk));
    last_key_ = std::move(last_key);
    finished_ = true;
  } catch (...) {
    std::lock_guard<std::mutex> lock(mutex_);
    if (!stopping_) error_ = std::current_exception();
    finished_ = true;
  }
  changed_.notify_all();
}

bool CopyFeed::between_rows() {
  std::lock_guard<std::mutex> lock(mutex_);
  return offset_ == 0;
}

std::string CopyFeed::last_key() {
  std::lock_guard<std::mutex> lock(mutex_);
  return last_key_;
}

int CopyFeed::read(char* out, int max, int timeout_ms) {
  std::unique_lock<std::mutex> lock(mutex_);
  if (!changed_.wait_for(lock, std::chrono::milliseconds(timeout_ms),
                         [this] { return !chunks_.empty() || finished_; }))
    return -1;
  if (chunks_.empty()) {
    if (error_) std::rethrow_exception(error_);
    return 0;
  }
  std::string& front = chunks_.front();
  size_t n = std::min(front.size() - offset_, static_cast<size_t>(max));
  std::memcpy(out, front.data() + offset_, n);
  offset_ += n;
  if (offset_ == front.size()) {
    chunks_.pop_front();
    offset_ = 0;
    changed_.notify_all();
  }
  return static_cast<int>(n);
}

}  // namespace mysql_sync
