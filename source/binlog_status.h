// The source's binlog status as a replica-side monitor sees it: the current position, the binlog
// files with their sizes, and how long the server keeps them (SHOW MASTER STATUS, SHOW BINARY
// LOGS, the expiry variables), on a connection of its own with short timeouts.
#pragma once
#include "common/cxx_zone.h"

#include <atomic>
#include <cstdint>
#include <string>
#include <vector>

#include "source/mysql_connection.h"
#include "binlog/row.h"
#include "source/source_uri.h"

namespace mysql_sync {

struct BinlogFileSize {
  std::string name;
  uint64_t size = 0;
};

struct SourceSnapshot {
  BinlogPosition current;             // SHOW MASTER STATUS
  std::vector<BinlogFileSize> files;  // SHOW BINARY LOGS, oldest first
  int64_t expire_seconds = 0;         // 0 = binlogs never expire
  int64_t polled_at = 0;              // unix seconds of the poll
};

class BinlogStatusReader {
 public:
  explicit BinlogStatusReader(SourceUri uri);
  ~BinlogStatusReader();
  BinlogStatusReader(const BinlogStatusReader&) = delete;
  BinlogStatusReader& operator=(const BinlogStatusReader&) = delete;

  // Connects when needed (5 s timeouts: a source that stops answering holds the caller briefly)
  // and reads the status. Throws SourceError / SyncError; the next call reconnects.
  SourceSnapshot read();
  // Thread-safe: makes a read() blocked on the network in another thread fail at once.
  void interrupt();

 private:
  SourceUri uri_;
  MysqlHandle connection_;
  std::atomic<int> socket_{-1};
  std::atomic<bool> interrupted_{false};
};

}  // namespace mysql_sync
