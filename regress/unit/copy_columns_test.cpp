// The columns a copy reads and writes: a column whose ADD COLUMN was ignored ("" target) is left
// out of the SELECT, and the key column of a ranged copy is counted among the copied columns.
#include <gtest/gtest.h>

#include "binlog/errors.h"
#include "bgworker/copy_columns.h"
#include "bgworker/copy_ranges.h"

using namespace mysql_sync;

namespace {

SourceTable table_of(const std::vector<std::pair<std::string, std::string>>& columns) {
  SourceTable table;
  table.schema = "shop";
  table.name = "t";
  table.primary_key = {"id"};
  table.comment = "kept";
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

}  // namespace

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
  SourceTable copied = copied_source(source, {"", "id", "a_target", "", "f"});
  EXPECT_EQ(names_of(copied), (std::vector<std::string>{"id", "a", "f"}));
  EXPECT_EQ(copied.schema, "shop");
  EXPECT_EQ(copied.name, "t");
  EXPECT_EQ(copied.primary_key, std::vector<std::string>{"id"});
  EXPECT_EQ(copied.comment, "kept");
  EXPECT_EQ(copy_select_sql(copied), "SELECT `id`, `a`, `f` * 1e0 FROM `shop`.`t`");
  EXPECT_EQ(copied.columns[2].data_type, "float");  // the COPY text converts each field by its own column

  // Nothing ignored: the same columns.
  EXPECT_EQ(names_of(copied_source(source, {"lead", "id", "a", "extra", "f"})), names_of(source));
}

TEST(CopyColumns, RangedCopyKeyCountsCopiedColumns) {
  SourceTable source = table_of({{"lead", "int"}, {"id", "bigint"}, {"v", "varchar"}});
  SourceTable copied = copied_source(source, {"", "id", "v"});
  int key = range_key_column(copied, copied.primary_key);
  EXPECT_EQ(key, 0);  // the first field of the COPY text, not the source's second column
  EXPECT_EQ(copy_range_sql(copied, key, "41", 100),
            "SELECT `id`, `v` FROM `shop`.`t` WHERE `id` > 41 ORDER BY `id` LIMIT 100");
}

TEST(CopyColumns, OneTargetNamePerSourceColumn) {
  SourceTable source = table_of({{"id", "int"}, {"v", "varchar"}});
  try {
    copied_source(source, {"id"});
    FAIL() << "no error for a missing target name";
  } catch (const SyncError& e) {
    EXPECT_EQ(e.sqlstate(), "XX000");
    EXPECT_NE(std::string(e.what()).find("shop.t has 2 source columns but 1 recorded target columns"),
              std::string::npos)
        << e.what();
  }
}
