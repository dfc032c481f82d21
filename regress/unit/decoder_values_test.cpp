// Hand-checked values from real fixtures (against boxercrab's dump.txt / sql.sql and
// mariadb-binlog -vv), and the decoder options want_rows and shape_of.
#include <gtest/gtest.h>

#include "binlog/charset.h"
#include "binlog/decoder.h"
#include "common/errors.h"
#include "decoder_test_support.h"

namespace mysql_sync::test {
namespace {

std::vector<Event> decode_all(const std::string& fixture, DecoderOptions options = {}) {
  std::vector<Event> events;
  read_binlog_file(binlog_fixture(fixture), 4, options, [&](const Event& ev) { events.push_back(ev); });
  return events;
}

std::vector<const Event*> rows_events(const std::vector<Event>& events) {
  std::vector<const Event*> out;
  for (const Event& ev : events) {
    if (ev.kind == EventKind::rows) out.push_back(&ev);
    for (const Event& inner : ev.nested)
      if (inner.kind == EventKind::rows) out.push_back(&inner);
  }
  return out;
}

// Owns the events that `rows` points into.
struct Decoded {
  std::vector<Event> events;
  std::vector<const Event*> rows;
};
Decoded decode_rows(const std::string& fixture, DecoderOptions options = {}) {
  Decoded d;
  d.events = decode_all(fixture, std::move(options));
  d.rows = rows_events(d.events);
  return d;
}

Row row(std::initializer_list<const char*> values) {
  Row r;
  for (const char* v : values) r.push_back(v ? Value(v) : std::nullopt);
  return r;
}

TEST(FixtureValues, BoxercrabUpdateRowsV2) {
  SKIP_WITHOUT_FIXTURES();
  // sql.sql: UPDATE ... varchar/text 'abc' -> 'xd', float 1.0 -> 4.0, double 2.0 -> 4.0, decimal(10,4) 3 -> 4
  auto events = decode_all("boxercrab/31_update_rows_v2/log.bin");
  auto rows = rows_events(events);
  ASSERT_EQ(rows.size(), 1u);
  const RowsData& data = *rows[0]->rows;
  EXPECT_EQ(data.op, RowOp::update);
  EXPECT_TRUE(data.statement_end);
  ASSERT_EQ(data.before.size(), 1u);
  EXPECT_EQ(data.before[0], row({"1", "abc", "abc", "abc", "abc", "abc", "1", "2", "3.0000"}));
  EXPECT_EQ(data.after[0], row({"1", "xd", "xd", "xd", "xd", "xd", "4", "4", "4.0000"}));
  EXPECT_EQ(data.table->schema, "default");
  EXPECT_EQ(data.table->table, "boxercrab");
  bool saw_gtid = false;
  for (const Event& ev : events)
    if (ev.kind == EventKind::gtid) {
      EXPECT_EQ(ev.gtid, "e3e2a4ee-b6dc-11ea-8bcf-0242ac150002:1");
      saw_gtid = true;
    }
  EXPECT_TRUE(saw_gtid);
}

TEST(FixtureValues, MariaDbEnumTimestampAndGtid) {
  SKIP_WITHOUT_FIXTURES();
  auto events = decode_all("rust_mysql_common/mariadb-bin.000001");
  auto rows = rows_events(events);
  ASSERT_EQ(rows.size(), 2u);
  const TableMap& t = *rows[0]->rows->table;
  ASSERT_EQ(t.columns.size(), 5u);
  EXPECT_TRUE(t.has_column_names);
  EXPECT_EQ(t.columns[2].name, "event_type");
  EXPECT_EQ(t.columns[2].enum_values.size(), 3u);
  EXPECT_EQ(t.primary_key, std::vector<uint16_t>{0});
  EXPECT_EQ(rows[0]->rows->after[0], row({"62", "foo", "JSON", "\\x7b22666f6f223a317d", "2022-04-20 22:18:04+00"}));
  EXPECT_EQ(rows[1]->rows->after[0], row({"63", "foo", "JSON", "\\x7b22666f6f223a317d", "2022-04-20 22:19:55+00"}));
  std::vector<std::string> gtids;
  for (const Event& ev : events) {
    if (ev.kind == EventKind::gtid) {
      gtids.push_back(ev.gtid);
      EXPECT_FALSE(ev.gtid_standalone);
    }
    if (ev.kind == EventKind::annotate) {
      EXPECT_NE(ev.sql.find("insert into outbox"), std::string::npos);
    }
  }
  EXPECT_EQ(gtids, (std::vector<std::string>{"0-1-1", "0-1-2"}));
}

TEST(FixtureValues, Time2NegativeHours) {
  SKIP_WITHOUT_FIXTURES();
  Decoded rows_d = decode_rows("rust_mysql_common/time_issue.000001");
  auto& rows = rows_d.rows;
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0]->rows->after[0], row({"-507:48:27"}));
}

TEST(FixtureValues, BitColumns) {
  SKIP_WITHOUT_FIXTURES();
  Decoded rows_d = decode_rows("rust_mysql_common/mysql_type_bit.000001");
  auto& rows = rows_d.rows;
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0]->rows->after[0], row({"100", "foo", "00100000"}));
}

TEST(FixtureValues, EnumSetWithFullMetadata) {
  SKIP_WITHOUT_FIXTURES();
  Decoded rows_d = decode_rows("rust_mysql_common/mysql-enum-string-set.000001");
  auto& rows = rows_d.rows;
  ASSERT_EQ(rows.size(), 3u);
  const Row& first = rows[0]->rows->after[0];
  EXPECT_EQ(first[2], Value("var1"));
  EXPECT_EQ(first[3], Value("one,three"));
  EXPECT_EQ(rows[1]->rows->after[0][2], Value("variant2"));
  EXPECT_EQ(rows[1]->rows->after[0][3], Value("two,four"));
  EXPECT_EQ(rows[2]->rows->op, RowOp::remove);
}

TEST(FixtureValues, DecimalsAndUnsigned) {
  SKIP_WITHOUT_FIXTURES();
  Decoded rows_d = decode_rows("osheroff/mysql-bin.checksum-crc32");
  auto& rows = rows_d.rows;
  ASSERT_FALSE(rows.empty());
  bool found = false;
  for (const Event* ev : rows)
    for (const Row& r : ev->rows->after)
      if (r.size() == 16 && r[0] == Value("13500014")) {
        EXPECT_EQ(r[1], Value("0.00"));
        EXPECT_EQ(r[8], Value("yan\xe9\x97\xab\xe5\xba\x86\xe5\xba\x86"));
        found = true;
      }
  EXPECT_TRUE(found);
  // 9.6 tagged GTID file: DECIMAL(10,2) 250.00
  auto tagged = decode_all("rust_mysql_common/binlog_transaction_with_GTID_TAG.000001");
  auto trows = rows_events(tagged);
  ASSERT_EQ(trows.size(), 1u);
  EXPECT_EQ(trows[0]->rows->after[0], row({"3", "100", "250.00"}));
  bool tagged_gtid = false;
  for (const Event& ev : tagged)
    if (ev.kind == EventKind::gtid) {
      EXPECT_EQ(ev.gtid, "55778904-0299-11f1-b1b8-4ef0c4956feb:mytag:3");
      EXPECT_GT(ev.commit_timestamp_us, 0u);
      tagged_gtid = true;
    }
  EXPECT_TRUE(tagged_gtid);
}

TEST(FixtureValues, MySqlJsonAndVector) {
  SKIP_WITHOUT_FIXTURES();
  Decoded rows_d = decode_rows("rust_mysql_common/json-opaque.binlog");
  auto& rows = rows_d.rows;
  ASSERT_EQ(rows.size(), 8u);
  EXPECT_EQ(rows[1]->rows->after[0][0], Value("{\"b\": \"2012-03-18\"}"));
  EXPECT_EQ(rows[3]->rows->after[0][0], Value("{\"c\": \"87:31:46.654321\"}"));
  EXPECT_EQ(rows[5]->rows->after[0][0], Value("{\"e\": 9.00}"));
  EXPECT_EQ(rows[6]->rows->after[0][0], Value("{\"e\": [0, 1, true, false]}"));
  Decoded vrows_d = decode_rows("rust_mysql_common/vector.binlog");
  auto& vrows = vrows_d.rows;
  ASSERT_FALSE(vrows.empty());
  EXPECT_EQ(vrows[0]->rows->after[0], row({"1", "{1.1,2.2,3.3}"}));
}

TEST(FixtureValues, TransactionPayloadNestedEvents) {
  SKIP_WITHOUT_FIXTURES();
  auto events = decode_all("rust_mysql_common/transaction_compression.000001");
  const Event* payload = nullptr;
  for (const Event& ev : events)
    if (ev.kind == EventKind::transaction_payload) payload = &ev;
  ASSERT_NE(payload, nullptr);
  ASSERT_EQ(payload->nested.size(), 4u);
  EXPECT_EQ(payload->nested[0].query_kind, QueryKind::begin);
  EXPECT_EQ(payload->nested[2].kind, EventKind::rows);
  EXPECT_EQ(payload->nested[2].pos, payload->pos);
  EXPECT_EQ(payload->nested[2].rows->after[0], row({"1"}));
  EXPECT_EQ(payload->nested[3].kind, EventKind::xid);
}

TEST(FixtureValues, QueryKindsAndRotate) {
  SKIP_WITHOUT_FIXTURES();
  auto events = decode_all("rust_mysql_common/binlog_savepoint.000001");
  int begins = 0, commits = 0;
  for (const Event& ev : events) {
    if (ev.kind == EventKind::query && ev.query_kind == QueryKind::begin) ++begins;
    if (ev.kind == EventKind::query && ev.query_kind == QueryKind::commit) ++commits;
  }
  EXPECT_GT(begins, 0);
  // A relay log: the relay's ROTATE to the master's file comes right after the first FDE.
  ASSERT_GE(events.size(), 2u);
  EXPECT_EQ(events[1].kind, EventKind::rotate);
  EXPECT_EQ(events[1].next_file, "master-bin.000003");
  EXPECT_EQ(events[1].next_pos, 4u);
  EXPECT_EQ(events.back().kind, EventKind::xid);
}

TEST(DecoderOptions, WantRowsSkipsUnwantedTables) {
  SKIP_WITHOUT_FIXTURES();
  DecoderOptions options;
  options.want_rows = [](const TableMap& t) { return t.table != "foo"; };
  auto events = decode_all("rust_mysql_common/vector.binlog", options);
  int skipped = 0, decoded = 0;
  for (const Event& ev : events) {
    if (ev.kind != EventKind::rows) continue;
    ASSERT_NE(ev.table_map, nullptr);
    if (ev.table_map->table == "foo") {
      EXPECT_FALSE(ev.rows.has_value());
      ++skipped;
    } else {
      EXPECT_TRUE(ev.rows.has_value());
      ++decoded;
    }
  }
  EXPECT_GT(skipped, 0);
  EXPECT_GT(decoded, 0);
}

TEST(DecoderOptions, ShapeFillsNamesAndSignedness) {
  SKIP_WITHOUT_FIXTURES();
  TableShape shape;
  shape.column_names = {"id", "varchar_l", "varchar_s", "text_s", "text_m", "text_l", "num_float", "num_double",
                        "num_decimal"};
  shape.is_unsigned = {true};
  shape.primary_key = {0};
  DecoderOptions options;
  options.shape_of = [&](const std::string& schema, const std::string& table) -> const TableShape* {
    return schema == "default" && table == "boxercrab" ? &shape : nullptr;
  };
  Decoded rows_d = decode_rows("boxercrab/31_update_rows_v2/log.bin", options);
  auto& rows = rows_d.rows;
  ASSERT_EQ(rows.size(), 1u);
  const TableMap& t = *rows[0]->rows->table;
  EXPECT_FALSE(t.has_column_names);
  EXPECT_EQ(t.columns[1].name, "varchar_l");
  EXPECT_TRUE(t.columns[0].is_unsigned);
  EXPECT_EQ(t.primary_key, std::vector<uint16_t>{0});
}

TEST(EventJson, ShapeOfRowAndDdlLines) {
  SKIP_WITHOUT_FIXTURES();
  std::string text = decode_to_text(binlog_fixture("rust_mysql_common/mariadb-bin.000001"));
  EXPECT_NE(text.find("{\"file\":\"mariadb-bin.000001\",\"pos\":612,\"end_pos\":671,\"timestamp\":\"2022-04-20 "
                      "22:18:04+00\",\"type\":\"insert\",\"gtid\":\"0-1-1\",\"schema\":\"toddy_test\",\"table\":"
                      "\"outbox\",\"columns\":[\"id\",\"topic\",\"event_type\",\"event\",\"created\"],\"before\":null,"
                      "\"after\":[\"62\",\"foo\",\"JSON\",\"\\\\x7b22666f6f223a317d\",\"2022-04-20 22:18:04+00\"]}\n"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("\"type\":\"commit\",\"gtid\":\"0-1-1\""), std::string::npos);
  std::string ddl = decode_to_text(binlog_fixture("boxercrab/02_query/log.bin"));
  EXPECT_NE(ddl.find("\"type\":\"ddl\""), std::string::npos);
  EXPECT_NE(ddl.find("\"sql\":"), std::string::npos);
}

TEST(DecoderStream, RotateBeforeAnyFormatDescription) {
  SKIP_WITHOUT_FIXTURES();
  // The dump thread sends an artificial ROTATE before the FDE; with CRC32 on the server it carries
  // a checksum that the decoder must recognise without an FDE.
  auto bytes = read_bytes(binlog_fixture("boxercrab/04_rotate/log.bin"));
  std::vector<Event> events = decode_all("boxercrab/04_rotate/log.bin");
  const Event& rotate = events.back();
  ASSERT_EQ(rotate.kind, EventKind::rotate);
  Decoder fresh;
  Event again = fresh.decode(bytes.data() + rotate.pos, rotate.end_pos - rotate.pos, 0);
  EXPECT_EQ(again.kind, EventKind::rotate);
  EXPECT_EQ(again.next_file, rotate.next_file);
  EXPECT_EQ(again.next_pos, 4u);
  EXPECT_EQ(again.end_pos, rotate.end_pos);  // from the header's next position
  EXPECT_FALSE(fresh.has_format());
  // A length that disagrees with the header is a DecodeError naming the offset given.
  try {
    fresh.decode(bytes.data() + rotate.pos, rotate.end_pos - rotate.pos - 1, 1234);
    FAIL();
  } catch (const DecodeError& e) {
    EXPECT_EQ(e.offset(), 1234u);
  }
}

// MariaDB's sjis (collations 13 sjis_japanese_ci, 88 sjis_bin) as the server stores it: found by
// regress/t/050_decoder_values.pl, where 'a\\b~c' came out as "a\uFF3Cb\u203Ec" through iconv's
// SHIFT_JIS. The server writes '\\' as 0x815F and reads 0x5C/0x7E as ASCII.
std::string sjis(std::initializer_list<uint8_t> bytes, uint16_t collation = 13) {
  std::vector<uint8_t> b(bytes);
  std::string out;
  append_as_utf8(out, b.data(), b.size(), collation, "test value");
  return out;
}

TEST(CharsetValues, SjisAsMariaDbStoresIt) {
  // 'a\b~c' as MariaDB stores it: 61 815F 62 7E 63
  EXPECT_EQ(sjis({0x61, 0x81, 0x5f, 0x62, 0x7e, 0x63}), "a\\b~c");
  EXPECT_EQ(sjis({0x61, 0x81, 0x5f, 0x62, 0x7e, 0x63}, 88), "a\\b~c");
  // 'カナ\': 834A 8369 815F; a 0x5C trail byte (ソ = 835C) stays part of its character
  EXPECT_EQ(sjis({0x83, 0x4a, 0x83, 0x69, 0x81, 0x5f}), "\xe3\x82\xab\xe3\x83\x8a\\");
  EXPECT_EQ(sjis({0x83, 0x5c, 0x5c}), "\xe3\x82\xbd\\");
  // half-width katakana ｱ (0xB1), 日 (93FA), ASCII 0x5C and 0x7E
  EXPECT_EQ(sjis({0xb1, 0x93, 0xfa, 0x5c, 0x7e}), "\xef\xbd\xb1\xe6\x97\xa5\\~");
  EXPECT_EQ(sjis({}), "");
  // invalid or truncated characters are errors, with the offset in the value
  EXPECT_THROW(sjis({0x61, 0x93}), ValueError);
  EXPECT_THROW(sjis({0x80}), ValueError);
  try {
    sjis({0x61, 0x81, 0x5f, 0xff});
    FAIL();
  } catch (const ValueError& e) {
    EXPECT_NE(std::string(e.what()).find("byte 3"), std::string::npos) << e.what();
  }
  // cp932 keeps its own mapping: 0x815F is U+FF3C there
  EXPECT_EQ(sjis({0x81, 0x5f, 0x5c}, 95), "\xef\xbc\xbc\\");
}

}  // namespace
}  // namespace mysql_sync::test
