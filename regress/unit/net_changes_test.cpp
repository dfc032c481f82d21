// The net effect of a batch of changes per key (what the Citus apply deletes and inserts): every
// sequence of changes ends in the state applying them one by one gives, conflicts inside the
// batch are found, and the distribution value deleted is that of the row before the batch.
#include <gtest/gtest.h>

#include <map>

#include "task/net_changes.h"

using namespace mysql_sync;

namespace {

// Rows (id, shard_key, v): key id, distribution column shard_key.
Row row(const std::string& id, const std::string& shard, const std::string& v) {
  return Row{id, shard, v};
}

TableChange insert(const Row& after) {
  TableChange c;
  c.op = RowOp::insert;
  c.after = after;
  return c;
}

TableChange update(const Row& before, const Row& after) {
  TableChange c;
  c.op = RowOp::update;
  c.before = before;
  c.after = after;
  return c;
}

TableChange remove(const Row& before) {
  TableChange c;
  c.op = RowOp::remove;
  c.before = before;
  return c;
}

NetChanges keyed_by_id() {
  NetChanges net;
  net.reset({0}, 1);
  return net;
}

// The table after "delete the rows that existed, insert the rows that end present", from
// `table`: a row deleted must be there, with the distribution value recorded; a row inserted
// must not be.
std::map<std::string, Row> applied(std::map<std::string, Row> table, const NetChanges& net) {
  for (const NetChanges::Entry& e : net.entries()) {
    if (!e.existed) continue;
    auto it = table.find(*e.key[0]);
    EXPECT_TRUE(it != table.end()) << "delete of a missing row " << *e.key[0];
    if (it == table.end()) continue;
    EXPECT_EQ(it->second[1], e.dist_before);
    table.erase(it);
  }
  for (const NetChanges::Entry& e : net.entries())
    if (e.present) {
      EXPECT_EQ(table.count(*e.key[0]), 0u) << "insert of a key that is there";
      EXPECT_EQ(e.row[0], e.key[0]);
      table[*e.key[0]] = e.row;
    }
  return table;
}

}  // namespace

TEST(NetChanges, InsertThenUpdateIsOneInsertOfTheLastRow) {
  NetChanges net = keyed_by_id();
  EXPECT_EQ(net.add(insert(row("1", "a", "x"))), NetChanges::Conflict::none);
  EXPECT_EQ(net.add(update(row("1", "a", "x"), row("1", "a", "y"))), NetChanges::Conflict::none);
  ASSERT_EQ(net.size(), 1u);
  EXPECT_FALSE(net.entries()[0].existed);
  EXPECT_TRUE(net.entries()[0].present);
  EXPECT_EQ(*net.entries()[0].row[2], "y");
}

TEST(NetChanges, InsertThenDeleteLeavesNothingToDo) {
  NetChanges net = keyed_by_id();
  net.add(insert(row("1", "a", "x")));
  net.add(remove(row("1", "a", "x")));
  ASSERT_EQ(net.size(), 1u);
  EXPECT_FALSE(net.entries()[0].existed);
  EXPECT_FALSE(net.entries()[0].present);
}

TEST(NetChanges, UpdatesOfAnExistingRowDeleteItOnceAndInsertTheLastVersion) {
  NetChanges net = keyed_by_id();
  net.add(update(row("7", "s1", "a"), row("7", "s1", "b")));
  net.add(update(row("7", "s1", "b"), row("7", "s1", "c")));
  ASSERT_EQ(net.size(), 1u);
  const NetChanges::Entry& e = net.entries()[0];
  EXPECT_TRUE(e.existed);
  EXPECT_EQ(*e.dist_before, "s1");
  EXPECT_TRUE(e.present);
  EXPECT_EQ(*e.row[2], "c");
}

TEST(NetChanges, DeleteThenInsertOfTheSameKeyReplacesTheRow) {
  NetChanges net = keyed_by_id();
  EXPECT_EQ(net.add(remove(row("3", "s", "old"))), NetChanges::Conflict::none);
  EXPECT_EQ(net.add(insert(row("3", "t", "new"))), NetChanges::Conflict::none);
  ASSERT_EQ(net.size(), 1u);
  EXPECT_TRUE(net.entries()[0].existed);
  EXPECT_EQ(*net.entries()[0].dist_before, "s");  // the row deleted is the old one, on its shard
  EXPECT_TRUE(net.entries()[0].present);
  EXPECT_EQ(*net.entries()[0].row[1], "t");
}

TEST(NetChanges, AnUpdateOfTheKeyIsADeleteAndAnInsert) {
  NetChanges net = keyed_by_id();
  net.add(update(row("1", "a", "v"), row("2", "b", "v")));
  ASSERT_EQ(net.size(), 2u);
  EXPECT_TRUE(net.entries()[0].existed);
  EXPECT_FALSE(net.entries()[0].present);
  EXPECT_EQ(*net.entries()[0].dist_before, "a");
  EXPECT_FALSE(net.entries()[1].existed);
  EXPECT_TRUE(net.entries()[1].present);
  EXPECT_EQ(*net.entries()[1].row[0], "2");
}

TEST(NetChanges, ConflictsInsideTheBatchAreFoundAndChangeNothing) {
  NetChanges net = keyed_by_id();
  net.add(insert(row("1", "a", "x")));
  EXPECT_EQ(net.add(insert(row("1", "a", "y"))), NetChanges::Conflict::duplicate_key);
  net.add(remove(row("2", "a", "x")));
  EXPECT_EQ(net.add(remove(row("2", "a", "x"))), NetChanges::Conflict::row_missing);
  EXPECT_EQ(net.add(update(row("2", "a", "x"), row("2", "a", "z"))), NetChanges::Conflict::row_missing);
  // A key moved onto a key the batch left present.
  EXPECT_EQ(net.add(update(row("5", "a", "x"), row("1", "a", "x"))), NetChanges::Conflict::duplicate_key);
  ASSERT_EQ(net.size(), 2u);
  EXPECT_EQ(*net.entries()[0].row[2], "x");
  EXPECT_FALSE(net.entries()[1].present);
}

TEST(NetChanges, NullAndEmptyKeysDiffer) {
  NetChanges net;
  net.reset({0, 1}, 0);
  net.add(insert(Row{std::string("a"), std::nullopt, std::string("1")}));
  EXPECT_EQ(net.add(insert(Row{std::string("a"), std::string(""), std::string("2")})),
            NetChanges::Conflict::none);
  // "ab" + "" and "a" + "b" are different keys.
  net.add(insert(Row{std::string("ab"), std::string(""), std::string("3")}));
  EXPECT_EQ(net.add(insert(Row{std::string("a"), std::string("b"), std::string("4")})),
            NetChanges::Conflict::none);
  EXPECT_EQ(net.size(), 4u);
}

// Random sequences of valid changes over a few keys: the net effect applied to the table gives
// the table the changes give one by one, and the batch's state after a clear() starts afresh.
TEST(NetChanges, AnySequenceEndsAsAppliedOneByOne) {
  unsigned seed = 12345;
  auto next = [&seed](unsigned n) {
    seed = seed * 1103515245u + 12345u;
    return (seed >> 16) % n;
  };
  for (int round = 0; round < 300; round++) {
    std::map<std::string, Row> table;
    for (int k = 0; k < 4; k++)
      if (next(2))
        table["k" + std::to_string(k)] = row("k" + std::to_string(k), "s" + std::to_string(next(3)), "0");
    std::map<std::string, Row> expected = table;
    NetChanges net = keyed_by_id();
    for (int step = 0; step < 12; step++) {
      std::string key = "k" + std::to_string(next(5));
      std::string v = std::to_string(step);
      std::string shard = "s" + std::to_string(next(3));
      auto it = expected.find(key);
      TableChange change;
      if (it == expected.end()) {
        change = insert(row(key, shard, v));
        expected[key] = change.after;
      } else if (next(3) == 0) {
        change = remove(it->second);
        expected.erase(it);
      } else {
        std::string moved = "k" + std::to_string(next(6));
        if (moved != key && expected.count(moved)) moved = key;
        change = update(it->second, row(moved, shard, v));
        expected.erase(it);
        expected[moved] = change.after;
      }
      ASSERT_EQ(net.add(change), NetChanges::Conflict::none) << "round " << round << " step " << step;
    }
    EXPECT_EQ(applied(table, net), expected) << "round " << round;
  }
}
