#include "task/chunk_reader.h"

#include <chrono>

#include "common/errors.h"
#include "common/helper_thread.h"
#include "source/mysql_client.h"
#include "source/snapshot.h"
#include "task/copy_text.h"
#include "task/runtime.h"

namespace mysql_sync {

namespace {

// A transaction the stream has seen may still be committing when a snapshot begins (the binlog
// is written before the engine commits): such a snapshot is taken again, this often at most.
constexpr int kSnapshotAttempts = 100;
constexpr auto kSnapshotRetryWait = std::chrono::milliseconds(10);

void sleep_until_us(int64_t when_us) {
  int64_t now = wall_clock_us();
  if (when_us > now) std::this_thread::sleep_for(std::chrono::microseconds(when_us - now));
}

}  // namespace

int64_t wall_clock_us() noexcept {
  return std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

class ChunkReader::Connection {
 public:
  explicit Connection(const SourceUri& uri) : client(uri) {
    mariadb = client.is_mariadb();
    // One statement's consistent read (watermark); START TRANSACTION WITH CONSISTENT SNAPSHOT
    // needs repeatable read (snapshot).
    client.execute("SET SESSION TRANSACTION ISOLATION LEVEL REPEATABLE READ");
  }
  MysqlClient client;
  bool mariadb = false;
};

ChunkReader::ChunkReader(SourceUri uri) : uri_(std::move(uri)) {
  thread_ = start_helper_thread([this] { run(); },
                                [this](const char* what) {
                                  std::lock_guard<std::mutex> lock(mutex_);
                                  if (!done_) done_ = std::make_unique<Chunk>();
                                  done_->failed = true;
                                  done_->sqlstate = "XX000";
                                  done_->message = std::string("backfill reader thread ended: ") + what;
                                  stopping_ = true;
                                  busy_ = false;
                                });
}

ChunkReader::~ChunkReader() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stopping_ = true;
  }
  changed_.notify_all();
  if (thread_.joinable()) thread_.join();
}

bool ChunkReader::idle() {
  std::lock_guard<std::mutex> lock(mutex_);
  return !busy_ && !done_ && !stopping_;
}

void ChunkReader::give(ChunkOrder order) {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    order_ = std::make_unique<ChunkOrder>(std::move(order));
    busy_ = true;
  }
  changed_.notify_all();
}

std::unique_ptr<Chunk> ChunkReader::take() {
  std::lock_guard<std::mutex> lock(mutex_);
  return std::move(done_);
}

void ChunkReader::run() {
  for (;;) {
    std::unique_ptr<ChunkOrder> order;
    {
      std::unique_lock<std::mutex> lock(mutex_);
      changed_.wait(lock, [this] { return stopping_ || order_; });
      if (stopping_) return;
      order = std::move(order_);
    }
    auto chunk = std::make_unique<Chunk>();
    chunk->order = std::move(*order);
    read(*chunk);
    std::lock_guard<std::mutex> lock(mutex_);
    done_ = std::move(chunk);
    busy_ = false;
  }
}

void ChunkReader::read(Chunk& chunk) {
  const ChunkOrder& order = chunk.order;
  sleep_until_us(next_read_us_);
  try {
    if (!connection_) connection_ = std::make_unique<Connection>(uri_);
    MysqlClient& client = connection_->client;
    if (order.kind == ChunkOrder::Kind::bounds) {
      QueryResult result = client.query(key_bounds_sql(order.table, order.paging));
      if (!result.rows.empty() && result.rows[0].size() == 2) {
        chunk.min = result.rows[0][0];
        chunk.max = result.rows[0][1];
      }
      return;
    }
    chunk.consistency = order.consistency != Consistency::automatic ? order.consistency
                        : connection_->mariadb                      ? Consistency::snapshot
                                                                    : Consistency::watermark;
    std::string sql = chunk_select_sql(order.table, order.paging, order.range, order.limit,
                                       [&client](const std::string& s) { return client.quote_string(s); });
    CopyTextWriter writer(order.table, order.invalid_dates);
    const bool snapshot = chunk.consistency == Consistency::snapshot;
    if (!snapshot) sleep_until_us(order.started_us + kVisibilityMs * 1000);
    if (snapshot) {
      for (int attempt = 1;; attempt++) {
        chunk.low = begin_exact_snapshot(client);
        if (order.floor.file.empty() || compare_positions(chunk.low, order.floor) >= 0) break;
        client.execute("ROLLBACK");
        if (attempt == kSnapshotAttempts)
          throw SyncError("55000", "the source's snapshots stay behind binlog position " + order.floor.file + ":" +
                                       std::to_string(order.floor.pos) + " (at " + chunk.low.file + ":" +
                                       std::to_string(chunk.low.pos) + ")");
        std::this_thread::sleep_for(kSnapshotRetryWait);
      }
    } else {
      chunk.low = current_binlog_position(client);
    }
    chunk.low_at_us = wall_clock_us();
    const bool paged = order.paging.paged();
    client.stream(sql, [&](const RawRow& row) {
      writer.append_row(chunk.text, row);
      chunk.rows++;
      if (!paged) return;
      chunk.last_key.resize(order.paging.columns.size());
      for (size_t k = 0; k < order.paging.columns.size(); k++) {
        size_t c = order.paging.columns[k].column;
        chunk.last_key[k].assign(row.data[c] ? row.data[c] : "", row.data[c] ? row.lengths[c] : 0);
      }
    });
    if (snapshot) {
      client.execute("COMMIT");
      chunk.high = chunk.low;
    } else {
      chunk.high = current_binlog_position(client);
    }
    chunk.read_us = wall_clock_us() - chunk.low_at_us;
    chunk.invalid_values = writer.invalid_values();
    if (order.rows_per_second > 0)
      next_read_us_ = chunk.low_at_us + static_cast<int64_t>(chunk.rows * 1000000 / order.rows_per_second);
  } catch (const SourceError& e) {
    chunk.failed = true;
    chunk.sqlstate = e.sqlstate();
    chunk.message = e.what();
    chunk.hint = e.hint();
    chunk.mysql_errno = e.mysql_errno();
    chunk.transient = e.transient();
  } catch (const SyncError& e) {
    chunk.failed = true;
    chunk.sqlstate = e.sqlstate();
    chunk.message = e.what();
    chunk.hint = e.hint();
  } catch (const std::exception& e) {
    chunk.failed = true;
    chunk.sqlstate = "XX000";
    chunk.message = e.what();
  }
  if (chunk.failed) {
    chunk.text.clear();
    connection_.reset();  // a half-read result or an open snapshot: the next order reconnects
  }
}

}  // namespace mysql_sync
