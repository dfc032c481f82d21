// A backfill's source connection: a thread that reads one chunk at a time (task/chunk_keys.h) in
// a short source transaction of its own and hands it over whole, as COPY text, to the worker's
// main thread, which writes it into the target between the stream's batches
// (bgworker/backfill.h). A chunk records where in the binlog its rows stand:
//   - snapshot (MariaDB): START TRANSACTION WITH CONSISTENT SNAPSHOT, whose exact binlog position
//     P MariaDB reports; the rows are the source's as of P (low = high = P);
//   - watermark (MySQL, or MariaDB with options.consistency "watermark"): the binlog position
//     read before the SELECT (low) and after it (high); the rows are the source's as of some
//     moment between them.
// Nothing is locked and nothing is written on the source. Pure C++.
#pragma once
#include "common/cxx_zone.h"

#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include "binlog/row.h"
#include "source/source_catalog.h"
#include "source/source_uri.h"
#include "task/chunk_keys.h"

namespace mysql_sync {

// A watermark's low position may precede transactions the engine has not committed yet (the
// binlog is written first): the stream's changes this long before it count as after it, and a
// table's first watermark read waits this long after its backfill began.
constexpr int64_t kVisibilityMs = 1000;

enum class Consistency : uint8_t {
  automatic,  // snapshot on MariaDB, watermark on MySQL (options.consistency "auto")
  snapshot,
  watermark,
};

// Whole microseconds since the epoch (the clock the chunks and the stream's notes share).
int64_t wall_clock_us() noexcept;

// What a reader is asked to read.
struct ChunkOrder {
  enum class Kind : uint8_t { rows, bounds } kind = Kind::rows;
  uint64_t id = 0;  // the caller's
  SourceTable table;  // the columns to read (SyncTable::copy_source())
  KeyPaging paging;
  ChunkRange range;
  uint64_t limit = 0;  // rows at most (a paged table)
  Consistency consistency = Consistency::automatic;
  InvalidDates invalid_dates = InvalidDates::to_null;
  // snapshot: a snapshot older than this position is taken again (a transaction the stream saw
  // may still be committing when the snapshot begins).
  BinlogPosition floor;
  int64_t started_us = 0;  // the backfill began then: a watermark read waits kVisibilityMs after it
  int64_t rows_per_second = 0;  // this reader's share of options.max_rows_per_second; 0: unlimited
};

// What a reader read.
struct Chunk {
  ChunkOrder order;
  std::string text;  // COPY text, one line per row
  uint64_t rows = 0;
  uint64_t invalid_values = 0;
  KeyValues last_key;  // of the last row (a paged table with rows)
  BinlogPosition low, high;
  int64_t low_at_us = 0;  // when `low` was read
  int64_t read_us = 0;    // the source transaction's duration
  Consistency consistency = Consistency::snapshot;  // as resolved for the source
  // bounds: the first key column's MIN and MAX (none for an empty table)
  std::optional<std::string> min, max;
  bool last = false;  // set by the backfill (task/backfill_plan.h): its segment's last chunk
  // failed: the error (a SourceError's errno; 0 for others)
  bool failed = false;
  std::string sqlstate, message, hint;
  unsigned mysql_errno = 0;
  bool transient = false;
};

class ChunkReader {
 public:
  explicit ChunkReader(SourceUri uri);
  ~ChunkReader();  // stops and joins
  ChunkReader(const ChunkReader&) = delete;
  ChunkReader& operator=(const ChunkReader&) = delete;

  // Whether the reader has neither an order nor a chunk waiting to be taken.
  bool idle();
  // Starts reading; only when idle().
  void give(ChunkOrder order);
  // The chunk once read (then the reader is idle again); null while reading.
  std::unique_ptr<Chunk> take();

 private:
  void run();
  void read(Chunk& chunk);
  class Connection;

  SourceUri uri_;
  std::unique_ptr<Connection> connection_;  // the reader thread's
  std::mutex mutex_;
  std::condition_variable changed_;
  std::unique_ptr<ChunkOrder> order_;
  std::unique_ptr<Chunk> done_;
  bool busy_ = false;
  bool stopping_ = false;
  int64_t next_read_us_ = 0;  // throttle
  std::thread thread_;
};

}  // namespace mysql_sync
