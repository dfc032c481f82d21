// MySQL's binary JSON (the JSON column type in row events) -> the text form PostgreSQL's jsonb
// prints: {"a": 1, "b": [true, null]}. Malformed input is a ValueError.
#pragma once
#include "cxx_zone.h"

#include <cstddef>
#include <cstdint>
#include <string>

namespace mysql_sync {

void append_json_binary_as_text(std::string& out, const uint8_t* data, size_t size);

}  // namespace mysql_sync
