// The DDL planner: what a parsed source statement does to the task's tables and the target
// statements it yields, per policy; online schema change cut-overs; schema drift checks; and the
// schema history's JSON form of a table definition.
#include <gtest/gtest.h>

#include "ddl/ddl_parser.h"
#include "common/errors.h"
#include "source/source_table_json.h"
#include "ddl/ddl_plan.h"

namespace mysql_sync {
namespace {

SourceColumn column(const std::string& name, const std::string& data_type, const std::string& column_type,
                    bool nullable = true) {
  SourceColumn c;
  c.name = name;
  c.data_type = data_type;
  c.column_type = column_type;
  c.nullable = nullable;
  if (data_type == "varchar") {
    c.char_max_length = std::stoll(column_type.substr(8));
    c.character_set = "utf8mb4";
    c.collation_id = 45;
  }
  return c;
}

TrackedTable orders() {
  TrackedTable t;
  t.model.schema = "shop";
  t.model.name = "orders";
  t.model.default_charset = "utf8mb4";
  t.model.columns = {column("id", "int", "int(11)", false), column("amt", "int", "int(11)"),
                     column("note", "varchar", "varchar(20)")};
  t.model.primary_key = {"id"};
  t.target_schema = "shop";
  t.target_name = "orders";
  t.target_columns = {"id", "amount", "note"};  // name_map: shop.orders.amt -> amount
  return t;
}

struct Planner {
  ObjectPatterns patterns{{"shop.*"}};
  NameMap names;
  DdlPolicies policies;
  std::map<std::string, std::vector<std::string>> table_keys;
  GhostTables ghosts;
  std::vector<TrackedTable> tables{orders()};
  bool approved = false;

  Planner() {
    names.add("shop.orders.amt", "amount");
    names.add("shop.moved", "archive.moved_orders");
  }

  std::optional<DdlPlan> plan(const std::string& sql, const std::string& db = "shop") {
    DdlContext context;
    context.patterns = &patterns;
    context.names = &names;
    context.policies = &policies;
    context.table_keys = &table_keys;
    context.approved = approved;
    std::vector<DdlStatement> statements = parse_statements(sql, db);
    EXPECT_EQ(statements.size(), 1u) << sql;
    std::optional<DdlPlan> result = plan_statement(tables, statements.at(0), context, ghosts);
    if (result && (result->decision == DdlPolicy::apply || result->decision == DdlPolicy::ignore))
      for (const DdlEffect& e : result->effects) {
        if (e.kind == DdlEffect::Kind::enter) continue;  // the reader does the same
        if (e.table < tables.size())
          tables[e.table] = e.after;
        else
          tables.push_back(e.after);
      }
    return result;
  }
};

std::string joined(const std::vector<std::string>& v) {
  std::string out;
  for (size_t i = 0; i < v.size(); i++) out += (i ? " | " : "") + v[i];
  return out;
}

TEST(DdlPlan, AddColumnAfterAppendsOnTheTargetAndMapsByName) {
  Planner p;
  auto plan = p.plan("ALTER TABLE orders ADD COLUMN qty int NOT NULL AFTER id");
  ASSERT_TRUE(plan);
  EXPECT_EQ(plan->decision, DdlPolicy::apply);
  EXPECT_EQ(plan->kind, "add_column");
  ASSERT_EQ(plan->effects.size(), 1u);
  EXPECT_EQ(joined(plan->effects[0].sql),
            "ALTER TABLE \"shop\".\"orders\" ADD COLUMN IF NOT EXISTS \"qty\" integer NOT NULL DEFAULT 0 | "
            "ALTER TABLE \"shop\".\"orders\" ALTER COLUMN \"qty\" DROP DEFAULT");
  EXPECT_EQ(joined(p.tables[0].target_columns), "id | qty | amount | note");
  EXPECT_EQ(p.tables[0].model.columns[1].name, "qty");
}

TEST(DdlPlan, IgnoredAddColumnIsNotReplicated) {
  Planner p;
  p.policies.set("add_column", "ignore");
  auto plan = p.plan("ALTER TABLE shop.orders ADD COLUMN secret text FIRST");
  ASSERT_TRUE(plan);
  EXPECT_EQ(plan->decision, DdlPolicy::ignore);
  EXPECT_TRUE(plan->effects[0].sql.empty());
  EXPECT_EQ(joined(p.tables[0].target_columns), " | id | amount | note");
}

TEST(DdlPlan, RenameAndWidenKeepNameMapTargets) {
  Planner p;
  auto plan = p.plan("ALTER TABLE orders MODIFY amt bigint, CHANGE note remark varchar(40)");
  ASSERT_TRUE(plan);
  EXPECT_EQ(plan->decision, DdlPolicy::apply);
  EXPECT_EQ(joined(plan->effects[0].sql),
            "ALTER TABLE \"shop\".\"orders\" ALTER COLUMN \"amount\" TYPE bigint USING \"amount\"::bigint | "
            "ALTER TABLE \"shop\".\"orders\" RENAME COLUMN \"note\" TO \"remark\" | "
            "ALTER TABLE \"shop\".\"orders\" ALTER COLUMN \"remark\" TYPE varchar(40) USING "
            "\"remark\"::varchar(40)");
  EXPECT_EQ(joined(p.tables[0].target_columns), "id | amount | remark");
}

TEST(DdlPlan, NarrowingFailsByDefaultAndAppliesWhenAllowed) {
  Planner p;
  auto plan = p.plan("ALTER TABLE orders MODIFY note varchar(5)");
  ASSERT_TRUE(plan);
  EXPECT_EQ(plan->decision, DdlPolicy::fail);
  EXPECT_EQ(plan->kind, "narrow_column");
  p.policies.set("narrow_column", "apply");
  plan = p.plan("ALTER TABLE orders MODIFY note varchar(5)");
  EXPECT_EQ(plan->decision, DdlPolicy::apply);
  EXPECT_EQ(plan->effects[0].sql.size(), 1u);
}

TEST(DdlPlan, TemporalPrecisionWidensWithinItsKindOnly) {
  Planner p;
  ASSERT_TRUE(p.plan("ALTER TABLE orders ADD COLUMN at datetime(3)"));
  auto plan = p.plan("ALTER TABLE orders MODIFY at datetime(6)");
  ASSERT_TRUE(plan);
  EXPECT_EQ(plan->kind, "modify_column");
  EXPECT_EQ(plan->decision, DdlPolicy::apply);
  plan = p.plan("ALTER TABLE orders MODIFY at datetime(2)");
  EXPECT_EQ(plan->kind, "narrow_column");
  plan = p.plan("ALTER TABLE orders MODIFY at timestamp(6) NULL");
  EXPECT_EQ(plan->kind, "narrow_column");  // without -> with time zone: values change meaning
}

TEST(DdlPlan, DropColumnDefaultsIndexes) {
  Planner p;
  auto plan = p.plan("ALTER TABLE orders DROP COLUMN note, ALTER amt SET DEFAULT 3, ADD INDEX i_amt (amt)");
  ASSERT_TRUE(plan);
  EXPECT_EQ(joined(plan->effects[0].sql),
            "ALTER TABLE \"shop\".\"orders\" DROP COLUMN IF EXISTS \"note\" | "
            "ALTER TABLE \"shop\".\"orders\" ALTER COLUMN \"amount\" SET DEFAULT '3'::integer | "
            "CREATE INDEX IF NOT EXISTS \"orders_i_amt\" ON \"shop\".\"orders\" (\"amount\")");
  plan = p.plan("DROP INDEX i_amt ON orders");
  ASSERT_TRUE(plan);
  EXPECT_EQ(joined(plan->effects[0].sql), "DROP INDEX IF EXISTS \"shop\".\"orders_i_amt\"");
}

TEST(DdlPlan, RenameTableWithinAndOutOfTheObjects) {
  Planner p;
  auto plan = p.plan("RENAME TABLE shop.orders TO shop.moved");
  ASSERT_TRUE(plan);
  EXPECT_EQ(plan->kind, "rename_table");
  EXPECT_EQ(
      joined(plan->effects[0].sql),
      "CREATE SCHEMA IF NOT EXISTS \"archive\" | ALTER TABLE \"shop\".\"orders\" SET SCHEMA \"archive\" | "
      "ALTER TABLE \"archive\".\"orders\" RENAME TO \"moved_orders\"");
  EXPECT_EQ(p.tables[0].model.name, "moved");
  plan = p.plan("ALTER TABLE shop.moved RENAME TO other.gone");
  ASSERT_TRUE(plan);
  EXPECT_EQ(plan->effects.back().kind, DdlEffect::Kind::leave);
  EXPECT_FALSE(p.tables[0].active);
  EXPECT_FALSE(p.plan("ALTER TABLE other.gone ADD COLUMN x int"));
}

TEST(DdlPlan, DropTablePausesUntilApproved) {
  Planner p;
  auto plan = p.plan("DROP TABLE IF EXISTS orders");
  ASSERT_TRUE(plan);
  EXPECT_EQ(plan->decision, DdlPolicy::pause);
  EXPECT_TRUE(plan->effects[0].sql.empty());
  p.approved = true;
  plan = p.plan("DROP TABLE IF EXISTS orders");
  EXPECT_EQ(plan->decision, DdlPolicy::apply);
  EXPECT_EQ(joined(plan->effects[0].sql), "DROP TABLE IF EXISTS \"shop\".\"orders\"");
}

TEST(DdlPlan, WithoutAlterEveryDdlPauses) {
  Planner p;
  p.policies.alter_enabled = false;
  EXPECT_EQ(p.plan("ALTER TABLE orders ADD COLUMN x int")->decision, DdlPolicy::pause);
  EXPECT_EQ(p.plan("TRUNCATE orders")->decision, DdlPolicy::pause);
}

TEST(DdlPlan, CreateTableMatchingTheObjects) {
  Planner p;
  EXPECT_FALSE(p.plan("CREATE TABLE other.x (id int PRIMARY KEY)"));
  auto plan = p.plan("CREATE TABLE shop.nokey (v int)");
  ASSERT_TRUE(plan);
  EXPECT_EQ(plan->decision, DdlPolicy::fail);
  EXPECT_EQ(plan->error_sqlstate, "42P16");
  plan = p.plan("CREATE TABLE shop.items (id bigint unsigned PRIMARY KEY, name varchar(10))");
  ASSERT_TRUE(plan);
  EXPECT_EQ(plan->decision, DdlPolicy::apply);
  EXPECT_EQ(plan->effects[0].kind, DdlEffect::Kind::create);
  EXPECT_EQ(plan->effects[0].table, 1u);
  ASSERT_EQ(p.tables.size(), 2u);
  EXPECT_EQ(joined(p.tables[1].target_columns), "id | name");
  plan = p.plan("CREATE TABLE shop.items2 LIKE shop.items");
  ASSERT_TRUE(plan);
  EXPECT_EQ(p.tables.size(), 3u);
  EXPECT_EQ(p.tables[2].model.name, "items2");
  plan = p.plan("CREATE TABLE shop.copy LIKE other.unknown");
  EXPECT_EQ(plan->decision, DdlPolicy::apply);
  ASSERT_EQ(plan->effects.size(), 1u);
  EXPECT_EQ(plan->effects[0].kind, DdlEffect::Kind::enter);
  EXPECT_EQ(plan->effects[0].after.model.name, "copy");
}

TEST(DdlPlan, TablesEnteringWithRowsAreBackfilled) {
  Planner p;
  auto plan = p.plan("RENAME TABLE other.old_orders TO shop.old_orders");
  ASSERT_TRUE(plan);
  EXPECT_EQ(plan->kind, "rename_table");
  ASSERT_EQ(plan->effects.size(), 1u);
  EXPECT_EQ(plan->effects[0].kind, DdlEffect::Kind::enter);
  EXPECT_EQ(p.tables.size(), 1u);  // joins through the backfill, not the planner
  plan = p.plan("CREATE TABLE shop.summary SELECT 1 AS id");
  ASSERT_TRUE(plan);
  EXPECT_EQ(plan->effects[0].kind, DdlEffect::Kind::enter);
  EXPECT_FALSE(p.plan("RENAME TABLE other.a TO other.b"));
}

TEST(DdlPlan, CreateOrReplaceDropsThenCreates) {
  Planner p;
  p.policies.set("drop_table", "apply");
  auto plan = p.plan("CREATE OR REPLACE TABLE shop.orders (id int PRIMARY KEY, v text)");
  ASSERT_TRUE(plan);
  EXPECT_EQ(plan->decision, DdlPolicy::apply);
  ASSERT_EQ(plan->effects.size(), 2u);
  EXPECT_EQ(plan->effects[0].kind, DdlEffect::Kind::drop);
  EXPECT_EQ(joined(plan->effects[0].sql), "DROP TABLE IF EXISTS \"shop\".\"orders\"");
  EXPECT_EQ(plan->effects[1].kind, DdlEffect::Kind::create);
  ASSERT_EQ(p.tables.size(), 2u);
  EXPECT_FALSE(p.tables[0].active);
  EXPECT_EQ(joined(p.tables[1].target_columns), "id | v");
}

TEST(DdlPlan, GhostTableCutOverReplaysTheAlter) {
  Planner p;
  EXPECT_FALSE(p.plan("CREATE TABLE shop._orders_gho LIKE shop.orders"));
  EXPECT_FALSE(p.plan("ALTER TABLE shop._orders_gho ADD COLUMN qty int DEFAULT 1"));
  auto plan = p.plan("RENAME TABLE shop.orders TO shop._orders_del, shop._orders_gho TO shop.orders");
  ASSERT_TRUE(plan);
  EXPECT_EQ(plan->decision, DdlPolicy::apply);
  EXPECT_EQ(joined(plan->effects.back().sql),
            "ALTER TABLE \"shop\".\"orders\" ADD COLUMN IF NOT EXISTS \"qty\" integer DEFAULT '1'::integer");
  EXPECT_TRUE(p.tables[0].active);
  EXPECT_EQ(p.tables[0].model.name, "orders");
  EXPECT_EQ(p.tables[0].model.columns.size(), 4u);
  EXPECT_FALSE(p.plan("DROP TABLE shop._orders_del"));
}

TEST(DdlPlan, StatementsOnSyncedTablesThatCannotBeReplayed) {
  Planner p;
  auto plan = p.plan("UPDATE shop.orders SET amt = 1");
  ASSERT_TRUE(plan);
  EXPECT_EQ(plan->decision, DdlPolicy::fail);
  EXPECT_EQ(plan->error_sqlstate, "0A000");
  EXPECT_FALSE(p.plan("UPDATE other.t SET a = 1"));
  EXPECT_FALSE(p.plan("GRANT SELECT ON shop.* TO x"));
  plan = p.plan("ALTER TABLE orders DROP COLUMN nosuch");
  ASSERT_TRUE(plan);
  EXPECT_EQ(plan->decision, DdlPolicy::fail);
}

// Partition maintenance and tablespace imports change rows without row events: the table is copied
// again (repair), by default; pause, fail and ignore when asked. Row-preserving ones are no-ops.
TEST(DdlPlan, RowsChangedWithoutRowEventsRepairTheTable) {
  Planner p;
  auto plan = p.plan("ALTER TABLE orders TRUNCATE PARTITION p0");
  ASSERT_TRUE(plan);
  EXPECT_EQ(plan->kind, "unlogged_rows");
  EXPECT_EQ(plan->decision, DdlPolicy::apply);
  ASSERT_EQ(plan->effects.size(), 1u);  // no ALTER of the target, no new schema version
  EXPECT_EQ(plan->effects[0].kind, DdlEffect::Kind::repair);
  EXPECT_EQ(plan->effects[0].table, 0u);
  EXPECT_TRUE(plan->effects[0].sql.empty());
  EXPECT_NE(plan->summary.find("TRUNCATE PARTITION on shop.orders"), std::string::npos) << plan->summary;
  for (const char* sql : {"ALTER TABLE orders DROP PARTITION p1", "ALTER TABLE orders COALESCE PARTITION 2",
                          "ALTER TABLE orders REORGANIZE PARTITION p1 INTO (PARTITION p1 VALUES IN (1))",
                          "ALTER TABLE orders IMPORT TABLESPACE"}) {
    plan = p.plan(sql);
    ASSERT_TRUE(plan) << sql;
    ASSERT_EQ(plan->effects.size(), 1u) << sql;
    EXPECT_EQ(plan->effects[0].kind, DdlEffect::Kind::repair) << sql;
  }
  plan = p.plan("ALTER TABLE orders DISCARD TABLESPACE");
  ASSERT_TRUE(plan);
  EXPECT_EQ(plan->effects.at(0).kind, DdlEffect::Kind::discard);  // nothing to copy until the import
  for (const char* sql :
       {"ALTER TABLE orders ADD PARTITION (PARTITION p9 VALUES LESS THAN (9))",
        "ALTER TABLE orders REMOVE PARTITIONING", "ALTER TABLE orders PARTITION BY HASH (id)"})
    EXPECT_FALSE(p.plan(sql)) << sql;
  EXPECT_FALSE(p.plan("ALTER TABLE other.t TRUNCATE PARTITION p0"));
  for (const char* policy : {"pause", "fail", "ignore"}) {
    Planner q;
    q.policies.set("unlogged_rows", policy);
    plan = q.plan("ALTER TABLE orders TRUNCATE PARTITION p0");
    ASSERT_TRUE(plan);
    EXPECT_EQ(policy_name(plan->decision), std::string(policy));
    EXPECT_EQ(plan->kind, "unlogged_rows");
  }
}

TEST(DdlPlan, ExchangeAndConvertConcernBothTables) {
  Planner p;
  TrackedTable staging = orders();
  staging.model.name = staging.target_name = "staging";
  p.tables.push_back(staging);
  // EXCHANGE: both tables' rows changed.
  auto plan = p.plan("ALTER TABLE orders EXCHANGE PARTITION p0 WITH TABLE staging");
  ASSERT_TRUE(plan);
  ASSERT_EQ(plan->effects.size(), 2u);
  EXPECT_EQ(plan->effects[0].table, 0u);
  EXPECT_EQ(plan->effects[1].table, 1u);
  EXPECT_EQ(plan->effects[1].kind, DdlEffect::Kind::repair);
  // Only the other table synced: still repaired.
  plan = p.plan("ALTER TABLE other.big EXCHANGE PARTITION p0 WITH TABLE shop.staging");
  ASSERT_TRUE(plan);
  ASSERT_EQ(plan->effects.size(), 1u);
  EXPECT_EQ(plan->effects[0].table, 1u);
  // MariaDB CONVERT PARTITION ... TO TABLE: a new table with rows joins (backfilled).
  plan = p.plan("ALTER TABLE orders CONVERT PARTITION p0 TO TABLE archive_2020");
  ASSERT_TRUE(plan);
  ASSERT_EQ(plan->effects.size(), 2u);
  EXPECT_EQ(plan->effects[1].kind, DdlEffect::Kind::enter);
  EXPECT_EQ(plan->effects[1].after.model.name, "archive_2020");
  // CONVERT TABLE ... TO PARTITION: the absorbed table leaves the task as a DROP TABLE does (pause).
  plan = p.plan("ALTER TABLE orders CONVERT TABLE staging TO PARTITION p9 VALUES LESS THAN (99)");
  ASSERT_TRUE(plan);
  ASSERT_EQ(plan->effects.size(), 2u);
  EXPECT_EQ(plan->effects[1].kind, DdlEffect::Kind::drop);
  EXPECT_EQ(plan->decision, DdlPolicy::pause);
  EXPECT_EQ(plan->kind, "drop_table");
}

// Names arriving by DDL that PostgreSQL cannot hold stop the task (42622) with the name_map entry
// that fixes them; they are never created cut.
TEST(DdlPlan, NamesTooLongForPostgresqlAreRefused) {
  const std::string long_ascii(64, 'c');
  std::string long_utf8;
  for (int i = 0; i < 32; i++) long_utf8 += "\xc3\xa9";  // 32 characters, 64 bytes
  struct Case {
    std::string sql;
    std::string in_message;
  };
  const Case cases[] = {
      {"ALTER TABLE orders ADD COLUMN " + long_ascii + " int", "column shop.orders." + long_ascii},
      {"ALTER TABLE orders ADD COLUMN `" + long_utf8 + "` int", "64 bytes, 32 characters"},
      {"ALTER TABLE orders RENAME COLUMN note TO " + long_ascii, "column shop.orders." + long_ascii},
      {"ALTER TABLE orders CHANGE note " + long_ascii + " varchar(20)", "column shop.orders." + long_ascii},
      {"CREATE TABLE shop." + long_ascii + " (id int PRIMARY KEY)", "the target table of shop." + long_ascii},
      {"CREATE TABLE shop.fine (id int PRIMARY KEY, `" + long_utf8 + "` int)",
       "column shop.fine." + long_utf8},
      {"RENAME TABLE orders TO " + long_ascii, "the target table of shop." + long_ascii},
  };
  for (const Case& c : cases) {
    Planner p;
    auto plan = p.plan(c.sql);
    ASSERT_TRUE(plan) << c.sql;
    EXPECT_EQ(plan->decision, DdlPolicy::fail) << c.sql;
    EXPECT_EQ(plan->error_sqlstate, "42622") << c.sql;
    EXPECT_NE(plan->error_message.find(c.in_message), std::string::npos) << plan->error_message;
    EXPECT_NE(plan->error_hint.find("name_map => '{\""), std::string::npos) << plan->error_hint;
  }
  // 63 bytes fit; an ignored ADD COLUMN creates nothing.
  Planner p;
  auto plan = p.plan("ALTER TABLE orders ADD COLUMN " + std::string(63, 'c') + " int");
  ASSERT_TRUE(plan);
  EXPECT_EQ(plan->decision, DdlPolicy::apply);
  Planner q;
  q.policies.set("add_column", "ignore");
  EXPECT_EQ(q.plan("ALTER TABLE orders ADD COLUMN " + long_ascii + " int")->decision, DdlPolicy::ignore);
}

// LOAD DATA logged as a statement (EXECUTE_LOAD_QUERY) on a synced table stops the task.
TEST(DdlPlan, StatementBasedLoadDataFails) {
  Planner p;
  auto plan = p.plan("LOAD DATA INFILE 'big_file.dat' INTO TABLE orders");
  ASSERT_TRUE(plan);
  EXPECT_EQ(plan->decision, DdlPolicy::fail);
  EXPECT_EQ(plan->error_sqlstate, "0A000");
}

TEST(DdlPolicies, KindsAndValues) {
  DdlPolicies policies;
  EXPECT_EQ(policies.of("drop_table"), DdlPolicy::pause);
  EXPECT_EQ(policies.of("narrow_column"), DdlPolicy::fail);
  EXPECT_EQ(policies.of("add_column"), DdlPolicy::apply);
  EXPECT_EQ(policies.of("unlogged_rows"), DdlPolicy::apply);
  policies.set("drop_column", "ignore");
  EXPECT_EQ(policies.of("drop_column"), DdlPolicy::ignore);
  try {
    policies.set("drop_everything", "apply");
    FAIL();
  } catch (const SyncError& e) {
    EXPECT_EQ(e.sqlstate(), "22023");
  }
  EXPECT_THROW(policies.set("drop_column", "maybe"), SyncError);
}

TEST(SchemaDrift, CountNamesAndTypes) {
  TrackedTable t = orders();
  TableMap map;
  map.columns.resize(3);
  map.columns[0].type = 3;
  map.columns[1].type = 3;
  map.columns[2].type = 15;
  EXPECT_EQ(schema_drift(map, t.model), "");
  map.has_column_names = true;
  map.columns[0].name = "id";
  map.columns[1].name = "AMT";
  map.columns[2].name = "remark";
  EXPECT_NE(schema_drift(map, t.model).find("remark"), std::string::npos);
  map.columns[2].name = "note";
  map.columns[1].type = 8;
  EXPECT_NE(schema_drift(map, t.model).find("amt"), std::string::npos);
  map.columns.pop_back();
  EXPECT_NE(schema_drift(map, t.model).find("2 columns"), std::string::npos);
}

TEST(Quoting, IdentifiersAndLiterals) {
  EXPECT_EQ(quote_pg_identifier("a\"b"), "\"a\"\"b\"");
  EXPECT_EQ(quote_pg_literal("it's \\"), "'it''s \\'");
}

TEST(SourceTableJson, RoundTrip) {
  SourceTable t = orders().model;
  t.columns[1].default_value = "x\"y\\z\n\x01 ü ☃ 😀";
  t.columns[1].enum_values = {"a", "b'c"};
  t.columns[2].comment = "tab\there";
  SourceIndex index;
  index.name = "i";
  index.unique = true;
  index.columns = {"amt", "note"};
  t.indexes.push_back(index);
  t.comment = "the orders";
  std::string json = source_table_to_json(t);
  SourceTable back = source_table_from_json(json);
  EXPECT_EQ(source_table_to_json(back), json);
  EXPECT_EQ(*back.columns[1].default_value, *t.columns[1].default_value);
  EXPECT_FALSE(back.columns[0].default_value.has_value());
  EXPECT_EQ(back.columns[1].enum_values[1], "b'c");
  EXPECT_EQ(back.indexes[0].columns[1], "note");
  EXPECT_EQ(back.columns[2].char_max_length, 20);
  EXPECT_THROW(source_table_from_json("{\"columns\": [1, }"), SyncError);
  EXPECT_THROW(source_table_from_json(std::string(40, '[')), SyncError);
}

}  // namespace
}  // namespace mysql_sync
