// GTID sets and positions (source/gtid_set.h): parsing, adding transactions, set difference for
// failover checks, and the binary form of COM_BINLOG_DUMP_GTID, checked against the bytes real
// MySQL servers wrote into PREVIOUS_GTIDS events of the fixtures.
#include <gtest/gtest.h>

#include <cctype>

#include "binlog/decoder.h"
#include "common/errors.h"
#include "decoder_test_support.h"
#include "source/gtid_check.h"
#include "source/gtid_set.h"

namespace mysql_sync {
namespace {

const std::string kA = "3e11fa47-71ca-11e1-9e33-c80aa9429562";
const std::string kB = "4f22fa47-71ca-11e1-9e33-c80aa9429562";

TEST(GtidSet, ParsesAndPrintsMysqlSets) {
  GtidSet set = GtidSet::parse(kB + ":1-3,\n" + kA + ":7:1-5:9");
  EXPECT_EQ(set.flavor(), GtidFlavor::mysql);
  EXPECT_EQ(set.to_string(), kA + ":1-5:7:9," + kB + ":1-3");  // sorted, merged
  EXPECT_EQ(GtidSet::parse("3E11FA47-71CA-11E1-9E33-C80AA9429562:1-2:3").to_string(), kA + ":1-3");
  EXPECT_TRUE(GtidSet::parse("").empty());
  EXPECT_TRUE(GtidSet::parse("  \n").empty());
}

TEST(GtidSet, ParsesTaggedSets) {
  GtidSet set = GtidSet::parse(kA + ":1-5:Tag_B:1-2:tag_a:4," + kA + ":tag_a:1-3");
  EXPECT_EQ(set.to_string(), kA + ":1-5:tag_a:1-4:tag_b:1-2");
  GtidSet only_tagged = GtidSet::parse(kA + ":alpha:3");
  EXPECT_EQ(only_tagged.to_string(), kA + ":alpha:3");
}

TEST(GtidSet, RejectsMalformedText) {
  for (const std::string& text :
       {std::string("nonsense"), kA, kA + ":", kA + ":0", kA + ":5-3", kA + ":tag", kA + ":1:tag",
        kA + ":1-x", std::string("3e11fa47:1"), kA + ":9tag:1", std::string("0-1"), std::string("0-1-x"),
        std::string("0-1-5,") + kA + ":1", std::string("1,2"), kA + ":1,,"}) {
    try {
      GtidSet::parse(text);
      ADD_FAILURE() << "accepted: " << text;
    } catch (const SyncError& e) {
      EXPECT_EQ(e.sqlstate(), "22023") << text;
      EXPECT_NE(std::string(e.what()).find("invalid GTID"), std::string::npos) << e.what();
    }
  }
}

TEST(GtidSet, AddsTransactions) {
  GtidSet set;
  set.add(kA + ":1");
  set.add(kA + ":2");
  set.add(kA + ":4");
  EXPECT_EQ(set.to_string(), kA + ":1-2:4");
  set.add(kA + ":3");
  EXPECT_EQ(set.to_string(), kA + ":1-4");
  set.add(kA + ":tag_x:7");
  set.add(kB + ":1");
  EXPECT_EQ(set.to_string(), kA + ":1-4:tag_x:7," + kB + ":1");
  EXPECT_THROW(set.add("0-1-5"), SyncError);  // the other flavour
  EXPECT_THROW(set.add(kA + ":0"), SyncError);
}

// The reader adds one GTID per transaction; the next one of the same source takes a shorter way
// (add()'s fast path): the result must be the same whatever the order, spelling and source changes.
TEST(GtidSet, AddsRunsOfTransactionsOfOneSource) {
  GtidSet set = GtidSet::parse(kA + ":1-10," + kB + ":5");
  for (int gno = 11; gno <= 1000; gno++) set.add(kA + ":" + std::to_string(gno));
  EXPECT_EQ(set.to_string(), kA + ":1-1000," + kB + ":5");
  set.add(kA + ":1002");  // a gap, then the gap filled, then a number already held
  set.add(kA + ":1001");
  set.add(kA + ":7");
  EXPECT_EQ(set.to_string(), kA + ":1-1002," + kB + ":5");
  set.add(kB + ":6");  // another source, then back, spelled in upper case
  std::string upper_a = kA;
  for (char& c : upper_a) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  set.add(upper_a + ":1003");
  set.add(upper_a + ":1004");
  set.add(kA + ":tag_x:1");
  set.add(kA + ":tag_x:2");
  set.add(kA + ":1005");
  EXPECT_EQ(set.to_string(), kA + ":1-1005:tag_x:1-2," + kB + ":5-6");
  EXPECT_THROW(set.add(kA + ":x"), SyncError);  // still checked on the short way
  EXPECT_THROW(set.add(kA + ":0"), SyncError);
  GtidSet copy = set;  // a copy adds on its own
  copy.add(kA + ":1006");
  EXPECT_EQ(set.to_string(), kA + ":1-1005:tag_x:1-2," + kB + ":5-6");
  EXPECT_EQ(copy.to_string(), kA + ":1-1006:tag_x:1-2," + kB + ":5-6");
  EXPECT_THROW(GtidSet::parse("0-1"), SyncError);
  EXPECT_THROW(GtidSet::parse("0-1-2-3"), SyncError);
  EXPECT_EQ(GtidSet::parse(" 0 - 1 - 2 ").to_string(), "0-1-2");
}

TEST(GtidSet, MariadbPositionsKeepTheLastGtidPerDomain) {
  GtidSet pos = GtidSet::parse("1-2-7,0-1-100");
  EXPECT_EQ(pos.flavor(), GtidFlavor::mariadb);
  EXPECT_EQ(pos.to_string(), "0-1-100,1-2-7");
  pos.add("0-1-101");
  pos.add("0-3-102");  // another server of the domain: still the domain's next transaction
  pos.add("2-1-1");
  EXPECT_EQ(pos.to_string(), "0-3-102,1-2-7,2-1-1");
  // A binlog state lists each domain once per server: the highest sequence number counts.
  EXPECT_EQ(GtidSet::parse("0-1-100,0-2-98,0-3-99").to_string(), "0-1-100");
  EXPECT_THROW(pos.add(kA + ":1"), SyncError);
}

TEST(GtidSet, MergesPreviousGtidsAndGtidLists) {
  GtidSet set = GtidSet::parse(kA + ":5-9");
  set.merge(GtidSet::parse(kA + ":1-4," + kB + ":1"));
  EXPECT_EQ(set.to_string(), kA + ":1-9," + kB + ":1");
  GtidSet pos = GtidSet::parse("0-1-10");
  pos.merge(GtidSet::parse("0-1-8,1-1-3"));
  EXPECT_EQ(pos.to_string(), "0-1-10,1-1-3");
  GtidSet none;
  none.merge(pos);
  EXPECT_EQ(none.to_string(), "0-1-10,1-1-3");
}

TEST(GtidSet, MysqlDifferenceFindsMissingTransactions) {
  GtidSet task = GtidSet::parse(kA + ":1-100," + kB + ":1-5");
  GtidSet server = GtidSet::parse(kA + ":1-98:100," + kB + ":1-9");
  EXPECT_EQ(task.minus(server).to_string(), kA + ":99");  // the task applied 99, the server lacks it
  EXPECT_TRUE(server.minus(GtidSet::parse(kA + ":1-100," + kB + ":1-9")).empty());
  EXPECT_TRUE(task.minus(task).empty());
  EXPECT_FALSE(server.contains(task));
  EXPECT_TRUE(GtidSet::parse(kA + ":1-200," + kB + ":1-5").contains(task));
  // gtid_purged minus the task's set: what the server no longer has and the task never applied.
  GtidSet purged = GtidSet::parse(kA + ":1-150");
  EXPECT_EQ(purged.minus(task).to_string(), kA + ":101-150");
  EXPECT_EQ(GtidSet::parse(kA + ":1-10:20-30:40-50").minus(GtidSet::parse(kA + ":5-25:45")).to_string(),
            kA + ":1-4:26-30:40-44:46-50");
  EXPECT_EQ(GtidSet::parse(kA + ":t:1-3").minus(GtidSet::parse(kA + ":1-3")).to_string(), kA + ":t:1-3");
}

TEST(GtidSet, MariadbDifferenceComparesDomains) {
  GtidSet task = GtidSet::parse("0-1-100,1-2-7");
  EXPECT_TRUE(task.minus(GtidSet::parse("0-1-120,1-2-7")).empty());
  EXPECT_EQ(task.minus(GtidSet::parse("0-1-98,1-2-9")).to_string(), "0-1-100");   // lost 99, 100
  EXPECT_EQ(task.minus(GtidSet::parse("0-1-100")).to_string(), "1-2-7");          // a domain it lacks
  EXPECT_EQ(task.minus(GtidSet::parse("0-2-100,1-2-7")).to_string(), "0-1-100");  // another transaction
  // The oldest binlog's GTID_LIST minus the task's position: what was purged before the task read it.
  EXPECT_EQ(GtidSet::parse("0-1-150").minus(task).to_string(), "0-1-150");
  EXPECT_TRUE(GtidSet::parse("0-1-90,1-2-3").minus(task).empty());
  EXPECT_FALSE(GtidSet::parse(kA + ":1").minus(task).empty());  // flavours never hold each other
}

TEST(GtidSet, EncodesForBinlogDumpGtid) {
  EXPECT_EQ(GtidSet().mysql_encoded(), std::string(8, '\0'));
  std::string encoded = GtidSet::parse(kA + ":1-3:5").mysql_encoded();
  ASSERT_EQ(encoded.size(), 8u + 16 + 8 + 2 * 16);
  EXPECT_EQ(encoded[0], 1);
  EXPECT_EQ(static_cast<uint8_t>(encoded[8]), 0x3e);
  EXPECT_EQ(static_cast<uint8_t>(encoded[23]), 0x62);
  EXPECT_EQ(encoded[24], 2);  // two intervals
  EXPECT_EQ(encoded[32], 1);  // 1 ..
  EXPECT_EQ(encoded[40], 4);  // .. 4 exclusive
  EXPECT_EQ(encoded[48], 5);
  EXPECT_EQ(encoded[56], 6);
  std::string tagged = GtidSet::parse(kA + ":1:abc:2").mysql_encoded();
  // (1 << 56) | (2 entries << 8) | 1, then the untagged entry (tag length 0) and the tagged one.
  EXPECT_EQ(tagged.substr(0, 8), std::string("\x01\x02\x00\x00\x00\x00\x00\x01", 8));
  EXPECT_EQ(tagged[24], 0);
  EXPECT_EQ(tagged.substr(8 + 16 + 1 + 8 + 16 + 16, 1 + 3), std::string("\x06"
                                                                        "abc"));
  EXPECT_THROW(GtidSet::parse("0-1-1").mysql_encoded(), SyncError);
}

// Every PREVIOUS_GTIDS event of the fixtures: decoding the server's bytes to text, parsing the text
// and encoding it again gives the server's bytes back (MySQL's Gtid_set::encode, which is also the
// payload of COM_BINLOG_DUMP_GTID).
TEST(GtidSet, EncodingMatchesPreviousGtidsOfRealServers) {
  int checked = 0, with_sets = 0;
  for (const std::string& path : test::present_binlog_fixtures()) {
    std::vector<uint8_t> bytes = test::read_bytes(path);
    Decoder decoder;
    for (size_t at = 4; at + 19 <= bytes.size();) {
      uint32_t size = uint32_t(bytes[at + 9]) | uint32_t(bytes[at + 10]) << 8 |
                      uint32_t(bytes[at + 11]) << 16 | uint32_t(bytes[at + 12]) << 24;
      if (size < 19 || at + size > bytes.size()) break;
      Event ev;
      try {
        ev = decoder.decode(bytes.data() + at, size, at);
      } catch (const SyncError&) {
        break;  // corrupt fixtures end here; their earlier events were checked
      }
      if (ev.type_code == 35) {
        bool crc = size >= 19 + 4 + 8 && decoder.has_format();
        // The body: after the 19-byte header, before the CRC32 (every MySQL 5.6.1+ fixture has one,
        // a few have none: try both lengths).
        std::string with_crc(reinterpret_cast<const char*>(bytes.data() + at + 19),
                             size - 19 - (crc ? 4 : 0));
        std::string without_crc(reinterpret_cast<const char*>(bytes.data() + at + 19), size - 19);
        std::string encoded = GtidSet::parse(ev.gtid).mysql_encoded();
        EXPECT_TRUE(encoded == with_crc || encoded == without_crc) << path << " at " << at << ": " << ev.gtid;
        checked++;
        if (!ev.gtid.empty()) with_sets++;
      }
      at += size;
    }
  }
  EXPECT_GT(checked, 10);
  EXPECT_GT(with_sets, 0);
}

}  // namespace
}  // namespace mysql_sync

namespace mysql_sync {
namespace {

ServerGtids server_of(bool mariadb, const std::string& executed, std::optional<std::string> purged) {
  ServerGtids s;
  s.mariadb = mariadb;
  s.executed = GtidSet::parse(executed);
  if (purged) s.purged = GtidSet::parse(*purged);
  return s;
}

std::string start_error(const std::string& task, const ServerGtids& server) {
  try {
    check_gtid_start(GtidSet::parse(task), server, "db:3306");
  } catch (const SourceError& e) {
    EXPECT_EQ(e.sqlstate(), "55000");
    EXPECT_FALSE(e.transient());
    return e.what();
  }
  return "";
}

// The server answers of MySQL (gtid_executed, gtid_purged) and MariaDB (gtid_binlog_pos, the
// oldest binlog's GTID_LIST) decide whether a task may continue there.
TEST(GtidStartCheck, MysqlServers) {
  const std::string uuid = "3e11fa47-71ca-11e1-9e33-c80aa9429562";
  EXPECT_EQ(start_error(uuid + ":1-100", server_of(false, uuid + ":1-120", uuid + ":1-50")), "");
  std::string ahead = start_error(uuid + ":1-100", server_of(false, uuid + ":1-98", uuid + ":1-50"));
  EXPECT_NE(
      ahead.find("the task applied transactions that the source db:3306 does not have: " + uuid + ":99-100"),
      std::string::npos)
      << ahead;
  std::string purged = start_error(uuid + ":1-100", server_of(false, uuid + ":1-300", uuid + ":1-150"));
  EXPECT_NE(purged.find("no longer has transactions the task has not applied: " + uuid + ":101-150"),
            std::string::npos)
      << purged;
  // A promoted replica with transactions of its own (errant on the server) can take the task over.
  const std::string other = "4f22fa47-71ca-11e1-9e33-c80aa9429562";
  EXPECT_EQ(start_error(uuid + ":1-100", server_of(false, uuid + ":1-100," + other + ":1-3", "")), "");
}

TEST(GtidStartCheck, MariadbServers) {
  EXPECT_EQ(start_error("0-1-100", server_of(true, "0-2-130", std::string("0-1-90"))), "");
  EXPECT_NE(
      start_error("0-1-100", server_of(true, "0-1-98", std::string("0-1-1"))).find("does not have: 0-1-100"),
      std::string::npos);
  EXPECT_NE(
      start_error("0-1-100,1-1-5", server_of(true, "0-1-120", std::nullopt)).find("does not have: 1-1-5"),
      std::string::npos);
  EXPECT_NE(start_error("0-1-100", server_of(true, "0-1-200", std::string("0-1-150"))).find("purged"),
            std::string::npos);
  EXPECT_EQ(start_error("0-1-100", server_of(true, "0-1-200", std::nullopt)), "");  // the dump decides
  EXPECT_EQ(gtid_list_of_event_info("[0-1-5,1-2-7]"), "0-1-5,1-2-7");
  EXPECT_EQ(gtid_list_of_event_info("[]"), "");
}

}  // namespace
}  // namespace mysql_sync
