#include "binlog/temporal.h"

namespace mysql_sync {

namespace {
constexpr int64_t kFracUnit = int64_t{1} << 24;
}

DateTimeParts datetime_from_packed(int64_t packed) {
  DateTimeParts d;
  uint64_t v = packed < 0 ? static_cast<uint64_t>(-(packed + 1)) + 1 : static_cast<uint64_t>(packed);
  d.microsecond = static_cast<uint32_t>(v % kFracUnit);
  uint64_t ymdhms = v >> 24;
  uint64_t ymd = ymdhms >> 17;
  uint64_t ym = ymd >> 5;
  uint64_t hms = ymdhms % (1 << 17);
  d.day = static_cast<int>(ymd % 32);
  d.month = static_cast<int>(ym % 13);
  d.year = static_cast<int>(ym / 13);
  d.second = static_cast<int>(hms % 64);
  d.minute = static_cast<int>((hms >> 6) % 64);
  d.hour = static_cast<int>(hms >> 12);
  return d;
}

TimeParts time_from_packed(int64_t packed) {
  TimeParts t;
  t.negative = packed < 0;
  uint64_t v = t.negative ? static_cast<uint64_t>(-(packed + 1)) + 1 : static_cast<uint64_t>(packed);
  t.microsecond = static_cast<uint32_t>(v % kFracUnit);
  uint64_t hms = v >> 24;
  t.hours = static_cast<uint32_t>((hms >> 12) % (1 << 10));
  t.minute = static_cast<int>((hms >> 6) % 64);
  t.second = static_cast<int>(hms % 64);
  return t;
}

int64_t read_time2_packed(ByteReader& in, int fsp) {
  // Stored big-endian with an offset that makes the value unsigned; the fraction is signed and
  // borrows from the integer part for negative times.
  switch (fsp) {
    case 1:
    case 2: {
      int64_t intpart = static_cast<int64_t>(in.be(3)) - 0x800000;
      int64_t frac = in.u8();  // unsigned on disk; negative times store 0x100 - |frac|
      if (intpart < 0 && frac != 0) {
        intpart += 1;
        frac -= 0x100;
      }
      return intpart * kFracUnit + frac * 10000;
    }
    case 3:
    case 4: {
      int64_t intpart = static_cast<int64_t>(in.be(3)) - 0x800000;
      int64_t frac = static_cast<int64_t>(in.be(2));
      if (intpart < 0 && frac != 0) {
        intpart += 1;
        frac -= 0x10000;
      }
      return intpart * kFracUnit + frac * 100;
    }
    case 5:
    case 6:
      return static_cast<int64_t>(in.be(6)) - 0x800000000000LL;
    default:
      return (static_cast<int64_t>(in.be(3)) - 0x800000) * kFracUnit;
  }
}

uint32_t read_fraction(ByteReader& in, int fsp) {
  switch (fsp) {
    case 1:
    case 2: return static_cast<uint32_t>(in.u8()) * 10000;
    case 3:
    case 4: return static_cast<uint32_t>(in.be(2)) * 100;
    case 5:
    case 6: return static_cast<uint32_t>(in.be(3));
    default: return 0;
  }
}

int64_t read_datetime2_packed(ByteReader& in, int fsp) {
  int64_t intpart = static_cast<int64_t>(in.be(5)) - 0x8000000000LL;
  int64_t frac = read_fraction(in, fsp);
  if (intpart < 0) return intpart * kFracUnit - frac;  // never written by MySQL, kept symmetric
  return intpart * kFracUnit + frac;
}

DateTimeParts date_from_u24(uint32_t v) {
  DateTimeParts d;
  d.day = static_cast<int>(v & 31);
  d.month = static_cast<int>((v >> 5) & 15);
  d.year = static_cast<int>(v >> 9);
  return d;
}

DateTimeParts datetime_from_u64(uint64_t v) {
  DateTimeParts d;
  uint64_t date = v / 1000000, time = v % 1000000;
  d.year = static_cast<int>(date / 10000 % 10000);
  d.month = static_cast<int>(date / 100 % 100);
  d.day = static_cast<int>(date % 100);
  d.hour = static_cast<int>(time / 10000);
  d.minute = static_cast<int>(time / 100 % 100);
  d.second = static_cast<int>(time % 100);
  return d;
}

TimeParts time_from_i24(int32_t v) {
  TimeParts t;
  t.negative = v < 0;
  uint32_t a = t.negative ? static_cast<uint32_t>(-static_cast<int64_t>(v)) : static_cast<uint32_t>(v);
  t.hours = a / 10000;
  t.minute = static_cast<int>(a / 100 % 100);
  t.second = static_cast<int>(a % 100);
  return t;
}

}  // namespace mysql_sync
