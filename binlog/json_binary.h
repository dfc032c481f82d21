// MySQL's binary JSON (the JSON column type in row events) -> the text form PostgreSQL's jsonb
// prints: {"a": 1, "b": [true, null]}. Malformed input is a ValueError.
#pragma once
#include "common/cxx_zone.h"

#include <cstddef>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace mysql_sync {

void append_json_binary_as_text(std::string& out, const uint8_t* data, size_t size);

// A JSON document as a tree: what partial JSON updates (json_diff.h) are applied to.
struct JsonTree {
  enum class Kind : uint8_t { scalar, object, array };
  Kind kind = Kind::scalar;
  std::string scalar;                                      // a scalar's text: 1, "a", true, null
  std::vector<std::pair<std::string, JsonTree>> members;   // object, keys in MySQL's (= jsonb's) order
  std::vector<JsonTree> elements;                          // array
};

JsonTree json_binary_to_tree(const uint8_t* data, size_t size);
// The same text append_json_binary_as_text gives for the document the tree came from.
void append_json_tree(std::string& out, const JsonTree& tree);

}  // namespace mysql_sync
