// The precheck's decisions about MySQL 8.x, 8.4 / 9.x and Amazon RDS / Aurora
// (source/precheck_mysql.h, server_version.h, precheck.h's describe_connection_failure), fed with
// the answers those servers give: no such server runs here.
#include <gtest/gtest.h>

#include "source/precheck.h"
#include "source/precheck_mysql.h"
#include "source/server_version.h"
#include "source/source_uri.h"

namespace mysql_sync {
namespace {

bool has(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

TEST(PrecheckMysql, RenamedStatements) {
  EXPECT_STREQ(binlog_status_statement(parse_server_version("8.4.3")), "SHOW BINARY LOG STATUS");
  EXPECT_STREQ(binlog_status_statement(parse_server_version("8.2.0")), "SHOW BINARY LOG STATUS");
  EXPECT_STREQ(binlog_status_statement(parse_server_version("9.1.0")), "SHOW BINARY LOG STATUS");
  EXPECT_STREQ(binlog_status_statement(parse_server_version("8.0.40")), "SHOW MASTER STATUS");
  EXPECT_STREQ(binlog_status_statement(parse_server_version("5.7.44-log")), "SHOW MASTER STATUS");
  EXPECT_STREQ(binlog_status_statement(parse_server_version("11.4.2-MariaDB")), "SHOW MASTER STATUS");
  EXPECT_STREQ(replicas_statement(parse_server_version("8.4.3")), "SHOW REPLICAS");
  EXPECT_STREQ(replicas_statement(parse_server_version("8.0.22")), "SHOW REPLICAS");
  EXPECT_STREQ(replicas_statement(parse_server_version("8.0.21")), "SHOW SLAVE HOSTS");
  EXPECT_STREQ(replicas_statement(parse_server_version("10.11.19-MariaDB-0+deb12u1-log")),
               "SHOW SLAVE HOSTS");
}

TEST(PrecheckMysql, GtidMode) {
  ServerVersion mysql = parse_server_version("8.0.40");
  EXPECT_TRUE(has(gtid_mode_note(mysql, {{"gtid_mode", "ON"}}), "positions are GTID sets"));
  std::string off = gtid_mode_note(mysql, {{"gtid_mode", "OFF"}});
  EXPECT_TRUE(has(off, "gtid_mode is OFF: positions are binlog file offsets")) << off;
  EXPECT_TRUE(has(off, "SET PERSIST gtid_mode")) << off;
  EXPECT_TRUE(has(gtid_mode_note(mysql, {{"gtid_mode", "ON_PERMISSIVE"}}), "gtid_mode is ON_PERMISSIVE"));
  EXPECT_TRUE(has(gtid_mode_note(parse_server_version("5.5.62"), {}), "no GTIDs before MySQL 5.6"));
  EXPECT_EQ(gtid_mode_note(parse_server_version("10.11.19-MariaDB"), {}), "");
}

TEST(PrecheckMysql, CompressionAndPartialJson) {
  PrecheckFinding f =
      row_value_finding({{"binlog_transaction_compression", "ON"}, {"binlog_row_value_options", ""}}, "FULL");
  EXPECT_EQ(f.status, "passed");
  EXPECT_TRUE(has(f.detail, "compressed transactions (zstd) are read")) << f.detail;
  f = row_value_finding(
      {{"binlog_transaction_compression", "OFF"}, {"binlog_row_value_options", "PARTIAL_JSON"}}, "FULL");
  EXPECT_EQ(f.status, "passed");
  EXPECT_TRUE(has(f.detail, "JSON updates are logged as diffs, applied to the full before image"))
      << f.detail;
  f = row_value_finding({{"binlog_row_value_options", "PARTIAL_JSON"}}, "NOBLOB");
  EXPECT_EQ(f.status, "warning");
  EXPECT_TRUE(has(f.hint, "binlog_row_value_options = ''"));
  EXPECT_EQ(row_value_finding({}, "FULL").detail, "");  // MariaDB, MySQL 5.7: neither variable
}

TEST(PrecheckMysql, PersistentSettingHints) {
  EXPECT_EQ(persistent_setting_hint(parse_server_version("8.0.40"), "binlog_row_metadata", "FULL"),
            "SET PERSIST binlog_row_metadata = 'FULL'");
  EXPECT_EQ(persistent_setting_hint(parse_server_version("5.7.44"), "binlog_row_image", "FULL"),
            "SET GLOBAL binlog_row_image = 'FULL' -- and binlog_row_image = FULL under [mysqld] in my.cnf");
  EXPECT_EQ(
      persistent_setting_hint(parse_server_version("10.11.19-MariaDB"), "binlog_row_metadata", "FULL"),
      "SET GLOBAL binlog_row_metadata = 'FULL' -- and binlog_row_metadata = FULL under [mysqld] in my.cnf");
}

TEST(PrecheckMysql, RdsAndAurora) {
  EXPECT_EQ(managed_service({{"basedir", "/rdsdbbin/mysql-8.0.35.R2/"}}), ManagedService::rds);
  EXPECT_EQ(managed_service(
                {{"basedir", "/rdsdbbin/oscar-8.0.mysql_aurora.3.05.2.0.0/"}, {"aurora_version", "3.05.2"}}),
            ManagedService::aurora);
  EXPECT_EQ(managed_service({{"basedir", "/usr/"}}), ManagedService::none);

  PrecheckFinding purged = rds_retention_finding(ManagedService::rds, true, std::nullopt);
  EXPECT_EQ(purged.status, "failed");
  EXPECT_TRUE(has(purged.detail, "'binlog retention hours' is NULL")) << purged.detail;
  EXPECT_EQ(purged.hint, "CALL mysql.rds_set_configuration('binlog retention hours', 168);");
  EXPECT_EQ(rds_retention_finding(ManagedService::rds, true, std::string("12")).status, "failed");
  PrecheckFinding short_one = rds_retention_finding(ManagedService::aurora, true, std::string("48"));
  EXPECT_EQ(short_one.status, "warning");
  EXPECT_TRUE(has(short_one.detail, "Amazon Aurora keeps binlogs for 48 hours")) << short_one.detail;
  EXPECT_EQ(rds_retention_finding(ManagedService::rds, true, std::string("168")).status, "passed");
  EXPECT_EQ(rds_retention_finding(ManagedService::rds, false, std::nullopt).status, "warning");

  // No lock on any server (RDS / Aurora refuse the global one): the method follows consistency.
  std::string mysql = copy_method_note(parse_server_version("8.0.35"), "auto");
  EXPECT_TRUE(has(mysql, "low and high watermarks")) << mysql;
  EXPECT_TRUE(has(mysql, "no lock")) << mysql;
  EXPECT_TRUE(has(copy_method_note(parse_server_version("10.11.19-MariaDB"), "auto"), "exact snapshot position"));
  EXPECT_TRUE(
      has(copy_method_note(parse_server_version("10.11.19-MariaDB"), "watermark"), "low and high watermarks"));
}

TEST(PrecheckMysql, CachingSha2WithoutTls) {
  SourceUri uri = SourceUri::parse("mysql://sync:pw@db.example:3306");
  auto [detail, hint] = describe_connection_failure(
      uri, "08001", 2061,
      "cannot connect to the MySQL source 'sync' at db.example:3306: Authentication plugin "
      "'caching_sha2_password' "
      "reported error: Couldn't read RSA public key from server (MySQL error 2061)");
  EXPECT_TRUE(has(detail, "without TLS needs the server's RSA public key")) << detail;
  EXPECT_TRUE(has(hint, "ssl_mode=require")) << hint;
  EXPECT_TRUE(has(hint, "server_public_key=/path/public_key.pem")) << hint;
  EXPECT_TRUE(has(hint, "get-server-public-key")) << hint;
  SourceUri with_key =
      SourceUri::parse("mysql://sync:pw@db.example:3306?server_public_key=/etc/mysql/key.pem");
  EXPECT_EQ(with_key.server_public_key, "/etc/mysql/key.pem");
  EXPECT_TRUE(has(with_key.masked(), "server_public_key=/etc/mysql/key.pem"));
  auto [detail2, hint2] =
      describe_connection_failure(with_key, "08001", 2061, "Couldn't read RSA public key from server");
  EXPECT_TRUE(has(hint2, "/etc/mysql/key.pem is readable")) << hint2;
  auto [plugin, plugin_hint] = describe_connection_failure(
      uri, "28000", 2059, "Authentication plugin 'authentication_ldap_sasl_client' cannot be loaded");
  EXPECT_TRUE(has(plugin, "cannot load the authentication plugin")) << plugin;
}

}  // namespace
}  // namespace mysql_sync
