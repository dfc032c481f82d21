// A bounds-checked little-endian reader over one event's bytes. Every read checks the remaining
// length first and throws DecodeError naming the absolute file offset of the failed read, so no
// length taken from the binlog can make us read or allocate past the event.
#pragma once
#include "common/cxx_zone.h"

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "common/errors.h"

namespace mysql_sync {

class ByteReader {
 public:
  // `base_offset` is the file offset of data[0], used only in error messages.
  ByteReader(const uint8_t* data, size_t size, uint64_t base_offset)
      : data_(data), size_(size), base_offset_(base_offset) {}

  size_t position() const { return pos_; }
  size_t remaining() const { return size_ - pos_; }
  bool at_end() const { return pos_ == size_; }
  uint64_t offset() const { return base_offset_ + pos_; }
  const uint8_t* current() const { return data_ + pos_; }

  [[noreturn]] void fail(const std::string& what) const { throw DecodeError(offset(), what); }

  void need(size_t n, const char* what = "value") const {
    if (n > size_ - pos_)
      throw DecodeError(offset(), std::string("truncated ") + what + ": need " + std::to_string(n) +
                                      " bytes, " + std::to_string(size_ - pos_) + " left");
  }

  const uint8_t* bytes(size_t n, const char* what = "bytes") {
    need(n, what);
    const uint8_t* p = data_ + pos_;
    pos_ += n;
    return p;
  }
  std::string_view view(size_t n, const char* what = "string") {
    return {reinterpret_cast<const char*>(bytes(n, what)), n};
  }
  std::string string(size_t n, const char* what = "string") { return std::string(view(n, what)); }
  // The rest of the reader's range.
  std::string_view rest() { return view(remaining()); }
  void skip(size_t n, const char* what = "field") { bytes(n, what); }

  uint8_t u8() { return *bytes(1, "u8"); }
  uint16_t u16() { return static_cast<uint16_t>(le(2)); }
  uint32_t u24() { return static_cast<uint32_t>(le(3)); }
  uint32_t u32() { return static_cast<uint32_t>(le(4)); }
  uint64_t u48() { return le(6); }
  uint64_t u64() { return le(8); }

  // Little-endian unsigned integer of 1..8 bytes.
  uint64_t le(size_t n) {
    const uint8_t* p = bytes(n, "integer");
    uint64_t v = 0;
    for (size_t i = n; i-- > 0;) v = (v << 8) | p[i];
    return v;
  }
  // Big-endian unsigned integer of 1..8 bytes (temporal and decimal encodings).
  uint64_t be(size_t n) {
    const uint8_t* p = bytes(n, "integer");
    uint64_t v = 0;
    for (size_t i = 0; i < n; ++i) v = (v << 8) | p[i];
    return v;
  }

  // MySQL's length-encoded ("packed") integer: < 251 is the value, 252/253/254 prefix 2/3/8 bytes.
  uint64_t packed() {
    uint8_t first = u8();
    if (first < 251) return first;
    if (first == 252) return le(2);
    if (first == 253) return le(3);
    if (first == 254) return le(8);
    pos_ -= 1;
    fail("invalid packed integer prefix " + std::to_string(first));
  }
  // A packed integer used as a length or count: must fit what is left (each unit >= `unit` bytes).
  size_t packed_length(size_t unit = 1, const char* what = "length") {
    size_t at = pos_;
    uint64_t v = packed();
    if (unit != 0 && v > remaining() / unit) {
      pos_ = at;
      fail(std::string("bad ") + what + " " + std::to_string(v) + " (only " + std::to_string(remaining()) +
           " bytes left)");
    }
    return static_cast<size_t>(v);
  }
  std::string_view packed_string(const char* what = "string") {
    size_t n = packed_length(1, what);
    return view(n, what);
  }

  // MySQL 8.4+ serialization library's variable-length unsigned integer: the count of trailing
  // one bits of the first byte is the number of bytes that follow; 0xFF means 8 raw bytes follow.
  uint64_t serial_uint() {
    uint8_t first = *current();
    if (first == 0xFF) {
      skip(1);
      return le(8);
    }
    unsigned extra = 0;
    while ((first >> extra) & 1) ++extra;
    return le(extra + 1) >> (extra + 1);
  }
  int64_t serial_int() {  // zig-zag signed
    uint64_t v = serial_uint();
    return (v & 1) ? -static_cast<int64_t>(v >> 1) - 1 : static_cast<int64_t>(v >> 1);
  }

  // A sub-reader over the next n bytes (advances this reader past them).
  ByteReader sub(size_t n, const char* what = "block") {
    uint64_t at = offset();
    const uint8_t* p = bytes(n, what);
    return ByteReader(p, n, at);
  }

 private:
  const uint8_t* data_;
  size_t size_;
  size_t pos_ = 0;
  uint64_t base_offset_;
};

}  // namespace mysql_sync
