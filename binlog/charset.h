// MySQL/MariaDB collation ids -> character sets, and conversion of stored bytes to UTF-8.
// Bytes that are invalid in their charset are a ValueError: never replaced, never guessed.
#pragma once
#include "cxx_zone.h"

#include <cstddef>
#include <cstdint>
#include <string>

namespace mysql_sync {

constexpr uint16_t kBinaryCollation = 63;

enum class Charset : uint8_t {
  unknown,
  binary,
  utf8,     // utf8mb3 and utf8mb4: validated, copied
  ascii,
  latin1,   // MySQL's latin1 is cp1252 with the five undefined bytes mapped to C1 controls
  iconv,    // anything else, converted with iconv (see charset_iconv_name)
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

// Appends `data`, stored in `collation`, as UTF-8. Throws ValueError naming `what` (e.g. the
// column) on bytes invalid in that charset or on an unknown/binary collation.
void append_as_utf8(std::string& out, const uint8_t* data, size_t size, uint16_t collation, const char* what);

}  // namespace mysql_sync
