// The replica's requests as bytes and the dump stream's packets (source/replication_packets.h),
// and what a source's refusal of a dump means (source/dump_errors.h), with the words MySQL and
// MariaDB servers send.
#include <gtest/gtest.h>

#include "common/errors.h"
#include "source/binlog_stream.h"
#include "source/dump_errors.h"
#include "source/replication_packets.h"

namespace mysql_sync {
namespace {

using namespace replication;

std::string bytes(std::initializer_list<int> values) {
  std::string out;
  for (int v : values) out.push_back(static_cast<char>(v));
  return out;
}

TEST(ReplicationPackets, RegisterReplica) {
  std::string packet = register_replica(0x01020304, "mysql_sync:t@00ff", 5432);
  std::string expected =
      bytes({4, 3, 2, 1, 17}) + "mysql_sync:t@00ff" + bytes({0, 0, 0x38, 0x15, 0, 0, 0, 0, 0, 0, 0, 0});
  EXPECT_EQ(packet, expected);
  EXPECT_THROW(register_replica(1, std::string(256, 'h'), 0), SyncError);
}

TEST(ReplicationPackets, BinlogDump) {
  EXPECT_EQ(binlog_dump("binlog.000042", 0x1234, kDumpNonBlock, 7),
            bytes({0x34, 0x12, 0, 0, 1, 0, 7, 0, 0, 0}) + "binlog.000042");
  EXPECT_EQ(binlog_dump("", 4, 0, 7), bytes({4, 0, 0, 0, 0, 0, 7, 0, 0, 0}));
  EXPECT_THROW(binlog_dump("b.1", uint64_t{1} << 32, 0, 7), SyncError);
}

TEST(ReplicationPackets, BinlogDumpGtid) {
  std::string set = std::string("\x01\x02\x03", 3);
  EXPECT_EQ(binlog_dump_gtid(set, kDumpNonBlock, 9),
            bytes({5, 0, 9, 0, 0, 0, 0, 0, 0, 0, 4, 0, 0, 0, 0, 0, 0, 0, 3, 0, 0, 0}) + set);
}

TEST(ReplicationPackets, SemiSyncAck) {
  EXPECT_EQ(semi_sync_ack(0x0102, "binlog.000001"), bytes({2, 1, 0, 0, 0, 0, 0, 0}) + "binlog.000001");
}

TEST(ReplicationPackets, ParsesDumpPackets) {
  std::string event(19, 'e');
  std::string ok = bytes({0}) + event;
  DumpPacket p = parse_dump_packet(reinterpret_cast<const uint8_t*>(ok.data()), ok.size(), false);
  EXPECT_EQ(p.kind, DumpPacket::Kind::event);
  EXPECT_EQ(p.event, reinterpret_cast<const uint8_t*>(ok.data()) + 1);
  EXPECT_EQ(p.size, 19u);
  EXPECT_FALSE(p.ack_requested);

  // An event whose first byte is 0xef is no semi-sync header unless semi-sync was asked for.
  std::string starts_ef = bytes({0, 0xef}) + std::string(18, 'e');
  p = parse_dump_packet(reinterpret_cast<const uint8_t*>(starts_ef.data()), starts_ef.size(), false);
  EXPECT_EQ(p.size, 19u);

  std::string semi = bytes({0, 0xef, 1}) + event;
  p = parse_dump_packet(reinterpret_cast<const uint8_t*>(semi.data()), semi.size(), true);
  EXPECT_EQ(p.size, 19u);
  EXPECT_EQ(p.event, reinterpret_cast<const uint8_t*>(semi.data()) + 3);
  EXPECT_TRUE(p.ack_requested);
  std::string semi_no_ack = bytes({0, 0xef, 0}) + event;
  EXPECT_FALSE(
      parse_dump_packet(reinterpret_cast<const uint8_t*>(semi_no_ack.data()), semi_no_ack.size(), true)
          .ack_requested);

  std::string eof = bytes({0xfe, 0, 0, 2, 0});
  EXPECT_EQ(parse_dump_packet(reinterpret_cast<const uint8_t*>(eof.data()), eof.size(), false).kind,
            DumpPacket::Kind::end_of_stream);

  for (const std::string& bad :
       {bytes({}), bytes({0, 1, 2}), bytes({0x01}) + event, bytes({0, 0xef, 1, 2})}) {
    try {
      parse_dump_packet(reinterpret_cast<const uint8_t*>(bad.data()), bad.size(), bad.size() == 4);
      ADD_FAILURE() << "accepted a packet of " << bad.size() << " bytes";
    } catch (const SyncError& e) {
      EXPECT_EQ(e.sqlstate(), "08P01");
    }
  }
}

TEST(ReplicaNames, ReportHostNamesTaskAndCluster) {
  EXPECT_EQ(replica_report_host("shop", 0x1234), "mysql_sync:shop@0000000000001234");
  std::string long_name(63, 'x');
  std::string host = replica_report_host(long_name, 7);
  EXPECT_LE(host.size(), 60u);
  EXPECT_EQ(host.rfind("mysql_sync:xxx", 0), 0u);
  EXPECT_NE(host, replica_report_host(long_name.substr(0, 62) + "y", 7));  // the hash tells them apart
  EXPECT_NE(replica_report_host("shop", 1), replica_report_host("shop", 2));
  std::string uuid = replica_uuid_of("shop", 1);
  EXPECT_EQ(uuid.size(), 36u);
  EXPECT_EQ(uuid[14], '4');
  EXPECT_EQ(uuid, replica_uuid_of("shop", 1));
  EXPECT_NE(uuid, replica_uuid_of("shop", 2));
}

DumpRequest request() {
  DumpRequest r;
  r.endpoint = "db:3306";
  r.start = "GTID 0-1-100";
  r.gtid = "0-1-100";
  r.server_id = 42;
  return r;
}

TEST(DumpErrors, PurgedFilesAndGtids) {
  DumpRequest r = request();
  r.file = "binlog.000007";
  SourceError e =
      dump_error(1236, "Could not find first log file name in binary log index file", "HV000", false, r);
  EXPECT_EQ(e.sqlstate(), "55000");
  EXPECT_NE(
      std::string(e.what()).find("binlog file 'binlog.000007' is no longer on the source db:3306 (purged)"),
      std::string::npos);
  EXPECT_NE(e.hint().find("drop_sync('<task>')"), std::string::npos);
  for (const char* words : {"Could not find GTID state requested by slave in any binlog files. Probably the "
                            "slave state is too old",
                            "Cannot replicate because the source purged required binary logs. Replicate the "
                            "missing transactions from "
                            "elsewhere, or provision a new replica from backup.",
                            "The slave is connecting using CHANGE MASTER TO MASTER_AUTO_POSITION = 1, but "
                            "the master has purged binary "
                            "logs containing GTIDs that the slave requires."}) {
    SourceError g = dump_error(1236, words, "HV000", false, request());
    EXPECT_EQ(g.sqlstate(), "55000") << words;
    EXPECT_NE(std::string(g.what()).find("no longer has the binlogs after the task's GTID position 0-1-100"),
              std::string::npos)
        << g.what();
    EXPECT_FALSE(g.transient());
  }
}

TEST(DumpErrors, TaskAheadOfTheSource) {
  for (const char* words :
       {"Error: connecting slave requested to start from GTID 0-1-100, which is not in the master's binlog",
        "The binlog on the master is missing the GTID 0-2-100 requested by the slave (even though both a "
        "prior and a "
        "subsequent sequence number does exist), and GTID strict mode is enabled",
        "Slave has more GTIDs than the master has, using the master's SERVER_UUID.",
        "Replica has more GTIDs than the source has, using the source's SERVER_UUID."}) {
    SourceError e = dump_error(1236, words, "HV000", false, request());
    EXPECT_EQ(e.sqlstate(), "55000") << words;
    EXPECT_NE(
        std::string(e.what()).find("the task applied transactions that the source db:3306 does not have"),
        std::string::npos);
    EXPECT_NE(e.hint().find("set_source('<task>'"), std::string::npos);
  }
}

TEST(DumpErrors, OtherReplicaAndTheRest) {
  SourceError same = dump_error(4052, "A slave with the same server_uuid/server_id is already connected",
                                "HV000", false, request());
  EXPECT_EQ(same.sqlstate(), "55000");
  EXPECT_NE(std::string(same.what()).find("server_id 42"), std::string::npos);
  SourceError lost = dump_error(2013, "Lost connection to server during query", "08006", true, request());
  EXPECT_EQ(lost.sqlstate(), "08006");
  EXPECT_TRUE(lost.transient());
  SourceError denied =
      dump_error(1227, "Access denied; you need (at least one of) the REPLICATION SLAVE privilege", "42501",
                 false, request());
  EXPECT_EQ(denied.sqlstate(), "42501");
  EXPECT_NE(denied.hint().find("GRANT REPLICATION SLAVE"), std::string::npos);
  EXPECT_EQ(dump_error(1236, "binlog truncated in the middle of event", "HV000", false, request()).sqlstate(),
            "55000");
}

}  // namespace
}  // namespace mysql_sync
