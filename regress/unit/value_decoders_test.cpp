// Unit tests of the value layer: PostgreSQL text forms, DECIMAL, temporal encodings, charsets,
// binary JSON and column decoding with edge values.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <limits>

#include "binlog/byte_reader.h"
#include "binlog/charset.h"
#include "binlog/column_value.h"
#include "binlog/decimal.h"
#include "common/errors.h"
#include "binlog/json_binary.h"
#include "binlog/value_text.h"

namespace mysql_sync {
namespace {

using Bytes = std::vector<uint8_t>;

std::string decimal_text(const Bytes& b, unsigned precision, unsigned scale) {
  ByteReader in(b.data(), b.size(), 1000);
  std::string out;
  read_decimal(in, precision, scale, out);
  EXPECT_TRUE(in.at_end());
  return out;
}

Value column(uint8_t type, uint16_t meta, const Bytes& b, bool is_unsigned = false, bool nullable = true,
             InvalidDates mode = InvalidDates::to_null, uint32_t* invalid = nullptr, uint16_t collation = 0,
             std::vector<std::string> members = {}) {
  ColumnDef c;
  c.type = type;
  c.meta = meta;
  c.is_unsigned = is_unsigned;
  c.nullable = nullable;
  c.collation = collation;
  c.enum_values = std::move(members);
  ValueOptions options;
  options.invalid_dates = mode;
  uint32_t count = 0;
  ByteReader in(b.data(), b.size(), 0);
  Value v = read_column_value(in, c, options, invalid ? *invalid : count);
  EXPECT_TRUE(in.at_end()) << "bytes left after the value";
  return v;
}

Bytes be(uint64_t v, int n) {
  Bytes b(static_cast<size_t>(n));
  for (int i = n - 1; i >= 0; --i, v >>= 8) b[static_cast<size_t>(i)] = static_cast<uint8_t>(v);
  return b;
}
Bytes concat(Bytes a, const Bytes& b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}

TEST(ValueText, DatesAndTimes) {
  std::string s;
  append_date(s, 2024, 2, 29);
  EXPECT_EQ(s, "2024-02-29");
  s.clear();
  append_date(s, 1, 1, 1);
  EXPECT_EQ(s, "0001-01-01");
  s.clear();
  append_datetime(s, 2024, 2, 29, 13, 14, 15, 123456, 6);
  EXPECT_EQ(s, "2024-02-29 13:14:15.123456");
  s.clear();
  append_datetime(s, 2024, 2, 29, 13, 14, 15, 123000, 3);
  EXPECT_EQ(s, "2024-02-29 13:14:15.123");
  s.clear();
  append_timestamp(s, 1709212455, 0, 0);
  EXPECT_EQ(s, "2024-02-29 13:14:15+00");
  s.clear();
  append_timestamp(s, 0, 5, 6);
  EXPECT_EQ(s, "1970-01-01 00:00:00.000005+00");
  s.clear();
  append_timestamp(s, 2147483647, 0, 0);
  EXPECT_EQ(s, "2038-01-19 03:14:07+00");
  s.clear();
  append_timestamp(s, -1, 0, 0);
  EXPECT_EQ(s, "1969-12-31 23:59:59+00");
  s.clear();
  append_time(s, true, 838, 59, 59, 0, 0);
  EXPECT_EQ(s, "-838:59:59");
  s.clear();
  append_time(s, false, 1, 2, 3, 500000, 6);
  EXPECT_EQ(s, "01:02:03.500000");
}

TEST(ValueText, InvalidDates) {
  EXPECT_TRUE(is_invalid_date(0, 0, 0));
  EXPECT_TRUE(is_invalid_date(2024, 0, 1));
  EXPECT_TRUE(is_invalid_date(2024, 1, 0));
  EXPECT_TRUE(is_invalid_date(2023, 2, 29));
  EXPECT_TRUE(is_invalid_date(1900, 2, 29));
  EXPECT_TRUE(is_invalid_date(2023, 4, 31));
  EXPECT_FALSE(is_invalid_date(2024, 2, 29));
  EXPECT_FALSE(is_invalid_date(2000, 2, 29));
  EXPECT_FALSE(is_invalid_date(9999, 12, 31));
}

TEST(ValueText, BytesBitsFloats) {
  std::string s;
  const uint8_t bytes[] = {0x00, 0xff, 0x1a};
  append_bytea(s, bytes, 3);
  EXPECT_EQ(s, "\\x00ff1a");
  s.clear();
  append_bytea(s, bytes, 0);
  EXPECT_EQ(s, "\\x");
  s.clear();
  const uint8_t bits[] = {0x01, 0x05};
  append_bit_string(s, bits, 2, 10);
  EXPECT_EQ(s, "0100000101");
  s.clear();
  append_float(s, 0.1f);
  EXPECT_EQ(s, "0.1");
  s.clear();
  append_float(s, 1e20f);
  EXPECT_EQ(s, "1e+20");
  s.clear();
  append_double(s, 2.0);
  EXPECT_EQ(s, "2");
  s.clear();
  append_double(s, 0.30000000000000004);
  EXPECT_EQ(s, "0.30000000000000004");
  s.clear();
  append_double(s, -1.5e-300);
  EXPECT_EQ(std::stod(s), -1.5e-300);
}

TEST(Decimal, Examples) {
  EXPECT_EQ(decimal_text({0x80, 0x00, 0x03, 0x00, 0x00}, 10, 4), "3.0000");
  EXPECT_EQ(decimal_text({0x7f, 0xff, 0xfc, 0xff, 0xff}, 10, 4), "-3.0000");
  EXPECT_EQ(decimal_text({0x81, 0x0d, 0xfb, 0x38, 0xd2, 0x04, 0xd2}, 14, 4), "1234567890.1234");
  EXPECT_EQ(decimal_text({0x7e, 0xf2, 0x04, 0xc7, 0x2d, 0xfb, 0x2d}, 14, 4), "-1234567890.1234");
  EXPECT_EQ(decimal_text({0x80, 0x00, 0x00}, 5, 2), "0.00");
  EXPECT_EQ(decimal_text({0x7f, 0xff, 0xff}, 5, 2), "0.00");  // negative zero prints as zero
  EXPECT_EQ(decimal_text({0x84, 0xd2}, 4, 4), "0.1234");
  EXPECT_EQ(decimal_text({0x80, 0x00, 0x0c}, 5, 0), "12");
  EXPECT_EQ(decimal_text({0x8c, 0x05}, 3, 1), "12.5");  // intg 2 -> 1 byte, scale 1 -> 1 byte
}

TEST(Decimal, PrecisionSixtyFive) {
  // DECIMAL(65,30) = 99999999 999999999 999999999 999999999 . 999999999 x3 999
  Bytes b = be(0x05F5E0FF, 4);
  b[0] |= 0x80;
  for (int i = 0; i < 6; ++i) b = concat(b, be(999999999, 4));
  b = concat(b, be(999, 2));
  std::string expected = std::string(35, '9') + "." + std::string(30, '9');
  EXPECT_EQ(decimal_text(b, 65, 30), expected);
  for (auto& byte : b) byte = static_cast<uint8_t>(~byte);
  EXPECT_EQ(decimal_text(b, 65, 30), "-" + expected);
  // DECIMAL(65,0): leading zero groups are not printed.
  Bytes small = concat(Bytes{0x80}, Bytes(28, 0));  // 2 digits in 1 byte, then 7 groups
  small.back() = 7;
  EXPECT_EQ(decimal_text(small, 65, 0), "7");
}

TEST(Decimal, RejectsBadMetadataAndDigits) {
  EXPECT_THROW(decimal_text({0x80}, 66, 0), DecodeError);
  EXPECT_THROW(decimal_text({0x80}, 5, 6), DecodeError);
  EXPECT_THROW(decimal_text({0x80, 0x00}, 10, 4), DecodeError);  // truncated
  Bytes too_big = concat(Bytes{0xbb, 0x9a, 0xca, 0x00}, {});      // 1000000000 in a 9-digit group
  EXPECT_THROW(decimal_text(too_big, 9, 0), DecodeError);
  EXPECT_EQ(decimal_binary_size(65, 30), 30u);
}

TEST(ColumnValue, Integers) {
  using namespace column_type;
  EXPECT_EQ(column(tiny, 0, {0xff}), "-1");
  EXPECT_EQ(column(tiny, 0, {0xff}, true), "255");
  EXPECT_EQ(column(short_, 0, {0x00, 0x80}), "-32768");
  EXPECT_EQ(column(int24, 0, {0xff, 0xff, 0xff}), "-1");
  EXPECT_EQ(column(int24, 0, {0xff, 0xff, 0xff}, true), "16777215");
  EXPECT_EQ(column(long_, 0, {0xff, 0xff, 0xff, 0xff}, true), "4294967295");
  EXPECT_EQ(column(longlong, 0, Bytes(8, 0xff), true), "18446744073709551615");
  EXPECT_EQ(column(longlong, 0, {0, 0, 0, 0, 0, 0, 0, 0x80}), "-9223372036854775808");
  EXPECT_EQ(column(year, 0, {124}), "2024");
  EXPECT_EQ(column(year, 0, {0}), "0");
}

TEST(ColumnValue, FloatsAndBits) {
  using namespace column_type;
  float f = 1.1f;
  Bytes fb(4);
  std::memcpy(fb.data(), &f, 4);
  EXPECT_EQ(column(float_, 4, fb), "1.1");
  double d = -2.5e100;
  Bytes db(8);
  std::memcpy(db.data(), &d, 8);
  EXPECT_EQ(column(double_, 8, db), "-2.5e+100");
  EXPECT_EQ(column(bit, 3, {0x04}), "100");                 // bit(3): 0 bytes + 3 bits
  EXPECT_EQ(column(bit, 0x0100, {0x20}), "00100000");       // bit(8)
  EXPECT_EQ(column(bit, 0x0104, {0x0a, 0xbc}), "101010111100");  // bit(12)
}

TEST(ColumnValue, DatesZeroAndInvalid) {
  using namespace column_type;
  uint32_t invalid = 0;
  // DATE 2024-02-29: day | month << 5 | year << 9
  uint32_t date_v = 29 | 2 << 5 | 2024 << 9;
  Bytes date_b = {static_cast<uint8_t>(date_v), static_cast<uint8_t>(date_v >> 8), static_cast<uint8_t>(date_v >> 16)};
  EXPECT_EQ(column(date, 0, date_b), "2024-02-29");
  EXPECT_EQ(column(date, 0, {0, 0, 0}, false, true, InvalidDates::to_null, &invalid), std::nullopt);
  EXPECT_EQ(column(date, 0, {0, 0, 0}, false, false, InvalidDates::to_null, &invalid), "-infinity");
  EXPECT_EQ(invalid, 2u);
  EXPECT_THROW(column(date, 0, {0, 0, 0}, false, true, InvalidDates::error), ValueError);
  uint32_t feb30 = 30 | 2 << 5 | 2023 << 9;  // ALLOW_INVALID_DATES
  EXPECT_EQ(column(date, 0, {static_cast<uint8_t>(feb30), static_cast<uint8_t>(feb30 >> 8),
                             static_cast<uint8_t>(feb30 >> 16)}),
            std::nullopt);
  // TIMESTAMP2 zero -> invalid; 1709212455.5 with fsp 1
  EXPECT_EQ(column(timestamp2, 0, {0, 0, 0, 0}, false, false), "-infinity");
  EXPECT_EQ(column(timestamp2, 1, concat(be(1709212455, 4), {50})), "2024-02-29 13:14:15.5+00");
  EXPECT_EQ(column(timestamp, 0, {0x27, 0x83, 0xe0, 0x65}), "2024-02-29 13:14:15+00");
  // old DATETIME: 20240229131415 as a little-endian integer
  uint64_t dt = 20240229131415ULL;
  Bytes dtb(8);
  for (int i = 0; i < 8; ++i) dtb[static_cast<size_t>(i)] = static_cast<uint8_t>(dt >> (8 * i));
  EXPECT_EQ(column(datetime, 0, dtb), "2024-02-29 13:14:15");
  EXPECT_EQ(column(datetime, 0, Bytes(8, 0), false, false), "-infinity");
}

Bytes datetime2_bytes(int y, int mo, int d, int h, int mi, int s) {
  uint64_t ymd = (static_cast<uint64_t>(y * 13 + mo) << 5) | static_cast<uint64_t>(d);
  uint64_t hms = static_cast<uint64_t>(h << 12 | mi << 6 | s);
  return be((ymd << 17 | hms) + 0x8000000000ULL, 5);
}

TEST(ColumnValue, Datetime2) {
  using namespace column_type;
  EXPECT_EQ(column(datetime2, 0, datetime2_bytes(2024, 2, 29, 13, 14, 15)), "2024-02-29 13:14:15");
  EXPECT_EQ(column(datetime2, 6, concat(datetime2_bytes(2024, 2, 29, 13, 14, 15), be(123456, 3))),
            "2024-02-29 13:14:15.123456");
  EXPECT_EQ(column(datetime2, 3, concat(datetime2_bytes(1000, 1, 1, 0, 0, 0), be(1230, 2))),
            "1000-01-01 00:00:00.123");
  EXPECT_EQ(column(datetime2, 0, datetime2_bytes(0, 0, 0, 0, 0, 0)), std::nullopt);
  EXPECT_THROW(column(datetime2, 7, datetime2_bytes(2024, 1, 1, 0, 0, 0)), DecodeError);
}

Bytes time2_int(bool negative, int h, int m, int s) {
  int64_t v = h << 12 | m << 6 | s;
  return be(static_cast<uint64_t>((negative ? -v : v) + 0x800000), 3);
}

TEST(ColumnValue, Time2) {
  using namespace column_type;
  EXPECT_EQ(column(time2, 0, time2_int(false, 838, 59, 59)), "838:59:59");
  EXPECT_EQ(column(time2, 0, time2_int(true, 838, 59, 59)), "-838:59:59");
  EXPECT_EQ(column(time2, 0, time2_int(false, 0, 0, 0)), "00:00:00");
  // -01:02:03.5 with fsp 1: the integer part is floored, the fraction stored as 0x100 - 50.
  int64_t packed_int = -((1 << 12 | 2 << 6 | 3) + 1);
  EXPECT_EQ(column(time2, 1, concat(be(static_cast<uint64_t>(packed_int + 0x800000), 3), {0xce})), "-01:02:03.5");
  // -00:00:00.01 (fsp 2) is stored 7FFFFF.FF
  EXPECT_EQ(column(time2, 2, {0x7f, 0xff, 0xff, 0xff}), "-00:00:00.01");
  // fsp 4: -00:00:01.0001 -> int -2, frac 0x10000 - 1
  EXPECT_EQ(column(time2, 4, {0x7f, 0xff, 0xfe, 0xff, 0xff}), "-00:00:01.0001");
  // fsp 6: 12:34:56.000789 as one 6-byte packed value
  uint64_t packed6 = (static_cast<uint64_t>(12 << 12 | 34 << 6 | 56) << 24) + 789;
  EXPECT_EQ(column(time2, 6, be(packed6 + 0x800000000000ULL, 6)), "12:34:56.000789");
  EXPECT_EQ(column(time2, 6, be(0x800000000000ULL - ((uint64_t{1} << 24) + 1), 6)), "-00:00:01.000001");
  // old TIME: -12:34:56 as a signed 3-byte integer -123456
  uint32_t t = static_cast<uint32_t>(-123456) & 0xFFFFFF;
  EXPECT_EQ(column(time, 0, {static_cast<uint8_t>(t), static_cast<uint8_t>(t >> 8), static_cast<uint8_t>(t >> 16)}),
            "-12:34:56");
}

TEST(ColumnValue, StringsAndCharsets) {
  using namespace column_type;
  EXPECT_EQ(column(varchar, 100, {3, 'a', 'b', 'c'}, false, true, InvalidDates::to_null, nullptr, 45), "abc");
  EXPECT_EQ(column(varchar, 300, {2, 0, 'h', 'i'}, false, true, InvalidDates::to_null, nullptr, 45), "hi");
  // latin1 (MySQL = cp1252): caf\xe9 and the euro sign at 0x80
  EXPECT_EQ(column(varchar, 10, {5, 'c', 'a', 'f', 0xe9, 0x80}, false, true, InvalidDates::to_null, nullptr, 8),
            "caf\xc3\xa9\xe2\x82\xac");
  // invalid UTF-8 in a utf8mb4 column is an error, never replaced
  EXPECT_THROW(column(varchar, 10, {2, 0xc3, 0x28}, false, true, InvalidDates::to_null, nullptr, 45), ValueError);
  // binary collation -> bytea
  EXPECT_EQ(column(varchar, 10, {2, 0x00, 0xff}, false, true, InvalidDates::to_null, nullptr, 63), "\\x00ff");
  // GBK through iconv: 0xC4 0xE3 is U+4F60
  EXPECT_EQ(column(varchar, 10, {2, 0xc4, 0xe3}, false, true, InvalidDates::to_null, nullptr, 28), "\xe4\xbd\xa0");
  EXPECT_THROW(column(varchar, 10, {1, 0xc4}, false, true, InvalidDates::to_null, nullptr, 28), ValueError);
  // unknown collation: text when valid UTF-8, else bytea
  EXPECT_EQ(column(blob, 2, {2, 0, 'o', 'k'}), "ok");
  EXPECT_EQ(column(blob, 2, {1, 0, 0xff}), "\\xff");
  // CHAR(10) utf8mb4 (40 bytes): STRING meta = real type 0xfe, length 40
  EXPECT_EQ(column(string, 0xfe28, {2, 'x', 'y'}, false, true, InvalidDates::to_null, nullptr, 255), "xy");
  // CHAR(100) utf8mb4 = 400 bytes: two high length bits folded into the type byte
  EXPECT_EQ(string_max_length(0xee90), 400u);
  EXPECT_EQ(column(string, 0xee90, {1, 0, 'z'}, false, true, InvalidDates::to_null, nullptr, 255), "z");
  EXPECT_THROW(column(varchar, 10, {5, 'a'}), DecodeError);  // truncated
}

TEST(ColumnValue, EnumAndSet) {
  using namespace column_type;
  std::vector<std::string> members = {"a", "b", "c", "d"};
  EXPECT_EQ(column(enum_, 0xf701, {2}, false, true, InvalidDates::to_null, nullptr, 0, members), "b");
  EXPECT_EQ(column(enum_, 0xf701, {0}, false, true, InvalidDates::to_null, nullptr, 0, members), "");
  EXPECT_THROW(column(enum_, 0xf701, {9}, false, true, InvalidDates::to_null, nullptr, 0, members), ValueError);
  EXPECT_EQ(column(enum_, 0xf702, {3, 0}, false, true, InvalidDates::to_null, nullptr, 0, members), "c");
  EXPECT_EQ(column(set, 0xf801, {0b1010}, false, true, InvalidDates::to_null, nullptr, 0, members), "b,d");
  EXPECT_EQ(column(set, 0xf801, {0}, false, true, InvalidDates::to_null, nullptr, 0, members), "");
  EXPECT_THROW(column(set, 0xf801, {0x10}, false, true, InvalidDates::to_null, nullptr, 0, members), ValueError);
  EXPECT_THROW(column(enum_, 0xf701, {1}), ValueError);  // members unknown
}

std::string json_text(const Bytes& b) {
  std::string s;
  append_json_binary_as_text(s, b.data(), b.size());
  return s;
}

TEST(JsonBinary, ScalarsAndContainers) {
  EXPECT_EQ(json_text({}), "null");
  EXPECT_EQ(json_text({0x04, 0x01}), "true");
  EXPECT_EQ(json_text({0x05, 0xff, 0xff}), "-1");
  EXPECT_EQ(json_text({0x0c, 0x03, 'a', '"', 'b'}), "\"a\\\"b\"");
  // small object {"a": 1, "bb": [true]}: count 2, size, keys, values
  Bytes obj = {0x00, 0x02, 0x00, 0x1c, 0x00,              // count 2, size 28
               0x12, 0x00, 0x01, 0x00,                     // key "a" at 18, len 1
               0x13, 0x00, 0x02, 0x00,                     // key "bb" at 19, len 2
               0x05, 0x01, 0x00,                           // int16 1 inline
               0x02, 0x15, 0x00,                           // small array at 21
               'a', 'b', 'b',                              // keys
               0x01, 0x00, 0x07, 0x00, 0x04, 0x01, 0x00};  // array: count 1, size 7, literal true
  EXPECT_EQ(json_text(obj), "{\"a\": 1, \"bb\": [true]}");
  // malformed: offsets beyond the value
  Bytes bad = obj;
  bad[17] = 0x7f;
  EXPECT_THROW(json_text(bad), ValueError);
  EXPECT_THROW(json_text({0x0c, 0x05, 'a'}), ValueError);
  EXPECT_THROW(json_text({0x63}), ValueError);
}

TEST(Charset, Names) {
  EXPECT_EQ(charset_of(45), Charset::utf8);
  EXPECT_EQ(charset_of(255), Charset::utf8);
  EXPECT_EQ(charset_of(2304), Charset::utf8);  // MariaDB utf8mb4_uca1400_ai_ci
  EXPECT_EQ(charset_of(1069), Charset::utf8);  // MariaDB utf8mb4_general_nopad_ci
  EXPECT_EQ(charset_of(8), Charset::latin1);
  EXPECT_EQ(charset_of(63), Charset::binary);
  EXPECT_EQ(charset_of(28), Charset::iconv);
  EXPECT_EQ(charset_of(0), Charset::unknown);
  EXPECT_EQ(charset_of(999), Charset::unknown);
  EXPECT_TRUE(is_valid_utf8(reinterpret_cast<const uint8_t*>("\xf0\x9f\x98\x80"), 4));
  EXPECT_FALSE(is_valid_utf8(reinterpret_cast<const uint8_t*>("\xed\xa0\x80"), 3));  // surrogate
  EXPECT_FALSE(is_valid_utf8(reinterpret_cast<const uint8_t*>("\xc0\xaf"), 2));      // overlong
}

TEST(ByteReader, BoundsAndPackedIntegers) {
  const uint8_t data[] = {0xfc, 0x34, 0x12, 0xfb, 0x05};
  ByteReader in(data, sizeof data, 100);
  EXPECT_EQ(in.packed(), 0x1234u);
  try {
    in.packed();
    FAIL();
  } catch (const DecodeError& e) {
    EXPECT_EQ(e.offset(), 103u);
  }
  ByteReader short_reader(data, 2, 50);
  try {
    short_reader.u32();
    FAIL();
  } catch (const DecodeError& e) {
    EXPECT_EQ(e.offset(), 50u);
  }
  const uint8_t len[] = {0x09, 'a'};
  ByteReader lr(len, 2, 0);
  EXPECT_THROW(lr.packed_string(), DecodeError);  // length beyond the data, no allocation
}

}  // namespace
}  // namespace mysql_sync
