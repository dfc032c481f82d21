// The initial copy's data source: a producer thread streams one table's rows from the source
// (mysql_use_result: never buffered whole) and formats them as COPY text; the worker's main thread
// hands the bytes to PostgreSQL's COPY FROM through its data-source callback.
#pragma once
#include "common/cxx_zone.h"

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <exception>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "source/mysql_client.h"
#include "binlog/row.h"
#include "source/source_catalog.h"
#include "task/copy_source.h"

namespace mysql_sync {

class CopyFeed : public CopySource {
 public:
  // Reads every column of `table` (SyncTable::copy_source(): the columns with a target column),
  // keeping its own copy of it. max_rows_per_second > 0 throttles the producer to that rate
  // (options.max_rows_per_second).
  CopyFeed(MysqlClient& client, const SourceTable& table, InvalidDates invalid_dates,
           int64_t max_rows_per_second = 0);
  // Streams the rows of `select` (copy_select_sql's columns, e.g. copy_range_sql's one range);
  // key_column >= 0 records that column of the last row (last_key()).
  CopyFeed(MysqlClient& client, const SourceTable& table, InvalidDates invalid_dates,
           int64_t max_rows_per_second, std::string select, int key_column);
  ~CopyFeed() override;  // stops and joins
  CopyFeed(const CopyFeed&) = delete;
  CopyFeed& operator=(const CopyFeed&) = delete;

  // Copies up to `max` bytes into `out`. Returns the count, 0 at the end of the data, or -1 when
  // nothing arrived within `timeout_ms` (call again). Rethrows the producer's error.
  int read(char* out, int max, int timeout_ms) override;

  // True when everything handed out so far ends at a row boundary (a chunked copy may end its
  // COPY there; every queued piece holds whole rows).
  bool between_rows() override;

  uint64_t rows() const { return rows_.load(); }
  uint64_t invalid_values() const { return invalid_values_.load(); }
  // The key column's value in the last row, once read() returned 0 ("" when no row came).
  std::string last_key();

 private:
  void produce(MysqlClient& client, std::string sql);
  void hand_over(std::string& chunk);  // queues a chunk, waiting for room; throws when stopping

  const SourceTable table_;
  std::vector<CopyForm> forms_;  // per column
  InvalidDates invalid_dates_;
  int64_t max_rows_per_second_ = 0;
  int key_column_ = -1;
  std::string last_key_;
  std::mutex mutex_;
  std::condition_variable changed_;
  std::deque<std::string> chunks_;
  size_t offset_ = 0;  // into chunks_.front()
  bool finished_ = false;
  bool stopping_ = false;
  std::exception_ptr error_;
  std::atomic<uint64_t> rows_{0};
  std::atomic<uint64_t> invalid_values_{0};
  std::thread thread_;
};

// Appends `value` to `line` in COPY text format (backslash escapes; \N for NULL).
void append_copy_field(std::string& line, const Value& value);
void append_copy_escaped(std::string& line, const char* data, size_t size);

}  // namespace mysql_sync
