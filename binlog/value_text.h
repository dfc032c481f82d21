// PostgreSQL text forms of MySQL values: the one place that formats dates, times, bits and bytes,
// used by the binlog decoder and by the initial copy alike, so that both produce identical text.
#pragma once
#include "common/cxx_zone.h"

#include <cstddef>
#include <cstdint>
#include <string>

namespace mysql_sync {

// A calendar date MySQL may store but PostgreSQL may not: year/month/day zero, or a day that does
// not exist (2023-02-30 under ALLOW_INVALID_DATES).
bool is_invalid_date(int year, int month, int day);

// "2024-02-29"
void append_date(std::string& out, int year, int month, int day);
// "2024-02-29 13:14:15" plus ".123456" trimmed to `fsp` digits when fsp > 0 (fsp 0..6)
void append_datetime(std::string& out, int year, int month, int day, int hour, int minute, int second,
                     uint32_t microsecond, int fsp);
// TIMESTAMP: seconds since the epoch in UTC -> "2024-02-29 13:14:15.123+00"
void append_timestamp(std::string& out, int64_t epoch_seconds, uint32_t microsecond, int fsp);
// TIME as an interval: "-838:59:59.000000" (hours may exceed 24; negative keeps the sign in front)
void append_time(std::string& out, bool negative, uint32_t hours, int minute, int second, uint32_t microsecond,
                 int fsp);
// bytea hex form: "\x00ff"
void append_bytea(std::string& out, const uint8_t* data, size_t size);
// bit(n) text: "0101" for the low `bits` bits of the big-endian bytes
void append_bit_string(std::string& out, const uint8_t* data, size_t size, unsigned bits);
// Shortest text that reads back to the same value ("0.1", "1e+20", "NaN" never occurs in MySQL)
void append_float(std::string& out, float value);
void append_double(std::string& out, double value);
// VECTOR (little-endian floats) as real[] text: "{1.5,2}". False, appending nothing, when `size`
// is not a whole number of floats.
bool append_float_vector(std::string& out, const uint8_t* data, size_t size);

}  // namespace mysql_sync
