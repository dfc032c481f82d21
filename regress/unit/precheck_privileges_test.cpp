// SHOW GRANTS parsing of the precheck's privileges item, with MariaDB's and MySQL's texts.
#include <gtest/gtest.h>

#include "source/precheck_privileges.h"

namespace mysql_sync {
namespace {

TEST(PrecheckGrants, ParsesGlobalDatabaseAndTableGrants) {
  GrantLine g;
  ASSERT_TRUE(parse_grant_line(
      "GRANT REPLICATION SLAVE, BINLOG MONITOR ON *.* TO `u`@`%` IDENTIFIED BY PASSWORD '*7B9E'", &g));
  EXPECT_EQ(g.privileges, (std::vector<std::string>{"REPLICATION SLAVE", "BINLOG MONITOR"}));
  EXPECT_EQ(g.db, "*");
  EXPECT_EQ(g.table, "*");
  EXPECT_EQ(g.grantee, "u");
  ASSERT_TRUE(parse_grant_line("GRANT SELECT, INSERT ON `shop`.* TO 'sync'@'%' WITH GRANT OPTION", &g));
  EXPECT_EQ(g.db, "shop");
  EXPECT_EQ(g.table, "*");
  ASSERT_TRUE(parse_grant_line("GRANT SELECT (`a`, `b`), UPDATE ON `shop`.`t``x` TO `u`@`%`", &g));
  EXPECT_EQ(g.privileges, (std::vector<std::string>{"UPDATE"}));  // a column grant is not SELECT on the table
  EXPECT_EQ(g.table, "t`x");
  ASSERT_TRUE(parse_grant_line("GRANT ALL PRIVILEGES ON *.* TO `root`@`localhost` WITH GRANT OPTION", &g));
  EXPECT_EQ(g.privileges, (std::vector<std::string>{"ALL"}));
  ASSERT_TRUE(parse_grant_line("GRANT EXECUTE ON PROCEDURE `shop`.`p` TO `u`@`%`", &g));
  EXPECT_TRUE(g.routine);
  EXPECT_FALSE(parse_grant_line("SET DEFAULT ROLE `r1` FOR `u`@`%`", &g));
}

TEST(PrecheckGrants, ParsesRoleGrants) {
  GrantLine g;
  ASSERT_TRUE(parse_grant_line("GRANT `r1` TO `u`@`%`", &g));  // MariaDB
  EXPECT_EQ(g.roles, (std::vector<std::string>{"r1"}));
  EXPECT_EQ(g.grantee, "u");
  ASSERT_TRUE(parse_grant_line("GRANT `r1`@`%`,`r2`@`%` TO `u`@`%`", &g));  // MySQL 8
  EXPECT_EQ(g.roles, (std::vector<std::string>{"r1", "r2"}));
}

TEST(PrecheckGrants, MatchesSelectAtEveryLevel) {
  GrantSet grants({"GRANT USAGE ON *.* TO `u`@`%`", "GRANT SELECT ON `shop\\_%`.* TO `u`@`%`",
                   "GRANT SELECT ON `crm`.`customers` TO `u`@`%`", "GRANT REPLICATION REPLICA ON *.* TO `u`@`%`"});
  EXPECT_TRUE(grants.select_on_table("shop_eu", "orders"));
  EXPECT_FALSE(grants.select_on_table("shopeu", "orders"));  // \_ is a literal underscore
  EXPECT_TRUE(grants.select_on_table("crm", "customers"));
  EXPECT_FALSE(grants.select_on_table("crm", "leads"));
  EXPECT_FALSE(grants.select_on_database("crm"));
  EXPECT_TRUE(grants.select_on_some_table("crm"));
  EXPECT_TRUE(grants.global("REPLICATION SLAVE", {"REPLICATION REPLICA"}));
  EXPECT_FALSE(grants.global("RELOAD"));
  GrantSet all({"GRANT ALL PRIVILEGES ON *.* TO `sync`@`%`"});
  EXPECT_TRUE(all.global("RELOAD"));
  EXPECT_TRUE(all.select_on_table("any", "table"));
}

TEST(PrecheckGrants, QuotesTheAccount) {
  EXPECT_EQ(quoted_account("sync@%"), "'sync'@'%'");
  EXPECT_EQ(quoted_account("o'neil@10.0.0.%"), "'o''neil'@'10.0.0.%'");
}

}  // namespace
}  // namespace mysql_sync
