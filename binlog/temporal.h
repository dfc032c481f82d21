// MySQL's binary temporal encodings (TIME2/DATETIME2/TIMESTAMP2 and the old TIME/DATETIME/DATE),
// decoded into parts. Formatting is value_text.h's job.
#pragma once
#include "common/cxx_zone.h"

#include <cstdint>

#include "binlog/byte_reader.h"

namespace mysql_sync {

struct DateTimeParts {
  int year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0;
  uint32_t microsecond = 0;
};

struct TimeParts {
  bool negative = false;
  uint32_t hours = 0;
  int minute = 0, second = 0;
  uint32_t microsecond = 0;
};

// MySQL's "packed" 64-bit forms (integer part << 24 | microseconds), used by TIME2/DATETIME2 and
// by JSON's opaque temporal values.
DateTimeParts datetime_from_packed(int64_t packed);
TimeParts time_from_packed(int64_t packed);

// Binary row formats; `fsp` 0..6 (checked by the caller).
int64_t read_time2_packed(ByteReader& in, int fsp);
int64_t read_datetime2_packed(ByteReader& in, int fsp);
uint32_t read_fraction(ByteReader& in, int fsp);  // TIMESTAMP2's fractional part, in microseconds

DateTimeParts date_from_u24(uint32_t v);           // DATE / NEWDATE
DateTimeParts datetime_from_u64(uint64_t v);       // old DATETIME: YYYYMMDDhhmmss
TimeParts time_from_i24(int32_t v);                // old TIME: [-]HHMMSS

}  // namespace mysql_sync
