// Names PostgreSQL cannot hold (more than 63 bytes): found before anything is created, with the
// name_map entries that fix them; made-up index and constraint names shortened deterministically.
#include <gtest/gtest.h>

#include "common/errors.h"
#include "ddl/dialect.h"
#include "ddl/target_names.h"

namespace mysql_sync {
namespace {

std::string repeat(const std::string& s, size_t n) {
  std::string out;
  for (size_t i = 0; i < n; i++) out += s;
  return out;
}

bool any_contains(const std::vector<std::string>& items, const std::string& part) {
  for (const std::string& i : items)
    if (i.find(part) != std::string::npos) return true;
  return false;
}

PlannedTable planned(const std::string& table, std::vector<std::string> columns = {"id"}) {
  PlannedTable t;
  t.source_schema = t.schema = "shop";
  t.source_name = t.name = table;
  t.source_columns = t.columns = std::move(columns);
  return t;
}

TEST(TargetNames, ShorteningIsDeterministicAndFits) {
  const std::string ok = repeat("a", 63);
  EXPECT_EQ(shortened_identifier(ok), ok);
  EXPECT_EQ(pg_truncated(ok), ok);
  const std::string long_a = repeat("a", 64), long_b = repeat("a", 63) + "b";
  EXPECT_EQ(pg_truncated(long_a), ok);
  EXPECT_EQ(pg_truncated(long_b), ok);  // what PostgreSQL would make of both: one name
  std::string short_a = shortened_identifier(long_a), short_b = shortened_identifier(long_b);
  EXPECT_EQ(short_a.size(), 63u);
  EXPECT_NE(short_a, short_b);
  EXPECT_EQ(short_a, shortened_identifier(long_a));
  EXPECT_EQ(short_a.substr(0, 55), repeat("a", 54) + "_");
  // 64 characters of 3 bytes: cut on a character boundary, never inside one.
  const std::string han = repeat("\xe8\xa1\xa8", 64);  // 表
  EXPECT_EQ(pg_truncated(han).size(), 63u);
  std::string short_han = shortened_identifier(han);
  EXPECT_LE(short_han.size(), 63u);
  EXPECT_EQ(short_han.substr(0, 54), repeat("\xe8\xa1\xa8", 18));
  EXPECT_EQ(name_size(han), "192 bytes, 64 characters");
}

TEST(TargetNames, LongInCharactersAndInBytes) {
  std::vector<PlannedTable> tables = {planned(repeat("t", 64)),  // 64 characters, 64 bytes
                                      planned("orders", {"id", repeat("\xc3\xa9", 32)})};  // 32 é = 64 bytes
  NameFindings f = check_target_names(tables);
  EXPECT_TRUE(f.failed());
  ASSERT_EQ(f.too_long.size(), 2u);
  EXPECT_TRUE(any_contains(f.too_long, "table shop." + repeat("t", 64) + " (64 bytes, 64 characters)"));
  EXPECT_TRUE(any_contains(f.too_long,
                           "column shop.orders." + repeat("\xc3\xa9", 32) + " (64 bytes, 32 characters)"));
  ASSERT_EQ(f.name_map.size(), 2u);
  EXPECT_EQ(f.name_map[0],
            "\"shop." + repeat("t", 64) + "\": \"shop." + shortened_identifier(repeat("t", 64)) + "\"");
  EXPECT_EQ(f.name_map[1], "\"shop.orders." + repeat("\xc3\xa9", 32) + "\": \"" +
                               shortened_identifier(repeat("\xc3\xa9", 32)) + "\"");
  EXPECT_NE(f.hint().find("name_map => '{\"shop."), std::string::npos) << f.hint();
  // 31 two-byte characters fit (62 bytes), and so does a 63-byte ASCII name.
  EXPECT_FALSE(check_target_names({planned(repeat("t", 63), {repeat("\xc3\xa9", 31)})}).failed());
}

TEST(TargetNames, NamesThatCollideOnceCut) {
  NameFindings f = check_target_names({planned(repeat("x", 63) + "_2020"), planned(repeat("x", 63) + "_2021"),
                                       planned("fine", {repeat("c", 63) + "1", repeat("c", 63) + "2"})});
  EXPECT_TRUE(f.failed());
  ASSERT_EQ(f.collisions.size(), 2u);
  EXPECT_TRUE(any_contains(f.collisions, "table shop." + repeat("x", 63) + "_2020, table shop." +
                                             repeat("x", 63) + "_2021 would all be \"" + repeat("x", 63) +
                                             "\" in schema shop"));
  EXPECT_TRUE(any_contains(f.collisions, "would all be \"" + repeat("c", 63) + "\" in table shop.fine"));
  EXPECT_EQ(f.name_map.size(), 4u);  // each gets a name of its own
  // A deliberate many-to-one target is no collision.
  PlannedTable a = planned("a"), b = planned("b");
  b.name = "a";
  EXPECT_FALSE(check_target_names({a, b}).failed());
}

TEST(TargetNames, SchemasAndMappedNames) {
  PlannedTable t = planned("t");
  t.schema = repeat("s", 70);
  NameFindings f = check_target_names({t});
  ASSERT_EQ(f.too_long.size(), 1u);
  EXPECT_EQ(f.name_map[0], "\"shop\": \"" + shortened_identifier(repeat("s", 70)) + "\"");
  t.table_mapped = true;  // name_map {"shop.t": "<long>.t"}: that entry is the one to change
  f = check_target_names({t});
  EXPECT_EQ(f.name_map[0], "\"shop.t\": \"" + shortened_identifier(repeat("s", 70)) + ".t\"");
  // Quotes in names survive JSON and the SQL literal of the hint.
  PlannedTable q = planned(repeat("o'\"", 22));
  f = check_target_names({q});
  ASSERT_EQ(f.name_map.size(), 1u);
  EXPECT_NE(f.name_map[0].find("o''\\\"o''"), std::string::npos) << f.name_map[0];
}

TEST(TargetNames, MadeUpIndexAndConstraintNamesAreShortened) {
  PlannedTable t = planned(repeat("t", 60), {"id", "state"});
  t.indexes = {"idx_customer", "idx_created"};
  t.checked_columns = {"state"};
  NameFindings f = check_target_names({t});
  EXPECT_FALSE(f.failed());
  ASSERT_EQ(f.shortened.size(), 4u);
  EXPECT_TRUE(any_contains(f.shortened, "index idx_customer of shop." + repeat("t", 60) + " -> " +
                                            object_name(repeat("t", 60), "idx_customer")));
  // object_name gives what the schema sync and the DDL replay both use: distinct, 63 bytes.
  EXPECT_NE(object_name(t.name, "idx_customer"), object_name(t.name, "idx_created"));
  EXPECT_EQ(object_name(t.name, "idx_created").size(), 63u);
  EXPECT_EQ(object_name("orders", "idx"), "orders_idx");
}

TEST(TargetNames, NamesArrivingByDdl) {
  EXPECT_NO_THROW(require_fitting_name("column shop.t.c", "c", "shop.t.c", "c"));
  try {
    require_fitting_name("column shop.t." + repeat("c", 64), repeat("c", 64), "shop.t." + repeat("c", 64),
                         shortened_identifier(repeat("c", 64)));
    FAIL();
  } catch (const SyncError& e) {
    EXPECT_EQ(e.sqlstate(), "42622");
    EXPECT_NE(std::string(e.what()).find("64 bytes, 64 characters"), std::string::npos) << e.what();
    EXPECT_NE(e.hint().find("name_map => '{\"shop.t." + repeat("c", 64) + "\": \""), std::string::npos)
        << e.hint();
  }
}

}  // namespace
}  // namespace mysql_sync
