#include "binlog/value_text.h"

#include <charconv>
#include <cstdio>
#include <cstring>
#include <system_error>

namespace mysql_sync {

namespace {

// Temporal values are formatted into a stack buffer and appended once: the rows decoder formats
// one per DATETIME cell, and a push_back per character showed in profiles.
constexpr size_t kTemporalText = 48;  // "-4294967295:59:59.999999" or "YYYY...-MM-DD HH:MM:SS.ffffff"

// Writes `value` in decimal, zero-padded to at least `width` digits; returns the end.
char* put_padded(char* p, uint64_t value, int width) {
  char buf[24];
  int n = 0;
  do {
    buf[n++] = static_cast<char>('0' + value % 10);
    value /= 10;
  } while (value != 0);
  for (int i = n; i < width; ++i) *p++ = '0';
  while (n > 0) *p++ = buf[--n];
  return p;
}

// Two digits of 0..99 (hours, minutes, seconds, months, days).
char* put2(char* p, unsigned value) {
  p[0] = static_cast<char>('0' + value / 10 % 10);
  p[1] = static_cast<char>('0' + value % 10);
  return p + 2;
}

char* put_fraction(char* p, uint32_t microsecond, int fsp) {
  if (fsp <= 0) return p;
  if (fsp > 6) fsp = 6;
  char digits[6];
  uint32_t v = microsecond % 1000000;
  for (int i = 5; i >= 0; --i) {
    digits[i] = static_cast<char>('0' + v % 10);
    v /= 10;
  }
  *p++ = '.';
  std::memcpy(p, digits, static_cast<size_t>(fsp));
  return p + fsp;
}

char* put_date(char* p, int year, int month, int day) {
  p = put_padded(p, static_cast<uint64_t>(year < 0 ? 0 : year), 4);
  *p++ = '-';
  p = put2(p, static_cast<unsigned>(month));
  *p++ = '-';
  return put2(p, static_cast<unsigned>(day));
}

char* put_clock(char* p, int minute, int second, uint32_t microsecond, int fsp) {
  *p++ = ':';
  p = put2(p, static_cast<unsigned>(minute));
  *p++ = ':';
  p = put2(p, static_cast<unsigned>(second));
  return put_fraction(p, microsecond, fsp);
}

char* put_datetime(char* p, int year, int month, int day, int hour, int minute, int second,
                   uint32_t microsecond, int fsp) {
  p = put_date(p, year, month, day);
  *p++ = ' ';
  p = put2(p, static_cast<unsigned>(hour));
  return put_clock(p, minute, second, microsecond, fsp);
}

// Days since 1970-01-01 -> civil date (Howard Hinnant's algorithm, proleptic Gregorian).
void civil_from_days(int64_t z, int& year, int& month, int& day) {
  z += 719468;
  const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const int64_t doe = z - era * 146097;
  const int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const int64_t mp = (5 * doy + 2) / 153;
  day = static_cast<int>(doy - (153 * mp + 2) / 5 + 1);
  month = static_cast<int>(mp < 10 ? mp + 3 : mp - 9);
  year = static_cast<int>(yoe + era * 400 + (month <= 2 ? 1 : 0));
}

template <typename F>
void append_shortest(std::string& out, F value) {
  char buf[64];
  auto result = std::to_chars(buf, buf + sizeof buf, value);
  out.append(buf, result.ptr);
}

}  // namespace

bool is_invalid_date(int year, int month, int day) {
  if (year <= 0 || month < 1 || month > 12 || day < 1) return true;
  static const int days_in_month[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  int limit = days_in_month[month - 1];
  bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
  if (month == 2 && leap) limit = 29;
  return day > limit;
}

void append_date(std::string& out, int year, int month, int day) {
  char buf[kTemporalText];
  out.append(buf, put_date(buf, year, month, day));
}

void append_datetime(std::string& out, int year, int month, int day, int hour, int minute, int second,
                     uint32_t microsecond, int fsp) {
  char buf[kTemporalText];
  out.append(buf, put_datetime(buf, year, month, day, hour, minute, second, microsecond, fsp));
}

void append_timestamp(std::string& out, int64_t epoch_seconds, uint32_t microsecond, int fsp) {
  int64_t days = epoch_seconds / 86400;
  int64_t secs = epoch_seconds % 86400;
  if (secs < 0) {
    secs += 86400;
    days -= 1;
  }
  int year, month, day;
  civil_from_days(days, year, month, day);
  char buf[kTemporalText];
  char* end = put_datetime(buf, year, month, day, static_cast<int>(secs / 3600),
                           static_cast<int>(secs / 60 % 60), static_cast<int>(secs % 60), microsecond, fsp);
  std::memcpy(end, "+00", 3);
  out.append(buf, end + 3);
}

void append_time(std::string& out, bool negative, uint32_t hours, int minute, int second,
                 uint32_t microsecond, int fsp) {
  char buf[kTemporalText];
  char* p = buf;
  if (negative) *p++ = '-';
  p = put_padded(p, hours, 2);
  out.append(buf, put_clock(p, minute, second, microsecond, fsp));
}

void append_bytea(std::string& out, const uint8_t* data, size_t size) {
  static const char hex[] = "0123456789abcdef";
  size_t at = out.size();
  out.resize(at + 2 + 2 * size);
  char* p = &out[at];
  *p++ = '\\';
  *p++ = 'x';
  for (size_t i = 0; i < size; ++i) {
    *p++ = hex[data[i] >> 4];
    *p++ = hex[data[i] & 15];
  }
}

void append_bit_string(std::string& out, const uint8_t* data, size_t size, unsigned bits) {
  // The value is big-endian; its low `bits` bits are the last bits of the byte string.
  uint64_t total = static_cast<uint64_t>(size) * 8;
  if (bits > total) {
    for (uint64_t i = total; i < bits; ++i) out.push_back('0');
    bits = static_cast<unsigned>(total);
  }
  for (uint64_t i = total - bits; i < total; ++i) {
    uint8_t byte = data[i / 8];
    out.push_back((byte >> (7 - i % 8)) & 1 ? '1' : '0');
  }
}

void append_float(std::string& out, float value) {
  append_shortest(out, value);
}
void append_double(std::string& out, double value) {
  append_shortest(out, value);
}

bool append_float_vector(std::string& out, const uint8_t* data, size_t size) {
  if (size % 4 != 0) return false;
  out.push_back('{');
  for (size_t i = 0; i < size; i += 4) {
    uint32_t bits = static_cast<uint32_t>(data[i]) | static_cast<uint32_t>(data[i + 1]) << 8 |
                    static_cast<uint32_t>(data[i + 2]) << 16 | static_cast<uint32_t>(data[i + 3]) << 24;
    float f;
    std::memcpy(&f, &bits, sizeof f);
    if (i != 0) out.push_back(',');
    append_float(out, f);
  }
  out.push_back('}');
  return true;
}

}  // namespace mysql_sync
