// copy_value_text(): text-protocol values of the initial copy -> the PostgreSQL text the binlog
// decoder prints for the same stored value. The inputs are what MariaDB 10.11 returned for a
// SELECT with utf8mb4 and time_zone '+00:00' (checked by hand against a server).
#include <gtest/gtest.h>

#include <cstring>

#include "common/errors.h"
#include "source/source_catalog.h"

using mysql_sync::copy_select_sql;
using mysql_sync::copy_value_text;
using mysql_sync::InvalidDates;
using mysql_sync::SourceColumn;
using mysql_sync::SourceTable;
using mysql_sync::Value;
using mysql_sync::ValueError;

namespace {

SourceColumn column(const std::string& data_type, int64_t datetime_precision = 0, bool nullable = true) {
  SourceColumn c;
  c.name = "c";
  c.data_type = data_type;
  c.column_type = data_type;
  c.datetime_precision = datetime_precision;
  c.nullable = nullable;
  return c;
}

Value copy(const SourceColumn& c, const std::string& text, uint32_t* invalid = nullptr,
           InvalidDates mode = InvalidDates::to_null) {
  return copy_value_text(c, text.data(), static_cast<unsigned long>(text.size()), mode, invalid);
}

}  // namespace

TEST(CopyValue, NullStaysNull) {
  uint32_t invalid = 0;
  EXPECT_EQ(copy_value_text(column("int"), nullptr, 0, InvalidDates::to_null, &invalid), std::nullopt);
  EXPECT_EQ(invalid, 0u);
}

TEST(CopyValue, NumbersAsTheServerPrintsThem) {
  EXPECT_EQ(copy(column("int"), "-2147483648"), "-2147483648");
  EXPECT_EQ(copy(column("bigint"), "18446744073709551615"), "18446744073709551615");
  EXPECT_EQ(copy(column("decimal"), "12.5000"), "12.5000");
  EXPECT_EQ(copy(column("decimal"), "-0.00"), "-0.00");
  EXPECT_EQ(copy(column("year"), "2024"), "2024");
  EXPECT_EQ(copy(column("year"), "0000"), "0");  // the decoder prints YEAR 0 as 0
}

TEST(CopyValue, FloatsAreShortestRoundTrip) {
  // FLOAT comes through `f` * 1e0 (copy_select_sql): the exact double of the stored float.
  EXPECT_EQ(copy(column("float"), "1.2345678806304932"), "1.2345679");
  EXPECT_EQ(copy(column("float"), "0.10000000149011612"), "0.1");
  EXPECT_EQ(copy(column("float"), "3.402820018375656e38"), "3.40282e+38");
  EXPECT_EQ(copy(column("float"), "1.401298464324817e-45"), "1e-45");
  EXPECT_EQ(copy(column("float"), "16777216"), "16777216");
  EXPECT_EQ(copy(column("float"), "1.5"), "1.5");  // FLOAT(7,3) prints 1.500 without the cast
  EXPECT_EQ(copy(column("double"), "0.30000000000000004"), "0.30000000000000004");
  EXPECT_EQ(copy(column("double"), "1.2345678901234568e17"), "123456789012345680");
  EXPECT_EQ(copy(column("double"), "1e20"), "1e+20");
  EXPECT_EQ(copy(column("double"), "5e-324"), "5e-324");
  EXPECT_EQ(copy(column("double"), "-0"), "-0");
  EXPECT_EQ(copy(column("double"), "1.500"), "1.5");  // DOUBLE(M,D) prints D decimals
  EXPECT_THROW(copy(column("double"), "abc"), ValueError);
}

TEST(CopyValue, DatesAndDatetimes) {
  EXPECT_EQ(copy(column("date"), "2024-02-29"), "2024-02-29");
  EXPECT_EQ(copy(column("date"), "0099-01-01"), "0099-01-01");
  EXPECT_EQ(copy(column("datetime", 6), "2024-02-29 13:14:15.123456"), "2024-02-29 13:14:15.123456");
  EXPECT_EQ(copy(column("datetime", 2), "2024-02-29 13:14:15.10"), "2024-02-29 13:14:15.10");
  EXPECT_EQ(copy(column("datetime", 0), "9999-12-31 23:59:59"), "9999-12-31 23:59:59");
  EXPECT_THROW(copy(column("date"), "2024-2-29"), ValueError);
  EXPECT_THROW(copy(column("datetime"), "2024-02-29T13:14:15"), ValueError);
}

TEST(CopyValue, TimestampsGetUtcOffset) {
  EXPECT_EQ(copy(column("timestamp", 2), "2024-02-29 13:14:15.12"), "2024-02-29 13:14:15.12+00");
  EXPECT_EQ(copy(column("timestamp", 0), "1970-01-01 00:00:01"), "1970-01-01 00:00:01+00");
  EXPECT_EQ(copy(column("timestamp", 6), "2038-01-19 03:14:07.999999"), "2038-01-19 03:14:07.999999+00");
  // Epoch 0 with a fraction is a real value, not the zero TIMESTAMP.
  EXPECT_EQ(copy(column("timestamp", 1), "1970-01-01 00:00:00.5"), "1970-01-01 00:00:00.5+00");
}

TEST(CopyValue, TimesAreIntervals) {
  EXPECT_EQ(copy(column("time", 3), "-838:59:59.000"), "-838:59:59.000");
  EXPECT_EQ(copy(column("time", 0), "838:59:59"), "838:59:59");
  EXPECT_EQ(copy(column("time", 0), "00:00:00"), "00:00:00");
  EXPECT_EQ(copy(column("time", 6), "-00:00:01.000001"), "-00:00:01.000001");
  EXPECT_EQ(copy(column("time", 1), "100:02:03.4"), "100:02:03.4");
  EXPECT_THROW(copy(column("time"), "1:2:3"), ValueError);
}

TEST(CopyValue, ZeroAndInvalidDatesBecomeNullAndAreCounted) {
  uint32_t invalid = 0;
  EXPECT_EQ(copy(column("date"), "0000-00-00", &invalid), std::nullopt);
  EXPECT_EQ(copy(column("date"), "2023-02-30", &invalid), std::nullopt);
  EXPECT_EQ(copy(column("date"), "2023-00-10", &invalid), std::nullopt);
  EXPECT_EQ(copy(column("datetime"), "0000-00-00 00:00:00", &invalid), std::nullopt);
  EXPECT_EQ(copy(column("timestamp"), "0000-00-00 00:00:00", &invalid), std::nullopt);
  EXPECT_EQ(invalid, 5u);
  EXPECT_EQ(copy(column("date"), "0000-00-00"), std::nullopt);  // counting is optional
}

TEST(CopyValue, InvalidDatesInNotNullColumnsBecomeMinusInfinity) {
  uint32_t invalid = 0;
  EXPECT_EQ(copy(column("date", 0, false), "0000-00-00", &invalid), "-infinity");
  EXPECT_EQ(copy(column("datetime", 3, false), "2023-02-30 10:00:00.000", &invalid), "-infinity");
  EXPECT_EQ(copy(column("timestamp", 0, false), "0000-00-00 00:00:00", &invalid), "-infinity");
  EXPECT_EQ(invalid, 3u);
}

TEST(CopyValue, InvalidDatesUnderErrorRaise22008) {
  uint32_t invalid = 0;
  try {
    copy(column("date"), "0000-00-00", &invalid, InvalidDates::error);
    FAIL() << "no error";
  } catch (const ValueError& error) {
    EXPECT_EQ(error.sqlstate(), "22008");
    EXPECT_NE(std::string(error.what()).find("0000-00-00"), std::string::npos);
  }
  EXPECT_EQ(invalid, 0u);
}

TEST(CopyValue, BitsFromRawBytes) {
  SourceColumn bits = column("bit");
  bits.column_type = "bit(10)";
  bits.numeric_precision = 10;
  EXPECT_EQ(copy(bits, std::string("\x02\xAA", 2)), "1010101010");
  bits.numeric_precision = 0;  // width from COLUMN_TYPE when the precision is missing
  EXPECT_EQ(copy(bits, std::string("\x00\x01", 2)), "0000000001");
  SourceColumn one = column("bit");
  one.numeric_precision = 1;
  EXPECT_EQ(copy(one, std::string("\x01", 1)), "1");
}

TEST(CopyValue, BinaryAsByteaHex) {
  EXPECT_EQ(copy(column("binary"), std::string("ab\0\0", 4)), "\\x61620000");
  EXPECT_EQ(copy(column("varbinary"), std::string("\x00\xff", 2)), "\\x00ff");
  EXPECT_EQ(copy(column("blob"), ""), "\\x");
  EXPECT_EQ(copy(column("point"), std::string("\0\0\0\0\x01", 5)), "\\x0000000001");
}

TEST(CopyValue, TextEnumSetJsonAsIs) {
  EXPECT_EQ(copy(column("varchar"), "h\xC3\xA9llo \xF0\x9F\x98\x80"), "h\xC3\xA9llo \xF0\x9F\x98\x80");
  EXPECT_EQ(copy(column("char"), ""), "");
  EXPECT_EQ(copy(column("enum"), "it's"), "it's");
  EXPECT_EQ(copy(column("set"), "p,q"), "p,q");
  EXPECT_EQ(copy(column("json"), "{\"a\": 1, \"b\": [1, 2]}"), "{\"a\": 1, \"b\": [1, 2]}");
  EXPECT_EQ(copy(column("longtext"), "{\"a\":  1}"), "{\"a\":  1}");
}

TEST(CopyValue, InvalidUtf8IsAnError) {
  try {
    copy(column("varchar"), "ab\xC3(");
    FAIL() << "no error";
  } catch (const ValueError& error) {
    EXPECT_EQ(error.sqlstate(), "22021");
  }
}

TEST(CopyValue, VectorsAsRealArrays) {
  float values[] = {1.0f, -2.5f, 0.1f};
  std::string bytes(sizeof values, '\0');
  std::memcpy(&bytes[0], values, sizeof values);  // little-endian, as stored
  EXPECT_EQ(copy(column("vector"), bytes), "{1,-2.5,0.1}");
  EXPECT_THROW(copy(column("vector"), "abc"), ValueError);
}

TEST(CopySelect, ReadsFloatThroughADouble) {
  SourceTable table;
  table.schema = "sh`op";
  table.name = "t";
  table.columns = {column("int"), column("float"), column("double")};
  table.columns[0].name = "id";
  table.columns[1].name = "f";
  table.columns[2].name = "we`ird";
  EXPECT_EQ(copy_select_sql(table), "SELECT `id`, `f` * 1e0, `we``ird` FROM `sh``op`.`t`");
}
