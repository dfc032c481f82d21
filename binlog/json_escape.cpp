#include "json_escape.h"

#include <cstdint>

#include "charset.h"

namespace mysql_sync {

namespace {

// Length of the valid UTF-8 sequence at s[i], or 0 when it is not valid.
size_t utf8_sequence_length(std::string_view s, size_t i) {
  uint8_t c = static_cast<uint8_t>(s[i]);
  size_t n = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC2 ? 2 : 0;
  if (n == 0 || n > s.size() - i) return 0;
  return is_valid_utf8(reinterpret_cast<const uint8_t*>(s.data() + i), n) ? n : 0;
}

}  // namespace

void append_json_string(std::string& out, std::string_view s) {
  static const char hex[] = "0123456789abcdef";
  out.push_back('"');
  size_t i = 0;
  while (i < s.size()) {
    // Copy the longest run that needs no escaping (printable ASCII and valid UTF-8) in one append.
    size_t run = i;
    while (run < s.size()) {
      uint8_t c = static_cast<uint8_t>(s[run]);
      if (c >= 0x20 && c < 0x80 && c != '"' && c != '\\') {
        ++run;
      } else if (c >= 0x80) {
        size_t n = utf8_sequence_length(s, run);
        if (n == 0) break;
        run += n;
      } else {
        break;
      }
    }
    out.append(s.data() + i, run - i);
    i = run;
    if (i == s.size()) break;
    uint8_t c = static_cast<uint8_t>(s[i]);
    switch (c) {
      case '"': out.append("\\\""); break;
      case '\\': out.append("\\\\"); break;
      case '\b': out.append("\\b"); break;
      case '\f': out.append("\\f"); break;
      case '\n': out.append("\\n"); break;
      case '\r': out.append("\\r"); break;
      case '\t': out.append("\\t"); break;
      default:
        if (c < 0x20) {
          out.append("\\u00");
          out.push_back(hex[c >> 4]);
          out.push_back(hex[c & 15]);
        } else {
          out.append("\xEF\xBF\xBD");  // a byte that starts no valid UTF-8 sequence
        }
    }
    ++i;
  }
  out.push_back('"');
}

}  // namespace mysql_sync
