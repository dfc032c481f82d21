// Bytes as upper-case hexadecimal digits (MySQL's X'...' literals, key texts). Pure C++.
#pragma once
#include "common/cxx_zone.h"

#include <string>

namespace mysql_sync {

inline std::string hex_of(const std::string& bytes) {
  static const char digits[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(bytes.size() * 2);
  for (unsigned char c : bytes) {
    out += digits[c >> 4];
    out += digits[c & 15];
  }
  return out;
}

}  // namespace mysql_sync
