// Key ranges of the initial copy: range planning SQL and which snapshot each key's copy is from;
// and the columns a copy reads and writes: a column whose ADD COLUMN was ignored ("" target) is
// left out of the SELECT, and the key column of a ranged copy is counted among the copied columns.
#include <gtest/gtest.h>

#include "common/errors.h"
#include "task/copy_columns.h"
#include "task/copy_ranges.h"

using namespace mysql_sync;

namespace {

SourceTable table_of(const std::vector<std::pair<std::string, std::string>>& columns) {
  SourceTable table;
  table.schema = "shop";
  table.name = "big";
  for (const auto& [name, type] : columns) {
    SourceColumn column;
    column.name = name;
    column.data_type = type;
    table.columns.push_back(column);
  }
  return table;
}

std::vector<std::string> names_of(const SourceTable& table) {
  std::vector<std::string> out;
  for (const SourceColumn& column : table.columns) out.push_back(column.name);
  return out;
}

BinlogPosition at(const std::string& file, uint64_t pos) {
  BinlogPosition p;
  p.file = file;
  p.pos = pos;
  return p;
}

}  // namespace

TEST(CopyRanges, RangeKeyIsOneIntegerColumn) {
  SourceTable t = table_of({{"id", "bigint"}, {"name", "varchar"}, {"n", "int"}});
  EXPECT_EQ(range_key_column(t, {"id"}), 0);
  EXPECT_EQ(range_key_column(t, {"n"}), 2);
  EXPECT_EQ(range_key_column(t, {"name"}), -1);     // text keys sort by collation
  EXPECT_EQ(range_key_column(t, {"id", "n"}), -1);  // composite
  EXPECT_EQ(range_key_column(t, {"missing"}), -1);
  EXPECT_EQ(range_key_column(t, {}), -1);
}

TEST(CopyRanges, IntegerTextOrder) {
  EXPECT_TRUE(is_integer_text("0"));
  EXPECT_TRUE(is_integer_text("-12"));
  EXPECT_TRUE(is_integer_text("18446744073709551615"));
  EXPECT_FALSE(is_integer_text(""));
  EXPECT_FALSE(is_integer_text("-"));
  EXPECT_FALSE(is_integer_text("1.5"));
  EXPECT_FALSE(is_integer_text("1; DROP TABLE x"));
  EXPECT_EQ(compare_integer_text("9", "10"), -1);
  EXPECT_EQ(compare_integer_text("10", "9"), 1);
  EXPECT_EQ(compare_integer_text("-10", "-9"), -1);
  EXPECT_EQ(compare_integer_text("-1", "0"), -1);
  EXPECT_EQ(compare_integer_text("-0", "0"), 0);
  EXPECT_EQ(compare_integer_text("007", "7"), 0);
  EXPECT_EQ(compare_integer_text("18446744073709551615", "9223372036854775807"), 1);
}

TEST(CopyRanges, RangeSql) {
  SourceTable t = table_of({{"id", "int"}, {"f", "float"}});
  EXPECT_EQ(copy_range_sql(t, 0, "", 1000),
            "SELECT `id`, `f` * 1e0 FROM `shop`.`big` ORDER BY `id` LIMIT 1000");
  EXPECT_EQ(copy_range_sql(t, 0, "-5", 10),
            "SELECT `id`, `f` * 1e0 FROM `shop`.`big` WHERE `id` > -5 ORDER BY `id` LIMIT 10");
  EXPECT_THROW(copy_range_sql(t, 0, "5 OR 1", 10), std::invalid_argument);
  EXPECT_THROW(copy_range_sql(t, -1, "", 10), std::invalid_argument);
}

TEST(CopyRegions, OneRunCollapsesToOnePosition) {
  CopyRegions r;
  BinlogPosition s1 = at("binlog.000001", 500);
  r.extend("100", s1);
  r.extend("200", s1);
  ASSERT_EQ(r.regions.size(), 1u);
  EXPECT_EQ(r.last_key(), "200");
  r.finish(s1);
  EXPECT_TRUE(r.regions.empty());  // all of it as of s1
  EXPECT_EQ(r.rest.pos, 500u);
  EXPECT_EQ(r.position_of("5").pos, 500u);
  EXPECT_EQ(r.regions_json(), "[]");
}

TEST(CopyRegions, ResumedKeepsEachPartsPosition) {
  CopyRegions r;
  BinlogPosition s1 = at("binlog.000001", 500), s2 = at("binlog.000002", 40), s3 = at("binlog.000002", 900);
  r.extend("100", s1);  // run 1: keys <= 100 from s1, then killed
  r.extend("250", s2);  // run 2: keys 101..250 from s2, killed
  r.extend("300", s3);  // run 3: the rest from s3
  r.finish(s3);
  ASSERT_EQ(r.regions.size(), 2u);
  EXPECT_EQ(r.position_of("-7").pos, 500u);
  EXPECT_EQ(r.position_of("100").pos, 500u);
  EXPECT_EQ(r.position_of("101").file, "binlog.000002");
  EXPECT_EQ(r.position_of("101").pos, 40u);
  EXPECT_EQ(r.position_of("251").pos, 900u);
  EXPECT_EQ(r.position_of("99999999999999999999").pos, 900u);
  EXPECT_EQ(r.oldest().pos, 500u);
  EXPECT_EQ(r.regions_json(),
            "[{\"upto\": \"100\", \"file\": \"binlog.000001\", \"pos\": 500}, "
            "{\"upto\": \"250\", \"file\": \"binlog.000002\", \"pos\": 40}]");
  // The catch-up applied everything up to s2: the first two parts merge.
  r.advance_to(s2);
  ASSERT_EQ(r.regions.size(), 1u);
  EXPECT_EQ(r.regions[0].upto, "250");
  EXPECT_EQ(r.oldest().pos, 40u);
  r.advance_to(s3);
  EXPECT_TRUE(r.regions.empty());
  EXPECT_EQ(r.oldest().pos, 900u);
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

TEST(CopyColumns, RangedCopyKeyCountsCopiedColumns) {
  SourceTable source = table_of({{"lead", "int"}, {"id", "bigint"}, {"v", "varchar"}});
  source.primary_key = {"id"};
  SourceTable copied = copied_source(source, {"", "id", "v"});
  int key = range_key_column(copied, copied.primary_key);
  EXPECT_EQ(key, 0);  // the first field of the COPY text, not the source's second column
  EXPECT_EQ(copy_range_sql(copied, key, "41", 100),
            "SELECT `id`, `v` FROM `shop`.`big` WHERE `id` > 41 ORDER BY `id` LIMIT 100");
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
