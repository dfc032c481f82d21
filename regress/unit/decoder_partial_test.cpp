// Partial row images (binlog_row_image = MINIMAL/NOBLOB), partial JSON diffs, and the events that
// carry fields of their own (HEARTBEAT_V2, XA_PREPARE, QUERY text in another charset).
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "binlog/decoder.h"
#include "binlog/json_diff.h"
#include "decoder_test_support.h"

namespace mysql_sync::test {
namespace {

using Bytes = std::vector<uint8_t>;

// Binary JSON {"a":1}: small object, 1 member, 12 bytes; key "a" at 11, value int16 1 inlined.
const Bytes kObjectA1 = {0x00, 0x01, 0x00, 0x0c, 0x00, 0x0b, 0x00, 0x01, 0x00, 0x05, 0x01, 0x00, 'a'};
// Binary JSON [1,2]: small array, 2 elements, 10 bytes, int16 values inlined.
const Bytes kArray12 = {0x02, 0x02, 0x00, 0x0a, 0x00, 0x05, 0x01, 0x00, 0x05, 0x02, 0x00};

// One diff: operation, path, and (unless remove) a binary JSON value.
// (push_back loops: GCC 12's -Warray-bounds misfires on vector::insert of tiny vectors.)
Bytes diff(uint8_t op, const std::string& path, const Bytes& value = {}) {
  Bytes d;
  d.push_back(op);
  d.push_back(static_cast<uint8_t>(path.size()));
  for (char c : path) d.push_back(static_cast<uint8_t>(c));
  if (op != 2) {
    d.push_back(static_cast<uint8_t>(value.size()));
    for (uint8_t b : value) d.push_back(b);
  }
  return d;
}

std::string applied(const Bytes& doc, const Bytes& diffs) {
  JsonTree tree = json_binary_to_tree(doc.data(), doc.size());
  apply_json_diffs(tree, diffs.data(), diffs.size());
  std::string out;
  append_json_tree(out, tree);
  return out;
}

Bytes concat(std::initializer_list<Bytes> parts) {
  Bytes out;
  for (const Bytes& p : parts)
    for (uint8_t b : p) out.push_back(b);
  return out;
}

const Bytes kInt2 = {0x05, 0x02, 0x00};
const Bytes kInt9 = {0x05, 0x09, 0x00};
const Bytes kStringX = {0x0c, 0x01, 'x'};

TEST(PartialJson, TreeRoundTripsTheTextForm) {
  std::string direct;
  append_json_binary_as_text(direct, kObjectA1.data(), kObjectA1.size());
  EXPECT_EQ(applied(kObjectA1, {}), direct);
  EXPECT_EQ(direct, "{\"a\": 1}");
}

TEST(PartialJson, ReplaceInsertRemove) {
  EXPECT_EQ(applied(kObjectA1, diff(0, "$.a", kInt2)), "{\"a\": 2}");
  EXPECT_EQ(applied(kObjectA1, diff(1, "$.b", kStringX)), "{\"a\": 1, \"b\": \"x\"}");
  // Keys stay in MySQL's (= jsonb's) order: shorter first.
  EXPECT_EQ(applied(kObjectA1, diff(1, "$.\"\"", kStringX)), "{\"\": \"x\", \"a\": 1}");
  EXPECT_EQ(applied(kObjectA1, diff(2, "$.a")), "{}");
  EXPECT_EQ(applied(kObjectA1, diff(0, "$", kArray12)), "[1, 2]");
  EXPECT_EQ(applied(kObjectA1, concat({diff(1, "$.b", kArray12), diff(1, "$.b[1]", kInt9)})),
            "{\"a\": 1, \"b\": [1, 9, 2]}");
}

TEST(PartialJson, ArrayPositions) {
  EXPECT_EQ(applied(kArray12, diff(1, "$[0]", kInt9)), "[9, 1, 2]");
  EXPECT_EQ(applied(kArray12, diff(1, "$[7]", kInt9)), "[1, 2, 9]");  // past the end appends
  EXPECT_EQ(applied(kArray12, diff(0, "$[last]", kInt9)), "[1, 9]");
  EXPECT_EQ(applied(kArray12, diff(0, "$[last-1]", kInt9)), "[9, 2]");
  EXPECT_EQ(applied(kArray12, diff(2, "$[0]")), "[2]");
}

TEST(PartialJson, BadDiffsAreValueErrors) {
  EXPECT_THROW(applied(kObjectA1, diff(0, "$.zz", kInt2)), ValueError);   // not in the document
  EXPECT_THROW(applied(kObjectA1, diff(2, "$[3]")), ValueError);
  EXPECT_THROW(applied(kObjectA1, diff(0, "$.*", kInt2)), ValueError);    // wildcards are never logged
  EXPECT_THROW(applied(kObjectA1, diff(7, "$.a", kInt2)), ValueError);    // unknown operation
  Bytes truncated = diff(0, "$.a", kInt2);
  truncated.pop_back();
  EXPECT_THROW(applied(kObjectA1, truncated), ValueError);
}

std::string diffs_as_text(const Bytes& diffs) {
  std::string out;
  json_diffs_to_text(out, diffs.data(), diffs.size());
  return out;
}

TEST(PartialJson, DiffListAsText) {
  EXPECT_EQ(diffs_as_text(diff(0, "$.a", kInt2)), "[{\"op\": \"replace\", \"path\": \"$.a\", \"value\": 2}]");
  EXPECT_EQ(diffs_as_text(
                concat({diff(1, "$.\"b c\"[last-1]", kArray12), diff(2, "$[0]"), diff(0, "$", kObjectA1)})),
            "[{\"op\": \"insert\", \"path\": \"$.\\\"b c\\\"[last-1]\", \"value\": [1, 2]}, "
            "{\"op\": \"remove\", \"path\": \"$[0]\"}, {\"op\": \"replace\", \"path\": \"$\", \"value\": "
            "{\"a\": 1}}]");
  EXPECT_EQ(diffs_as_text({}), "[]");
  EXPECT_THROW(diffs_as_text(diff(7, "$.a", kInt2)), ValueError);  // unknown operation
  EXPECT_THROW(diffs_as_text(diff(0, "$.*", kInt2)), ValueError);  // not a logged path
  Bytes truncated = diff(0, "$.a", kInt2);
  truncated.pop_back();
  EXPECT_THROW(diffs_as_text(truncated), ValueError);
}

std::vector<Event> decode_fixture(const std::string& fixture, bool partial_images,
                                  bool json_diff_without_before = false) {
  DecoderOptions options;
  options.partial_images = partial_images;
  options.json_diff_without_before = json_diff_without_before;
  std::vector<Event> events;
  read_binlog_file(binlog_fixture(fixture), 4, options, [&](const Event& ev) {
    if (ev.kind == EventKind::rows && ev.rows) events.push_back(ev);
  });
  return events;
}

TEST(PartialImages, RefusedUnlessAsked) {
  const std::string fixture = "rust_mysql_common/update-partial-row.binlog";
  SKIP_WITHOUT_FIXTURE(binlog_fixture(fixture));
  try {
    decode_fixture(fixture, false);
    ADD_FAILURE() << "no error";
  } catch (const ValueError& e) {
    EXPECT_NE(std::string(e.what()).find("binlog_row_image = FULL"), std::string::npos) << e.what();
  }
}

// MySQL 8 with binlog_row_image = MINIMAL and PARTIAL_JSON: the last UPDATE's before image holds only
// the key, so its JSON diffs cannot be applied. Apply refuses; the CLI shows the diffs themselves.
TEST(PartialJson, WithoutBeforeImageIsAnErrorOrTheDiffList) {
  const std::string fixture = "rust_mysql_common/json.binlog.000001";
  SKIP_WITHOUT_FIXTURE(binlog_fixture(fixture));
  try {
    decode_fixture(fixture, true);
    ADD_FAILURE() << "no error";
  } catch (const ValueError& e) {
    EXPECT_NE(std::string(e.what()).find("without the column in the before image"), std::string::npos)
        << e.what();
  }
  const std::vector<Event> events = decode_fixture(fixture, true, true);
  const RowsData& last = *events.back().rows;
  ASSERT_EQ(last.op, RowOp::update);
  ASSERT_EQ(last.after.size(), 6u);
  EXPECT_EQ(last.before_present, (std::vector<bool>{true, false, false, false}));
  using Diffs = std::vector<std::pair<uint32_t, uint32_t>>;
  EXPECT_EQ(last.after_json_diffs, (Diffs{{0, 1}, {1, 1}, {2, 1}, {3, 1}, {4, 1}, {5, 1}}));
  EXPECT_EQ(last.after[0][1], Value("[{\"op\": \"replace\", \"path\": \"$.age\", \"value\": 26}]"));
  EXPECT_EQ(last.after[0][3], Value("26"));
  // Updates whose before image holds the document still apply the diffs.
  for (size_t i = 0; i + 1 < events.size(); ++i) EXPECT_TRUE(events[i].rows->after_json_diffs.empty());
  // The JSON line marks the column.
  std::string line;
  event_to_json(events.back(), "f", "", [&](const std::string& s) { line = s; });
  EXPECT_NE(line.find(",\"after_present\":[1,2,3],\"after_json_diff\":[1]}"), std::string::npos) << line;
}

TEST(PartialImages, AbsentIsNotNull) {
  const std::string fixture = "rust_mysql_common/update-partial-row.binlog";
  SKIP_WITHOUT_FIXTURE(binlog_fixture(fixture));
  auto events = decode_fixture(fixture, true);
  // mysqlbinlog -vv: UPDATE test.ba WHERE @1=4 @3=4 SET @1=4 @3=40; DELETE WHERE @1=2.
  const RowsData* update = nullptr;
  const RowsData* remove = nullptr;
  for (const Event& ev : events) {
    if (ev.rows->op == RowOp::update) update = &*ev.rows;
    if (ev.rows->op == RowOp::remove) remove = &*ev.rows;
  }
  ASSERT_TRUE(update && remove);
  EXPECT_TRUE(update->has_partial_images());
  EXPECT_EQ(update->before_present, (std::vector<bool>{true, false, true}));
  EXPECT_EQ(update->after_present, (std::vector<bool>{true, false, true}));
  ASSERT_EQ(update->after.size(), 1u);
  EXPECT_EQ(update->before[0], (Row{Value("4"), std::nullopt, Value("4")}));
  EXPECT_EQ(update->after[0], (Row{Value("4"), std::nullopt, Value("40")}));
  EXPECT_EQ(remove->before_present, (std::vector<bool>{true, false, false}));
  EXPECT_TRUE(remove->after_present.empty());
  // The full-image inserts of the same file report no bitmaps.
  for (const Event& ev : events) {
    if (ev.rows->op == RowOp::insert && ev.rows->table->table == "ba" && ev.rows->after.size() == 4u) {
      EXPECT_FALSE(ev.rows->has_partial_images());
    }
  }
}

// An event without checksum, before any FORMAT_DESCRIPTION: 19-byte header + body.
Bytes event(uint8_t type, const Bytes& body) {
  uint32_t size = static_cast<uint32_t>(19 + body.size());
  Bytes e = {0x10, 0, 0, 0, type, 1, 0, 0, 0, static_cast<uint8_t>(size), static_cast<uint8_t>(size >> 8), 0, 0,
             0, 0, 0, 0, 0, 0};
  for (uint8_t b : body) e.push_back(b);
  return e;
}

std::string json_of(const Bytes& bytes) {
  Decoder decoder;
  Event ev = decoder.decode(bytes.data(), bytes.size(), 0);
  std::string line;
  event_to_json(ev, "f", "", [&](const std::string& s) { line = s; });
  return line.substr(line.find("\"type\""));
}

TEST(OtherEvents, HeartbeatV2) {
  Bytes body = {1, 13};
  for (char c : std::string("binlog.000041")) body.push_back(static_cast<uint8_t>(c));
  for (uint8_t b : {2, 4, 253, 0x15, 0xcd, 0x5b, 0}) body.push_back(b);  // position 0x5bcd15 = 6016277, then end
  EXPECT_EQ(json_of(event(41, body)),
            "\"type\":\"heartbeat\",\"gtid\":null,\"next_file\":\"binlog.000041\",\"next_pos\":6016277}");
}

TEST(OtherEvents, XaPrepare) {
  Bytes body = {0, 1, 0, 0, 0, 2, 0, 0, 0, 1, 0, 0, 0, 'g', '1', 'b'};
  EXPECT_EQ(json_of(event(38, body)),
            "\"type\":\"xa_prepare\",\"gtid\":null,\"one_phase\":false,\"xid\":\"X'6731',X'62',1\"}");
  Decoder decoder;
  Bytes bytes = event(38, body);
  EXPECT_EQ(decoder.decode(bytes.data(), bytes.size(), 0).kind, EventKind::xa_prepare);
}

TEST(OtherEvents, QueryTextConvertedFromItsCharset) {
  // thread id, exec time, db length 1, error 0, 7 bytes of status: Q_CHARSET latin1 (8) x3.
  Bytes body = {1, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 7, 0, 4, 8, 0, 8, 0, 8, 0, 'd', 0};
  for (char c : std::string("CREATE TABLE caf\xe9 (i int)")) body.push_back(static_cast<uint8_t>(c));
  EXPECT_EQ(json_of(event(2, body)),
            "\"type\":\"ddl\",\"gtid\":null,\"schema\":\"d\",\"sql\":\"CREATE TABLE caf\xc3\xa9 (i int)\"}");
}

}  // namespace
}  // namespace mysql_sync::test
