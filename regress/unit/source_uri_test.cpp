// The source URI (start_sync's `source`) and the db.table object patterns: pure parsing, no server.
#include <gtest/gtest.h>

#include "common/errors.h"
#include "source/object_patterns.h"
#include "source/source_uri.h"

using mysql_sync::mask_source_password;
using mysql_sync::ObjectPatterns;
using mysql_sync::SourceUri;
using mysql_sync::SyncError;
using mysql_sync::wildcard_match;

namespace {

// The SyncError a bad URI raises; fails the test when none is raised.
SyncError uri_error(const std::string& text) {
  try {
    SourceUri::parse(text);
  } catch (const SyncError& error) {
    return error;
  }
  ADD_FAILURE() << "no error for " << text;
  return SyncError("", "");
}

}  // namespace

TEST(SourceUri, ParsesAllParts) {
  SourceUri uri = SourceUri::parse("mysql://sync:secret@db.example.com:3307?ssl_mode=verify_identity&ssl_ca=/etc/ca.pem");
  EXPECT_EQ(uri.user, "sync");
  EXPECT_EQ(uri.password, "secret");
  EXPECT_EQ(uri.host, "db.example.com");
  EXPECT_EQ(uri.port, 3307u);
  EXPECT_EQ(uri.ssl_mode, "verify_identity");
  EXPECT_EQ(uri.ssl_ca, "/etc/ca.pem");
}

TEST(SourceUri, DefaultsPortAndAllowsNoPassword) {
  SourceUri uri = SourceUri::parse("mysql://root@localhost");
  EXPECT_EQ(uri.user, "root");
  EXPECT_EQ(uri.password, "");
  EXPECT_EQ(uri.host, "localhost");
  EXPECT_EQ(uri.port, 3306u);
  EXPECT_EQ(uri.ssl_mode, "");
  EXPECT_EQ(SourceUri::parse("mysql://u:p@h:3306/").host, "h");
}

TEST(SourceUri, PercentDecodesUserAndPassword) {
  SourceUri uri = SourceUri::parse("mysql://us%40er:p%3Fa%25ss%26w%3Ard@h:1");
  EXPECT_EQ(uri.user, "us@er");
  EXPECT_EQ(uri.password, "p?a%ss&w:rd");
}

TEST(SourceUri, LastAtEndsThePassword) {
  // Unencoded @, : and / in a password still parse: the user info ends at the last @.
  SourceUri uri = SourceUri::parse("mysql://sync:p@ss:w/rd@10.0.0.5:3306");
  EXPECT_EQ(uri.user, "sync");
  EXPECT_EQ(uri.password, "p@ss:w/rd");
  EXPECT_EQ(uri.host, "10.0.0.5");
}

TEST(SourceUri, ParsesIpv6Hosts) {
  SourceUri uri = SourceUri::parse("mysql://u:p@[::1]:3310");
  EXPECT_EQ(uri.host, "::1");
  EXPECT_EQ(uri.port, 3310u);
  EXPECT_EQ(uri.masked(), "mysql://u:********@[::1]:3310");
  EXPECT_EQ(SourceUri::parse("mysql://u@[fe80::1]").port, 3306u);
}

TEST(SourceUri, SslModes) {
  EXPECT_EQ(SourceUri::parse("mysql://u@h?ssl_mode=require").ssl_mode, "require");
  EXPECT_EQ(SourceUri::parse("mysql://u@h?ssl_mode=DISABLE").ssl_mode, "disable");
  EXPECT_EQ(SourceUri::parse("mysql://u@h?ssl_mode=verify_ca&ssl_ca=/ca.pem").ssl_mode, "verify_ca");
  // A CA file alone asks for verification.
  EXPECT_EQ(SourceUri::parse("mysql://u@h?ssl_ca=/ca%20dir/ca.pem").ssl_mode, "verify_ca");
  EXPECT_EQ(SourceUri::parse("mysql://u@h?ssl_ca=/ca%20dir/ca.pem").ssl_ca, "/ca dir/ca.pem");
}

TEST(SourceUri, RejectsMalformedUrisWith22023AndAHint) {
  for (const char* bad : {"", "postgres://u:p@h", "mysql://", "mysql://h:3306", "mysql://:p@h", "mysql://u:p@",
                          "mysql://u:p@h:0", "mysql://u:p@h:65536", "mysql://u:p@h:33x", "mysql://u:p@h:",
                          "mysql://u:p@h/shop", "mysql://u:p@[::1", "mysql://u:p%4@h", "mysql://u:p%zz@h",
                          "mysql://u:p@h?sslmode=require", "mysql://u:p@h?ssl_mode=prefer",
                          "mysql://u:p@h?ssl_mode", "mysql://u:p@h?ssl_mode=require&ssl_mode=require",
                          "mysql://u:p@h?ssl_mode=disable&ssl_ca=/ca.pem", "mysql://u:p@h?ssl_mode=verify_ca",
                          "mysql://u:p@h?ssl_mode=verify_identity", "mysql://u:p@h?ssl_ca="}) {
    SyncError error = uri_error(bad);
    EXPECT_EQ(error.sqlstate(), "22023") << bad;
    EXPECT_NE(error.hint().find("mysql://user:password@host:port"), std::string::npos) << bad;
  }
}

TEST(SourceUri, ErrorsNeverShowThePassword) {
  for (const char* bad : {"mysql://u:topsecret@h:99999", "mysql://u:topsecret%g@h", "mysql://u:topsecret@h?x=1"}) {
    SyncError error = uri_error(bad);
    EXPECT_EQ(std::string(error.what()).find("topsecret"), std::string::npos) << error.what();
    EXPECT_EQ(error.hint().find("topsecret"), std::string::npos);
  }
}

TEST(SourceUri, UnknownOptionIsNamed) {
  SyncError error = uri_error("mysql://u:p@h?compress=1");
  EXPECT_NE(std::string(error.what()).find("compress"), std::string::npos);
}

TEST(SourceUri, MaskedHidesThePassword) {
  EXPECT_EQ(SourceUri::parse("mysql://sync:secret@h:3307").masked(), "mysql://sync:********@h:3307");
  EXPECT_EQ(SourceUri::parse("mysql://sync@h").masked(), "mysql://sync@h:3306");
  EXPECT_EQ(SourceUri::parse("mysql://a%40b:s@h?ssl_mode=require").masked(),
            "mysql://a%40b:********@h:3306?ssl_mode=require");
}

TEST(SourceUri, MaskSourcePasswordOnStoredText) {
  EXPECT_EQ(mask_source_password("mysql://sync:secret@h:3306"), "mysql://sync:********@h:3306");
  EXPECT_EQ(mask_source_password("mysql://sync:p@ss:w?rd@h:3306?ssl_mode=require"),
            "mysql://sync:********@h:3306?ssl_mode=require");
  EXPECT_EQ(mask_source_password("mysql://sync@h:3306"), "mysql://sync@h:3306");
  EXPECT_EQ(mask_source_password("not a uri"), "not a uri");
  // Not a valid URI, but whatever looks like a password is still hidden.
  EXPECT_EQ(mask_source_password("mysql://u:secret@"), "mysql://u:********@");
}

TEST(ObjectPatterns, WildcardMatch) {
  EXPECT_TRUE(wildcard_match("*", ""));
  EXPECT_TRUE(wildcard_match("*", "orders"));
  EXPECT_TRUE(wildcard_match("order_%", "order_2024"));
  EXPECT_TRUE(wildcard_match("order_%", "order_"));
  EXPECT_FALSE(wildcard_match("order_%", "orderX2024"));  // _ is literal
  EXPECT_TRUE(wildcard_match("a*b*c", "aXXbYYc"));
  EXPECT_TRUE(wildcard_match("a*b*c", "abbbc"));
  EXPECT_FALSE(wildcard_match("a*b*c", "aXXbYY"));
  EXPECT_TRUE(wildcard_match("%%x", "x"));
  EXPECT_FALSE(wildcard_match("Orders", "orders"));  // case-sensitive
  EXPECT_FALSE(wildcard_match("", "x"));
  EXPECT_TRUE(wildcard_match("", ""));
}

TEST(ObjectPatterns, MatchesTablesAndDatabases) {
  ObjectPatterns patterns({"shop.*", "crm.customers", "crm.order_%"});
  EXPECT_TRUE(patterns.matches("shop", "anything"));
  EXPECT_TRUE(patterns.matches("crm", "customers"));
  EXPECT_TRUE(patterns.matches("crm", "order_items"));
  EXPECT_FALSE(patterns.matches("crm", "orders"));
  EXPECT_FALSE(patterns.matches("crm", "customers2"));
  EXPECT_FALSE(patterns.matches("shop2", "x"));
  EXPECT_TRUE(patterns.matches_database("crm"));
  EXPECT_FALSE(patterns.matches_database("hr"));
  EXPECT_EQ(patterns.patterns().size(), 3u);
  EXPECT_TRUE(ObjectPatterns({"*.*"}).matches("a", "b"));
  EXPECT_TRUE(ObjectPatterns({"app_%.t"}).matches_database("app_eu"));
}

TEST(ObjectPatterns, RejectsPatternsWithoutOneDot) {
  for (const char* bad : {"shop", ".orders", "shop.", "a.b.c", ""}) {
    try {
      ObjectPatterns patterns({bad});
      ADD_FAILURE() << "no error for " << bad;
    } catch (const SyncError& error) {
      EXPECT_EQ(error.sqlstate(), "22023");
      EXPECT_NE(std::string(error.what()).find(bad), std::string::npos);
      EXPECT_FALSE(error.hint().empty());
    }
  }
}
