// MySQL/MariaDB collation ids -> character sets, and conversion of stored bytes to UTF-8.
// Bytes that are invalid in their charset are a ValueError: never replaced, never guessed.
#pragma once
#include "common/cxx_zone.h"

#include <cstddef>
#include <cstdint>
#include <string>

namespace mysql_sync {

constexpr uint16_t kBinaryCollation = 63;

enum class Charset : uint8_t {
  unknown,
  binary,
  utf8,  // utf8mb3 and utf8mb4: validated, copied
  ascii,
  latin1,  // MySQL's latin1 is cp1252 with the five undefined bytes mapped to C1 controls
  iconv,   // anything else, converted with iconv (see charset_iconv_name)
};

// The charset of a collation id; Charset::unknown for ids we do not know.
Charset charset_of(uint16_t collation);
// MySQL's charset name for a collation id ("utf8mb4", "latin1", "gbk"...), or nullptr.
const char* charset_name(uint16_t collation);

// The collation id of a column declared with `charset` and `collation` (lower-case names as
// information_schema spells them; "utf8" is utf8mb3), for text columns that DDL adds: the id of
// `collation` when it is known and belongs to `charset`, else the charset's default collation
// (utf8mb4: utf8mb4_general_ci, 45, MariaDB's default; only the charset matters for decoding);
// with an empty charset, the charset of `collation`; 0 when the charset is unknown.
uint16_t collation_id_of(const std::string& charset, const std::string& collation);
// The name of a collation id that collation_id_of() can return ("utf8mb4_general_ci"), or "".
std::string collation_name_of(uint16_t id);

// True when `data` is well-formed UTF-8 (no overlongs, no surrogates, <= U+10FFFF).
bool is_valid_utf8(const uint8_t* data, size_t size);

// Length of the well-formed UTF-8 sequence of at most `left` bytes that starts with the byte
// p[0] >= 0x80, or 0 when there is none. Inline: accented or CJK text has one every few bytes.
inline size_t utf8_sequence_length(const uint8_t* p, size_t left) {
  const uint8_t c = p[0];
  if (c < 0xC2) return 0;  // a continuation byte, or an overlong 2-byte lead
  if (c < 0xE0) return left >= 2 && (p[1] & 0xC0) == 0x80 ? 2 : 0;
  if (c < 0xF0) {
    if (left < 3 || (p[1] & 0xC0) != 0x80 || (p[2] & 0xC0) != 0x80) return 0;
    if (c == 0xE0 && p[1] < 0xA0) return 0;   // overlong
    if (c == 0xED && p[1] >= 0xA0) return 0;  // UTF-16 surrogate
    return 3;
  }
  if (c > 0xF4) return 0;
  if (left < 4 || (p[1] & 0xC0) != 0x80 || (p[2] & 0xC0) != 0x80 || (p[3] & 0xC0) != 0x80) return 0;
  if (c == 0xF0 && p[1] < 0x90) return 0;   // overlong
  if (c == 0xF4 && p[1] >= 0x90) return 0;  // above U+10FFFF
  return 4;
}

// Appends `data`, stored in `collation`, as UTF-8. Throws ValueError naming `what` (e.g. the
// column) on bytes invalid in that charset or on an unknown/binary collation.
void append_as_utf8(std::string& out, const uint8_t* data, size_t size, uint16_t collation, const char* what);

}  // namespace mysql_sync
