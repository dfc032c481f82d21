// The DDL lexer/parser (ddl/ddl_parser.h) and apply_to_model(): statement forms, quoting,
// comments, errors with offsets, model changes, truncation robustness, and every QUERY event of
// the binlog fixtures.
#include <gtest/gtest.h>

#include <algorithm>
#include <functional>
#include <map>
#include <set>

#include "binlog/charset.h"
#include "ddl/ddl_lexer.h"
#include "ddl/ddl_parser.h"
#include "common/errors.h"
#include "decoder_test_support.h"

namespace mysql_sync {
namespace {

DdlStatement parse_one(const std::string& sql, const std::string& db = "db") {
  std::vector<DdlStatement> all = parse_statements(sql, db);
  EXPECT_EQ(all.size(), 1u) << sql;
  if (all.empty()) return {};
  return all.front();
}

const SourceColumn& column_named(const SourceTable& table, const std::string& name) {
  for (const SourceColumn& c : table.columns)
    if (c.name == name) return c;
  ADD_FAILURE() << "no column " << name;
  static SourceColumn none;
  return none;
}

std::vector<std::string> column_names(const SourceTable& table) {
  std::vector<std::string> out;
  for (const SourceColumn& c : table.columns) out.push_back(c.name);
  return out;
}

std::string sqlstate_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const SyncError& e) {
    return e.sqlstate();
  }
  return "none";
}

using Names = std::vector<std::string>;

// ---------------------------------------------------------------- lexer

TEST(DdlLexer, QuotingEscapesAndOffsets) {
  std::vector<Token> t =
      tokenize("SELECT `a``b`, 'it''s\\n', \"dq\", N'n', X'41', 0x42, b'101', 0b11, 1.5e3, t.1x");
  ASSERT_GE(t.size(), 20u);
  EXPECT_EQ(t[1].kind, TokenKind::quoted_name);
  EXPECT_EQ(t[1].text, "a`b");
  EXPECT_EQ(t[1].begin, 7u);
  EXPECT_EQ(t[1].end, 13u);
  EXPECT_EQ(t[3].kind, TokenKind::string);
  EXPECT_EQ(t[3].text, "it's\n");
  EXPECT_EQ(t[5].text, "dq");
  EXPECT_TRUE(t[5].double_quoted);
  EXPECT_EQ(t[7].kind, TokenKind::string);
  EXPECT_EQ(t[7].text, "n");
  EXPECT_EQ(t[9].kind, TokenKind::hex);
  EXPECT_EQ(t[9].text, "41");
  EXPECT_EQ(t[11].kind, TokenKind::hex);
  EXPECT_EQ(t[13].kind, TokenKind::bits);
  EXPECT_EQ(t[13].text, "101");
  EXPECT_EQ(t[15].kind, TokenKind::bits);
  EXPECT_EQ(t[17].kind, TokenKind::number);
  EXPECT_EQ(t[17].text, "1.5e3");
  EXPECT_EQ(t[21].kind, TokenKind::word);
  EXPECT_EQ(t[21].text, "1x");
  EXPECT_EQ(t.back().kind, TokenKind::end);
}

TEST(DdlLexer, CommentsAndVersionComments) {
  std::vector<Token> t = tokenize(
      "a -- comment\n b --not-a-comment #hash\n c /* block */ d /*!50100 e */ /*M!100100 f*/ /*!*/ /*+ hint "
      "*/ g");
  std::vector<std::string> words;
  for (const Token& token : t)
    if (token.kind != TokenKind::end) words.push_back(token.text);
  EXPECT_EQ(words, (Names{"a", "b", "-", "-", "not", "-", "a", "-", "comment", "c", "d", "e", "f", "g"}));
}

TEST(DdlLexer, UnterminatedInputEndsWithAnErrorToken) {
  for (const char* sql : {"a 'open", "a `open", "a /* open", "a /*!50100 b", "x'12"}) {
    std::vector<Token> t = tokenize(sql);
    ASSERT_GE(t.size(), 2u);
    EXPECT_EQ(t[t.size() - 2].kind, TokenKind::error) << sql;
  }
}

// ---------------------------------------------------------------- classification

TEST(DdlParser, ClassifiesStatements) {
  struct Case {
    const char* sql;
    StatementKind kind;
  };
  const Case cases[] = {
      {"INSERT INTO t VALUES (1)", StatementKind::dml},
      {"update t set a=1", StatementKind::dml},
      {"DELETE FROM t", StatementKind::dml},
      {"REPLACE INTO t VALUES (1)", StatementKind::dml},
      {"LOAD DATA INFILE 'x' INTO TABLE t", StatementKind::dml},
      {"BEGIN", StatementKind::administrative},
      {"COMMIT", StatementKind::administrative},
      {"ROLLBACK TO sp", StatementKind::administrative},
      {"XA START 'x'", StatementKind::administrative},
      {"SAVEPOINT a", StatementKind::administrative},
      {"RELEASE SAVEPOINT a", StatementKind::administrative},
      {"SET @a = 1", StatementKind::administrative},
      {"GRANT ALL ON *.* TO u", StatementKind::administrative},
      {"REVOKE ALL ON *.* FROM u", StatementKind::administrative},
      {"ANALYZE TABLE t", StatementKind::administrative},
      {"OPTIMIZE TABLE t", StatementKind::administrative},
      {"REPAIR TABLE t", StatementKind::administrative},
      {"CHECK TABLE t", StatementKind::administrative},
      {"CHECKSUM TABLE t", StatementKind::administrative},
      {"FLUSH PRIVILEGES", StatementKind::administrative},
      {"USE db", StatementKind::administrative},
      {"SHOW TABLES", StatementKind::administrative},
      {"INSTALL PLUGIN x SONAME 'y'", StatementKind::administrative},
      {"UNINSTALL PLUGIN x", StatementKind::administrative},
      {"CREATE VIEW v AS SELECT 1", StatementKind::other_ddl},
      {"CREATE OR REPLACE ALGORITHM=MERGE DEFINER=`a`@`%` SQL SECURITY INVOKER VIEW v AS SELECT 1",
       StatementKind::other_ddl},
      {"DROP VIEW v1, v2", StatementKind::other_ddl},
      {"CREATE USER 'u'@'%' IDENTIFIED BY 'p'", StatementKind::other_ddl},
      {"ALTER USER 'u'@'%' IDENTIFIED BY 'p'", StatementKind::other_ddl},
      {"DROP USER u", StatementKind::other_ddl},
      {"CREATE ROLE r", StatementKind::other_ddl},
      {"CREATE SERVER s FOREIGN DATA WRAPPER mysql OPTIONS (USER 'x')", StatementKind::other_ddl},
      {"CREATE TABLESPACE ts ADD DATAFILE 'x'", StatementKind::other_ddl},
      {"CREATE EVENT e ON SCHEDULE EVERY 1 DAY DO DELETE FROM t", StatementKind::other_ddl},
      {"DROP PROCEDURE IF EXISTS p", StatementKind::other_ddl},
      {"RENAME USER a TO b", StatementKind::other_ddl},
      {"CREATE DATABASE d", StatementKind::create_database},
      {"CREATE SCHEMA IF NOT EXISTS d DEFAULT CHARSET utf8", StatementKind::create_database},
      {"DROP DATABASE IF EXISTS d", StatementKind::drop_database},
      {"ALTER DATABASE d CHARACTER SET utf8mb4", StatementKind::alter_database},
      {"FROBNICATE TABLE x", StatementKind::unknown},
  };
  for (const Case& c : cases)
    EXPECT_EQ(static_cast<int>(parse_one(c.sql).kind), static_cast<int>(c.kind)) << c.sql;
}

TEST(DdlParser, DatabasesTriggersSequencesAndUnknownNames) {
  EXPECT_EQ(parse_one("CREATE DATABASE IF NOT EXISTS `shop` CHARSET utf8mb4").database, "shop");
  EXPECT_EQ(parse_one("DROP SCHEMA d2").database, "d2");
  EXPECT_EQ(parse_one("ALTER DATABASE CHARACTER SET latin1", "cur").database, "cur");
  DdlStatement trigger = parse_one(
      "CREATE DEFINER=`root`@`localhost` TRIGGER tr BEFORE INSERT ON other.t1 FOR EACH ROW BEGIN SET @a = 1; "
      "SET @b = 2; END");
  EXPECT_EQ(trigger.kind, StatementKind::other_ddl);
  ASSERT_EQ(trigger.tables.size(), 1u);
  EXPECT_EQ(trigger.tables[0], (QualifiedName{"other", "t1"}));
  DdlStatement ansi = parse_one(
      "CREATE DEFINER=\"root\"@\"localhost\" TRIGGER t BEFORE INSERT ON t1 FOR EACH ROW SET @foo = 1");
  ASSERT_EQ(ansi.tables.size(), 1u);
  EXPECT_EQ(ansi.tables[0].name, "t1");
  DdlStatement sequence = parse_one("CREATE SEQUENCE IF NOT EXISTS s START WITH 1");
  EXPECT_EQ(sequence.kind, StatementKind::other_ddl);
  ASSERT_EQ(sequence.tables.size(), 1u);
  EXPECT_EQ(sequence.tables[0], (QualifiedName{"db", "s"}));
  EXPECT_EQ(parse_one("DROP SEQUENCE s1, x.s2").tables.size(), 2u);
  DdlStatement unknown = parse_one("FROBNICATE TABLE a.b, c");
  ASSERT_EQ(unknown.tables.size(), 2u);
  EXPECT_EQ(unknown.tables[0], (QualifiedName{"a", "b"}));
  EXPECT_EQ(unknown.tables[1], (QualifiedName{"db", "c"}));
  DdlStatement insert = parse_one("INSERT INTO x.t SELECT * FROM u JOIN v");
  EXPECT_EQ(insert.tables.size(), 3u);
}

TEST(DdlParser, MultiStatementTextAndStoredPrograms) {
  std::vector<DdlStatement> all =
      parse_statements("CREATE TABLE a (x INT); ; DROP TABLE b;INSERT INTO c VALUES (';')", "db");
  ASSERT_EQ(all.size(), 3u);
  EXPECT_EQ(all[0].kind, StatementKind::create_table);
  EXPECT_EQ(all[0].text, "CREATE TABLE a (x INT)");
  EXPECT_EQ(all[1].kind, StatementKind::drop_table);
  EXPECT_EQ(all[1].text, "DROP TABLE b");
  EXPECT_EQ(all[2].kind, StatementKind::dml);
  std::vector<DdlStatement> procedure = parse_statements(
      "CREATE DEFINER=`root`@`localhost` PROCEDURE p1()\nBEGIN\nINSERT INTO t1 VALUES (NULL);\nDROP TABLE "
      "x;\nEND",
      "db");
  ASSERT_EQ(procedure.size(), 1u);
  EXPECT_EQ(procedure[0].kind, StatementKind::other_ddl);
  EXPECT_EQ(parse_statements("", "db").size(), 0u);
  EXPECT_EQ(parse_statements(" -- nothing\n/* at all */ ;", "db").size(), 0u);
}

// ---------------------------------------------------------------- CREATE TABLE

TEST(DdlParser, CreateTableColumnsAsInformationSchema) {
  DdlStatement s = parse_one(
      "CREATE TABLE IF NOT EXISTS `shop`.`t` (\n"
      "  id INT UNSIGNED NOT NULL AUTO_INCREMENT,\n"
      "  i1 INTEGER, t1 BOOL, t2 tinyint(1) DEFAULT TRUE, s1 INT2 ZEROFILL, m1 MIDDLEINT, b1 INT8 UNSIGNED,\n"
      "  d1 DEC, d2 NUMERIC(5), d3 FIXED(12,3) UNSIGNED, f1 FLOAT, f2 FLOAT(30), f3 REAL, f4 DOUBLE "
      "PRECISION(8,2),\n"
      "  c1 CHAR, c2 CHARACTER VARYING(20) CHARACTER SET latin1, c3 NATIONAL VARCHAR(5), c4 NVARCHAR(6),\n"
      "  c5 VARCHAR(10) COLLATE utf8mb4_unicode_ci, c6 VARCHAR(3) CHARSET utf8, c7 LONG, c8 LONG VARCHAR,\n"
      "  c9 TEXT CHARACTER SET binary, c10 CHAR(4) BINARY,\n"
      "  e ENUM('a','it''s', 'b\\\\c') NOT NULL DEFAULT 'a', st SET(\"x\",'y'),\n"
      "  bn BINARY(4), vb VARBINARY(9), bl BLOB, bl2 BLOB(70000), lvb LONG VARBINARY,\n"
      "  dt DATETIME(3) DEFAULT CURRENT_TIMESTAMP(3) ON UPDATE CURRENT_TIMESTAMP(3), ts TIMESTAMP NULL "
      "DEFAULT NOW(),\n"
      "  tm TIME(6), dd DATE DEFAULT '2020-01-01', y YEAR, bt BIT(5) DEFAULT b'101', bt2 BIT DEFAULT 0x1,\n"
      "  j JSON, g POINT NOT NULL SRID 4326, v VECTOR(3), ser SERIAL, u INET6,\n"
      "  gen INT GENERATED ALWAYS AS (id + 1) VIRTUAL, gen2 INT AS (id * 2) PERSISTENT,\n"
      "  neg INT DEFAULT -5, expr INT DEFAULT (id + 1), mexpr INT DEFAULT 1 + 1, fn VARCHAR(36) DEFAULT "
      "uuid(),\n"
      "  hx VARCHAR(4) DEFAULT 0x4142, nul INT DEFAULT NULL COMMENT 'a ''c''',\n"
      "  pk2 INT, PRIMARY KEY (id)\n"
      ") ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COMMENT='tbl'");
  ASSERT_EQ(s.kind, StatementKind::create_table);
  EXPECT_TRUE(s.if_not_exists);
  ASSERT_EQ(s.tables.size(), 1u);
  EXPECT_EQ(s.tables[0], (QualifiedName{"shop", "t"}));
  const SourceTable& t = s.definition;
  EXPECT_EQ(t.schema, "shop");
  EXPECT_EQ(t.name, "t");
  EXPECT_EQ(t.engine, "InnoDB");
  EXPECT_EQ(t.comment, "tbl");
  EXPECT_EQ(t.default_charset, "utf8mb4");
  EXPECT_EQ(t.primary_key, (Names{"id"}));

  struct Expect {
    const char* name;
    const char* data_type;
    const char* column_type;
  };
  const Expect types[] = {
      {"id", "int", "int(10) unsigned"},
      {"i1", "int", "int(11)"},
      {"t1", "tinyint", "tinyint(1)"},
      {"t2", "tinyint", "tinyint(1)"},
      {"s1", "smallint", "smallint(5) unsigned zerofill"},
      {"m1", "mediumint", "mediumint(9)"},
      {"b1", "bigint", "bigint(20) unsigned"},
      {"d1", "decimal", "decimal(10,0)"},
      {"d2", "decimal", "decimal(5,0)"},
      {"d3", "decimal", "decimal(12,3) unsigned"},
      {"f1", "float", "float"},
      {"f2", "double", "double"},
      {"f3", "double", "double"},
      {"f4", "double", "double(8,2)"},
      {"c1", "char", "char(1)"},
      {"c2", "varchar", "varchar(20)"},
      {"c3", "varchar", "varchar(5)"},
      {"c4", "varchar", "varchar(6)"},
      {"c7", "mediumtext", "mediumtext"},
      {"c8", "mediumtext", "mediumtext"},
      {"c9", "blob", "blob"},
      {"e", "enum", "enum('a','it''s','b\\\\c')"},
      {"st", "set", "set('x','y')"},
      {"bn", "binary", "binary(4)"},
      {"vb", "varbinary", "varbinary(9)"},
      {"bl", "blob", "blob"},
      {"bl2", "mediumblob", "mediumblob"},
      {"lvb", "mediumblob", "mediumblob"},
      {"dt", "datetime", "datetime(3)"},
      {"ts", "timestamp", "timestamp"},
      {"tm", "time", "time(6)"},
      {"dd", "date", "date"},
      {"y", "year", "year(4)"},
      {"bt", "bit", "bit(5)"},
      {"j", "json", "json"},
      {"g", "point", "point"},
      {"v", "vector", "vector(3)"},
      {"ser", "bigint", "bigint(20) unsigned"},
      {"u", "inet6", "inet6"},
  };
  for (const Expect& e : types) {
    const SourceColumn& c = column_named(t, e.name);
    EXPECT_EQ(c.data_type, e.data_type) << e.name;
    EXPECT_EQ(c.column_type, e.column_type) << e.name;
  }
  const SourceColumn& id = column_named(t, "id");
  EXPECT_FALSE(id.nullable);
  EXPECT_TRUE(id.auto_increment);
  EXPECT_TRUE(id.is_unsigned);
  EXPECT_EQ(id.numeric_precision, 10);
  EXPECT_EQ(column_named(t, "t2").default_value, "1");
  EXPECT_TRUE(column_named(t, "s1").is_unsigned);
  EXPECT_EQ(column_named(t, "d1").numeric_precision, 10);
  EXPECT_EQ(column_named(t, "d3").numeric_scale, 3);
  EXPECT_EQ(column_named(t, "c1").char_max_length, 1);
  EXPECT_EQ(column_named(t, "c1").character_set, "utf8mb4");  // the table default
  EXPECT_EQ(column_named(t, "c1").collation_id, 45);
  EXPECT_EQ(column_named(t, "c2").character_set, "latin1");
  EXPECT_EQ(column_named(t, "c2").collation, "latin1_swedish_ci");
  EXPECT_EQ(column_named(t, "c2").collation_id, 8);
  EXPECT_EQ(column_named(t, "c3").character_set, "utf8mb3");
  EXPECT_EQ(column_named(t, "c4").character_set, "utf8mb3");
  EXPECT_EQ(column_named(t, "c5").character_set, "utf8mb4");
  EXPECT_EQ(column_named(t, "c5").collation, "utf8mb4_unicode_ci");
  EXPECT_EQ(column_named(t, "c5").collation_id, 224);
  EXPECT_EQ(column_named(t, "c6").character_set, "utf8mb3");
  EXPECT_EQ(column_named(t, "c6").collation_id, 33);
  EXPECT_EQ(column_named(t, "c9").collation_id, kBinaryCollation);
  EXPECT_EQ(column_named(t, "c10").character_set, "utf8mb4");
  const SourceColumn& e = column_named(t, "e");
  EXPECT_EQ(e.enum_values, (Names{"a", "it's", "b\\c"}));
  EXPECT_EQ(e.default_value, "a");
  EXPECT_FALSE(e.nullable);
  EXPECT_EQ(e.char_max_length, 4);
  EXPECT_EQ(parse_enum_members(e.column_type), e.enum_values);
  EXPECT_EQ(column_named(t, "st").enum_values, (Names{"x", "y"}));
  EXPECT_EQ(column_named(t, "bn").collation_id, kBinaryCollation);
  EXPECT_EQ(column_named(t, "bn").char_max_length, 4);
  const SourceColumn& dt = column_named(t, "dt");
  EXPECT_EQ(dt.datetime_precision, 3);
  EXPECT_EQ(dt.default_value, "current_timestamp(3)");
  EXPECT_TRUE(dt.default_is_expression);
  EXPECT_TRUE(dt.on_update_current_timestamp);
  EXPECT_EQ(column_named(t, "ts").default_value, "current_timestamp()");
  EXPECT_TRUE(column_named(t, "ts").nullable);
  EXPECT_EQ(column_named(t, "tm").datetime_precision, 6);
  EXPECT_EQ(column_named(t, "dd").default_value, "2020-01-01");
  EXPECT_FALSE(column_named(t, "dd").default_is_expression);
  EXPECT_EQ(column_named(t, "bt").default_value, "b'101'");
  EXPECT_EQ(column_named(t, "bt").numeric_precision, 5);
  EXPECT_EQ(column_named(t, "bt2").default_value, "b'1'");
  EXPECT_EQ(column_named(t, "g").collation_id, kBinaryCollation);
  const SourceColumn& ser = column_named(t, "ser");
  EXPECT_FALSE(ser.nullable);
  EXPECT_TRUE(ser.auto_increment);
  EXPECT_TRUE(column_named(t, "gen").generated);
  EXPECT_TRUE(column_named(t, "gen2").generated);
  EXPECT_FALSE(column_named(t, "gen").default_value.has_value());
  EXPECT_EQ(column_named(t, "neg").default_value, "-5");
  EXPECT_EQ(column_named(t, "expr").default_value, "id + 1");
  EXPECT_TRUE(column_named(t, "expr").default_is_expression);
  EXPECT_EQ(column_named(t, "mexpr").default_value, "1 + 1");
  EXPECT_TRUE(column_named(t, "mexpr").default_is_expression);
  EXPECT_EQ(column_named(t, "fn").default_value, "uuid()");
  EXPECT_TRUE(column_named(t, "fn").default_is_expression);
  EXPECT_EQ(column_named(t, "hx").default_value, "AB");
  EXPECT_FALSE(column_named(t, "nul").default_value.has_value());
  EXPECT_EQ(column_named(t, "nul").comment, "a 'c'");
  // The SERIAL column's implicit UNIQUE index.
  ASSERT_EQ(t.indexes.size(), 1u);
  EXPECT_EQ(t.indexes[0].columns, (Names{"ser"}));
  EXPECT_TRUE(t.indexes[0].unique);
  // The types map.
  EXPECT_EQ(pg_type_of(column_named(t, "b1")), "numeric(20,0)");
  EXPECT_EQ(pg_type_of(column_named(t, "d3")), "numeric(12,3)");
  EXPECT_EQ(pg_type_of(column_named(t, "c2")), "varchar(20)");
  EXPECT_EQ(pg_type_of(column_named(t, "dt")), "timestamp(3) without time zone");
  EXPECT_EQ(pg_type_of(column_named(t, "bt")), "bit(5)");
  EXPECT_EQ(pg_default_of(column_named(t, "bt")).text, "00101");
  EXPECT_EQ(pg_default_of(column_named(t, "dt")).text, "LOCALTIMESTAMP");
}

TEST(DdlParser, CreateTableKeysAndConstraints) {
  DdlStatement s = parse_one(
      "CREATE TABLE t (a INT, b VARCHAR(100), c INT, d INT UNIQUE KEY, e INT PRIMARY KEY,"
      " KEY (a), INDEX idx_b USING BTREE (b(10) DESC) COMMENT 'x' INVISIBLE,"
      " UNIQUE KEY uq (a, c), CONSTRAINT uq2 UNIQUE (c), FULLTEXT KEY ft (b) WITH PARSER ngram,"
      " SPATIAL INDEX (c), INDEX fx ((a + 1), c),"
      " CONSTRAINT fk1 FOREIGN KEY (a) REFERENCES p (id) ON DELETE CASCADE ON UPDATE SET NULL,"
      " FOREIGN KEY (c) REFERENCES other.q (x, y) MATCH FULL,"
      " CONSTRAINT chk CHECK (a > 0), CHECK (c < 5) NOT ENFORCED)"
      " /*!50100 PARTITION BY RANGE (a) (PARTITION p0 VALUES LESS THAN (10), PARTITION p1 VALUES LESS THAN "
      "MAXVALUE) */");
  ASSERT_EQ(s.kind, StatementKind::create_table);
  const SourceTable& t = s.definition;
  EXPECT_EQ(t.primary_key, (Names{"e"}));
  EXPECT_FALSE(column_named(t, "e").nullable);
  ASSERT_EQ(t.indexes.size(), 8u);
  EXPECT_EQ(t.indexes[0].columns, (Names{"d"}));
  EXPECT_TRUE(t.indexes[0].unique);
  EXPECT_EQ(t.indexes[1].name, "");
  EXPECT_EQ(t.indexes[1].columns, (Names{"a"}));
  EXPECT_EQ(t.indexes[2].name, "idx_b");
  EXPECT_TRUE(t.indexes[2].on_prefix);
  EXPECT_EQ(t.indexes[3].name, "uq");
  EXPECT_EQ(t.indexes[3].columns, (Names{"a", "c"}));
  EXPECT_EQ(t.indexes[4].name, "uq2");
  EXPECT_EQ(t.indexes[5].type, "FULLTEXT");
  EXPECT_EQ(t.indexes[6].type, "SPATIAL");
  EXPECT_TRUE(t.indexes[7].on_expression);
  EXPECT_EQ(t.indexes[7].columns, (Names{"c"}));
  ASSERT_EQ(t.foreign_keys.size(), 2u);
  EXPECT_EQ(t.foreign_keys[0].name, "fk1");
  EXPECT_EQ(t.foreign_keys[0].ref_schema, "db");
  EXPECT_EQ(t.foreign_keys[0].ref_table, "p");
  EXPECT_EQ(t.foreign_keys[0].on_delete, "CASCADE");
  EXPECT_EQ(t.foreign_keys[0].on_update, "SET NULL");
  EXPECT_EQ(t.foreign_keys[1].ref_schema, "other");
  EXPECT_EQ(t.foreign_keys[1].ref_columns, (Names{"x", "y"}));

  // apply_to_model names what the statement left unnamed, as MySQL does.
  SourceTable model;
  apply_to_model(model, s);
  EXPECT_EQ(model.indexes[0].name, "d");
  EXPECT_EQ(model.indexes[1].name, "a");
  EXPECT_EQ(model.indexes[6].name, "c");
  EXPECT_EQ(model.foreign_keys[1].name, "t_ibfk_1");
}

TEST(DdlParser, CreateTableVariants) {
  DdlStatement like = parse_one("CREATE TABLE IF NOT EXISTS a.t2 LIKE t1");
  EXPECT_EQ(like.kind, StatementKind::create_table_like);
  EXPECT_EQ(like.like, (QualifiedName{"db", "t1"}));
  EXPECT_EQ(like.tables[0], (QualifiedName{"a", "t2"}));
  EXPECT_EQ(parse_one("CREATE TABLE t2 (LIKE t1)").kind, StatementKind::create_table_like);
  EXPECT_EQ(parse_one("CREATE TABLE GENERATED LIKE test.t1").tables[0].name, "GENERATED");
  DdlStatement select = parse_one("CREATE TABLE t (id INT PRIMARY KEY) ENGINE=InnoDB AS SELECT 1 AS x");
  EXPECT_EQ(select.kind, StatementKind::create_table_select);
  EXPECT_EQ(select.definition.columns.size(), 1u);
  EXPECT_EQ(parse_one("CREATE TABLE t SELECT * FROM u").kind, StatementKind::create_table_select);
  EXPECT_EQ(parse_one("CREATE TABLE t IGNORE SELECT * FROM u").kind, StatementKind::create_table_select);
  EXPECT_EQ(parse_one("CREATE TABLE t (SELECT * FROM u)").kind, StatementKind::create_table_select);
  DdlStatement temporary = parse_one("CREATE TEMPORARY TABLE tmp (a INT)");
  EXPECT_TRUE(temporary.temporary);
  EXPECT_EQ(temporary.kind, StatementKind::create_table);
  DdlStatement replace = parse_one("CREATE OR REPLACE TABLE t (a INT)");
  EXPECT_EQ(replace.kind, StatementKind::create_table);
  EXPECT_TRUE(replace.if_exists);
  DdlStatement options = parse_one(
      "CREATE TABLE t (a TEXT) ENGINE = MyISAM, AUTO_INCREMENT=5 ROW_FORMAT=DYNAMIC DEFAULT COLLATE = "
      "latin1_bin "
      "KEY_BLOCK_SIZE 8 STATS_PERSISTENT=0 UNION=(a,b) DATA DIRECTORY='/x' TABLESPACE ts STORAGE DISK "
      "PAGE_COMPRESSED=1 `my_option`='v'");
  EXPECT_EQ(options.definition.default_charset, "latin1");
  EXPECT_EQ(options.definition.columns[0].collation, "latin1_bin");
  EXPECT_EQ(options.definition.columns[0].collation_id, 47);
  EXPECT_EQ(options.definition.engine, "MyISAM");
  DdlStatement no_charset = parse_one("CREATE TABLE t (a VARCHAR(3))");
  EXPECT_EQ(no_charset.definition.columns[0].character_set, "");
  SourceTable model;
  model.default_charset = "latin1";  // the database default, from the caller
  apply_to_model(model, no_charset);
  EXPECT_EQ(model.columns[0].character_set, "latin1");
  EXPECT_EQ(model.columns[0].collation_id, 8);
  DdlStatement ansi = parse_one("CREATE TABLE \"q\" (\"a\" INT)");
  EXPECT_EQ(ansi.tables[0].name, "q");
  EXPECT_EQ(ansi.definition.columns[0].name, "a");
  DdlStatement version = parse_one("/*!40101 CREATE TABLE */ t (a INT /*M!100301 COMMENT 'm' */) /*!*/");
  EXPECT_EQ(version.kind, StatementKind::create_table);
  EXPECT_EQ(version.definition.columns[0].comment, "m");
  DdlStatement escaped = parse_one("CREATE TABLE `a``b` (`c``d` INT COMMENT _utf8mb4'x\\ty' 'z')");
  EXPECT_EQ(escaped.tables[0].name, "a`b");
  EXPECT_EQ(escaped.definition.columns[0].name, "c`d");
  EXPECT_EQ(escaped.definition.columns[0].comment, "x\tyz");
  EXPECT_EQ(
      sqlstate_of([] {
        parse_statements("CREATE TABLE t (a INT) WITH SYSTEM VERSIONING", "db");
        EXPECT_EQ(sqlstate_of([] { parse_statements("ALTER TABLE t ADD SYSTEM VERSIONING", "db"); }),
                  "0A000");
        DdlStatement partitioned = parse_one(
            "CREATE TABLE p (a INT, b DATE) PARTITION BY LIST (a) SUBPARTITION BY HASH (TO_DAYS(b)) "
            "SUBPARTITIONS 2 "
            "(PARTITION p0 VALUES IN (1, 2) (SUBPARTITION s0, SUBPARTITION s1), PARTITION p1 VALUES IN (3))");
        EXPECT_EQ(partitioned.kind, StatementKind::create_table);
        EXPECT_EQ(partitioned.definition.columns.size(), 2u);
        EXPECT_EQ(
            parse_one("CREATE TABLE p (a INT) PARTITION BY HASH (a) PARTITIONS 2 AS SELECT 1 AS a").kind,
            StatementKind::create_table_select);
        EXPECT_EQ(parse_one("CREATE TABLE t2 AS TABLE t1").kind, StatementKind::create_table_select);
        EXPECT_EQ(sqlstate_of([] { parse_statements("CREATE TABLE p (a INT) PARTITION BY HASH (a", "db"); }),
                  "42601");
        EXPECT_EQ(parse_one("CREATE TABLE h (a INT NOT SECONDARY)").definition.columns.size(), 1u);
      }),
      "0A000");
}

// ---------------------------------------------------------------- errors

TEST(DdlParser, MalformedTableDdlThrows42601WithOffset) {
  struct Case {
    const char* sql;
    size_t offset;
  };
  const Case cases[] = {
      {"CREATE TABLE t (a INT", 21},
      {"CREATE TABLE t (a INT NOT FOO)", 26},
      {"CREATE TABLE t (a INT) GARBAGE", 23},
      {"ALTER TABLE t FROB a", 14},
      {"ALTER TABLE t ADD COLUMN", 24},
      {"DROP TABLE", 10},
      {"RENAME TABLE a b", 15},
      {"TRUNCATE TABLE t extra", 17},
      {"CREATE INDEX i ON t", 19},
      {"DROP INDEX i", 12},
      {"CREATE TABLE t (a ENUM)", 22},
      {"CREATE TABLE t (a VARCHAR(10) COMMENT 'open", 38},
      {"SELECT 1; ALTER TABLE t ADD a INT FIRST x", 40},
  };
  for (const Case& c : cases) {
    try {
      parse_statements(c.sql, "db");
      ADD_FAILURE() << "no error for " << c.sql;
    } catch (const SyncError& e) {
      EXPECT_EQ(e.sqlstate(), "42601") << c.sql;
      EXPECT_NE(std::string(e.what()).find("offset " + std::to_string(c.offset) + ":"), std::string::npos)
          << c.sql << " -> " << e.what();
      EXPECT_FALSE(e.hint().empty());
    }
  }
  // Statements that change no table never fail.
  for (const char* sql : {"CREATE VIEW v AS SELECT 'open", "GRANT ((( TO", "INSERT INTO",
                          "CREATE DEFINER=", "ALTER DATABASE", "DROP DATABASE", "SET @a = 'x"})
    EXPECT_NO_THROW(parse_statements(sql, "db")) << sql;
}

// ---------------------------------------------------------------- ALTER TABLE

TEST(DdlParser, AlterTableActions) {
  DdlStatement s = parse_one(
      "ALTER ONLINE IGNORE TABLE IF EXISTS db2.t WAIT 5 "
      "ADD COLUMN IF NOT EXISTS a INT NOT NULL DEFAULT 0 AFTER x, ADD b TEXT FIRST, ADD (c INT, d INT "
      "UNIQUE),"
      " ADD INDEX i1 (a), ADD UNIQUE KEY (b(5)), ADD PRIMARY KEY (a), ADD FULLTEXT (b), ADD SPATIAL KEY sp "
      "(g),"
      " ADD CONSTRAINT fk FOREIGN KEY (a) REFERENCES p (id), ADD CONSTRAINT ck CHECK (a > 1),"
      " DROP COLUMN IF EXISTS e, DROP f RESTRICT, DROP INDEX i2, DROP KEY i3, DROP PRIMARY KEY,"
      " DROP FOREIGN KEY fk2, DROP CHECK ck2, DROP CONSTRAINT c3,"
      " CHANGE COLUMN g h VARCHAR(5) FIRST, CHANGE i i BIGINT, MODIFY COLUMN j INT AFTER a, MODIFY k TINYINT,"
      " RENAME COLUMN l TO m, RENAME INDEX n TO o, RENAME KEY n2 TO o2, RENAME TO db3.u,"
      " ALTER COLUMN p SET DEFAULT 'v', ALTER q DROP DEFAULT, ALTER COLUMN r SET INVISIBLE,"
      " ALTER INDEX s INVISIBLE, CONVERT TO CHARACTER SET utf8mb4 COLLATE utf8mb4_bin,"
      " DEFAULT CHARACTER SET = latin1, CHARSET utf8, COLLATE ascii_bin, ENGINE=InnoDB, COMMENT = 'c2',"
      " AUTO_INCREMENT = 10, ROW_FORMAT=COMPRESSED, ALGORITHM=INPLACE, LOCK = NONE, FORCE, ORDER BY a DESC, "
      "b,"
      " ENABLE KEYS, DISABLE KEYS");
  ASSERT_EQ(s.kind, StatementKind::alter_table);
  EXPECT_TRUE(s.if_exists);
  ASSERT_EQ(s.tables.size(), 1u);
  EXPECT_EQ(s.tables[0], (QualifiedName{"db2", "t"}));
  std::vector<AlterKind> kinds;
  for (const AlterAction& a : s.actions) kinds.push_back(a.kind);
  const std::vector<AlterKind> expected = {
      AlterKind::add_column,      AlterKind::add_column,       AlterKind::add_column,
      AlterKind::add_column,      AlterKind::add_index,        AlterKind::add_index,
      AlterKind::add_index,       AlterKind::add_primary_key,  AlterKind::add_index,
      AlterKind::add_index,       AlterKind::add_foreign_key,  AlterKind::no_effect,
      AlterKind::drop_column,     AlterKind::drop_column,      AlterKind::drop_index,
      AlterKind::drop_index,      AlterKind::drop_primary_key, AlterKind::drop_foreign_key,
      AlterKind::no_effect,       AlterKind::drop_foreign_key, AlterKind::change_column,
      AlterKind::change_column,   AlterKind::modify_column,    AlterKind::modify_column,
      AlterKind::rename_column,   AlterKind::rename_index,     AlterKind::rename_index,
      AlterKind::rename_table,    AlterKind::set_default,      AlterKind::drop_default,
      AlterKind::set_visibility,  AlterKind::no_effect,        AlterKind::convert_charset,
      AlterKind::default_charset, AlterKind::default_charset,  AlterKind::default_charset,
      AlterKind::no_effect,       AlterKind::table_comment,    AlterKind::no_effect,
      AlterKind::no_effect,       AlterKind::no_effect,        AlterKind::no_effect,
      AlterKind::no_effect,       AlterKind::no_effect,        AlterKind::no_effect,
      AlterKind::no_effect,
  };
  ASSERT_EQ(kinds.size(), expected.size());
  for (size_t i = 0; i < kinds.size(); ++i)
    EXPECT_EQ(static_cast<int>(kinds[i]), static_cast<int>(expected[i])) << i << ": " << s.actions[i].text;
  const auto& a = s.actions;
  EXPECT_TRUE(a[0].if_not_exists);
  EXPECT_EQ(a[0].column.name, "a");
  EXPECT_EQ(a[0].column.default_value, "0");
  EXPECT_EQ(a[0].position.kind, ColumnPosition::Kind::after);
  EXPECT_EQ(a[0].position.after, "x");
  EXPECT_EQ(a[0].text, "ADD COLUMN IF NOT EXISTS a INT NOT NULL DEFAULT 0 AFTER x");
  EXPECT_EQ(a[1].position.kind, ColumnPosition::Kind::first);
  EXPECT_EQ(a[2].position.kind, ColumnPosition::Kind::last);
  EXPECT_EQ(a[4].index.columns, (Names{"d"}));  // d's inline UNIQUE
  EXPECT_EQ(a[5].index.name, "i1");
  EXPECT_TRUE(a[6].index.on_prefix);
  EXPECT_EQ(a[9].index.type, "SPATIAL");
  EXPECT_EQ(a[10].foreign_key.name, "fk");
  EXPECT_TRUE(a[12].if_exists);
  EXPECT_EQ(a[13].name, "f");
  EXPECT_TRUE(a[19].any_constraint);
  EXPECT_EQ(a[20].name, "g");
  EXPECT_EQ(a[20].column.name, "h");
  EXPECT_EQ(a[20].position.kind, ColumnPosition::Kind::first);
  EXPECT_EQ(a[21].position.kind, ColumnPosition::Kind::unchanged);
  EXPECT_EQ(a[22].name, "j");
  EXPECT_EQ(a[22].position.after, "a");
  EXPECT_EQ(a[24].new_name, "m");
  EXPECT_EQ(a[27].rename_to, (QualifiedName{"db3", "u"}));
  EXPECT_EQ(a[28].column.default_value, "v");
  EXPECT_EQ(a[32].charset, "utf8mb4");
  EXPECT_EQ(a[32].collation, "utf8mb4_bin");
  EXPECT_EQ(a[33].charset, "latin1");
  EXPECT_EQ(a[34].charset, "utf8mb3");
  EXPECT_EQ(a[35].charset, "ascii");
  EXPECT_EQ(a[37].comment, "c2");
}

TEST(DdlParser, AlterTablePartitionsAndOtherForms) {
  // Partitioning changes that keep every row.
  for (const char* sql :
       {"ALTER TABLE t ADD PARTITION (PARTITION p3 VALUES LESS THAN (2000))",
        "ALTER TABLE t REMOVE PARTITIONING", "ALTER TABLE t ENGINE=InnoDB PARTITION BY HASH(id) PARTITIONS 4",
        "ALTER TABLE t ANALYZE PARTITION p1", "ALTER TABLE t REBUILD PARTITION p1, p2",
        "ALTER TABLE t OPTIMIZE PARTITION ALL", "ALTER TABLE t UPGRADE PARTITIONING", "ALTER TABLE t"}) {
    DdlStatement s = parse_one(sql);
    EXPECT_EQ(s.kind, StatementKind::alter_table) << sql;
    for (const AlterAction& a : s.actions) EXPECT_EQ(a.kind, AlterKind::no_effect) << sql;
  }
}

// Statements that delete, replace or move rows without row events.
TEST(DdlParser, PartitionAndTablespaceOperationsThatChangeRows) {
  struct Case {
    const char* sql;
    const char* name;
    const char* other;  // db.table or ""
    bool created, gone, unreadable;
  };
  const Case cases[] = {
      {"ALTER TABLE t DROP PARTITION p1, p2", "DROP PARTITION", "", false, false, false},
      {"ALTER TABLE t TRUNCATE PARTITION ALL", "TRUNCATE PARTITION", "", false, false, false},
      {"/*!50100 ALTER TABLE `t` TRUNCATE PARTITION `p0` */", "TRUNCATE PARTITION", "", false, false, false},
      {"ALTER TABLE t COALESCE PARTITION 2", "COALESCE PARTITION", "", false, false, false},
      {"ALTER TABLE t REORGANIZE PARTITION p1, p2 INTO (PARTITION p VALUES LESS THAN (5))",
       "REORGANIZE PARTITION", "", false, false, false},
      {"ALTER TABLE t EXCHANGE PARTITION p WITH TABLE u WITHOUT VALIDATION", "EXCHANGE PARTITION", "db.u",
       false, false, false},
      {"ALTER TABLE t EXCHANGE PARTITION p WITH TABLE other.u", "EXCHANGE PARTITION", "other.u", false, false,
       false},
      {"ALTER TABLE t CONVERT PARTITION p TO TABLE u", "CONVERT PARTITION", "db.u", true, false, false},
      {"ALTER TABLE t CONVERT TABLE u TO PARTITION p VALUES LESS THAN (10)", "CONVERT TABLE", "db.u", false,
       true, false},
      {"ALTER TABLE t DISCARD TABLESPACE", "DISCARD TABLESPACE", "", false, false, true},
      {"ALTER TABLE t IMPORT TABLESPACE", "IMPORT TABLESPACE", "", false, false, false},
      {"ALTER TABLE t DISCARD PARTITION p0 TABLESPACE", "DISCARD PARTITION", "", false, false, true},
      {"ALTER TABLE t IMPORT PARTITION ALL TABLESPACE", "IMPORT PARTITION", "", false, false, false},
  };
  for (const Case& c : cases) {
    DdlStatement s = parse_one(c.sql);
    EXPECT_EQ(s.kind, StatementKind::alter_table) << c.sql;
    ASSERT_EQ(s.actions.size(), 1u) << c.sql;
    const AlterAction& a = s.actions[0];
    EXPECT_EQ(a.kind, AlterKind::unlogged_rows) << c.sql;
    EXPECT_EQ(a.name, c.name) << c.sql;
    std::string other = a.other_table.name.empty() ? "" : a.other_table.schema + "." + a.other_table.name;
    EXPECT_EQ(other, c.other) << c.sql;
    EXPECT_EQ(a.other_table_created, c.created) << c.sql;
    EXPECT_EQ(a.other_table_gone, c.gone) << c.sql;
    EXPECT_EQ(a.rows_unreadable, c.unreadable) << c.sql;
  }
}

// ---------------------------------------------------------------- other table DDL

TEST(DdlParser, RenameDropTruncateIndexes) {
  DdlStatement rename = parse_one("RENAME TABLE a TO b, x.c TO y.d");
  EXPECT_EQ(rename.kind, StatementKind::rename_table);
  ASSERT_EQ(rename.tables.size(), 2u);
  EXPECT_EQ(rename.rename_to[0], (QualifiedName{"db", "b"}));
  EXPECT_EQ(rename.tables[1], (QualifiedName{"x", "c"}));
  EXPECT_EQ(rename.rename_to[1], (QualifiedName{"y", "d"}));
  DdlStatement drop =
      parse_one("DROP TEMPORARY TABLE IF EXISTS a, `b`.`c` CASCADE /* generated by server */");
  EXPECT_EQ(drop.kind, StatementKind::drop_table);
  EXPECT_TRUE(drop.temporary);
  EXPECT_TRUE(drop.if_exists);
  EXPECT_EQ(drop.tables.size(), 2u);
  EXPECT_EQ(drop.tables[1], (QualifiedName{"b", "c"}));
  DdlStatement truncate = parse_one("TRUNCATE t");
  EXPECT_EQ(truncate.kind, StatementKind::truncate_table);
  EXPECT_EQ(parse_one("TRUNCATE TABLE x.t").tables[0], (QualifiedName{"x", "t"}));
  DdlStatement create = parse_one(
      "CREATE UNIQUE INDEX i USING HASH ON t (a(10), b DESC) COMMENT 'c' ALGORITHM=INPLACE LOCK=NONE");
  EXPECT_EQ(create.kind, StatementKind::create_index);
  ASSERT_EQ(create.actions.size(), 1u);
  EXPECT_EQ(create.actions[0].kind, AlterKind::add_index);
  EXPECT_TRUE(create.actions[0].index.unique);
  EXPECT_TRUE(create.actions[0].index.on_prefix);
  EXPECT_EQ(create.actions[0].index.type, "HASH");
  EXPECT_EQ(create.actions[0].index.columns, (Names{"a", "b"}));
  EXPECT_EQ(parse_one("CREATE FULLTEXT INDEX f ON t (a)").actions[0].index.type, "FULLTEXT");
  EXPECT_TRUE(parse_one("CREATE INDEX f ON t ((lower(a)))").actions[0].index.on_expression);
  DdlStatement drop_index = parse_one("DROP INDEX i ON x.t ALGORITHM = INPLACE");
  EXPECT_EQ(drop_index.kind, StatementKind::drop_index);
  EXPECT_EQ(drop_index.tables[0], (QualifiedName{"x", "t"}));
  EXPECT_EQ(drop_index.actions[0].kind, AlterKind::drop_index);
  EXPECT_EQ(drop_index.actions[0].name, "i");
  EXPECT_EQ(parse_one("DROP INDEX `PRIMARY` ON t").actions[0].kind, AlterKind::drop_primary_key);
}

// ---------------------------------------------------------------- apply_to_model

SourceTable base_model() {
  SourceTable table;
  for (auto& statement : parse_statements(
           "CREATE TABLE t (id INT PRIMARY KEY, a VARCHAR(10), b INT, c TEXT, KEY ab (a, b), KEY bonly (b),"
           " CONSTRAINT fk FOREIGN KEY (b) REFERENCES p (id)) DEFAULT CHARSET=latin1",
           "db"))
    apply_to_model(table, statement);
  return table;
}

void alter(SourceTable& table, const std::string& actions) {
  for (const DdlStatement& s : parse_statements("ALTER TABLE t " + actions, "db")) apply_to_model(table, s);
}

TEST(DdlModel, AddColumnPositions) {
  SourceTable t = base_model();
  alter(t, "ADD COLUMN x INT FIRST, ADD y INT AFTER a, ADD z VARCHAR(3)");
  EXPECT_EQ(column_names(t), (Names{"x", "id", "a", "y", "b", "c", "z"}));
  EXPECT_EQ(column_named(t, "z").character_set, "latin1");  // the table default
  EXPECT_EQ(column_named(t, "z").collation_id, 8);
  alter(t, "ADD COLUMN IF NOT EXISTS z INT");  // skipped
  EXPECT_EQ(column_named(t, "z").data_type, "varchar");
  EXPECT_EQ(sqlstate_of([&] { alter(t, "ADD z INT"); }), "42701");
  EXPECT_EQ(sqlstate_of([&] { alter(t, "ADD w INT AFTER nope"); }), "42703");
  alter(t, "ADD (p INT, q INT UNIQUE)");
  EXPECT_EQ(column_names(t).back(), "q");
  EXPECT_EQ(t.indexes.back().name, "q");
  EXPECT_TRUE(t.indexes.back().unique);
}

TEST(DdlModel, DropColumnLeavesKeysConsistent) {
  SourceTable t = base_model();
  alter(t, "DROP COLUMN b");
  EXPECT_EQ(column_names(t), (Names{"id", "a", "c"}));
  ASSERT_EQ(t.indexes.size(), 1u);  // bonly disappeared with its only column
  EXPECT_EQ(t.indexes[0].name, "ab");
  EXPECT_EQ(t.indexes[0].columns, (Names{"a"}));
  EXPECT_TRUE(t.foreign_keys.empty());
  alter(t, "DROP id");
  EXPECT_TRUE(t.primary_key.empty());
  alter(t, "DROP COLUMN IF EXISTS nope");
  EXPECT_EQ(sqlstate_of([&] { alter(t, "DROP COLUMN nope"); }), "42703");
}

TEST(DdlModel, ChangeModifyRename) {
  SourceTable t = base_model();
  alter(t, "CHANGE a a2 VARCHAR(20) NOT NULL");
  EXPECT_EQ(column_names(t), (Names{"id", "a2", "b", "c"}));
  EXPECT_EQ(column_named(t, "a2").char_max_length, 20);
  EXPECT_FALSE(column_named(t, "a2").nullable);
  EXPECT_EQ(t.indexes[0].columns, (Names{"a2", "b"}));
  alter(t, "MODIFY c MEDIUMTEXT FIRST");
  EXPECT_EQ(column_names(t), (Names{"c", "id", "a2", "b"}));
  EXPECT_EQ(column_named(t, "c").data_type, "mediumtext");
  alter(t, "MODIFY COLUMN c TEXT AFTER b");
  EXPECT_EQ(column_names(t), (Names{"id", "a2", "b", "c"}));
  alter(t, "RENAME COLUMN b TO bb, RENAME COLUMN id TO ID2");
  EXPECT_EQ(t.indexes[1].columns, (Names{"bb"}));
  EXPECT_EQ(t.foreign_keys[0].columns, (Names{"bb"}));
  EXPECT_EQ(t.primary_key, (Names{"ID2"}));
  alter(t, "CHANGE `A2` a INT");  // names compare without case
  EXPECT_EQ(column_names(t), (Names{"ID2", "a", "bb", "c"}));
  EXPECT_EQ(sqlstate_of([&] { alter(t, "CHANGE nope x INT"); }), "42703");
  EXPECT_EQ(sqlstate_of([&] { alter(t, "CHANGE a c INT"); }), "42701");
  EXPECT_EQ(sqlstate_of([&] { alter(t, "MODIFY nope INT"); }), "42703");
  EXPECT_EQ(sqlstate_of([&] { alter(t, "RENAME COLUMN nope TO x"); }), "42703");
  alter(t, "MODIFY COLUMN IF EXISTS nope INT");
}

TEST(DdlModel, DefaultsIndexesKeysAndTable) {
  SourceTable t = base_model();
  alter(t, "ALTER COLUMN b SET DEFAULT 5, ALTER a SET DEFAULT (concat('x', 'y'))");
  EXPECT_EQ(column_named(t, "b").default_value, "5");
  EXPECT_TRUE(column_named(t, "a").default_is_expression);
  alter(t, "ALTER COLUMN b DROP DEFAULT");
  EXPECT_FALSE(column_named(t, "b").default_value.has_value());
  EXPECT_EQ(sqlstate_of([&] { alter(t, "ALTER COLUMN nope SET DEFAULT 1"); }), "42703");

  alter(t, "ADD INDEX (b), ADD UNIQUE uq (a)");
  EXPECT_EQ(t.indexes[2].name, "b");
  EXPECT_EQ(t.indexes[3].name, "uq");
  alter(t, "ADD INDEX (b)");
  EXPECT_EQ(t.indexes[4].name, "b_2");
  EXPECT_EQ(sqlstate_of([&] { alter(t, "ADD INDEX uq (b)"); }), "42P07");
  EXPECT_EQ(sqlstate_of([&] { alter(t, "ADD INDEX (nope)"); }), "42703");
  alter(t, "RENAME INDEX uq TO uq2, DROP INDEX b_2");
  EXPECT_EQ(t.indexes.back().name, "uq2");
  EXPECT_EQ(sqlstate_of([&] { alter(t, "DROP INDEX nope"); }), "42704");
  EXPECT_EQ(sqlstate_of([&] { alter(t, "RENAME INDEX nope TO x"); }), "42704");
  alter(t, "DROP INDEX IF EXISTS nope");
  for (const DdlStatement& s : parse_statements("CREATE INDEX ci ON t (c(10)); DROP INDEX ci ON t", "db")) {
    apply_to_model(t, s);
    if (s.kind == StatementKind::create_index) {
      EXPECT_EQ(t.indexes.back().name, "ci");
    }
  }
  EXPECT_NE(t.indexes.back().name, "ci");

  EXPECT_EQ(sqlstate_of([&] { alter(t, "ADD PRIMARY KEY (a)"); }), "42P16");
  alter(t, "DROP PRIMARY KEY, ADD PRIMARY KEY (a, b)");
  EXPECT_EQ(t.primary_key, (Names{"a", "b"}));
  EXPECT_FALSE(column_named(t, "b").nullable);
  apply_to_model(t, parse_one("DROP INDEX `PRIMARY` ON t"));
  EXPECT_TRUE(t.primary_key.empty());
  EXPECT_EQ(sqlstate_of([&] { alter(t, "DROP PRIMARY KEY"); }), "42704");

  alter(t, "ADD FOREIGN KEY (a) REFERENCES p (id), DROP FOREIGN KEY fk");
  ASSERT_EQ(t.foreign_keys.size(), 1u);
  EXPECT_EQ(t.foreign_keys[0].name, "t_ibfk_1");
  EXPECT_EQ(sqlstate_of([&] { alter(t, "DROP FOREIGN KEY fk"); }), "42704");
  alter(t, "DROP CONSTRAINT uq2, DROP CONSTRAINT some_check, DROP CONSTRAINT t_ibfk_1");
  EXPECT_TRUE(t.foreign_keys.empty());
  for (const SourceIndex& index : t.indexes) EXPECT_NE(index.name, "uq2");

  alter(t, "COMMENT 'hello', ENGINE=MyISAM, RENAME TO other.t9");
  EXPECT_EQ(t.comment, "hello");
  EXPECT_EQ(t.schema, "other");
  EXPECT_EQ(t.name, "t9");
  apply_to_model(t, parse_one("RENAME TABLE other.t9 TO x, x TO y"));
  EXPECT_EQ(t.schema, "db");
  EXPECT_EQ(t.name, "y");
  apply_to_model(t, parse_one("TRUNCATE y"));
  EXPECT_EQ(sqlstate_of([&] { apply_to_model(t, parse_one("INSERT INTO y VALUES (1)")); }), "XX000");
}

TEST(DdlModel, MariaDbIfNotExistsAndOrReplace) {
  SourceTable t = base_model();
  alter(
      t,
      "ADD INDEX IF NOT EXISTS ab (c(3)), ADD CONSTRAINT IF NOT EXISTS fk FOREIGN KEY (a) REFERENCES p (id)");
  EXPECT_EQ(t.indexes[0].columns, (Names{"a", "b"}));
  EXPECT_EQ(t.foreign_keys.size(), 1u);
  EXPECT_EQ(sqlstate_of([&] { alter(t, "ADD CONSTRAINT fk FOREIGN KEY (a) REFERENCES p (id)"); }), "42710");
  DdlStatement replace = parse_one("CREATE OR REPLACE UNIQUE INDEX ab ON t (c(4))");
  ASSERT_EQ(replace.actions.size(), 2u);
  apply_to_model(t, replace);
  ASSERT_EQ(t.indexes.size(), 2u);
  EXPECT_EQ(t.indexes.back().name, "ab");
  EXPECT_TRUE(t.indexes.back().unique);
  EXPECT_EQ(t.indexes.back().columns, (Names{"c"}));
  apply_to_model(t, parse_one("ALTER TABLE IF EXISTS t DROP COLUMN IF EXISTS nope"));
}

TEST(DdlModel, Charsets) {
  SourceTable t = base_model();
  alter(t, "ADD d TINYTEXT, ADD e ENUM('x') CHARACTER SET utf8mb4, ADD f BLOB");
  alter(t, "DEFAULT CHARSET utf8mb4, ADD g CHAR(2)");
  EXPECT_EQ(t.default_charset, "utf8mb4");
  EXPECT_EQ(column_named(t, "g").character_set, "utf8mb4");
  EXPECT_EQ(column_named(t, "a").character_set, "latin1");  // only new columns
  alter(t, "CONVERT TO CHARACTER SET utf8mb4");
  EXPECT_EQ(column_named(t, "a").character_set, "utf8mb4");
  EXPECT_EQ(column_named(t, "a").collation_id, 45);
  EXPECT_EQ(column_named(t, "c").data_type, "mediumtext");  // latin1 TEXT -> utf8mb4 MEDIUMTEXT
  EXPECT_EQ(column_named(t, "d").data_type, "text");
  EXPECT_EQ(column_named(t, "e").data_type, "enum");
  EXPECT_EQ(column_named(t, "f").collation_id, kBinaryCollation);
  EXPECT_EQ(column_named(t, "f").data_type, "blob");
  alter(t, "CONVERT TO CHARSET latin1 COLLATE latin1_general_cs");
  EXPECT_EQ(column_named(t, "a").collation_id, 49);
  EXPECT_EQ(column_named(t, "c").data_type, "mediumtext");  // never narrowed
  EXPECT_EQ(sqlstate_of([&] { alter(t, "CONVERT TO CHARACTER SET klingon"); }), "42704");
  // A failed statement leaves the model as it was.
  SourceTable before = t;
  EXPECT_EQ(sqlstate_of([&] { alter(t, "ADD z1 INT, DROP nope"); }), "42703");
  EXPECT_EQ(column_names(t), column_names(before));
}

TEST(Charset, CollationIdOf) {
  EXPECT_EQ(collation_id_of("utf8mb4", ""), 45);
  EXPECT_EQ(collation_id_of("utf8mb4", "utf8mb4_0900_ai_ci"), 255);
  EXPECT_EQ(collation_id_of("utf8mb4", "latin1_bin"), 45);  // not of the charset: its default
  EXPECT_EQ(collation_id_of("utf8", "utf8_bin"), 83);
  EXPECT_EQ(collation_id_of("utf8mb3", ""), 33);
  EXPECT_EQ(collation_id_of("latin1", "no_such"), 8);
  EXPECT_EQ(collation_id_of("", "latin1_german2_ci"), 31);
  EXPECT_EQ(collation_id_of("", "utf8mb4_uca1400_ai_ci"), 2308);
  EXPECT_EQ(collation_id_of("klingon", ""), 0);
  EXPECT_EQ(collation_id_of("binary", ""), 63);
  for (const char* charset : {"big5", "latin1", "latin2", "ascii", "sjis", "gbk", "utf8mb3", "utf8mb4",
                              "ucs2", "utf16", "utf32", "cp1250", "cp1251", "gb18030", "binary"}) {
    uint16_t id = collation_id_of(charset, "");
    ASSERT_NE(id, 0) << charset;
    EXPECT_STREQ(charset_name(id), charset);
  }
}

// ---------------------------------------------------------------- robustness

const char* const kCorpus[] = {
    "CREATE TABLE IF NOT EXISTS `db`.`t` (`id` int(10) unsigned NOT NULL AUTO_INCREMENT, `a` varchar(20) "
    "CHARACTER "
    "SET utf8mb4 COLLATE utf8mb4_bin DEFAULT 'x''y' COMMENT 'c', `b` enum('p','q') NOT NULL, d DECIMAL(10,2) "
    "DEFAULT -1.5, e DATETIME(6) DEFAULT CURRENT_TIMESTAMP(6) ON UPDATE CURRENT_TIMESTAMP(6), f INT AS "
    "(id+1) "
    "STORED, PRIMARY KEY (`id`), UNIQUE KEY `u` (`a`(5)), KEY ((id * 2)), CONSTRAINT fk FOREIGN KEY (id) "
    "REFERENCES p (id) ON DELETE SET NULL, CHECK (id > 0)) ENGINE=InnoDB DEFAULT CHARSET=latin1 /*!50100 "
    "PARTITION BY HASH (id) PARTITIONS 4 */",
    "ALTER TABLE t ADD COLUMN a INT FIRST, ADD (b INT, c INT), DROP COLUMN IF EXISTS d, CHANGE e f TEXT "
    "AFTER a, "
    "MODIFY g BIGINT, RENAME COLUMN h TO i, RENAME INDEX j TO k, ALTER COLUMN l SET DEFAULT 'x', ALTER m "
    "DROP "
    "DEFAULT, CONVERT TO CHARACTER SET utf8mb4 COLLATE utf8mb4_bin, ADD INDEX n (a), DROP PRIMARY KEY, ADD "
    "CONSTRAINT o FOREIGN KEY (a) REFERENCES q (r), DROP FOREIGN KEY s, ALGORITHM=INPLACE, LOCK=NONE",
    "RENAME TABLE a TO b, c.d TO e.f",
    "DROP TEMPORARY TABLE IF EXISTS a, b CASCADE",
    "CREATE UNIQUE INDEX i ON t (a(10) DESC, (lower(b))) USING BTREE",
    "DROP INDEX `PRIMARY` ON t",
    "CREATE TABLE t2 LIKE t1; CREATE TABLE t3 AS SELECT * FROM t1; TRUNCATE TABLE t4",
    "CREATE DEFINER=`root`@`localhost` TRIGGER tr BEFORE INSERT ON t FOR EACH ROW BEGIN SET @a = 1; END",
    "/*!40101 SET NAMES utf8 */; INSERT INTO t VALUES ('a;b', \"c\"), (0x41, b'1') -- tail",
    "CREATE TABLE t (a INT DEFAULT (1 + (2 * 3)), b VARCHAR(3) DEFAULT _utf8mb4'x', c BIT(3) DEFAULT b'1')",
    "ALTER TABLE t PARTITION BY RANGE (a) (PARTITION p0 VALUES LESS THAN (5))",
};

TEST(DdlParser, EveryPrefixParsesOrThrowsSyncError) {
  size_t prefixes = 0, errors = 0;
  for (const char* statement : kCorpus) {
    const std::string sql = statement;
    for (size_t n = 0; n <= sql.size(); ++n) {
      ++prefixes;
      try {
        std::vector<DdlStatement> parsed = parse_statements(sql.substr(0, n), "db");
        for (const DdlStatement& s : parsed) {
          if (s.kind != StatementKind::alter_table && s.kind != StatementKind::create_index &&
              s.kind != StatementKind::drop_index && s.kind != StatementKind::create_table &&
              s.kind != StatementKind::rename_table && s.kind != StatementKind::truncate_table)
            continue;
          SourceTable model;
          try {
            apply_to_model(model, s);
          } catch (const SyncError&) {
          }
        }
      } catch (const SyncError& e) {
        ++errors;
        EXPECT_TRUE(e.sqlstate() == "42601" || e.sqlstate() == "0A000") << e.what();
      }
    }
  }
  EXPECT_GT(prefixes, 1000u);
  EXPECT_GT(errors, 100u);
}

TEST(DdlParser, RandomByteMutationsNeverCrash) {
  uint32_t seed = 12345;
  auto next = [&seed] {
    seed = seed * 1103515245u + 12345u;
    return seed >> 8;
  };
  const char alphabet[] = "()',;`\"\\/*!-#.= aZ09_";
  for (int round = 0; round < 4000; ++round) {
    std::string sql = kCorpus[next() % (sizeof(kCorpus) / sizeof(kCorpus[0]))];
    for (int k = 0; k < 3; ++k) sql[next() % sql.size()] = alphabet[next() % (sizeof(alphabet) - 1)];
    try {
      parse_statements(sql, "db");
    } catch (const SyncError&) {
    }
  }
}

TEST(DdlParser, BigTextIsLinear) {
  std::string sql = "CREATE TABLE t (c0 INT";
  for (int i = 1; i < 5000; ++i) sql += ", c" + std::to_string(i) + " VARCHAR(10) DEFAULT 'x'";
  sql += ")";
  std::string many;
  for (int i = 0; i < 5000; ++i) many += "INSERT INTO t VALUES (1);";
  EXPECT_EQ(parse_one(sql).definition.columns.size(), 5000u);
  EXPECT_EQ(parse_statements(many, "db").size(), 5000u);
}

// ---------------------------------------------------------------- the binlog fixtures

TEST(DdlParser, EveryQueryOfTheBinlogFixturesParses) {
  SKIP_WITHOUT_FIXTURES();
  size_t queries = 0, table_ddl = 0;
  std::map<int, size_t> kinds;
  std::vector<std::string> failures;
  for (const std::string& path : test::present_binlog_fixtures()) {
    DecoderOptions options;
    options.enum_index_when_unknown = true;
    options.partial_images = true;
    try {
      read_binlog_file(path, 4, options, [&](const Event& ev) {
        if (ev.kind != EventKind::query || ev.sql.empty()) return;
        ++queries;
        try {
          for (const DdlStatement& s : parse_statements(ev.sql, ev.schema)) {
            ++kinds[static_cast<int>(s.kind)];
            if (is_table_ddl(s.kind)) ++table_ddl;
          }
        } catch (const SyncError& e) {
          failures.push_back(path + ": " + e.what());
        }
      });
    } catch (const SyncError&) {
      // Damaged fixtures stop early; their queries before the damage were parsed.
    }
  }
  for (const std::string& failure : failures) ADD_FAILURE() << failure;
  EXPECT_GT(queries, 400u);
  EXPECT_GT(table_ddl, 50u);
  std::cout << "[ fixtures ] " << queries << " QUERY events, " << table_ddl
            << " table DDL statements; by kind:";
  for (const auto& [kind, count] : kinds) std::cout << " " << kind << "=" << count;
  std::cout << "\n";
}

// Replays the DDL of each fixture on table models and checks them against the TABLE_MAP events
// that follow: same column count, and where the binlog carries full metadata the same names,
// signedness, ENUM/SET members and charsets.
TEST(DdlParser, FixtureModelsMatchTheirTableMaps) {
  SKIP_WITHOUT_FIXTURES();
  size_t compared = 0, with_metadata = 0;
  for (const std::string& path : test::present_binlog_fixtures()) {
    std::map<std::pair<std::string, std::string>, SourceTable> models;
    auto key = [](const QualifiedName& n) { return std::make_pair(n.schema, n.name); };
    std::function<void(const Event&)> visit = [&](const Event& ev) {
      for (const Event& nested : ev.nested) visit(nested);
      if (ev.kind == EventKind::query) {
        std::vector<DdlStatement> statements;
        try {
          statements = parse_statements(ev.sql, ev.schema);
        } catch (const SyncError&) {
          return;  // reported by EveryQueryOfTheBinlogFixturesParses
        }
        for (const DdlStatement& s : statements) {
          if (s.temporary) continue;
          switch (s.kind) {
            case StatementKind::create_table: {
              if (s.if_not_exists && models.count(key(s.tables[0]))) break;
              SourceTable model;
              apply_to_model(model, s);
              models[key(s.tables[0])] = model;
              break;
            }
            case StatementKind::create_table_like:
              if (models.count(key(s.like))) {
                SourceTable copy = models[key(s.like)];
                copy.schema = s.tables[0].schema;
                copy.name = s.tables[0].name;
                models[key(s.tables[0])] = copy;
              }
              break;
            case StatementKind::create_table_select:
            case StatementKind::drop_table:
              for (const QualifiedName& n : s.tables) models.erase(key(n));
              break;
            case StatementKind::alter_table:
            case StatementKind::create_index:
            case StatementKind::drop_index:
              if (models.count(key(s.tables[0]))) {
                SourceTable& model = models[key(s.tables[0])];
                EXPECT_NO_THROW(apply_to_model(model, s)) << path << ": " << s.text;
                if (!(QualifiedName{model.schema, model.name} == s.tables[0])) {
                  models[{model.schema, model.name}] = model;
                  models.erase(key(s.tables[0]));
                }
              }
              break;
            case StatementKind::rename_table:
              for (size_t i = 0; i < s.tables.size(); ++i) {
                auto found = models.find(key(s.tables[i]));
                if (found == models.end()) continue;
                SourceTable model = found->second;
                models.erase(found);
                apply_to_model(model, s);
                models[{model.schema, model.name}] = model;
              }
              break;
            default:
              break;
          }
        }
        return;
      }
      if (ev.kind != EventKind::table_map || !ev.table_map) return;
      auto found = models.find({ev.table_map->schema, ev.table_map->table});
      if (found == models.end()) return;
      const SourceTable& model = found->second;
      const TableMap& map = *ev.table_map;
      ++compared;
      // MySQL 8.0.17 logs the hidden generated column of a functional index in TABLE_MAP
      // (rpl_unfiltered_hidden_gcol); information_schema does not show it, nor does the model.
      bool functional = std::any_of(model.indexes.begin(), model.indexes.end(),
                                    [](const SourceIndex& index) { return index.on_expression; });
      if (functional) {
        EXPECT_GT(map.columns.size(), model.columns.size()) << path;
        return;
      }
      ASSERT_EQ(model.columns.size(), map.columns.size()) << path << " " << map.schema << "." << map.table;
      if (!map.has_column_names) return;
      ++with_metadata;
      for (size_t i = 0; i < map.columns.size(); ++i) {
        const SourceColumn& c = model.columns[i];
        const ColumnDef& d = map.columns[i];
        EXPECT_EQ(c.name, d.name) << path;
        if (c.numeric_precision > 0 && c.data_type != "bit") {
          EXPECT_EQ(c.is_unsigned, d.is_unsigned) << path << " " << c.name;
        }
        if (!d.enum_values.empty()) {
          EXPECT_EQ(c.enum_values, d.enum_values) << path << " " << c.name;
        }
        if (!c.character_set.empty() && d.collation != 0 && charset_name(d.collation)) {
          EXPECT_EQ(c.character_set, charset_name(d.collation)) << path << " " << c.name;
        }
        if (c.collation_id == kBinaryCollation && d.collation != 0) {
          EXPECT_EQ(d.collation, kBinaryCollation) << c.name;
        }
      }
    };
    DecoderOptions options;
    options.enum_index_when_unknown = true;
    options.partial_images = true;
    try {
      read_binlog_file(path, 4, options, visit);
    } catch (const SyncError&) {
    }
  }
  EXPECT_GT(compared, 20u);
  std::cout << "[ fixtures ] " << compared << " TABLE_MAP events compared with the replayed DDL, "
            << with_metadata << " of them column by column\n";
}

}  // namespace
}  // namespace mysql_sync
