// MySQL's binary DECIMAL (NEWDECIMAL) format -> numeric text with exactly `scale` digits.
#pragma once
#include "common/cxx_zone.h"

#include <cstddef>
#include <string>

#include "binlog/byte_reader.h"

namespace mysql_sync {

// Bytes a DECIMAL(precision, scale) occupies; 0 when precision/scale are out of MySQL's range.
size_t decimal_binary_size(unsigned precision, unsigned scale);

// Reads one DECIMAL(precision, scale) and appends it as "-123.4500" (no sign for zero).
void read_decimal(ByteReader& in, unsigned precision, unsigned scale, std::string& out);

}  // namespace mysql_sync
