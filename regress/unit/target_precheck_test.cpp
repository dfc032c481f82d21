// The precheck's target items, decided from plain facts (task/target_precheck.h).
#include "task/target_precheck.h"

#include <gtest/gtest.h>

using namespace mysql_sync;

namespace {

TargetTable table(const std::string& source, const std::string& schema, const std::string& name) {
  TargetTable t;
  t.source = source;
  t.schema = schema;
  t.name = name;
  t.columns = {{"id", "integer"}, {"email", "character varying(80)"}};
  t.primary_key = {"id"};
  t.unique_keys = {{"id"}};
  return t;
}

const char* kColumns[] = {"id", "email"};

TargetTableFacts fresh(const char* qualified) {
  TargetTableFacts f{};
  f.qualified_name = qualified;
  f.quoted_schema = "shop";
  f.quoted_columns = kColumns;
  f.schema_exists = true;
  f.may_create_in_schema = true;
  return f;
}

TargetFacts plain(const TargetTableFacts* tables) {
  TargetFacts facts{};
  facts.role = "alice";
  facts.database = "app";
  facts.may_create_schemas = true;
  facts.tables = tables;
  return facts;
}

const TargetMode kCreate{true, true, false, false};
const TargetMode kAppend{false, true, false, true};

}  // namespace

TEST(TargetPrecheck, FreshTargetsPass) {
  std::vector<TargetTable> tables = {table("shop.users", "shop", "users")};
  TargetTableFacts f[] = {fresh("shop.users")};
  std::vector<PrecheckRow> rows = check_target(tables, NameFindings{}, plain(f), kCreate);
  ASSERT_EQ(rows.size(), 3u);
  EXPECT_EQ(rows[0].item, "target_conflict");
  EXPECT_EQ(rows[0].status, "passed");
  EXPECT_EQ(rows[0].detail, "no target table exists yet");
  EXPECT_EQ(rows[1].item, "target_privileges");
  EXPECT_EQ(rows[1].status, "passed");
  EXPECT_EQ(rows[2].item, "distribution_keys");
  EXPECT_EQ(rows[2].detail, "plain PostgreSQL: distribution keys are recorded only");
}

TEST(TargetPrecheck, ExistingTableWithoutClearOrAppendFailsWithTheDrop) {
  std::vector<TargetTable> tables = {table("shop.users", "shop", "users")};
  TargetTableFacts f[] = {fresh("shop.users")};
  f[0].exists = true;
  PrecheckRow conflict = check_target(tables, NameFindings{}, plain(f), kCreate)[0];
  EXPECT_EQ(conflict.status, "failed");
  EXPECT_NE(conflict.detail.find("already exist (existing_tables => 'fail'): shop.users"), std::string::npos);
  EXPECT_EQ(conflict.hint.rfind("DROP TABLE shop.users", 0), 0u);
}

TEST(TargetPrecheck, ExistingTableMustHoldTheSourceColumns) {
  std::vector<TargetTable> tables = {table("shop.users", "shop", "users")};
  ExistingColumnFact existing[] = {{"id", "id", "int4", false}, {"note", "\"Note\"", "text", true}};
  TargetTableFacts f[] = {fresh("shop.users")};
  f[0].exists = true;
  f[0].may_write = true;
  f[0].existing_columns = existing;
  f[0].existing_column_count = 2;
  PrecheckRow conflict = check_target(tables, NameFindings{}, plain(f), kAppend)[0];
  EXPECT_EQ(conflict.status, "failed");
  EXPECT_NE(conflict.detail.find("shop.users lacks the source's column email"), std::string::npos);
  EXPECT_NE(conflict.detail.find("has NOT NULL column \"Note\" without a default"), std::string::npos);
}

TEST(TargetPrecheck, PrivilegesNameTheGrants) {
  std::vector<TargetTable> tables = {table("shop.users", "shop", "users"),
                                     table("crm.leads", "crm", "leads")};
  TargetTableFacts f[] = {fresh("shop.users"), fresh("crm.leads")};
  f[0].may_create_in_schema = false;
  f[1].schema_exists = false;
  f[1].quoted_schema = "crm";
  TargetFacts facts = plain(f);
  facts.may_create_schemas = false;
  PrecheckRow privileges = check_target(tables, NameFindings{}, facts, kCreate)[1];
  EXPECT_EQ(privileges.status, "failed");
  EXPECT_NE(privileges.hint.find("GRANT CREATE ON DATABASE app TO alice"), std::string::npos);
  EXPECT_NE(privileges.hint.find("GRANT CREATE ON SCHEMA shop TO alice"), std::string::npos);
}

TEST(TargetPrecheck, CitusNeedsShardsAndTheDistributionKeyInEveryUniqueKey) {
  std::vector<TargetTable> tables = {table("shop.users", "shop", "users")};
  tables[0].unique_keys.push_back({"email"});
  TargetTableFacts f[] = {fresh("shop.users")};
  TargetFacts facts = plain(f);
  facts.citus = true;
  facts.preload = "mysql_sync,citus";
  PrecheckRow distribution = check_target(tables, NameFindings{}, facts, kCreate)[2];
  EXPECT_EQ(distribution.status, "failed");
  EXPECT_NE(distribution.detail.find("citus is not the first of shared_preload_libraries"),
            std::string::npos);
  EXPECT_NE(distribution.detail.find("no node of the Citus cluster holds shards"), std::string::npos);
  EXPECT_NE(distribution.detail.find("the distribution key (id) is not part of the unique key (email)"),
            std::string::npos);

  // A reference table needs no distribution key in its unique keys.
  const char* holders[] = {"127.0.0.1:5433"};
  const char* references[] = {"shop.users"};
  facts.preload = "citus,mysql_sync";
  facts.shard_holders = holders;
  facts.shard_holder_count = 1;
  facts.reference_patterns = references;
  facts.reference_pattern_count = 1;
  distribution = check_target(tables, NameFindings{}, facts, kCreate)[2];
  EXPECT_EQ(distribution.status, "passed") << distribution.detail;
  EXPECT_EQ(
      distribution.detail,
      "Citus: shards on 127.0.0.1:5433, every worker node answers; every distribution key is part of its "
      "table's unique keys");
}

TEST(TargetPrecheck, ManyToOneNeedsAppendAndCompatibleColumns) {
  std::vector<TargetTable> tables = {table("eu.users", "shop", "users"), table("us.users", "shop", "users")};
  tables[1].columns[1].pg_type = "text";
  TargetTableFacts f[] = {fresh("shop.users"), fresh("shop.users")};
  PrecheckRow conflict = check_target(tables, NameFindings{}, plain(f), kCreate)[0];
  EXPECT_EQ(conflict.status, "failed");
  EXPECT_NE(conflict.detail.find("several source tables map to shop.users: eu.users, us.users"),
            std::string::npos);
  EXPECT_NE(conflict.hint.find("\"us.users\": \"shop.us_users\""), std::string::npos);
}
