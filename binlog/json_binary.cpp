#include "binlog/json_binary.h"

#include <charconv>
#include <cstring>
#include <string_view>

#include "binlog/byte_reader.h"
#include "binlog/column_value.h"
#include "binlog/decimal.h"
#include "common/errors.h"
#include "binlog/json_escape.h"
#include "binlog/temporal.h"
#include "binlog/value_text.h"

namespace mysql_sync {

namespace {

enum : uint8_t {
  small_object = 0, large_object = 1, small_array = 2, large_array = 3, literal = 4, int16 = 5,
  uint16 = 6, int32 = 7, uint32 = 8, int64 = 9, uint64 = 10, double_ = 11, string = 12, opaque = 15,
};
constexpr int kMaxDepth = 150;  // MySQL allows 100; deeper input is malformed, not a stack overflow

[[noreturn]] void malformed(const std::string& what) { throw ValueError("malformed binary JSON: " + what); }

uint64_t load_le(const uint8_t* p, size_t n) {
  uint64_t v = 0;
  for (size_t i = n; i-- > 0;) v = (v << 8) | p[i];
  return v;
}

bool is_inlined(uint8_t type, bool large) {
  return type == literal || type == int16 || type == uint16 || (large && (type == int32 || type == uint32));
}

// Calls visit(key, type, value, value_size) for each element of an object or array (key empty for
// arrays), in stored order, after checking every offset against the container. Inlined scalars
// are passed as their `word`-sized slot.
template <typename Visit>
void for_each_element(const uint8_t* p, size_t size, bool large, bool is_object, Visit visit) {
  const size_t word = large ? 4 : 2;
  if (size < 2 * word) malformed("value truncated");
  const uint64_t count = load_le(p, word);
  const uint64_t bytes = load_le(p + word, word);
  if (bytes > size) malformed("container larger than its value");
  size = static_cast<size_t>(bytes);
  const size_t key_entry = is_object ? word + 2 : 0;
  const size_t value_entry = 1 + word;
  const size_t header = 2 * word;
  if (count > (size - header) / (key_entry + value_entry)) malformed("element count beyond the value");
  const size_t n = static_cast<size_t>(count);
  const uint8_t* keys = p + header;
  const uint8_t* values = keys + n * key_entry;
  for (size_t i = 0; i < n; ++i) {
    std::string_view key;
    if (is_object) {
      const uint8_t* k = keys + i * key_entry;
      uint64_t key_offset = load_le(k, word), key_length = load_le(k + word, 2);
      if (key_offset > size || key_length > size - key_offset) malformed("key beyond the object");
      key = std::string_view(reinterpret_cast<const char*>(p + key_offset), key_length);
    }
    const uint8_t* v = values + i * value_entry;
    uint8_t type = v[0];
    if (is_inlined(type, large)) {
      visit(key, type, v + 1, word);
    } else {
      uint64_t offset = load_le(v + 1, word);
      if (offset >= size) malformed("value offset beyond the container");
      visit(key, type, p + offset, size - static_cast<size_t>(offset));
    }
  }
}

// The binary value is self-contained; offsets are checked against the enclosing container.
class JsonPrinter {
 public:
  explicit JsonPrinter(std::string& out) : out_(out) {}

  void value(uint8_t type, const uint8_t* p, size_t size, int depth) {
    if (depth > kMaxDepth) malformed("nesting too deep");
    switch (type) {
      case small_object: container(p, size, false, true, depth); return;
      case large_object: container(p, size, true, true, depth); return;
      case small_array: container(p, size, false, false, depth); return;
      case large_array: container(p, size, true, false, depth); return;
      case literal: need(size, 1); literal_value(p[0]); return;
      case int16: need(size, 2); integer(static_cast<int16_t>(le(p, 2))); return;
      case uint16: need(size, 2); integer(static_cast<uint16_t>(le(p, 2))); return;
      case int32: need(size, 4); integer(static_cast<int32_t>(le(p, 4))); return;
      case uint32: need(size, 4); integer(static_cast<uint32_t>(le(p, 4))); return;
      case int64: need(size, 8); integer(static_cast<int64_t>(le(p, 8))); return;
      case uint64: need(size, 8); integer(le(p, 8)); return;
      case double_: {
        need(size, 8);
        uint64_t bits = le(p, 8);
        double d;
        std::memcpy(&d, &bits, sizeof d);
        append_number(d);
        return;
      }
      case string: {
        size_t at = 0;
        size_t len = varlen(p, size, at);
        if (len > size - at) malformed("string length beyond the value");
        append_json_string(out_, std::string_view(reinterpret_cast<const char*>(p + at), len));
        return;
      }
      case opaque: opaque_value(p, size); return;
      default: malformed("unknown value type " + std::to_string(type));
    }
  }

 private:
  static void need(size_t size, size_t n) {
    if (size < n) malformed("value truncated");
  }
  static uint64_t le(const uint8_t* p, size_t n) { return load_le(p, n); }
  // 7 bits per byte, least significant first; at most 5 bytes (32-bit lengths).
  static size_t varlen(const uint8_t* p, size_t size, size_t& at) {
    uint64_t v = 0;
    for (int i = 0; i < 5; ++i) {
      if (at >= size) malformed("length truncated");
      uint8_t b = p[at++];
      v |= static_cast<uint64_t>(b & 0x7F) << (7 * i);
      if ((b & 0x80) == 0) return static_cast<size_t>(v);
    }
    malformed("length too long");
  }

  template <typename T>
  void integer(T v) {
    char buf[24];
    auto r = std::to_chars(buf, buf + sizeof buf, v);
    out_.append(buf, r.ptr);
  }
  void append_number(double d) {
    char buf[400];
    auto r = std::to_chars(buf, buf + sizeof buf, d, std::chars_format::fixed);
    if (r.ec != std::errc()) r = std::to_chars(buf, buf + sizeof buf, d);
    std::string_view s(buf, static_cast<size_t>(r.ptr - buf));
    out_.append(s);
    if (s.find_first_of(".e") == std::string_view::npos) out_.append(".0");
  }
  void literal_value(uint8_t v) {
    switch (v) {
      case 0: out_.append("null"); return;
      case 1: out_.append("true"); return;
      case 2: out_.append("false"); return;
      default: malformed("unknown literal " + std::to_string(v));
    }
  }

  void container(const uint8_t* p, size_t size, bool large, bool is_object, int depth) {
    out_.push_back(is_object ? '{' : '[');
    bool first = true;
    for_each_element(p, size, large, is_object,
                     [&](std::string_view key, uint8_t type, const uint8_t* v, size_t v_size) {
                       if (!first) out_.append(", ");
                       first = false;
                       if (is_object) {
                         append_json_string(out_, key);
                         out_.append(": ");
                       }
                       value(type, v, v_size, depth + 1);
                     });
    out_.push_back(is_object ? '}' : ']');
  }

  void opaque_value(const uint8_t* p, size_t size) {
    need(size, 1);
    uint8_t field_type = p[0];
    size_t at = 1;
    size_t len = varlen(p, size, at);
    if (len > size - at) malformed("opaque length beyond the value");
    const uint8_t* data = p + at;
    using namespace column_type;
    if (field_type == newdecimal && len >= 2) {
      ByteReader in(data + 2, len - 2, 0);
      try {
        read_decimal(in, data[0], data[1], out_);
      } catch (const DecodeError&) {
        malformed("bad decimal");
      }
      return;
    }
    if ((field_type == date || field_type == datetime || field_type == timestamp || field_type == time) &&
        len >= 8) {
      int64_t packed = static_cast<int64_t>(le(data, 8));
      std::string text;
      if (field_type == time) {
        TimeParts t = time_from_packed(packed);
        append_time(text, t.negative, t.hours, t.minute, t.second, t.microsecond, 6);
      } else {
        DateTimeParts d = datetime_from_packed(packed);
        if (field_type == date)
          append_date(text, d.year, d.month, d.day);
        else
          append_datetime(text, d.year, d.month, d.day, d.hour, d.minute, d.second, d.microsecond, 6);
      }
      append_json_string(out_, text);
      return;
    }
    // Anything else MySQL itself prints as "base64:type<N>:<base64 of the bytes>".
    static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    std::string text = "base64:type" + std::to_string(field_type) + ":";
    for (size_t i = 0; i < len; i += 3) {
      uint32_t chunk = static_cast<uint32_t>(data[i]) << 16;
      if (i + 1 < len) chunk |= static_cast<uint32_t>(data[i + 1]) << 8;
      if (i + 2 < len) chunk |= data[i + 2];
      text.push_back(b64[(chunk >> 18) & 63]);
      text.push_back(b64[(chunk >> 12) & 63]);
      text.push_back(i + 1 < len ? b64[(chunk >> 6) & 63] : '=');
      text.push_back(i + 2 < len ? b64[chunk & 63] : '=');
    }
    append_json_string(out_, text);
  }

  std::string& out_;
};

// Builds a JsonTree; scalars are printed by JsonPrinter, so both paths give the same text.
void build_tree(JsonTree& node, uint8_t type, const uint8_t* p, size_t size, int depth) {
  if (depth > kMaxDepth) malformed("nesting too deep");
  const bool is_object = type == small_object || type == large_object;
  if (!is_object && type != small_array && type != large_array) {
    node.kind = JsonTree::Kind::scalar;
    JsonPrinter(node.scalar).value(type, p, size, depth);
    return;
  }
  node.kind = is_object ? JsonTree::Kind::object : JsonTree::Kind::array;
  const bool large = type == large_object || type == large_array;
  for_each_element(p, size, large, is_object, [&](std::string_view key, uint8_t t, const uint8_t* v, size_t n) {
    if (is_object) {
      node.members.emplace_back(std::string(key), JsonTree());
      build_tree(node.members.back().second, t, v, n, depth + 1);
    } else {
      node.elements.emplace_back();
      build_tree(node.elements.back(), t, v, n, depth + 1);
    }
  });
}

}  // namespace

void append_json_binary_as_text(std::string& out, const uint8_t* data, size_t size) {
  if (size == 0) {  // MySQL writes an empty value for a JSON null
    out.append("null");
    return;
  }
  JsonPrinter(out).value(data[0], data + 1, size - 1, 0);
}

}  // namespace mysql_sync

namespace mysql_sync {

JsonTree json_binary_to_tree(const uint8_t* data, size_t size) {
  JsonTree tree;
  if (size == 0) {
    tree.scalar = "null";
    return tree;
  }
  build_tree(tree, data[0], data + 1, size - 1, 0);
  return tree;
}

void append_json_tree(std::string& out, const JsonTree& tree) {
  switch (tree.kind) {
    case JsonTree::Kind::scalar: out += tree.scalar; return;
    case JsonTree::Kind::object:
      out.push_back('{');
      for (size_t i = 0; i < tree.members.size(); ++i) {
        if (i) out.append(", ");
        append_json_string(out, tree.members[i].first);
        out.append(": ");
        append_json_tree(out, tree.members[i].second);
      }
      out.push_back('}');
      return;
    case JsonTree::Kind::array:
      out.push_back('[');
      for (size_t i = 0; i < tree.elements.size(); ++i) {
        if (i) out.append(", ");
        append_json_tree(out, tree.elements[i]);
      }
      out.push_back(']');
      return;
  }
}

}  // namespace mysql_sync
