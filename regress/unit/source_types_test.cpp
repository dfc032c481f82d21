// The contract's MySQL -> PostgreSQL type table (pg_type_of), ENUM/SET member parsing and the
// decoder's tracked shape of a source table: pure, no server.
#include <gtest/gtest.h>

#include "common/errors.h"
#include "source/source_catalog.h"

using mysql_sync::parse_enum_members;
using mysql_sync::pg_type_of;
using mysql_sync::SourceColumn;
using mysql_sync::SourceTable;
using mysql_sync::SyncError;

namespace {

// A column as describe_tables() fills it from information_schema.COLUMNS.
SourceColumn column(const std::string& data_type, const std::string& column_type, int64_t precision = 0,
                    int64_t scale = 0, int64_t datetime_precision = 0, int64_t char_length = 0) {
  SourceColumn c;
  c.name = "c";
  c.data_type = data_type;
  c.column_type = column_type;
  c.is_unsigned = column_type.find(" unsigned") != std::string::npos;
  c.numeric_precision = precision;
  c.numeric_scale = scale;
  c.datetime_precision = datetime_precision;
  c.char_max_length = char_length;
  return c;
}

}  // namespace

TEST(PgTypeOf, Integers) {
  EXPECT_EQ(pg_type_of(column("tinyint", "tinyint(4)")), "smallint");
  EXPECT_EQ(pg_type_of(column("tinyint", "tinyint(3) unsigned")), "smallint");
  EXPECT_EQ(pg_type_of(column("tinyint", "tinyint(1)")), "smallint");
  EXPECT_EQ(pg_type_of(column("smallint", "smallint(6)")), "smallint");
  EXPECT_EQ(pg_type_of(column("smallint", "smallint(5) unsigned")), "integer");
  EXPECT_EQ(pg_type_of(column("mediumint", "mediumint(9)")), "integer");
  EXPECT_EQ(pg_type_of(column("mediumint", "mediumint(8) unsigned")), "integer");
  EXPECT_EQ(pg_type_of(column("int", "int(11)")), "integer");
  EXPECT_EQ(pg_type_of(column("int", "int unsigned")), "bigint");  // MySQL 8 has no display width
  EXPECT_EQ(pg_type_of(column("bigint", "bigint(20)")), "bigint");
  EXPECT_EQ(pg_type_of(column("bigint", "bigint(20) unsigned")), "numeric(20,0)");
  EXPECT_EQ(pg_type_of(column("bigint", "bigint(20) unsigned zerofill")), "numeric(20,0)");
  EXPECT_EQ(pg_type_of(column("year", "year(4)")), "smallint");
}

TEST(PgTypeOf, DecimalsAndFloats) {
  EXPECT_EQ(pg_type_of(column("decimal", "decimal(12,4)", 12, 4)), "numeric(12,4)");
  EXPECT_EQ(pg_type_of(column("decimal", "decimal(65,30) unsigned", 65, 30)), "numeric(65,30)");
  EXPECT_EQ(pg_type_of(column("decimal", "decimal(10,0)", 10, 0)), "numeric(10,0)");
  EXPECT_EQ(pg_type_of(column("float", "float")), "real");
  EXPECT_EQ(pg_type_of(column("float", "float(7,3)")), "real");
  EXPECT_EQ(pg_type_of(column("double", "double")), "double precision");
  EXPECT_EQ(pg_type_of(column("double", "double(10,2) unsigned")), "double precision");
}

TEST(PgTypeOf, BitsAndStrings) {
  EXPECT_EQ(pg_type_of(column("bit", "bit(1)", 1)), "bit(1)");
  EXPECT_EQ(pg_type_of(column("bit", "bit(64)", 64)), "bit(64)");
  EXPECT_EQ(pg_type_of(column("char", "char(10)", 0, 0, 0, 10)), "char(10)");
  EXPECT_EQ(pg_type_of(column("varchar", "varchar(255)", 0, 0, 0, 255)), "varchar(255)");
  EXPECT_EQ(pg_type_of(column("varchar", "varchar(16383)")), "varchar(16383)");  // length from COLUMN_TYPE
  EXPECT_EQ(pg_type_of(column("char", "char(0)")), "text");                      // PostgreSQL has no char(0)
  for (const char* text : {"tinytext", "text", "mediumtext", "longtext"})
    EXPECT_EQ(pg_type_of(column(text, text)), "text");
  for (const char* bytes : {"tinyblob", "blob", "mediumblob", "longblob"})
    EXPECT_EQ(pg_type_of(column(bytes, bytes)), "bytea");
  EXPECT_EQ(pg_type_of(column("binary", "binary(16)")), "bytea");
  EXPECT_EQ(pg_type_of(column("varbinary", "varbinary(255)")), "bytea");
  EXPECT_EQ(pg_type_of(column("enum", "enum('a','b')")), "text");
  EXPECT_EQ(pg_type_of(column("set", "set('a','b')")), "text");
}

TEST(PgTypeOf, Temporal) {
  EXPECT_EQ(pg_type_of(column("date", "date")), "date");
  EXPECT_EQ(pg_type_of(column("datetime", "datetime", 0, 0, 0)), "timestamp(0) without time zone");
  EXPECT_EQ(pg_type_of(column("datetime", "datetime(6)", 0, 0, 6)), "timestamp(6) without time zone");
  EXPECT_EQ(pg_type_of(column("timestamp", "timestamp(3)", 0, 0, 3)), "timestamp(3) with time zone");
  EXPECT_EQ(pg_type_of(column("timestamp", "timestamp", 0, 0, 0)), "timestamp(0) with time zone");
  EXPECT_EQ(pg_type_of(column("time", "time(2)", 0, 0, 2)), "interval");
}

TEST(PgTypeOf, JsonGeometryVector) {
  EXPECT_EQ(pg_type_of(column("json", "json")), "jsonb");
  SourceColumn mariadb_json = column("longtext", "longtext");
  mariadb_json.is_json_text = true;
  EXPECT_EQ(pg_type_of(mariadb_json), "jsonb");
  for (const char* geometry : {"geometry", "point", "linestring", "polygon", "multipoint", "multilinestring",
                               "multipolygon", "geometrycollection", "geomcollection"})
    EXPECT_EQ(pg_type_of(column(geometry, geometry)), "bytea") << geometry;
  EXPECT_EQ(pg_type_of(column("vector", "vector(3)")), "real[]");
}

TEST(PgTypeOf, UnknownTypeIs0A000NamingTheColumn) {
  SourceColumn inet6 = column("inet6", "inet6");
  inet6.name = "client_ip";
  try {
    pg_type_of(inet6);
    FAIL() << "no error";
  } catch (const SyncError& error) {
    EXPECT_EQ(error.sqlstate(), "0A000");
    EXPECT_NE(std::string(error.what()).find("client_ip"), std::string::npos);
    EXPECT_NE(std::string(error.what()).find("inet6"), std::string::npos);
  }
}

TEST(EnumMembers, PlainAndQuoted) {
  using Members = std::vector<std::string>;
  EXPECT_EQ(parse_enum_members("enum('a','b')"), (Members{"a", "b"}));
  EXPECT_EQ(parse_enum_members("set('p','q','r')"), (Members{"p", "q", "r"}));
  EXPECT_EQ(parse_enum_members("enum('')"), (Members{""}));
  // As MariaDB 10.11 shows them in COLUMN_TYPE: doubled quotes, escaped backslashes and newlines,
  // commas and non-ASCII inside members.
  EXPECT_EQ(parse_enum_members("enum('a','it''s','x,y','b\\\\c','\xC3\xBC')"),
            (Members{"a", "it's", "x,y", "b\\c", "\xC3\xBC"}));
  EXPECT_EQ(parse_enum_members("enum('l1\\nl2','q\"q','n\\0n','t\\tt','z\\Zz','\\'')"),
            (Members{"l1\nl2", "q\"q", std::string("n\0n", 3), "t\tt", "z\032z", "'"}));
  EXPECT_EQ(parse_enum_members("enum('a) b','c')"), (Members{"a) b", "c"}));
}

TEST(EnumMembers, MalformedIsAnError) {
  EXPECT_THROW(parse_enum_members("enum('a"), SyncError);
  EXPECT_THROW(parse_enum_members("enum(a)"), SyncError);
  EXPECT_TRUE(parse_enum_members("text").empty());
}

TEST(SourceTable, ShapeForTheDecoder) {
  SourceTable table;
  table.schema = "shop";
  table.name = "orders";
  SourceColumn id = column("int", "int(10) unsigned");
  id.name = "id";
  SourceColumn state = column("enum", "enum('new','paid')");
  state.name = "state";
  state.enum_values = {"new", "paid"};
  state.collation_id = 45;
  SourceColumn doc = column("longtext", "longtext");
  doc.name = "doc";
  doc.is_json_text = true;
  doc.collation_id = 46;
  SourceColumn region = column("char", "char(2)");
  region.name = "region";
  table.columns = {id, state, doc, region};
  table.primary_key = {"region", "id"};

  mysql_sync::TableShape shape = table.shape();
  EXPECT_EQ(shape.column_names, (std::vector<std::string>{"id", "state", "doc", "region"}));
  EXPECT_EQ(shape.enum_values[1], (std::vector<std::string>{"new", "paid"}));
  EXPECT_TRUE(shape.enum_values[0].empty());
  EXPECT_EQ(shape.collations, (std::vector<uint16_t>{0, 45, 46, 0}));
  EXPECT_EQ(shape.json_text, (std::vector<bool>{false, false, true, false}));
  EXPECT_EQ(shape.is_unsigned, (std::vector<bool>{true, false, false, false}));
  EXPECT_EQ(shape.primary_key, (std::vector<uint16_t>{3, 0}));
}

// What a resumed load compares between the recorded and today's definition of a table.
TEST(RowShapeDifference, NamesWhatChangesTheRows) {
  auto named = [](const std::string& name, const std::string& type) {
    SourceColumn c;
    c.name = name;
    c.data_type = type;
    c.column_type = type;
    return c;
  };
  SourceTable before;
  before.columns = {named("id", "int"), named("v", "int"), named("s", "varchar(10)")};
  before.primary_key = {"id"};
  EXPECT_EQ(mysql_sync::row_shape_difference(before, before), "");

  SourceTable same_rows = before;  // indexes, comments, defaults and counts do not change the rows
  same_rows.indexes.push_back(mysql_sync::SourceIndex{"v_idx", false, "BTREE", {"v"}, false, false});
  same_rows.comment = "new comment";
  same_rows.rows_estimate = 99;
  same_rows.columns[1].default_value = "7";
  EXPECT_EQ(mysql_sync::row_shape_difference(before, same_rows), "");

  SourceTable after = before;
  after.columns[1].column_type = "bigint";
  after.columns[2].nullable = false;
  after.columns.push_back(named("w", "int"));
  EXPECT_EQ(mysql_sync::row_shape_difference(before, after),
            "column v: int -> bigint; column s now NOT NULL; column w added");

  SourceTable dropped = before;
  dropped.columns.erase(dropped.columns.begin() + 1);
  dropped.primary_key = {"id", "s"};
  EXPECT_EQ(mysql_sync::row_shape_difference(before, dropped), "column v dropped; primary key changed");

  SourceTable moved = before;
  std::swap(moved.columns[1], moved.columns[2]);
  EXPECT_EQ(mysql_sync::row_shape_difference(before, moved), "columns reordered");

  SourceTable recollated = before;
  recollated.columns[2].collation = "utf8mb4_bin";
  EXPECT_EQ(mysql_sync::row_shape_difference(before, recollated), "column s: collation  -> utf8mb4_bin");
}
