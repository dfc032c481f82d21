// Binlogs older than MySQL 5.1 GA, on real bytes: format versions 1-3 (MySQL 3.23-4.1), the event
// numbering of the 5.1/5.2 a_drop trees, and the pre-GA rows events of MySQL 5.1 before 5.1.18.
// A rows event is never passed on without its rows: it is decoded, or the file stops with an error
// naming the format and the offset.
#include <gtest/gtest.h>

#include <cstring>

#include "binlog/decoder.h"
#include "binlog/event_types.h"
#include "decoder_test_support.h"

namespace mysql_sync::test {
namespace {

std::string old_binlog(const std::string& relative) {
  std::string path = mariadb_test_file(relative);
  if (!file_exists(path))
    ADD_FAILURE() << path << " is missing: scripts/install-deps installs Debian's mariadb-test-data";
  return path;
}

struct Decoded {
  std::vector<Event> events;
  std::string error;  // "" when the file decoded to its end
  std::string sqlstate;
  uint64_t error_offset = 0;
};

Decoded decode_bytes(const std::vector<uint8_t>& bytes) {
  Decoded d;
  try {
    read_binlog_bytes(bytes.data(), bytes.size(), 4, {}, [&](const Event& ev) { d.events.push_back(ev); });
  } catch (const DecodeError& e) {
    d.error = e.what();
    d.sqlstate = e.sqlstate();
    d.error_offset = e.offset();
  }
  return d;
}

Decoded decode_file(const std::string& path) {
  return decode_bytes(read_bytes(path));
}

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

TEST(OldFormats, Version3OfMysql41DecodesEveryEvent) {
  Decoded d = decode_file(old_binlog("suite/binlog/std_data/binlog_old_version_4_1.000001"));
  EXPECT_EQ(d.error, "");
  ASSERT_EQ(d.events.size(), 12u);
  EXPECT_EQ(d.events[0].kind, EventKind::format_description);
  EXPECT_STREQ(d.events[0].name, "start_v3");
  EXPECT_EQ(d.events[0].server_version, "4.1.24-debug-log");
  EXPECT_EQ(d.events[1].kind, EventKind::query);
  EXPECT_EQ(d.events[1].schema, "test");
  EXPECT_EQ(d.events[1].sql, "CREATE TABLE t1 (a int, b char(50)) ENGINE = MyISAM");
  EXPECT_EQ(d.events[1].pos, 79u);
  EXPECT_EQ(d.events[1].end_pos, 165u);
  EXPECT_STREQ(d.events[3].name, "user_var");
  EXPECT_EQ(d.events[4].sql, "INSERT INTO t1 VALUES (@x, 'four')");
  EXPECT_STREQ(d.events[9].name, "create_file");
  EXPECT_EQ(d.events[11].end_pos, 149436u);  // the end of the file
}

TEST(OldFormats, Version3RotateNamesTheNextFile) {
  Decoded d = decode_file(old_binlog("std_data/bug47142_master-bin.000001"));
  EXPECT_EQ(d.error, "");
  ASSERT_EQ(d.events.size(), 6u);
  EXPECT_EQ(d.events[0].server_version, "4.1.26-debug-log");
  EXPECT_EQ(d.events[3].sql, "update t1 set a=a+b, b=b+a");
  EXPECT_EQ(d.events[5].kind, EventKind::rotate);
  EXPECT_EQ(d.events[5].next_file, "master-bin.000002");
  EXPECT_EQ(d.events[5].next_pos, 4u);
  Decoded mysql40 = decode_file(old_binlog("std_data/trunc_binlog.000001"));
  EXPECT_EQ(mysql40.error, "");
  ASSERT_EQ(mysql40.events.size(), 3u);
  EXPECT_EQ(mysql40.events[1].query_kind, QueryKind::begin);
  EXPECT_EQ(mysql40.events[2].sql, "insert t1 values (1)");
}

TEST(OldFormats, Version2IsRefusedNamingTheFormat) {
  Decoded d = decode_file(old_binlog("std_data/master-bin.000001"));
  EXPECT_TRUE(d.events.empty());
  EXPECT_EQ(d.error_offset, 4u);
  EXPECT_EQ(d.sqlstate, "0A000");
  EXPECT_TRUE(contains(d.error, "binlog format version 2")) << d.error;
  EXPECT_TRUE(contains(d.error, "4.0.0-debug-log")) << d.error;
}

// No MySQL 3.23 binlog is at hand: a real version 3 file is written as version 1 writes it
// (13-byte headers without next position and flags, START_EVENT_V3 saying 1, ROTATE without its
// position), and must decode to the same events.
std::vector<uint8_t> as_version_1(const std::vector<uint8_t>& v3) {
  std::vector<uint8_t> out(v3.begin(), v3.begin() + 4);
  for (size_t at = 4; at + 19 <= v3.size();) {
    uint32_t size = uint32_t(v3[at + 9]) | uint32_t(v3[at + 10]) << 8 | uint32_t(v3[at + 11]) << 16 |
                    uint32_t(v3[at + 12]) << 24;
    uint8_t type = v3[at + 4];
    size_t body = at + 19, skip = type == event_type::rotate ? 8 : 0;
    std::vector<uint8_t> ev(v3.begin() + long(at), v3.begin() + long(at + 13));
    ev.insert(ev.end(), v3.begin() + long(body + skip), v3.begin() + long(at + size));
    uint32_t new_size = uint32_t(ev.size());
    for (int k = 0; k < 4; ++k) ev[9 + k] = uint8_t(new_size >> (8 * k));
    if (type == event_type::start_v3) ev[13] = 1;
    out.insert(out.end(), ev.begin(), ev.end());
    at += size;
  }
  return out;
}

TEST(OldFormats, Version1HeadersOf13Bytes) {
  std::vector<uint8_t> v1 = as_version_1(read_bytes(old_binlog("std_data/bug47142_master-bin.000001")));
  Decoded d = decode_bytes(v1);
  EXPECT_EQ(d.error, "");
  ASSERT_EQ(d.events.size(), 6u);
  EXPECT_EQ(d.events[0].server_version, "4.1.26-debug-log");
  EXPECT_EQ(d.events[1].pos, 4u + 69u);
  EXPECT_EQ(d.events[1].sql, "create table t1 (a int primary key, b int) engine=innodb");
  EXPECT_EQ(d.events[4].sql, "drop table t1");
  EXPECT_EQ(d.events[5].next_file, "master-bin.000002");
  EXPECT_EQ(d.events[5].next_pos, 4u);
  EXPECT_EQ(d.events[5].end_pos, v1.size());
  // A START_EVENT_V3 whose version contradicts its length is damage, not version 1 or 3.
  v1[4 + 13] = 3;  // the binlog version of the first event
  EXPECT_TRUE(contains(decode_bytes(v1).error, "says binlog format version 3"));
}

// MySQL 5.1.15 and 5.1.17 (and the wl2325 tree's 5.2.2) wrote rows events 20-22 after table maps
// without column metadata: the table map is decoded, the rows event stops the file.
TEST(OldFormats, PreGaRowsEventsStopWithTheFormatAndOffset) {
  struct Case {
    std::string path;
    uint64_t offset;
    const char* server;
  };
  const Case cases[] = {
      {old_binlog("suite/binlog/std_data/ver_5_1_17.001"), 461, "5.1.17-beta-debug-log"},
      {old_binlog("suite/binlog/std_data/ver_5_1-telco.001"), 461, "5.1.15-ndb-6.1.24-debug-log"},
      {binlog_fixture("rust_mysql_common/ver_5_1-wl2325_r.001"), 466, "5.2.2-a_drop6p13-debug-log"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.path);
    Decoded d = decode_file(c.path);
    ASSERT_EQ(d.events.size(), 5u);
    const Event& map = d.events.back();
    EXPECT_EQ(map.kind, EventKind::table_map);
    ASSERT_TRUE(map.table_map);
    EXPECT_EQ(map.table_map->schema + "." + map.table_map->table, "test.t1");
    EXPECT_FALSE(map.table_map->has_field_metadata);
    EXPECT_EQ(d.error_offset, c.offset);
    EXPECT_EQ(d.sqlstate, "0A000");
    EXPECT_TRUE(contains(d.error, "pre_ga_write_rows")) << d.error;
    EXPECT_TRUE(contains(d.error, "MySQL 5.1 before 5.1.18")) << d.error;
    EXPECT_TRUE(contains(d.error, c.server)) << d.error;
  }
}

// The a_drop trees numbered XID 20 and BEGIN/EXECUTE_LOAD_QUERY 21/22 (today's pre-GA rows types).
TEST(OldFormats, ADropTreeEventNumbering) {
  Decoded d = decode_file(binlog_fixture("rust_mysql_common/ver_5_1-wl2325_s.001"));
  EXPECT_EQ(d.error, "");
  ASSERT_EQ(d.events.size(), 15u);
  EXPECT_EQ(d.events[4].kind, EventKind::xid);
  EXPECT_EQ(d.events[4].xid, 16u);
  EXPECT_STREQ(d.events[11].name, "begin_load_query");
  EXPECT_EQ(d.events[13].kind, EventKind::query);
  EXPECT_EQ(d.events[13].sql, "LOAD DATA INFILE 'big_file.dat' INTO TABLE t3");
}

// The guard against dropping rows in silence: in every real file, an event of a rows type comes
// out as rows (or the file stops with an error); none passes as an event without rows.
TEST(RowsNeverDropped, EveryRowsEventOfEveryFileHasItsRows) {
  std::vector<std::string> files = present_binlog_fixtures();
  for (const std::string& f : old_format_binlogs()) files.push_back(old_binlog(f));
  int rows_events = 0;
  for (const std::string& path : files) {
    auto check = [&](const Event& ev) {
      if (!event_type::is_rows_event(ev.type_code)) return;
      ++rows_events;
      EXPECT_EQ(ev.kind, EventKind::rows) << path << " at " << ev.pos;
      EXPECT_TRUE(ev.rows.has_value()) << path << " at " << ev.pos;
    };
    DecoderOptions options;
    options.enum_index_when_unknown = true;
    options.partial_images = true;
    options.json_diff_without_before = true;
    try {
      read_binlog_file(path, 4, options, [&](const Event& ev) {
        check(ev);
        for (const Event& inner : ev.nested) check(inner);
      });
    } catch (const SyncError&) {
      // damaged or refused: the error is the point, checked by the tests of those files
    }
  }
  EXPECT_GT(rows_events, 100);
}

// Every type code named like a rows event is one, and each one is decoded or refused: a rows type
// with a body the decoder skipped would come back as kind `other`.
TEST(RowsNeverDropped, EveryRowsTypeCodeIsDecodedOrRefused) {
  const auto fixture = read_bytes(binlog_fixture("rust_mysql_common/write-full-row.binlog"));  // MySQL 5.1.37
  for (int t = 0; t < 256; ++t) {
    const std::string name = event_type::name(uint8_t(t));
    bool named_rows = contains(name, "rows") && name != "rows_query" && name != "annotate_rows";
    EXPECT_EQ(event_type::is_rows_event(uint8_t(t)), named_rows) << name;
    if (!named_rows) continue;
    Decoder decoder;
    uint32_t fde_size = uint32_t(fixture[4 + 9]) | uint32_t(fixture[4 + 10]) << 8;
    decoder.decode(fixture.data() + 4, fde_size, 4);
    // A rows event of table id 1 with no table map before it, and a body of zeros.
    std::vector<uint8_t> ev(19 + 16, 0);
    ev[4] = uint8_t(t);
    ev[9] = uint8_t(ev.size());
    ev[19] = 1;
    try {
      Event out = decoder.decode(ev.data(), ev.size(), 1000);
      ADD_FAILURE() << name << " without a table map decoded as kind " << int(out.kind);
    } catch (const DecodeError& e) {
      EXPECT_EQ(e.offset() >= 1000, true) << name << ": " << e.what();
    }
  }
}

}  // namespace
}  // namespace mysql_sync::test
