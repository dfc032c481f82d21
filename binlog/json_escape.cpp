#include "binlog/json_escape.h"

#include <cstdint>
#include <cstring>

#include "binlog/charset.h"

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace mysql_sync {

namespace {

// Bytes are staged in a small stack buffer and appended to `out` a few hundred at a time: JSON
// text and prose have a quote or a non-ASCII character every few bytes, and one std::string append
// per run was most of the cost.
class Staged {
 public:
  explicit Staged(std::string& out) : out_(out) {}
  // Room for at least kMaxStep more bytes at at().
  char* at() {
    if (used_ > sizeof buf_ - kMaxStep) flush();
    return buf_ + used_;
  }
  void advance(size_t n) { used_ += n; }
  void flush() {
    out_.append(buf_, used_);
    used_ = 0;
  }
  static constexpr size_t kMaxStep = 16;

 private:
  std::string& out_;
  size_t used_ = 0;
  char buf_[512];
};

// Copies one block (16 bytes with SSE2, else 8) from p to d and returns the mask of the bytes that a
// plain run cannot take as is: control characters, '"', '\\', and unless the string is known to
// be valid UTF-8 (kValidUtf8), bytes >= 0x80.
#if defined(__SSE2__)
constexpr size_t kBlock = 16;
template <bool kValidUtf8>
inline unsigned copy_block(const uint8_t* p, char* d) {
  const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
  _mm_storeu_si128(reinterpret_cast<__m128i*>(d), v);
  const __m128i quote_or_backslash =
      _mm_or_si128(_mm_cmpeq_epi8(v, _mm_set1_epi8('"')), _mm_cmpeq_epi8(v, _mm_set1_epi8('\\')));
  // Signed compare: bytes < 0x20 and bytes >= 0x80 (negative) are both "less than space";
  // unsigned (min), only the control characters.
  const __m128i low = kValidUtf8 ? _mm_cmpeq_epi8(_mm_min_epu8(v, _mm_set1_epi8(0x1F)), v)
                                 : _mm_cmplt_epi8(v, _mm_set1_epi8(0x20));
  return static_cast<unsigned>(_mm_movemask_epi8(_mm_or_si128(low, quote_or_backslash)));
}
#else
constexpr size_t kBlock = 8;
template <bool kValidUtf8>
inline unsigned copy_block(const uint8_t* p, char* d) {
  constexpr uint64_t ones = 0x0101010101010101ull, highs = 0x8080808080808080ull;
  uint64_t w;
  std::memcpy(&w, p, sizeof w);
  std::memcpy(d, &w, sizeof w);
  const uint64_t q = w ^ (ones * '"'), b = w ^ (ones * '\\');
  // Exact "has a byte < 0x20 / == 0 (/ >= 0x80)" tests; the position is found byte by byte.
  if (((((w - ones * 0x20) & ~w) | ((q - ones) & ~q) | ((b - ones) & ~b) | (kValidUtf8 ? 0 : w)) & highs) ==
      0)
    return 0;
  for (unsigned k = 0; k < 8; ++k) {
    const uint8_t c = p[k];
    if (c < 0x20 || (!kValidUtf8 && c >= 0x80) || c == '"' || c == '\\') return 1u << k;
  }
  return 0;
}
#endif

template <bool kValidUtf8>
void escape_into(Staged& staged, const uint8_t* p, size_t n) {
  static const char hex[] = "0123456789abcdef";
  size_t i = 0;
  while (i < n) {
    char* d = staged.at();
    if (n - i >= kBlock) {
      const unsigned mask = copy_block<kValidUtf8>(p + i, d);
      if (mask == 0) {
        staged.advance(kBlock);
        i += kBlock;
        continue;
      }
      const size_t plain = static_cast<size_t>(__builtin_ctz(mask));
      staged.advance(plain);
      i += plain;
      d += plain;
    }
    const uint8_t c = p[i];
    if (c >= 0x20 && c != '"' && c != '\\' &&
        (kValidUtf8 || c < 0x80)) {  // in the tail, shorter than a block
      *d = static_cast<char>(c);
      staged.advance(1);
      ++i;
      continue;
    }
    if (c >= 0x80) {
      const size_t len = utf8_sequence_length(p + i, n - i);
      if (len != 0) {
        std::memcpy(d, p + i, len);
        staged.advance(len);
        i += len;
      } else {
        std::memcpy(d, "\xEF\xBF\xBD", 3);  // a byte that starts no valid UTF-8 sequence
        staged.advance(3);
        ++i;
      }
      continue;
    }
    char e = 0;
    switch (c) {
      case '"':
        e = '"';
        break;
      case '\\':
        e = '\\';
        break;
      case '\b':
        e = 'b';
        break;
      case '\f':
        e = 'f';
        break;
      case '\n':
        e = 'n';
        break;
      case '\r':
        e = 'r';
        break;
      case '\t':
        e = 't';
        break;
      default:
        break;
    }
    d[0] = '\\';
    if (e != 0) {
      d[1] = e;
      staged.advance(2);
    } else {
      std::memcpy(d + 1, "u00", 3);
      d[4] = hex[c >> 4];
      d[5] = hex[c & 15];
      staged.advance(6);
    }
    ++i;
  }
}

}  // namespace

void append_json_string(std::string& out, std::string_view s) {
  const uint8_t* p = reinterpret_cast<const uint8_t*>(s.data());
  const size_t n = s.size();
  Staged staged(out);
  *staged.at() = '"';
  staged.advance(1);
  // Long text is checked for UTF-8 first (16 bytes per step), then only '"', '\\' and control
  // characters stop the copy; otherwise (short, or invalid) each non-ASCII character is checked.
  if (n >= 64 && is_valid_utf8(p, n))
    escape_into<true>(staged, p, n);
  else
    escape_into<false>(staged, p, n);
  *staged.at() = '"';
  staged.advance(1);
  staged.flush();
}

}  // namespace mysql_sync
