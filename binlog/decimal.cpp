#include "binlog/decimal.h"

#include <cstdint>

namespace mysql_sync {

namespace {

// Digits are stored in groups of nine per 4 bytes; a partial group of n digits takes this many.
constexpr unsigned kDigitBytes[10] = {0, 1, 1, 2, 2, 3, 3, 4, 4, 4};
constexpr unsigned kDigitsPerGroup = 9;
constexpr uint32_t kPow10[10] = {1, 10, 100, 1000, 10000, 100000, 1000000, 10000000, 100000000, 1000000000};

uint32_t read_group(const uint8_t* p, unsigned nbytes) {
  uint32_t v = 0;
  for (unsigned i = 0; i < nbytes; ++i) v = (v << 8) | p[i];
  return v;
}

// Writes `v` as exactly `width` digits at `at`; returns the end.
char* put_digits(char* at, uint32_t v, unsigned width) {
  for (unsigned i = width; i-- > 0;) {
    at[i] = static_cast<char>('0' + v % 10);
    v /= 10;
  }
  return at + width;
}

// Writes `v` without leading zeros (nothing for 0); returns the end.
char* put_number(char* at, uint32_t v) {
  unsigned width = 0;
  for (uint32_t t = v; t != 0; t /= 10) ++width;
  return put_digits(at, v, width);
}

}  // namespace

size_t decimal_binary_size(unsigned precision, unsigned scale) {
  if (precision == 0 || precision > 65 || scale > 30 || scale > precision) return 0;
  unsigned intg = precision - scale;
  return (intg / kDigitsPerGroup) * 4 + kDigitBytes[intg % kDigitsPerGroup] + (scale / kDigitsPerGroup) * 4 +
         kDigitBytes[scale % kDigitsPerGroup];
}

void read_decimal(ByteReader& in, unsigned precision, unsigned scale, std::string& out) {
  size_t size = decimal_binary_size(precision, scale);
  if (size == 0)
    in.fail("invalid DECIMAL(" + std::to_string(precision) + "," + std::to_string(scale) + ") metadata");
  const uint8_t* raw = in.bytes(size, "decimal");
  // The sign bit is the top bit of the first byte (1 = positive); negative values are stored
  // with every byte inverted. Undo both on a copy (at most 30 bytes for DECIMAL(65,30)).
  const bool negative = (raw[0] & 0x80) == 0;
  uint8_t p[32];
  for (size_t i = 0; i < size; ++i) p[i] = negative ? static_cast<uint8_t>(~raw[i]) : raw[i];
  p[0] ^= 0x80;
  unsigned intg = precision - scale;
  unsigned intg_full = intg / kDigitsPerGroup, intg_part = intg % kDigitsPerGroup;
  unsigned frac_full = scale / kDigitsPerGroup, frac_part = scale % kDigitsPerGroup;
  size_t pos = 0;
  auto group = [&](unsigned nbytes) {
    uint32_t v = read_group(p + pos, nbytes);
    pos += nbytes;
    return v;
  };
  // At most 65 digits in all: fixed buffers keep this allocation-free.
  char integer[80], fraction[40];
  char* int_end = integer;
  char* frac_end = fraction;
  bool nonzero = false;
  if (intg_part > 0) {
    uint32_t v = group(kDigitBytes[intg_part]);
    if (v >= kPow10[intg_part]) in.fail("invalid DECIMAL digits");
    if (v != 0) nonzero = true;
    int_end = put_number(int_end, v);
  }
  for (unsigned g = 0; g < intg_full; ++g) {
    uint32_t v = group(4);
    if (v > 999999999) in.fail("invalid DECIMAL digits");
    if (v != 0) nonzero = true;
    int_end = int_end == integer ? put_number(int_end, v) : put_digits(int_end, v, kDigitsPerGroup);
  }
  for (unsigned g = 0; g < frac_full; ++g) {
    uint32_t v = group(4);
    if (v > 999999999) in.fail("invalid DECIMAL digits");
    if (v != 0) nonzero = true;
    frac_end = put_digits(frac_end, v, kDigitsPerGroup);
  }
  if (frac_part > 0) {
    uint32_t v = group(kDigitBytes[frac_part]);
    if (v >= kPow10[frac_part]) in.fail("invalid DECIMAL digits");
    if (v != 0) nonzero = true;
    frac_end = put_digits(frac_end, v, frac_part);
  }
  if (negative && nonzero) out.push_back('-');
  if (int_end == integer)
    out.push_back('0');
  else
    out.append(integer, int_end);
  if (scale > 0) {
    out.push_back('.');
    out.append(fraction, frac_end);
  }
}

}  // namespace mysql_sync
