// The replica side of MySQL's replication protocol as bytes: the requests a replica sends
// (COM_REGISTER_SLAVE, COM_BINLOG_DUMP, COM_BINLOG_DUMP_GTID, the semi-sync acknowledgement) and
// what one packet of the dump stream holds. Pure: the connection (source/binlog_stream.cpp) sends
// and receives them through libmariadb.
#pragma once
#include "common/cxx_zone.h"

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace mysql_sync::replication {

constexpr uint8_t kComBinlogDump = 0x12;
constexpr uint8_t kComRegisterSlave = 0x15;
constexpr uint8_t kComBinlogDumpGtid = 0x1e;
constexpr uint8_t kSemiSyncIndicator = 0xef;

constexpr uint16_t kDumpNonBlock = 0x01;     // the server ends the stream at the end of its binlog
constexpr uint16_t kDumpThroughGtid = 0x04;  // COM_BINLOG_DUMP_GTID carries a GTID set

// The arguments of COM_REGISTER_SLAVE (what SHOW SLAVE HOSTS / SHOW REPLICAS list). Throws
// SyncError 22023 when a text is longer than the one-byte length the protocol allows.
std::string register_replica(uint32_t server_id, std::string_view report_host, uint16_t report_port);

// COM_BINLOG_DUMP from file:pos (an empty file with MariaDB's @slave_connect_state: from a GTID
// position). Throws SyncError 22023 for a position beyond 4 GB, which this request cannot carry.
std::string binlog_dump(std::string_view file, uint64_t pos, uint16_t flags, uint32_t server_id);

// COM_BINLOG_DUMP_GTID (MySQL 5.6+): everything the server has that `encoded_set` (GtidSet::
// mysql_encoded) lacks. kDumpThroughGtid is added to `flags`.
std::string binlog_dump_gtid(const std::string& encoded_set, uint16_t flags, uint32_t server_id);

// The semi-sync acknowledgement of an event ending at file:pos (sent after kSemiSyncIndicator).
std::string semi_sync_ack(uint64_t pos, std::string_view file);

struct DumpPacket {
  enum class Kind : uint8_t { event, end_of_stream };
  Kind kind = Kind::event;
  const uint8_t* event = nullptr;  // the whole event, inside the packet
  size_t size = 0;
  bool ack_requested = false;  // semi-sync: the source waits for semi_sync_ack
};

// One packet of the dump stream: 0x00 then the event (with `semi_sync`, 0xef and a flags byte
// first), or 0xfe at the end of the binlog (kDumpNonBlock). Error packets never get here
// (libmariadb reports them). Throws SyncError 08P01 for anything else.
DumpPacket parse_dump_packet(const uint8_t* packet, size_t length, bool semi_sync);

}  // namespace mysql_sync::replication
