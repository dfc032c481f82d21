#include "binlog/json_diff.h"

#include <string>
#include <string_view>
#include <vector>

#include "binlog/byte_reader.h"
#include "common/errors.h"
#include "binlog/json_escape.h"

namespace mysql_sync {

namespace {

enum class DiffOp : uint8_t { replace = 0, insert = 1, remove = 2 };

// One step of a MySQL JSON path: `.key` / `."key"` or `[3]` / `[last]` / `[last-2]`.
struct PathLeg {
  bool is_member = false;
  std::string key;
  bool from_end = false;  // [last - index]
  uint64_t index = 0;
};

[[noreturn]] void bad_diff(const std::string& what) { throw ValueError("partial JSON update: " + what); }

void append_utf8(std::string& out, uint32_t cp) {
  if (cp < 0x80) {
    out.push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out.push_back(static_cast<char>(0xC0 | cp >> 6));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else if (cp < 0x10000) {
    out.push_back(static_cast<char>(0xE0 | cp >> 12));
    out.push_back(static_cast<char>(0x80 | (cp >> 6 & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else {
    out.push_back(static_cast<char>(0xF0 | cp >> 18));
    out.push_back(static_cast<char>(0x80 | (cp >> 12 & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp >> 6 & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
}

// The path text the server wrote (Json_path::to_string), e.g. $.a."b c"[2][last-1].
class PathParser {
 public:
  explicit PathParser(std::string_view text) : s_(text) {}

  std::vector<PathLeg> parse() {
    std::vector<PathLeg> legs;
    skip_spaces();
    if (!eat('$')) fail("does not start with $");
    for (skip_spaces(); at_ < s_.size(); skip_spaces()) {
      PathLeg leg;
      if (eat('.')) {
        skip_spaces();
        leg.is_member = true;
        if (peek() == '"') {
          leg.key = quoted();
        } else {
          size_t start = at_;
          while (at_ < s_.size() && s_[at_] != '.' && s_[at_] != '[' && s_[at_] != ' ' && s_[at_] != '*') ++at_;
          if (at_ == start) fail("has a wildcard or an empty member name");
          leg.key.assign(s_.substr(start, at_ - start));
        }
      } else if (eat('[')) {
        skip_spaces();
        if (s_.substr(at_, 4) == "last") {
          at_ += 4;
          leg.from_end = true;
          skip_spaces();
          if (eat('-')) {
            skip_spaces();
            leg.index = number();
          }
        } else {
          leg.index = number();
        }
        skip_spaces();
        if (!eat(']')) fail("has a wildcard or a range");
      } else {
        fail("has an unexpected character");
      }
      legs.push_back(std::move(leg));
    }
    return legs;
  }

 private:
  [[noreturn]] void fail(const char* what) const {
    bad_diff("path '" + std::string(s_) + "' " + what + " (at " + std::to_string(at_) + ")");
  }
  char peek() const { return at_ < s_.size() ? s_[at_] : '\0'; }
  bool eat(char c) {
    if (peek() != c) return false;
    ++at_;
    return true;
  }
  void skip_spaces() {
    while (at_ < s_.size() && (s_[at_] == ' ' || s_[at_] == '\t' || s_[at_] == '\n')) ++at_;
  }
  uint64_t number() {
    size_t start = at_;
    uint64_t v = 0;
    while (at_ < s_.size() && s_[at_] >= '0' && s_[at_] <= '9') {
      if (v > (UINT64_MAX - 9) / 10) fail("has an array index out of range");
      v = v * 10 + static_cast<uint64_t>(s_[at_++] - '0');
    }
    if (at_ == start) fail("has a wildcard or a bad array index");
    return v;
  }
  uint32_t hex4() {
    if (s_.size() - at_ < 4) fail("has a truncated \\u escape");
    uint32_t v = 0;
    for (int i = 0; i < 4; ++i) {
      char c = s_[at_++];
      v <<= 4;
      if (c >= '0' && c <= '9') v |= static_cast<uint32_t>(c - '0');
      else if (c >= 'a' && c <= 'f') v |= static_cast<uint32_t>(c - 'a' + 10);
      else if (c >= 'A' && c <= 'F') v |= static_cast<uint32_t>(c - 'A' + 10);
      else fail("has a bad \\u escape");
    }
    return v;
  }
  // A JSON string literal as a member name.
  std::string quoted() {
    ++at_;  // opening quote
    std::string out;
    while (true) {
      if (at_ >= s_.size()) fail("has an unterminated quoted name");
      char c = s_[at_++];
      if (c == '"') return out;
      if (c != '\\') {
        out.push_back(c);
        continue;
      }
      if (at_ >= s_.size()) fail("has an unterminated escape");
      char e = s_[at_++];
      switch (e) {
        case '"': case '\\': case '/': out.push_back(e); break;
        case 'b': out.push_back('\b'); break;
        case 'f': out.push_back('\f'); break;
        case 'n': out.push_back('\n'); break;
        case 'r': out.push_back('\r'); break;
        case 't': out.push_back('\t'); break;
        case 'u': {
          uint32_t cp = hex4();
          if (cp >= 0xD800 && cp < 0xDC00 && s_.substr(at_, 2) == "\\u") {
            at_ += 2;
            uint32_t low = hex4();
            if (low < 0xDC00 || low > 0xDFFF) fail("has a bad surrogate pair");
            cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
          }
          append_utf8(out, cp);
          break;
        }
        default: fail("has an unknown escape");
      }
    }
  }

  std::string_view s_;
  size_t at_ = 0;
};

// MySQL's (and jsonb's) key order: shorter keys first, then bytewise.
bool key_less(const std::string& a, const std::string& b) {
  if (a.size() != b.size()) return a.size() < b.size();
  return a.compare(b) < 0;
}

// The array position a leg names in an array of `size` elements; `size` or more when past the end.
uint64_t array_position(const PathLeg& leg, size_t size) {
  if (!leg.from_end) return leg.index;
  if (leg.index >= size) return UINT64_MAX;  // before the first element: names nothing
  return size - 1 - leg.index;
}

// The value a leg names inside `parent`, or nullptr. As in MySQL, [0] of a non-array is the value itself.
JsonTree* child(JsonTree& parent, const PathLeg& leg) {
  if (leg.is_member) {
    if (parent.kind != JsonTree::Kind::object) return nullptr;
    for (auto& m : parent.members)
      if (m.first == leg.key) return &m.second;
    return nullptr;
  }
  if (parent.kind != JsonTree::Kind::array) return array_position(leg, 1) == 0 ? &parent : nullptr;
  uint64_t at = array_position(leg, parent.elements.size());
  return at < parent.elements.size() ? &parent.elements[static_cast<size_t>(at)] : nullptr;
}

void apply_one(JsonTree& doc, DiffOp op, const std::vector<PathLeg>& path, JsonTree&& value,
               std::string_view path_text) {
  auto not_found = [&] {
    bad_diff("path '" + std::string(path_text) + "' is not in the before image's document");
  };
  if (path.empty()) {
    if (op != DiffOp::replace) bad_diff("cannot insert or remove the whole document");
    doc = std::move(value);
    return;
  }
  JsonTree* parent = &doc;
  for (size_t i = 0; i + 1 < path.size(); ++i) {
    parent = child(*parent, path[i]);
    if (parent == nullptr) not_found();
  }
  const PathLeg& last = path.back();
  if (op == DiffOp::replace) {
    JsonTree* target = child(*parent, last);
    if (target == nullptr) not_found();
    *target = std::move(value);
    return;
  }
  if (last.is_member) {
    if (parent->kind != JsonTree::Kind::object) not_found();
    auto& members = parent->members;
    auto it = members.begin();
    while (it != members.end() && it->first != last.key && key_less(it->first, last.key)) ++it;
    const bool exists = it != members.end() && it->first == last.key;
    if (op == DiffOp::remove) {
      if (!exists) not_found();
      members.erase(it);
    } else if (exists) {
      it->second = std::move(value);
    } else {
      members.emplace(it, last.key, std::move(value));
    }
    return;
  }
  if (parent->kind != JsonTree::Kind::array) not_found();
  auto& elements = parent->elements;
  uint64_t at = array_position(last, elements.size());
  if (op == DiffOp::remove) {
    if (at >= elements.size()) not_found();
    elements.erase(elements.begin() + static_cast<long>(at));
  } else {
    if (at > elements.size()) at = elements.size();  // JSON_ARRAY_INSERT past the end appends
    elements.insert(elements.begin() + static_cast<long>(at), std::move(value));
  }
}

}  // namespace

void apply_json_diffs(JsonTree& doc, const uint8_t* data, size_t size) {
  ByteReader in(data, size, 0);
  try {
    while (!in.at_end()) {
      uint8_t op = in.u8();
      if (op > static_cast<uint8_t>(DiffOp::remove)) bad_diff("unknown operation " + std::to_string(op));
      std::string_view path_text = in.packed_string("path");
      std::vector<PathLeg> path = PathParser(path_text).parse();
      JsonTree value;
      if (op != static_cast<uint8_t>(DiffOp::remove)) {
        size_t length = in.packed_length(1, "value");
        value = json_binary_to_tree(in.bytes(length, "value"), length);
      }
      apply_one(doc, static_cast<DiffOp>(op), path, std::move(value), path_text);
    }
  } catch (const DecodeError&) {
    bad_diff("the diff list is truncated");
  }
}

void json_diffs_to_text(std::string& out, const uint8_t* data, size_t size) {
  static const char* const names[] = {"replace", "insert", "remove"};
  ByteReader in(data, size, 0);
  try {
    out.push_back('[');
    for (bool first = true; !in.at_end(); first = false) {
      uint8_t op = in.u8();
      if (op > static_cast<uint8_t>(DiffOp::remove)) bad_diff("unknown operation " + std::to_string(op));
      std::string_view path_text = in.packed_string("path");
      PathParser(path_text).parse();  // the same paths as apply_json_diffs accepts
      if (!first) out += ", ";
      out += "{\"op\": \"";
      out += names[op];
      out += "\", \"path\": ";
      append_json_string(out, path_text);
      if (op != static_cast<uint8_t>(DiffOp::remove)) {
        size_t length = in.packed_length(1, "value");
        out += ", \"value\": ";
        append_json_tree(out, json_binary_to_tree(in.bytes(length, "value"), length));
      }
      out.push_back('}');
    }
    out.push_back(']');
  } catch (const DecodeError&) {
    bad_diff("the diff list is truncated");
  }
}

}  // namespace mysql_sync
