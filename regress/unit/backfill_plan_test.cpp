// The backfill's chunks: keyset pagination SQL for keys of every kind (compared on the source,
// in its collation), the split of a table for parallel readers, the state table_state.backfill
// keeps, the keys a chunk must not overwrite, and the columns a copy reads and writes (a column
// whose ADD COLUMN was ignored, "" target, is left out of the SELECT).
#include <gtest/gtest.h>

#include "common/errors.h"
#include "task/backfill_plan.h"
#include "task/copy_columns.h"

using namespace mysql_sync;

namespace {

SourceColumn column_of(const std::string& name, const std::string& type) {
  SourceColumn column;
  column.name = name;
  column.data_type = type;
  column.column_type = type;
  column.nullable = false;
  return column;
}

SourceTable table_of(const std::vector<std::pair<std::string, std::string>>& columns) {
  SourceTable table;
  table.schema = "shop";
  table.name = "big";
  for (const auto& [name, type] : columns) table.columns.push_back(column_of(name, type));
  return table;
}

std::vector<std::string> names_of(const SourceTable& table) {
  std::vector<std::string> out;
  for (const SourceColumn& column : table.columns) out.push_back(column.name);
  return out;
}

// What MysqlClient::quote_string does for these values (no backslash, no quote inside).
std::string quote(const std::string& s) {
  return "'" + s + "'";
}

BinlogPosition at(const std::string& file, uint64_t pos) {
  BinlogPosition p;
  p.file = file;
  p.pos = pos;
  return p;
}

}  // namespace

TEST(ChunkKeys, AnyKeyIsPagedUnlessItMayBeNullOrCannotBeCompared) {
  SourceTable t = table_of({{"id", "bigint"}, {"name", "varchar"}, {"at", "datetime"}, {"b", "varbinary"},
                            {"e", "enum"}, {"j", "json"}, {"n", "int"}});
  KeyPaging composite = key_paging(t, {"id", "name", "at", "b", "e"});
  ASSERT_EQ(composite.columns.size(), 5u);
  EXPECT_EQ(composite.columns[0].literal, KeyLiteral::number);
  EXPECT_EQ(composite.columns[1].literal, KeyLiteral::string);
  EXPECT_EQ(composite.columns[2].literal, KeyLiteral::string);
  EXPECT_EQ(composite.columns[3].literal, KeyLiteral::binary);
  EXPECT_EQ(composite.columns[4].literal, KeyLiteral::enumeration);
  EXPECT_TRUE(composite.splittable);  // an integer first column
  EXPECT_FALSE(key_paging(t, {"name", "id"}).splittable);
  EXPECT_FALSE(key_paging(t, {"j"}).paged());
  EXPECT_NE(key_paging(t, {"j"}).unpaged_reason.find("cannot be compared"), std::string::npos);
  EXPECT_FALSE(key_paging(t, {"missing"}).paged());
  EXPECT_FALSE(key_paging(t, {}).paged());
  t.columns[6].nullable = true;  // a table_keys key on a nullable column
  EXPECT_FALSE(key_paging(t, {"id", "n"}).paged());
  EXPECT_NE(key_paging(t, {"n"}).unpaged_reason.find("may be NULL"), std::string::npos);
}

TEST(ChunkKeys, KeysetSqlComparesOnTheSource) {
  SourceTable t = table_of({{"a", "int"}, {"b", "varchar"}, {"c", "datetime"}, {"v", "float"}});
  ChunkRange range;
  EXPECT_EQ(chunk_select_sql(t, key_paging(t, {"a"}), range, 1000, quote),
            "SELECT `a`, `b`, `c`, `v` * 1e0 FROM `shop`.`big` ORDER BY `a` LIMIT 1000");
  range.after = {"-5"};
  EXPECT_EQ(chunk_select_sql(t, key_paging(t, {"a"}), range, 10, quote),
            "SELECT `a`, `b`, `c`, `v` * 1e0 FROM `shop`.`big` WHERE (`a` > -5) ORDER BY `a` LIMIT 10");
  // Composite: the row comparison spelled out, the first column's range first (index ranges on
  // MariaDB too); strings as the source's literals, compared in the column's collation.
  range.after = {"7", "Ab c"};
  EXPECT_EQ(chunk_select_sql(t, key_paging(t, {"a", "b"}), range, 10, quote),
            "SELECT `a`, `b`, `c`, `v` * 1e0 FROM `shop`.`big` WHERE (`a` >= 7 AND (`a` > 7 OR (`b` > 'Ab c'))) "
            "ORDER BY `a`, `b` LIMIT 10");
  range.after = {"7", "x", "2024-02-29 13:14:15.000001"};
  EXPECT_EQ(chunk_select_sql(t, key_paging(t, {"a", "b", "c"}), range, 10, quote),
            "SELECT `a`, `b`, `c`, `v` * 1e0 FROM `shop`.`big` WHERE (`a` >= 7 AND (`a` > 7 OR (`b` > 'x' OR (`b` = "
            "'x' AND (`c` > '2024-02-29 13:14:15.000001'))))) ORDER BY `a`, `b`, `c` LIMIT 10");
  // A segment of a split table: (from, upto] on the first column.
  range.after.clear();
  range.from = "100";
  range.upto = "200";
  EXPECT_EQ(chunk_select_sql(t, key_paging(t, {"a", "b"}), range, 5, quote),
            "SELECT `a`, `b`, `c`, `v` * 1e0 FROM `shop`.`big` WHERE (`a` > 100) AND (`a` <= 200) ORDER BY `a`, "
            "`b` LIMIT 5");
  range.after = {"150", "q"};
  EXPECT_EQ(chunk_select_sql(t, key_paging(t, {"a", "b"}), range, 5, quote),
            "SELECT `a`, `b`, `c`, `v` * 1e0 FROM `shop`.`big` WHERE (`a` >= 150 AND (`a` > 150 OR (`b` > 'q'))) "
            "AND (`a` <= 200) ORDER BY `a`, `b` LIMIT 5");
  // An unpaged table is read whole.
  EXPECT_EQ(chunk_select_sql(t, KeyPaging(), range, 5, quote), "SELECT `a`, `b`, `c`, `v` * 1e0 FROM `shop`.`big`");
  // A stored key of another length, a malformed number: errors, never SQL.
  range.after = {"1"};
  EXPECT_THROW(chunk_select_sql(t, key_paging(t, {"a", "b"}), range, 5, quote), SyncError);
  range.after = {"5 OR 1"};
  EXPECT_THROW(chunk_select_sql(t, key_paging(t, {"a"}), range, 5, quote), SyncError);
}

TEST(ChunkKeys, LiteralsOfEveryKind) {
  SourceTable t = table_of({{"b", "varbinary"}, {"e", "enum"}, {"s", "set"}, {"bit", "bit"}, {"y", "year"}});
  t.columns[1].enum_values = {"small", "large"};
  t.columns[2].enum_values = {"a", "b", "c"};
  KeyPaging paging = key_paging(t, {"b", "e", "s", "bit", "y"});
  ASSERT_TRUE(paging.paged());
  EXPECT_EQ(key_literal(t, paging.columns[0], std::string("\0\xff'", 3), quote), "X'00FF27'");
  // ENUMs and SETs order by their numbers, not their names.
  EXPECT_EQ(key_literal(t, paging.columns[1], "large", quote), "2");
  EXPECT_EQ(key_literal(t, paging.columns[1], "", quote), "0");
  EXPECT_THROW(key_literal(t, paging.columns[1], "medium", quote), SyncError);
  EXPECT_EQ(key_literal(t, paging.columns[2], "a,c", quote), "5");
  EXPECT_THROW(key_literal(t, paging.columns[2], "a,z", quote), SyncError);
  EXPECT_EQ(key_literal(t, paging.columns[3], std::string("\x01\x02", 2), quote), "258");
  EXPECT_EQ(key_literal(t, paging.columns[4], "2024", quote), "2024");
  // table_state keeps binary values as hex (JSON strings are UTF-8).
  std::string bytes("\0\xfe\x80", 3);
  EXPECT_EQ(stored_key_value(KeyLiteral::binary, bytes), "00FE80");
  EXPECT_EQ(loaded_key_value(KeyLiteral::binary, "00FE80"), bytes);
  EXPECT_EQ(loaded_key_value(KeyLiteral::string, "Äb "), "Äb ");
  EXPECT_THROW(loaded_key_value(KeyLiteral::binary, "0G"), SyncError);
}

TEST(ChunkKeys, SplitPoints) {
  EXPECT_EQ(split_points("1", "1000", 4), (std::vector<std::string>{"250", "500", "750"}));
  EXPECT_EQ(split_points("-9223372036854775808", "9223372036854775807", 2), (std::vector<std::string>{"-1"}));
  EXPECT_EQ(split_points("0", "18446744073709551615", 2), (std::vector<std::string>{"9223372036854775807"}));
  EXPECT_EQ(split_points("5", "7", 8), (std::vector<std::string>{"6"}));  // no empty or repeated segment
  EXPECT_TRUE(split_points("5", "5", 4).empty());
  EXPECT_TRUE(split_points("5", "x", 4).empty());
  EXPECT_TRUE(split_points("1", "100", 1).empty());
}

TEST(Backfill, StateRoundTripForEveryKeyKind) {
  SourceTable t = table_of({{"a", "int"}, {"b", "varbinary"}, {"c", "varchar"}});
  TableBackfill backfill;
  backfill.kind = BackfillKind::resync;
  backfill.keys_pending = true;
  start_generation(backfill, t, {"a", "b", "c"}, {0, 1, 2}, false);
  ASSERT_EQ(backfill.segments.size(), 1u);
  backfill.segments[0].after = {"-3", std::string("\0\x01", 2), "Grüße \"x\""};
  std::string json = backfill_state_json(backfill);
  EXPECT_EQ(json,
            "{\"keys_pending\":true,\"kind\":\"resync\",\"segments\":[{\"after\":[\"-3\",\"0001\",\"Grüße "
            "\\\"x\\\"\"],\"done\":false,\"from\":null,\"upto\":null}]}");
  TableBackfill loaded;
  loaded.paging = key_paging(t, {"a", "b", "c"});
  load_backfill_state(loaded, json);
  EXPECT_EQ(loaded.kind, BackfillKind::resync);
  EXPECT_TRUE(loaded.keys_pending);
  ASSERT_EQ(loaded.segments.size(), 1u);
  EXPECT_EQ(loaded.segments[0].after, backfill.segments[0].after);
  EXPECT_EQ(loaded.segments[0].read_after, backfill.segments[0].after);  // reads go on after it
  EXPECT_TRUE(loaded.planned);
  // A key of another length, an unknown kind, broken JSON: XX000.
  EXPECT_THROW(load_backfill_state(loaded, "{\"kind\": \"load\", \"segments\": [{\"after\": [\"1\"]}]}"),
               SyncError);
  EXPECT_THROW(load_backfill_state(loaded, "{\"kind\": \"copy\"}"), SyncError);
  EXPECT_THROW(load_backfill_state(loaded, "{\"kind\""), SyncError);
}

TEST(Backfill, SplitTableReadsSegmentsInParallelAndResumesEach) {
  SourceTable t = table_of({{"id", "bigint"}, {"v", "varchar"}});
  std::vector<TableBackfill> backfills(1);
  TableBackfill& b = backfills[0];
  b.started_at = at("binlog.000001", 100);
  start_generation(b, t, {"id"}, {0}, true);
  EXPECT_FALSE(b.planned);  // its bounds first
  size_t cursor = 0;
  ReadSettings settings;
  settings.range_rows = 10;
  auto choice = choose_read(backfills, &cursor, 0);
  ASSERT_TRUE(choice);
  EXPECT_EQ(choice->segment, SIZE_MAX);
  ChunkOrder bounds = make_order(b, SIZE_MAX, 1, settings, 0);
  EXPECT_EQ(bounds.kind, ChunkOrder::Kind::bounds);
  EXPECT_FALSE(choose_read(backfills, &cursor, 0));  // the bounds are being read
  Chunk read;
  read.min = "1";
  read.max = "90";
  bounds_read(b, read, 3);
  ASSERT_EQ(b.segments.size(), 3u);
  EXPECT_FALSE(b.segments[0].from);
  EXPECT_EQ(*b.segments[0].upto, "30");
  EXPECT_EQ(*b.segments[1].from, "30");
  EXPECT_EQ(*b.segments[2].from, "60");
  EXPECT_FALSE(b.segments[2].upto);
  // Three readers read the three segments at once.
  std::vector<ChunkOrder> orders;
  for (int r = 0; r < 3; r++) {
    auto c = choose_read(backfills, &cursor, 0);
    ASSERT_TRUE(c);
    orders.push_back(make_order(b, c->segment, 2 + r, settings, 0));
  }
  EXPECT_FALSE(choose_read(backfills, &cursor, 0));
  EXPECT_EQ(orders[1].range.from, std::optional<std::string>("30"));
  EXPECT_EQ(orders[1].limit, 10u);
  // Segment 1: a full chunk, then the next read starts after its last key.
  auto chunk = std::make_unique<Chunk>();
  chunk->order = orders[1];
  chunk->rows = 10;
  chunk->last_key = {"40"};
  chunk_read(b, 1, std::move(chunk), settings);
  EXPECT_FALSE(b.segments[1].ready.back()->last);
  auto next = choose_read(backfills, &cursor, 0);
  ASSERT_TRUE(next);
  EXPECT_EQ(next->segment, 1u);
  EXPECT_EQ(make_order(b, 1, 9, settings, 0).range.after, (KeyValues{"40"}));
  chunk_written(b, 1);
  EXPECT_EQ(b.segments[1].after, (KeyValues{"40"}));
  EXPECT_FALSE(b.segments[1].done);
  // A short chunk ends its segment.
  auto last = std::make_unique<Chunk>();
  last->order = orders[0];
  last->rows = 3;
  last->last_key = {"29"};
  chunk_read(b, 0, std::move(last), settings);
  chunk_written(b, 0);
  EXPECT_TRUE(b.segments[0].done);
  EXPECT_FALSE(b.finished());
  // Stored and loaded: each segment goes on after its own last key.
  TableBackfill resumed;
  resumed.paging = b.paging;
  load_backfill_state(resumed, backfill_state_json(b));
  ASSERT_EQ(resumed.segments.size(), 3u);
  EXPECT_TRUE(resumed.segments[0].done);
  EXPECT_EQ(resumed.segments[1].after, (KeyValues{"40"}));
  EXPECT_EQ(*resumed.segments[1].from, "30");
  EXPECT_TRUE(resumed.segments[2].after.empty());
}

TEST(Backfill, ChunkSizeFollowsTheTimeBoundAndTheThrottle) {
  SourceTable t = table_of({{"id", "int"}});
  TableBackfill b;
  start_generation(b, t, {"id"}, {0}, false);
  ReadSettings settings;
  settings.range_rows = 100000;
  settings.chunk_ms = 1000;
  ChunkOrder order = make_order(b, 0, 1, settings, 0);
  EXPECT_EQ(order.limit, 100000u);
  auto slow = std::make_unique<Chunk>();
  slow->order = order;
  slow->rows = 100000;
  slow->last_key = {"100000"};
  slow->read_us = 4000000;  // 4 s: too long a source transaction
  chunk_read(b, 0, std::move(slow), settings);
  EXPECT_EQ(b.segments[0].limit, 25000u);
  settings.rows_per_second = 300;  // options.max_rows_per_second: a chunk is a second's worth
  EXPECT_EQ(make_order(b, 0, 2, settings, 0).limit, 300u);
}

TEST(Backfill, ChunkSkipsKeysTheStreamChangedAfterItsLowPosition) {
  SourceTable t = table_of({{"a", "int"}, {"b", "varchar"}});
  TableBackfill b;
  start_generation(b, t, {"a", "b"}, {0, 1}, false);
  auto change = [](RowOp op, Row before, Row after) {
    TableChange c;
    c.op = op;
    c.before = std::move(before);
    c.after = std::move(after);
    return c;
  };
  note_touched(b, change(RowOp::update, {Value("1"), Value("x")}, {Value("1"), Value("X")}), at("binlog.000001", 500),
               1000000);
  note_touched(b, change(RowOp::remove, {Value("2"), Value("y")}, {}), at("binlog.000001", 900), 5000000);
  EXPECT_TRUE(b.stream_wrote);
  ASSERT_EQ(b.touched.size(), 3u);  // both images of the update, the deleted row
  Chunk chunk;
  chunk.consistency = Consistency::snapshot;
  chunk.low = at("binlog.000001", 500);  // the update is in the snapshot, the delete is not
  chunk.low_at_us = 9000000;
  std::vector<const TouchedKey*> skip = keys_to_skip(b, chunk);
  ASSERT_EQ(skip.size(), 1u);
  EXPECT_EQ(*skip[0]->key[0], "2");
  chunk.low = at("binlog.000001", 400);
  EXPECT_EQ(keys_to_skip(b, chunk).size(), 3u);
  // A watermark also counts what the stream applied shortly before the low position was read
  // (the engine may commit a transaction after the binlog has it).
  chunk.consistency = Consistency::watermark;
  chunk.low = at("binlog.000002", 4);
  chunk.low_at_us = 5500000;
  EXPECT_EQ(keys_to_skip(b, chunk).size(), 1u);
  chunk.low_at_us = 1500000;
  EXPECT_EQ(keys_to_skip(b, chunk).size(), 3u);
  // Notes no chunk can need go; those a waiting chunk needs stay.
  prune_touched(b, 100000000);
  EXPECT_TRUE(b.touched.empty());
}

TEST(Backfill, DdlKeepsCursorsUnlessTheKeyChanged) {
  SourceTable t = table_of({{"a", "int"}, {"b", "varchar"}});
  TableBackfill b;
  start_generation(b, t, {"a"}, {0}, false);
  b.segments[0].after = {"17"};
  b.segments[0].ready.push_back(std::make_unique<Chunk>());
  uint64_t generation = b.generation;
  SourceTable added = t;
  added.columns.push_back(column_of("c", "int"));
  start_generation(b, added, {"a"}, {0}, false);  // ADD COLUMN: read on under the new shape
  EXPECT_EQ(b.generation, generation + 1);
  EXPECT_TRUE(b.segments[0].ready.empty());  // read before the DDL: never written
  EXPECT_EQ(b.segments[0].read_after, (KeyValues{"17"}));
  EXPECT_EQ(b.source.columns.size(), 3u);
  start_generation(b, added, {"a", "b"}, {0, 1}, false);  // another key: from the start again
  ASSERT_EQ(b.segments.size(), 1u);
  EXPECT_TRUE(b.segments[0].after.empty());
  EXPECT_TRUE(b.stream_wrote);  // the rows written stay, and are skipped
}

TEST(CopyColumns, ColumnsWithATargetInSourceOrder) {
  EXPECT_EQ(copied_columns({"id", "", "a", ""}), (std::vector<size_t>{0, 2}));
  EXPECT_EQ(copied_columns({"", "id"}), (std::vector<size_t>{1}));
  EXPECT_EQ(copied_columns({"id", "renamed"}), (std::vector<size_t>{0, 1}));
  EXPECT_TRUE(copied_columns({}).empty());
  EXPECT_TRUE(copied_columns({"", ""}).empty());
}

TEST(CopyColumns, SourceWithoutIgnoredColumns) {
  // `lead` was added FIRST and `extra` in the middle, both ignored; `a` is renamed by name_map.
  SourceTable source =
      table_of({{"lead", "datetime"}, {"id", "int"}, {"a", "varchar"}, {"extra", "varchar"}, {"f", "float"}});
  source.primary_key = {"id"};
  source.comment = "kept";
  SourceTable copied = copied_source(source, {"", "id", "a_target", "", "f"});
  EXPECT_EQ(names_of(copied), (std::vector<std::string>{"id", "a", "f"}));
  EXPECT_EQ(copied.schema, "shop");
  EXPECT_EQ(copied.name, "big");
  EXPECT_EQ(copied.primary_key, std::vector<std::string>{"id"});
  EXPECT_EQ(copied.comment, "kept");
  EXPECT_EQ(copy_select_sql(copied), "SELECT `id`, `a`, `f` * 1e0 FROM `shop`.`big`");
  EXPECT_EQ(copied.columns[2].data_type, "float");  // the COPY text converts each field by its own column

  // Nothing ignored: the same columns.
  EXPECT_EQ(names_of(copied_source(source, {"lead", "id", "a", "extra", "f"})), names_of(source));
}

TEST(CopyColumns, ChunkKeyCountsCopiedColumns) {
  SourceTable source = table_of({{"lead", "int"}, {"id", "bigint"}, {"v", "varchar"}});
  source.primary_key = {"id"};
  SourceTable copied = copied_source(source, {"", "id", "v"});
  KeyPaging paging = key_paging(copied, copied.primary_key);
  ASSERT_EQ(paging.columns.size(), 1u);
  EXPECT_EQ(paging.columns[0].column, 0u);  // the first field of the COPY text, not the source's second column
  ChunkRange range;
  range.after = {"41"};
  EXPECT_EQ(chunk_select_sql(copied, paging, range, 100, quote),
            "SELECT `id`, `v` FROM `shop`.`big` WHERE (`id` > 41) ORDER BY `id` LIMIT 100");
}

TEST(CopyColumns, OneTargetNamePerSourceColumn) {
  SourceTable source = table_of({{"id", "int"}, {"v", "varchar"}});
  try {
    copied_source(source, {"id"});
    FAIL() << "no error for a missing target name";
  } catch (const SyncError& e) {
    EXPECT_EQ(e.sqlstate(), "XX000");
    EXPECT_NE(std::string(e.what()).find("shop.big has 2 source columns but 1 recorded target columns"),
              std::string::npos)
        << e.what();
  }
}
