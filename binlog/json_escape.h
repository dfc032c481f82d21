// JSON string literals. Input is expected to be UTF-8; stray invalid bytes (possible only in SQL
// text of QUERY events, whose charset we do not convert) are written as U+FFFD so that every line
// stays valid JSON. Row values are converted and validated before they get here.
#pragma once
#include "common/cxx_zone.h"

#include <string>
#include <string_view>

namespace mysql_sync {

// Appends `"..."` with ", \ and control characters escaped the way PostgreSQL's jsonb prints them.
void append_json_string(std::string& out, std::string_view s);

}  // namespace mysql_sync
