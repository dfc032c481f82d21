// A replication connection read as raw packets: registers with the source as a replica
// (COM_REGISTER_SLAVE with the task's server_id and report host), asks for the binlog from a
// GTID set (MySQL: COM_BINLOG_DUMP_GTID; MariaDB: @slave_connect_state) or a file position
// (COM_BINLOG_DUMP), and hands over each event where it lies in libmariadb's packet buffer.
// libmariadb only carries the bytes: it neither parses nor copies the events.
#pragma once
#include "common/cxx_zone.h"

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "binlog/row.h"
#include "source/source_uri.h"

namespace mysql_sync {

struct StreamStart {
  // Where to start: a GTID set / position (resumes there when the source has GTIDs on: MariaDB
  // always, MySQL with gtid_mode = ON), else file + pos (pos 4 = start of file).
  BinlogPosition position;
  uint32_t server_id = 0;          // must be unique among the source's replicas
  double heartbeat_seconds = 1.0;  // the source sends HEARTBEAT while idle
  bool stop_at_end = false;        // BINLOG_DUMP_NON_BLOCK: next() returns false at the end
  // What SHOW SLAVE HOSTS / SHOW REPLICAS list for this replica (replica_report_host()).
  std::string report_host = "mysql_sync";
  uint16_t report_port = 0;
  // MySQL's @replica_uuid: the source ends an older dump of the same UUID (our own, after a
  // reconnect) instead of keeping both. Empty: none.
  std::string replica_uuid;
  // Announce a semi-sync replica: the source then waits for our acknowledgement of each
  // transaction (up to its rpl_semi_sync_master_timeout). Tasks never do; tests do.
  bool semi_sync = false;
};

// How the stream was asked for, as the reader needs to know it.
struct StreamPlan {
  bool mariadb = false;
  bool by_gtid = false;  // the server skips what the GTID set holds: the first positions are not ours
  // The GTID position of a file position start, when it was not known: MariaDB's BINLOG_GTID_POS.
  std::string start_gtid;
  // MySQL with gtid_mode = ON and a file position start without its GTID set: the stream starts at
  // the file's beginning so that its PREVIOUS_GTIDS and the GTIDs up to the start position give
  // the set; the events before this position are for that only. 0: none.
  uint64_t learn_gtids_before = 0;
};

class BinlogStream {
 public:
  // Connects and sends the dump request. Errors surface here or on the first next().
  BinlogStream(const SourceUri& uri, const StreamStart& start);
  ~BinlogStream();
  BinlogStream(const BinlogStream&) = delete;
  BinlogStream& operator=(const BinlogStream&) = delete;

  const StreamPlan& plan() const;

  // Blocks for the next event. On true, [data, data+size) is the whole event (19-byte header, body,
  // checksum), valid until the next call. False only at the end with stop_at_end.
  // Throws SourceError: transient (08006: lost connection, interrupt()) or not (55000: purged
  // binlog or GTIDs, the task ahead of the source, another replica with our server_id; the hint
  // says "<task>" where the task's name belongs).
  bool next(const uint8_t*& data, size_t& size);

  // Thread-safe: unblocks a next() waiting in another thread (it then throws a transient error).
  void interrupt();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// "mysql_sync:<task>@<PostgreSQL system identifier, hex>", at most 60 bytes (the report host
// limit of older servers; a long task name is shortened with a hash): how the source lists a
// task's replica connection, so that the precheck recognises the task's own earlier connection.
std::string replica_report_host(const std::string& task, uint64_t system_identifier);

// A stable MySQL replica UUID for the task (from the same two names).
std::string replica_uuid_of(const std::string& task, uint64_t system_identifier);

}  // namespace mysql_sync
