// The fast paths of text handling (SSE2/word-at-a-time UTF-8 validation and JSON escaping, the
// CLI's appended JSON lines) against straightforward byte-at-a-time oracles: every output byte
// must stay identical.
#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

#include "binlog/charset.h"
#include "binlog/json_escape.h"
#include "decoder_test_support.h"

namespace mysql_sync {
namespace {

// Byte-at-a-time UTF-8 well-formedness (RFC 3629): the definition the fast path must match.
bool reference_is_valid_utf8(const uint8_t* s, size_t size) {
  size_t i = 0;
  while (i < size) {
    uint8_t c = s[i];
    if (c < 0x80) {
      ++i;
      continue;
    }
    size_t n;
    uint32_t cp;
    if (c >= 0xC2 && c <= 0xDF) {
      n = 1;
      cp = c & 0x1F;
    } else if (c >= 0xE0 && c <= 0xEF) {
      n = 2;
      cp = c & 0x0F;
    } else if (c >= 0xF0 && c <= 0xF4) {
      n = 3;
      cp = c & 0x07;
    } else {
      return false;
    }
    if (n > size - i - 1) return false;
    for (size_t k = 1; k <= n; ++k) {
      uint8_t cc = s[i + k];
      if ((cc & 0xC0) != 0x80) return false;
      cp = (cp << 6) | (cc & 0x3F);
    }
    if ((n == 2 && cp < 0x800) || (n == 3 && (cp < 0x10000 || cp > 0x10FFFF)) ||
        (cp >= 0xD800 && cp <= 0xDFFF))
      return false;
    i += n + 1;
  }
  return true;
}

// Byte-at-a-time escaping as PostgreSQL's jsonb prints strings, invalid UTF-8 bytes as U+FFFD.
std::string reference_json_string(const std::string& s) {
  static const char hex[] = "0123456789abcdef";
  std::string out = "\"";
  size_t i = 0;
  while (i < s.size()) {
    uint8_t c = static_cast<uint8_t>(s[i]);
    if (c >= 0x80) {
      size_t n = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC2 ? 2 : 0;
      if (n != 0 && n <= s.size() - i &&
          reference_is_valid_utf8(reinterpret_cast<const uint8_t*>(s.data() + i), n)) {
        out.append(s, i, n);
        i += n;
      } else {
        out += "\xEF\xBF\xBD";
        ++i;
      }
      continue;
    }
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\b':
        out += "\\b";
        break;
      case '\f':
        out += "\\f";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        if (c < 0x20) {
          out += "\\u00";
          out += hex[c >> 4];
          out += hex[c & 15];
        } else {
          out += static_cast<char>(c);
        }
    }
    ++i;
  }
  return out + "\"";
}

// Random strings built from the bytes where UTF-8 and JSON escaping have edges, plus runs of plain
// ASCII long enough to take the 16-byte path, at every alignment.
std::string random_text(std::mt19937& rng) {
  static const std::vector<std::string> pieces = {"a",
                                                  "Z",
                                                  " ",
                                                  "~",
                                                  "\x7f",
                                                  "\"",
                                                  "\\",
                                                  "\n",
                                                  "\t",
                                                  std::string(1, '\0'),
                                                  "\x01",
                                                  "\x1f",
                                                  "\x80",
                                                  "\xbf",
                                                  "\xc0",
                                                  "\xc1",
                                                  "\xc2",
                                                  "\xdf",
                                                  "\xe0",
                                                  "\xed",
                                                  "\xef",
                                                  "\xf0",
                                                  "\xf4",
                                                  "\xf5",
                                                  "\xff",
                                                  "\xa0",
                                                  "\x9f",
                                                  "\x90",
                                                  "\x8f",
                                                  "\xc3\xbc",
                                                  "\xe2\x82\xac",
                                                  "\xe2\x9c\x93",
                                                  "\xf0\x9f\x98\x80",
                                                  "\xed\x9f\xbf",
                                                  "\xed\xa0\x80",
                                                  "\xe0\x9f\xbf",
                                                  "\xe0\xa0\x80",
                                                  "\xf0\x8f\xbf\xbf",
                                                  "\xf4\x8f\xbf\xbf",
                                                  "\xf4\x90\x80\x80",
                                                  "Lorem ipsum dolor sit amet, ",
                                                  "0123456789abcdefghijklmnopqrstuv"};
  std::uniform_int_distribution<size_t> count(0, 24), pick(0, pieces.size() - 1);
  std::string s;
  for (size_t n = count(rng); n > 0; --n) s += pieces[pick(rng)];
  return s;
}

TEST(TextFastPaths, Utf8ValidationMatchesReference) {
  std::mt19937 rng(20261125);
  for (int iteration = 0; iteration < 200000; ++iteration) {
    std::string s = "...." + random_text(rng);
    size_t skip = static_cast<size_t>(iteration % 4);  // unaligned starts
    const uint8_t* p = reinterpret_cast<const uint8_t*>(s.data()) + skip;
    size_t n = s.size() - skip;
    ASSERT_EQ(is_valid_utf8(p, n), reference_is_valid_utf8(p, n)) << testing::PrintToString(s.substr(skip));
  }
  // Long strings (the 16-byte SIMD path): pieces repeated, cut at every length.
  for (int iteration = 0; iteration < 20000; ++iteration) {
    std::string s = random_text(rng) + random_text(rng) + random_text(rng) + random_text(rng);
    for (size_t cut = s.size() > 40 ? s.size() - 40 : 0; cut <= s.size(); ++cut) {
      const uint8_t* p = reinterpret_cast<const uint8_t*>(s.data());
      ASSERT_EQ(is_valid_utf8(p, cut), reference_is_valid_utf8(p, cut))
          << testing::PrintToString(s.substr(0, cut));
    }
  }
  // Three bytes at every place across a block boundary of the SIMD paths (which start at the first
  // non-ASCII byte): the 16-byte blocks (and AVX2's lane boundary) and AVX2's 32-byte blocks,
  // after a valid character and before enough ASCII for either SIMD path (the 16-byte one from 32
  // bytes, AVX2 from 64).
  const uint8_t edges[] = {0x00, 0x41, 0x7f, 0x80, 0x8f, 0x90, 0x9f,
                           0xa0, 0xbf, 0xc0, 0xc2, 0xe0, 0xf0, 0xff};
  for (size_t pad : {0, 11, 12, 13, 14, 27, 28, 29, 30})
    for (unsigned a = 0x80; a < 256; ++a)
      for (unsigned b = 0; b < 256; ++b)
        for (uint8_t c : edges) {
          std::string s = "\xc3\xbc" + std::string(pad, 'a');
          s += {static_cast<char>(a), static_cast<char>(b), static_cast<char>(c)};
          s += std::string(65, 'a');
          const uint8_t* p = reinterpret_cast<const uint8_t*>(s.data());
          ASSERT_EQ(is_valid_utf8(p, s.size()), reference_is_valid_utf8(p, s.size()))
              << pad << " " << a << " " << b;
          ASSERT_EQ(is_valid_utf8(p, s.size() - 32), reference_is_valid_utf8(p, s.size() - 32));
          ASSERT_EQ(is_valid_utf8(p, s.size() - 65), reference_is_valid_utf8(p, s.size() - 65));
        }
  // Every 1- to 4-byte sequence's first two bytes, with valid continuation bytes after them.
  for (unsigned a = 0; a < 256; ++a)
    for (unsigned b = 0; b < 256; ++b) {
      const uint8_t s[] = {static_cast<uint8_t>(a), static_cast<uint8_t>(b), 0x80, 0xbf};
      for (size_t n = 1; n <= 4; ++n)
        ASSERT_EQ(is_valid_utf8(s, n), reference_is_valid_utf8(s, n)) << a << " " << b;
    }
}

TEST(TextFastPaths, JsonEscapingMatchesReference) {
  std::mt19937 rng(4);
  std::string out;
  for (int iteration = 0; iteration < 200000; ++iteration) {
    std::string s = random_text(rng);
    out = "prefix";  // appends, after what the buffer holds
    append_json_string(out, s);
    ASSERT_EQ(out, "prefix" + reference_json_string(s)) << testing::PrintToString(s);
  }
  for (unsigned a = 0; a < 256; ++a)
    for (unsigned b = 0; b < 256; ++b) {
      const std::string s = {static_cast<char>(a), static_cast<char>(b), '\x80', '\xbf'};
      out.clear();
      append_json_string(out, s);
      ASSERT_EQ(out, reference_json_string(s)) << a << " " << b;
    }
}

// EventJsonWriter::append (the CLI's one output buffer) prints exactly the lines write() passes on.
TEST(TextFastPaths, AppendedLinesMatchEmittedLines) {
  SKIP_WITHOUT_FIXTURES();
  size_t files = 0;
  for (const std::string& path : test::present_binlog_fixtures()) {
    DecoderOptions options;
    options.enum_index_when_unknown = true;
    options.partial_images = true;
    std::string emitted, appended;
    EventJsonWriter by_emit(test::base_name(path)), by_append(test::base_name(path));
    auto emit = [&](const std::string& line) {
      emitted += line;
      emitted += '\n';
    };
    try {
      read_binlog_file(path, 4, options, [&](const Event& ev) {
        by_emit.write(ev, emit);
        by_append.append(ev, appended);
      });
    } catch (const std::exception&) {
      // A damaged fixture: the lines before the damage are compared.
    }
    ASSERT_EQ(appended, emitted) << path;
    ++files;
  }
  EXPECT_GT(files, 10u);
}

}  // namespace
}  // namespace mysql_sync
