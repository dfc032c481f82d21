// MySQL's partial JSON updates (binlog_row_value_options = PARTIAL_JSON): instead of the new
// document, PARTIAL_UPDATE_ROWS events log the changes JSON_SET/JSON_REPLACE/JSON_REMOVE made, as
// a list of (operation, path, value). Applied in order to the before image's document they give
// the after image's document.
#pragma once
#include "common/cxx_zone.h"

#include <cstddef>
#include <cstdint>
#include <string>

#include "binlog/json_binary.h"

namespace mysql_sync {

// Applies the diff list `data` (the column's bytes after its length prefix) to `doc`. Throws
// ValueError when the list is malformed or a path does not exist in `doc` (the server logged the
// diff against the same document, so that means damage, not a difference of opinion).
void apply_json_diffs(JsonTree& doc, const uint8_t* data, size_t size);

// Appends the diff list `data` as a JSON array in jsonb's text form, one object per operation in
// order: {"op": "replace" | "insert" | "remove", "path": "<MySQL JSON path>", "value": <JSON>}
// ("value" absent for remove), e.g. [{"op": "replace", "path": "$.age", "value": 41}]. For when the
// document the diffs apply to is unknown. Throws ValueError like apply_json_diffs on bad input.
void json_diffs_to_text(std::string& out, const uint8_t* data, size_t size);

}  // namespace mysql_sync
