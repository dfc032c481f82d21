#include <gtest/gtest.h>

#include "common/errors.h"
#include "task/copy_text.h"
#include "ddl/name_map.h"

namespace mysql_sync {
namespace {

TEST(NameMap, DefaultsKeepNamesExactly) {
  NameMap names;
  EXPECT_EQ(names.schema_of("Shop"), "Shop");
  EXPECT_EQ(names.table_of("Shop", "Orders"), std::make_pair(std::string("Shop"), std::string("Orders")));
  EXPECT_EQ(names.column_of("Shop", "Orders", "Amt"), "Amt");
}

TEST(NameMap, DatabaseTableAndColumnRenames) {
  NameMap names;
  names.add("shop", "shop_pg");
  names.add("shop.orders", "sales.orders");
  names.add("shop.orders.amt", "amount");
  EXPECT_EQ(names.table_of("shop", "orders"), std::make_pair(std::string("sales"), std::string("orders")));
  EXPECT_EQ(names.table_of("shop", "items"), std::make_pair(std::string("shop_pg"), std::string("items")));
  EXPECT_EQ(names.column_of("shop", "orders", "amt"), "amount");
  EXPECT_EQ(names.column_of("shop", "items", "amt"), "amt");
}

TEST(NameMap, BadEntriesAreErrors) {
  NameMap names;
  EXPECT_THROW(names.add("a.b.c.d", "x"), SyncError);
  EXPECT_THROW(names.add("shop.orders", "orders"), SyncError);
  EXPECT_THROW(names.add("shop..orders", "a.b"), SyncError);
  EXPECT_THROW(names.add("shop", ""), SyncError);
  try {
    names.add("a.b.c.d", "x");
  } catch (const SyncError& e) {
    EXPECT_EQ(e.sqlstate(), "22023");
    EXPECT_FALSE(e.hint().empty());
  }
}

TEST(CopyField, EscapesCopyTextSpecials) {
  std::string line;
  append_copy_field(line, std::string("a\tb\nc\\d\re"));
  EXPECT_EQ(line, "a\\tb\\nc\\\\d\\re");
  line.clear();
  append_copy_field(line, std::nullopt);
  EXPECT_EQ(line, "\\N");
  line.clear();
  append_copy_field(line, std::string("\\N"));
  EXPECT_EQ(line, "\\\\N");  // the text \N is not NULL
}

}  // namespace
}  // namespace mysql_sync
