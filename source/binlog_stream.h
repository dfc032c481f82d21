// A replication connection: registers with the source as a replica (COM_REGISTER_SLAVE with the
// task's server_id) and receives raw binlog events (COM_BINLOG_DUMP) from a position.
#pragma once
#include "common/cxx_zone.h"

#include <cstddef>
#include <cstdint>
#include <memory>

#include "binlog/row.h"
#include "source/source_uri.h"

namespace mysql_sync {

struct StreamStart {
  BinlogPosition position;         // file + pos to start from (pos 4 = start of file)
  uint32_t server_id = 0;          // must be unique among the source's replicas
  double heartbeat_seconds = 1.0;  // the source sends HEARTBEAT while idle
  bool stop_at_end = false;        // BINLOG_DUMP_NON_BLOCK: next() returns false at the end (tests)
};

class BinlogStream {
 public:
  // Connects and sends the dump request. Errors surface here or on the first next().
  BinlogStream(const SourceUri& uri, const StreamStart& start);
  ~BinlogStream();
  BinlogStream(const BinlogStream&) = delete;
  BinlogStream& operator=(const BinlogStream&) = delete;

  // Blocks for the next event. On true, [data, data+size) is the whole event (19-byte header, body,
  // checksum), valid until the next call. False only at the end with stop_at_end.
  // Throws SourceError: transient (2013 lost connection, interrupt()) or not (1236 purged binlog:
  // SQLSTATE 55000, the message naming the missing file or GTID, the hint the statements that
  // recover, with "<task>" where the task's name belongs).
  bool next(const uint8_t*& data, size_t& size);

  // Thread-safe: unblocks a next() waiting in another thread (it then throws a transient error).
  void interrupt();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace mysql_sync
