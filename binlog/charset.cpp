#include "binlog/charset.h"

#include <errno.h>
#include <iconv.h>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif
#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>
#endif

#include <cstring>
#include <map>
#include <memory>
#include <vector>

#include "common/errors.h"

namespace mysql_sync {

namespace {

// MySQL charset names of collation ids 1..323 (MySQL 8 numbering, which MariaDB shares below 256).
const char* base_charset_name(unsigned id) {
  switch (id) {
    case 1:
    case 84:
      return "big5";
    case 3:
    case 69:
      return "dec8";
    case 4:
    case 80:
      return "cp850";
    case 6:
    case 72:
      return "hp8";
    case 7:
    case 74:
      return "koi8r";
    case 5:
    case 8:
    case 15:
    case 31:
    case 47:
    case 48:
    case 49:
    case 94:
      return "latin1";
    case 2:
    case 9:
    case 21:
    case 27:
    case 77:
      return "latin2";
    case 10:
    case 82:
      return "swe7";
    case 11:
    case 65:
      return "ascii";
    case 12:
    case 91:
      return "ujis";
    case 13:
    case 88:
      return "sjis";
    case 16:
    case 71:
      return "hebrew";
    case 18:
    case 89:
      return "tis620";
    case 19:
    case 85:
      return "euckr";
    case 22:
    case 75:
      return "koi8u";
    case 24:
    case 86:
      return "gb2312";
    case 25:
    case 70:
      return "greek";
    case 26:
    case 34:
    case 44:
    case 66:
    case 99:
      return "cp1250";
    case 28:
    case 87:
      return "gbk";
    case 30:
    case 78:
      return "latin5";
    case 32:
    case 64:
      return "armscii8";
    case 33:
    case 76:
    case 83:
    case 223:
      return "utf8mb3";
    case 35:
    case 90:
      return "ucs2";
    case 36:
    case 68:
      return "cp866";
    case 37:
    case 73:
      return "keybcs2";
    case 38:
    case 43:
      return "macce";
    case 39:
    case 53:
      return "macroman";
    case 40:
    case 81:
      return "cp852";
    case 20:
    case 41:
    case 42:
    case 79:
      return "latin7";
    case 14:
    case 23:
    case 50:
    case 51:
    case 52:
      return "cp1251";
    case 45:
    case 46:
      return "utf8mb4";
    case 54:
    case 55:
      return "utf16";
    case 56:
    case 62:
      return "utf16le";
    case 57:
    case 67:
      return "cp1256";
    case 29:
    case 58:
    case 59:
      return "cp1257";
    case 60:
    case 61:
      return "utf32";
    case 63:
      return "binary";
    case 92:
    case 93:
      return "geostd8";
    case 95:
    case 96:
      return "cp932";
    case 97:
    case 98:
      return "eucjpms";
    case 246:
    case 247:
      return "utf8mb4";
    case 248:
    case 249:
    case 250:
      return "gb18030";
    default:
      break;
  }
  if (id >= 101 && id <= 124) return "utf16";
  if (id >= 128 && id <= 151) return "ucs2";
  if (id >= 160 && id <= 183) return "utf32";
  if (id >= 192 && id <= 215) return "utf8mb3";
  if (id >= 224 && id <= 245) return "utf8mb4";
  if (id >= 255 && id <= 323) return "utf8mb4";  // MySQL 8 utf8mb4_0900_* and friends
  return nullptr;
}

const char* iconv_name(const std::string& mysql_name) {
  static const std::map<std::string, const char*> names = {
      {"big5", "BIG5"},
      {"cp850", "CP850"},
      {"hp8", "HP-ROMAN8"},
      {"koi8r", "KOI8-R"},
      {"latin2", "ISO-8859-2"},
      {"ujis", "EUC-JP"},
      {"sjis", "SHIFT_JIS"},
      {"hebrew", "ISO-8859-8"},
      {"tis620", "TIS-620"},
      {"euckr", "EUC-KR"},
      {"koi8u", "KOI8-U"},
      {"gb2312", "GB2312"},
      {"greek", "ISO-8859-7"},
      {"cp1250", "CP1250"},
      {"gbk", "GBK"},
      {"latin5", "ISO-8859-9"},
      {"armscii8", "ARMSCII-8"},
      {"ucs2", "UCS-2BE"},
      {"cp866", "CP866"},
      {"macce", "MACCENTRALEUROPE"},
      {"macroman", "MACINTOSH"},
      {"cp852", "CP852"},
      {"latin7", "ISO-8859-13"},
      {"cp1251", "CP1251"},
      {"utf16", "UTF-16BE"},
      {"utf16le", "UTF-16LE"},
      {"cp1256", "CP1256"},
      {"cp1257", "CP1257"},
      {"utf32", "UTF-32BE"},
      {"geostd8", "GEORGIAN-PS"},
      {"cp932", "CP932"},
      {"eucjpms", "EUC-JP-MS"},
      {"gb18030", "GB18030"},
  };
  auto it = names.find(mysql_name);
  return it == names.end() ? nullptr : it->second;
}

// cp1252's 0x80..0x9F; MySQL's latin1 maps the five holes to the C1 control of the same value.
const uint16_t kLatin1High[32] = {0x20AC, 0x0081, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021,
                                  0x02C6, 0x2030, 0x0160, 0x2039, 0x0152, 0x008D, 0x017D, 0x008F,
                                  0x0090, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2013, 0x2014,
                                  0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0x009D, 0x017E, 0x0178};

void append_code_point(std::string& out, uint32_t cp) {
  if (cp < 0x80) {
    out.push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out.push_back(static_cast<char>(0xC0 | (cp >> 6)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else {
    out.push_back(static_cast<char>(0xE0 | (cp >> 12)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
}

[[noreturn]] void invalid_bytes(const char* charset, const char* what, size_t at) {
  throw ValueError(
      std::string("invalid ") + charset + " byte sequence at byte " + std::to_string(at) + " of " + what,
      "22021");
}

// One iconv descriptor per charset and thread (iconv_t carries shift state, so it is not shared).
class IconvCache {
 public:
  ~IconvCache() {
    for (auto& entry : descriptors_) iconv_close(entry.second);
  }
  iconv_t get(const char* from) {
    auto it = descriptors_.find(from);
    if (it != descriptors_.end()) return it->second;
    iconv_t cd = iconv_open("UTF-8", from);
    if (cd == reinterpret_cast<iconv_t>(-1))
      throw ValueError(std::string("character set ") + from + " is not supported by iconv on this system");
    descriptors_.emplace(from, cd);
    return cd;
  }

 private:
  std::map<std::string, iconv_t> descriptors_;
};

// `base`: the offset of data within the value, for the error message.
void append_with_iconv(std::string& out, const uint8_t* data, size_t size, const char* from,
                       const char* mysql_name, const char* what, size_t base = 0) {
  static thread_local IconvCache cache;
  iconv_t cd = cache.get(from);
  iconv(cd, nullptr, nullptr, nullptr, nullptr);
  char* in = const_cast<char*>(reinterpret_cast<const char*>(data));
  size_t in_left = size;
  size_t at = out.size();
  // UTF-8 output is at most 4 bytes per input byte for every charset we map (UCS-2/UTF-16 are 2 -> 3).
  out.resize(at + size * 4 + 4);
  char* dst = &out[at];
  size_t dst_left = size * 4 + 4;
  if (iconv(cd, &in, &in_left, &dst, &dst_left) == static_cast<size_t>(-1)) {
    out.resize(at);
    invalid_bytes(mysql_name, what, base + size - in_left);
  }
  out.resize(static_cast<size_t>(dst - out.data()));
}

// MySQL's sjis differs from iconv's SHIFT_JIS in three characters: bytes 0x00-0x7F are ASCII
// (iconv reads 0x5C as U+00A5 YEN SIGN and 0x7E as U+203E OVERLINE), and 0x815F is U+005C
// REVERSE SOLIDUS, which is how the server stores a backslash (iconv says U+FF3C). Those are
// handled here; runs of other characters go to iconv. A trail byte can be 0x40-0x7E, so the
// string is walked character by character.
void append_sjis(std::string& out, const uint8_t* data, size_t size, const char* what) {
  size_t i = 0;
  while (i < size) {
    uint8_t c = data[i];
    if (c < 0x80) {
      out.push_back(static_cast<char>(c));
      ++i;
      continue;
    }
    if (c == 0x81 && i + 1 < size && data[i + 1] == 0x5F) {
      out.push_back('\\');
      i += 2;
      continue;
    }
    size_t start = i;
    while (i < size) {
      uint8_t b = data[i];
      if (b < 0x80) break;
      bool lead = (b >= 0x81 && b <= 0x9F) || (b >= 0xE0 && b <= 0xFC);
      if (!lead) {
        ++i;  // 0xA1-0xDF half-width katakana; iconv rejects the other single bytes
        continue;
      }
      if (i + 1 >= size) {
        i = size;  // a truncated character: iconv reports it
        break;
      }
      if (b == 0x81 && data[i + 1] == 0x5F) break;
      i += 2;
    }
    append_with_iconv(out, data + start, i - start, "SHIFT_JIS", "sjis", what, start);
  }
}

}  // namespace

const char* charset_name(uint16_t collation) {
  if (collation == 0) return nullptr;
  unsigned id = collation;
  // MariaDB: NO PAD variants are the PAD collation's id + 1024; the UCA-14.0 collations are
  // grouped by charset from 2048 on (utf8mb3 2048, utf8mb4 2304, ucs2 2560, utf16 2816, utf32 3072).
  if (id >= 1024 && id < 2048) id -= 1024;
  if (id >= 2048 && id < 2304) return "utf8mb3";
  if (id >= 2304 && id < 2560) return "utf8mb4";
  if (id >= 2560 && id < 2816) return "ucs2";
  if (id >= 2816 && id < 3072) return "utf16";
  if (id >= 3072 && id < 3328) return "utf32";
  return base_charset_name(id);
}

namespace {

Charset classify_collation(uint16_t collation) {
  const char* name = charset_name(collation);
  if (name == nullptr) return Charset::unknown;
  std::string n(name);
  if (n == "binary") return Charset::binary;
  if (n == "utf8mb3" || n == "utf8mb4") return Charset::utf8;
  if (n == "ascii") return Charset::ascii;
  if (n == "latin1") return Charset::latin1;
  return iconv_name(n) ? Charset::iconv : Charset::unknown;
}

// Every id charset_name knows is below this: one table lookup per string value on the hot path.
constexpr unsigned kCollationTableSize = 4096;

}  // namespace

Charset charset_of(uint16_t collation) {
  static const std::vector<Charset> table = [] {
    std::vector<Charset> t(kCollationTableSize);
    for (unsigned id = 0; id < kCollationTableSize; ++id)
      t[id] = classify_collation(static_cast<uint16_t>(id));
    return t;
  }();
  return collation < kCollationTableSize ? table[collation] : classify_collation(collation);
}

namespace {

struct NamedCollation {
  const char* name;
  uint16_t id;
};

// The default collation of each charset first, then other common collations.
const NamedCollation kDefaultCollations[] = {
    {"big5_chinese_ci", 1},
    {"dec8_swedish_ci", 3},
    {"cp850_general_ci", 4},
    {"hp8_english_ci", 6},
    {"koi8r_general_ci", 7},
    {"latin1_swedish_ci", 8},
    {"latin2_general_ci", 9},
    {"swe7_swedish_ci", 10},
    {"ascii_general_ci", 11},
    {"ujis_japanese_ci", 12},
    {"sjis_japanese_ci", 13},
    {"hebrew_general_ci", 16},
    {"tis620_thai_ci", 18},
    {"euckr_korean_ci", 19},
    {"koi8u_general_ci", 22},
    {"gb2312_chinese_ci", 24},
    {"greek_general_ci", 25},
    {"cp1250_general_ci", 26},
    {"gbk_chinese_ci", 28},
    {"latin5_turkish_ci", 30},
    {"armscii8_general_ci", 32},
    {"utf8mb3_general_ci", 33},
    {"ucs2_general_ci", 35},
    {"cp866_general_ci", 36},
    {"keybcs2_general_ci", 37},
    {"macce_general_ci", 38},
    {"macroman_general_ci", 39},
    {"cp852_general_ci", 40},
    {"latin7_general_ci", 41},
    {"utf8mb4_general_ci", 45},
    {"cp1251_general_ci", 51},
    {"utf16_general_ci", 54},
    {"utf16le_general_ci", 56},
    {"cp1256_general_ci", 57},
    {"cp1257_general_ci", 59},
    {"utf32_general_ci", 60},
    {"binary", 63},
    {"geostd8_general_ci", 92},
    {"cp932_japanese_ci", 95},
    {"eucjpms_japanese_ci", 97},
    {"gb18030_chinese_ci", 248},
};

const NamedCollation kOtherCollations[] = {
    {"latin2_czech_cs", 2},
    {"latin1_german1_ci", 5},
    {"cp1251_bulgarian_ci", 14},
    {"latin1_danish_ci", 15},
    {"latin7_estonian_cs", 20},
    {"latin2_hungarian_ci", 21},
    {"cp1251_ukrainian_ci", 23},
    {"latin2_croatian_ci", 27},
    {"cp1257_lithuanian_ci", 29},
    {"latin1_german2_ci", 31},
    {"cp1250_czech_cs", 34},
    {"latin7_general_cs", 42},
    {"macce_bin", 43},
    {"cp1250_croatian_ci", 44},
    {"utf8mb4_bin", 46},
    {"latin1_bin", 47},
    {"latin1_general_ci", 48},
    {"latin1_general_cs", 49},
    {"cp1251_bin", 50},
    {"cp1251_general_cs", 52},
    {"macroman_bin", 53},
    {"utf16_bin", 55},
    {"cp1257_bin", 58},
    {"utf32_bin", 61},
    {"utf16le_bin", 62},
    {"armscii8_bin", 64},
    {"ascii_bin", 65},
    {"cp1250_bin", 66},
    {"cp1256_bin", 67},
    {"cp866_bin", 68},
    {"dec8_bin", 69},
    {"greek_bin", 70},
    {"hebrew_bin", 71},
    {"hp8_bin", 72},
    {"keybcs2_bin", 73},
    {"koi8r_bin", 74},
    {"koi8u_bin", 75},
    {"latin2_bin", 77},
    {"latin5_bin", 78},
    {"latin7_bin", 79},
    {"cp850_bin", 80},
    {"cp852_bin", 81},
    {"swe7_bin", 82},
    {"utf8mb3_bin", 83},
    {"big5_bin", 84},
    {"euckr_bin", 85},
    {"gb2312_bin", 86},
    {"gbk_bin", 87},
    {"sjis_bin", 88},
    {"tis620_bin", 89},
    {"ucs2_bin", 90},
    {"ujis_bin", 91},
    {"geostd8_bin", 93},
    {"latin1_spanish_ci", 94},
    {"cp932_bin", 96},
    {"eucjpms_bin", 98},
    {"cp1250_polish_ci", 99},
    {"utf16_unicode_ci", 101},
    {"ucs2_unicode_ci", 128},
    {"utf32_unicode_ci", 160},
    {"utf8mb3_unicode_ci", 192},
    {"utf8mb3_unicode_520_ci", 214},
    {"utf8mb4_unicode_ci", 224},
    {"utf8mb4_unicode_520_ci", 246},
    {"gb18030_bin", 249},
    {"utf8mb4_0900_ai_ci", 255},
    {"utf8mb4_0900_as_cs", 278},
    {"utf8mb4_0900_bin", 309},
    {"utf8mb3_general_nopad_ci", 1057},
    {"utf8mb4_general_nopad_ci", 1069},
    {"utf8mb4_nopad_bin", 1070},
    {"utf8mb4_uca1400_ai_ci", 2308},
};

uint16_t find_collation(const std::string& name) {
  for (const NamedCollation& c : kDefaultCollations)
    if (name == c.name) return c.id;
  for (const NamedCollation& c : kOtherCollations)
    if (name == c.name) return c.id;
  return 0;
}

uint16_t default_collation_of(const std::string& charset) {
  for (const NamedCollation& c : kDefaultCollations)
    if (charset_name(c.id) == charset) return c.id;
  return 0;
}

// "utf8mb4_unicode_ci" -> "utf8mb4": the longest charset name that prefixes the collation name.
std::string charset_prefix(const std::string& collation) {
  if (collation == "binary") return "binary";
  std::string best;
  for (const NamedCollation& c : kDefaultCollations) {
    std::string charset = charset_name(c.id);
    if (collation.size() > charset.size() && collation.compare(0, charset.size(), charset) == 0 &&
        collation[charset.size()] == '_' && charset.size() > best.size())
      best = charset;
  }
  return best;
}

}  // namespace

uint16_t collation_id_of(const std::string& charset_in, const std::string& collation_in) {
  std::string charset = charset_in == "utf8" ? "utf8mb3" : charset_in;
  std::string collation = collation_in;
  if (collation.compare(0, 5, "utf8_") == 0) collation = "utf8mb3_" + collation.substr(5);
  if (charset.empty()) charset = charset_prefix(collation);
  if (charset.empty()) return 0;
  if (uint16_t id = find_collation(collation); id != 0 && charset_name(id) == charset) return id;
  return default_collation_of(charset);
}

std::string collation_name_of(uint16_t id) {
  for (const NamedCollation& c : kDefaultCollations)
    if (c.id == id) return c.name;
  for (const NamedCollation& c : kOtherCollations)
    if (c.id == id) return c.name;
  return {};
}

namespace {

// Offset of the first byte >= 0x80 in s[0..n), or n: 16 bytes per step with SSE2, else 8.
inline size_t ascii_prefix(const uint8_t* s, size_t n) {
  size_t i = 0;
#if defined(__SSE2__)
  for (; n - i >= 16; i += 16) {
    unsigned mask =
        static_cast<unsigned>(_mm_movemask_epi8(_mm_loadu_si128(reinterpret_cast<const __m128i*>(s + i))));
    if (mask != 0) return i + static_cast<size_t>(__builtin_ctz(mask));
  }
#endif
  for (; n - i >= 8; i += 8) {
    uint64_t word;
    std::memcpy(&word, s + i, sizeof word);
    if (word & 0x8080808080808080ull) break;
  }
  while (i < n && s[i] < 0x80) ++i;
  return i;
}

}  // namespace

namespace {

bool is_valid_utf8_scalar(const uint8_t* s, size_t size) {
  size_t i = 0;
  for (;;) {
    i += ascii_prefix(s + i, size - i);  // text is mostly ASCII
    if (i == size) return true;
    const size_t n = utf8_sequence_length(s + i, size - i);
    if (n == 0) return false;
    i += n;
  }
}

#if defined(__x86_64__) && defined(__GNUC__)
// The lookup algorithm of Keiser and Lemire ("Validating UTF-8 in less than one instruction per
// byte", 2021, as in simdjson and simdutf): 16 bytes per step with SSSE3's byte shuffle, for text
// with non-ASCII characters every few bytes (where the scalar loop goes one character at a time).
// Each byte is classified by its high nibble and the previous byte's two nibbles; the AND of three
// table lookups is non-zero exactly where a rule is broken. The error flags of the tables:
constexpr uint8_t kTooShort = 1 << 0, kTooLong = 1 << 1, kOverlong3 = 1 << 2, kTooLarge = 1 << 3,
                  kSurrogate = 1 << 4, kOverlong2 = 1 << 5, kTooLarge1000 = 1 << 6, kOverlong4 = 1 << 6,
                  kTwoConts = 1 << 7, kCarry = kTooShort | kTooLong | kTwoConts;
// By the previous byte's high nibble, its low nibble, and this byte's high nibble.
alignas(16) constexpr uint8_t kUtf8Tables[3][16] = {
    {kTooLong, kTooLong, kTooLong, kTooLong, kTooLong, kTooLong, kTooLong, kTooLong, kTwoConts, kTwoConts,
     kTwoConts, kTwoConts, kTooShort | kOverlong2, kTooShort, kTooShort | kOverlong3 | kSurrogate,
     kTooShort | kTooLarge | kTooLarge1000 | kOverlong4},
    {kCarry | kOverlong3 | kOverlong2 | kOverlong4, kCarry | kOverlong2, kCarry, kCarry, kCarry | kTooLarge,
     kCarry | kTooLarge | kTooLarge1000, kCarry | kTooLarge | kTooLarge1000,
     kCarry | kTooLarge | kTooLarge1000, kCarry | kTooLarge | kTooLarge1000,
     kCarry | kTooLarge | kTooLarge1000, kCarry | kTooLarge | kTooLarge1000,
     kCarry | kTooLarge | kTooLarge1000, kCarry | kTooLarge | kTooLarge1000,
     kCarry | kTooLarge | kTooLarge1000 | kSurrogate, kCarry | kTooLarge | kTooLarge1000,
     kCarry | kTooLarge | kTooLarge1000},
    {kTooShort, kTooShort, kTooShort, kTooShort, kTooShort, kTooShort, kTooShort, kTooShort,
     kTooLong | kOverlong2 | kTwoConts | kOverlong3 | kTooLarge1000 | kOverlong4,
     kTooLong | kOverlong2 | kTwoConts | kOverlong3 | kTooLarge,
     kTooLong | kOverlong2 | kTwoConts | kSurrogate | kTooLarge,
     kTooLong | kOverlong2 | kTwoConts | kSurrogate | kTooLarge, kTooShort, kTooShort, kTooShort, kTooShort},
};

inline __m128i utf8_table(int which) {
  return _mm_load_si128(reinterpret_cast<const __m128i*>(kUtf8Tables[which]));
}

__attribute__((target("ssse3"))) inline __m128i utf8_block_errors(__m128i input, __m128i prev_input) {
  const __m128i low_nibble = _mm_set1_epi8(0x0F);
  const __m128i prev1 = _mm_alignr_epi8(input, prev_input, 15);
  const __m128i byte_1_high_table = utf8_table(0), byte_1_low_table = utf8_table(1),
                byte_2_high_table = utf8_table(2);
  const __m128i byte_1_high =
      _mm_shuffle_epi8(byte_1_high_table, _mm_and_si128(_mm_srli_epi16(prev1, 4), low_nibble));
  const __m128i byte_1_low = _mm_shuffle_epi8(byte_1_low_table, _mm_and_si128(prev1, low_nibble));
  const __m128i byte_2_high =
      _mm_shuffle_epi8(byte_2_high_table, _mm_and_si128(_mm_srli_epi16(input, 4), low_nibble));
  const __m128i special_cases = _mm_and_si128(_mm_and_si128(byte_1_high, byte_1_low), byte_2_high);
  // Where a 3- or 4-byte sequence requires a continuation byte two or three bytes after its lead.
  const __m128i prev2 = _mm_alignr_epi8(input, prev_input, 14);
  const __m128i prev3 = _mm_alignr_epi8(input, prev_input, 13);
  const __m128i must_be_continuation =
      _mm_and_si128(_mm_or_si128(_mm_subs_epu8(prev2, _mm_set1_epi8(static_cast<char>(0xE0 - 0x80))),
                                 _mm_subs_epu8(prev3, _mm_set1_epi8(static_cast<char>(0xF0 - 0x80)))),
                    _mm_set1_epi8(static_cast<char>(0x80)));
  return _mm_xor_si128(must_be_continuation, special_cases);
}

// Non-zero when the block ends inside a sequence (a lead byte whose continuation bytes follow).
__attribute__((target("ssse3"))) inline __m128i utf8_block_incomplete(__m128i input) {
  const __m128i max_value =
      _mm_setr_epi8(-1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, static_cast<char>(0xF0 - 1),
                    static_cast<char>(0xE0 - 1), static_cast<char>(0xC0 - 1));
  return _mm_subs_epu8(input, max_value);
}

__attribute__((target("ssse3"))) bool is_valid_utf8_ssse3(const uint8_t* s, size_t size) {
  __m128i error = _mm_setzero_si128(), prev_input = _mm_setzero_si128(),
          prev_incomplete = _mm_setzero_si128();
  size_t i = 0;
  auto step = [&](__m128i input) {
    if (_mm_movemask_epi8(input) == 0) {
      error = _mm_or_si128(error, prev_incomplete);  // ASCII right after an unfinished sequence
      prev_incomplete = _mm_setzero_si128();
    } else {
      error = _mm_or_si128(error, utf8_block_errors(input, prev_input));
      prev_incomplete = utf8_block_incomplete(input);
    }
    prev_input = input;
  };
  for (; size - i >= 16; i += 16) {
    step(_mm_loadu_si128(reinterpret_cast<const __m128i*>(s + i)));
    if ((i & 1023) == 1008 && _mm_movemask_epi8(_mm_cmpeq_epi8(error, _mm_setzero_si128())) != 0xFFFF)
      return false;  // stop early on long invalid input
  }
  // The tail, padded with ASCII NULs: a sequence cut off by the end meets a NUL and is too short.
  uint8_t tail[16] = {};
  std::memcpy(tail, s + i, size - i);
  step(_mm_loadu_si128(reinterpret_cast<const __m128i*>(tail)));
  error = _mm_or_si128(error, prev_incomplete);
  return _mm_movemask_epi8(_mm_cmpeq_epi8(error, _mm_setzero_si128())) == 0xFFFF;
}

// The same rules 32 bytes per step with AVX2 (its byte shuffle works within each 16-byte lane, so
// the tables are repeated in both lanes, and the previous bytes cross the lane boundary through a
// permute). The lookup tables are those of utf8_block_errors.
__attribute__((target("avx2"))) inline __m256i previous_bytes(__m256i input, __m256i prev_input, int n) {
  const __m256i joined = _mm256_permute2x128_si256(prev_input, input, 0x21);  // prev's high lane, input's low
  switch (n) {
    case 1:
      return _mm256_alignr_epi8(input, joined, 15);
    case 2:
      return _mm256_alignr_epi8(input, joined, 14);
    default:
      return _mm256_alignr_epi8(input, joined, 13);
  }
}

__attribute__((target("avx2"))) inline __m256i lookup_both_lanes(const __m128i& table, __m256i index) {
  return _mm256_shuffle_epi8(_mm256_broadcastsi128_si256(table), index);
}

// Validation state between 32-byte blocks.
struct Utf8Avx2State {
  __m256i error, prev_input, prev_incomplete;
};

__attribute__((target("avx2"))) inline void utf8_avx2_step(Utf8Avx2State& st, __m256i input) {
  if (_mm256_movemask_epi8(input) == 0) {
    st.error = _mm256_or_si256(st.error, st.prev_incomplete);  // ASCII right after an unfinished sequence
    st.prev_incomplete = _mm256_setzero_si256();
    st.prev_input = input;
    return;
  }
  const __m256i low_nibble = _mm256_set1_epi8(0x0F);
  const __m256i prev1 = previous_bytes(input, st.prev_input, 1);
  const __m256i special_cases = _mm256_and_si256(
      _mm256_and_si256(
          lookup_both_lanes(utf8_table(0), _mm256_and_si256(_mm256_srli_epi16(prev1, 4), low_nibble)),
          lookup_both_lanes(utf8_table(1), _mm256_and_si256(prev1, low_nibble))),
      lookup_both_lanes(utf8_table(2), _mm256_and_si256(_mm256_srli_epi16(input, 4), low_nibble)));
  const __m256i must_be_continuation =
      _mm256_and_si256(_mm256_or_si256(_mm256_subs_epu8(previous_bytes(input, st.prev_input, 2),
                                                        _mm256_set1_epi8(static_cast<char>(0xE0 - 0x80))),
                                       _mm256_subs_epu8(previous_bytes(input, st.prev_input, 3),
                                                        _mm256_set1_epi8(static_cast<char>(0xF0 - 0x80)))),
                       _mm256_set1_epi8(static_cast<char>(0x80)));
  st.error = _mm256_or_si256(st.error, _mm256_xor_si256(must_be_continuation, special_cases));
  const __m256i incomplete_max = _mm256_setr_epi8(
      -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
      -1, -1, -1, static_cast<char>(0xF0 - 1), static_cast<char>(0xE0 - 1), static_cast<char>(0xC0 - 1));
  st.prev_incomplete = _mm256_subs_epu8(input, incomplete_max);
  st.prev_input = input;
}

__attribute__((target("avx2"))) bool is_valid_utf8_avx2(const uint8_t* s, size_t size) {
  Utf8Avx2State st{_mm256_setzero_si256(), _mm256_setzero_si256(), _mm256_setzero_si256()};
  size_t i = 0;
  for (; size - i >= 32; i += 32) {
    utf8_avx2_step(st, _mm256_loadu_si256(reinterpret_cast<const __m256i*>(s + i)));
    if ((i & 1023) == 992 && !_mm256_testz_si256(st.error, st.error))
      return false;  // stop early on bad input
  }
  // The tail, padded with ASCII NULs: a sequence cut off by the end meets a NUL and is too short.
  alignas(32) uint8_t tail[32] = {};
  std::memcpy(tail, s + i, size - i);
  utf8_avx2_step(st, _mm256_load_si256(reinterpret_cast<const __m256i*>(tail)));
  st.error = _mm256_or_si256(st.error, st.prev_incomplete);
  return _mm256_testz_si256(st.error, st.error);
}

bool has_avx2() {
  static const bool has = (__builtin_cpu_init(), __builtin_cpu_supports("avx2"));
  return has;
}

bool has_ssse3() {
  static const bool has = (__builtin_cpu_init(), __builtin_cpu_supports("ssse3"));
  return has;
}
#endif

}  // namespace

bool is_valid_utf8(const uint8_t* s, size_t size) {
  // Short strings and all-ASCII prefixes take the scalar path; the SIMD one pays off on long text.
  const size_t ascii = ascii_prefix(s, size);
  if (ascii == size) return true;
#if defined(__x86_64__) && defined(__GNUC__)
  if (size - ascii >= 64 && has_avx2()) return is_valid_utf8_avx2(s + ascii, size - ascii);
  if (size - ascii >= 32 && has_ssse3()) return is_valid_utf8_ssse3(s + ascii, size - ascii);
#endif
  return is_valid_utf8_scalar(s + ascii, size - ascii);
}

void append_as_utf8(std::string& out, const uint8_t* data, size_t size, uint16_t collation,
                    const char* what) {
  switch (charset_of(collation)) {
    case Charset::utf8:
      if (!is_valid_utf8(data, size)) invalid_bytes("utf8", what, 0);
      out.append(reinterpret_cast<const char*>(data), size);
      return;
    case Charset::ascii:
      for (size_t i = 0; i < size; ++i)
        if (data[i] >= 0x80) invalid_bytes("ascii", what, i);
      out.append(reinterpret_cast<const char*>(data), size);
      return;
    case Charset::latin1:
      out.reserve(out.size() + size);
      for (size_t i = 0; i < size; ++i) {
        uint8_t c = data[i];
        append_code_point(out, c >= 0x80 && c < 0xA0 ? kLatin1High[c - 0x80] : c);
      }
      return;
    case Charset::iconv: {
      const char* name = charset_name(collation);
      if (std::strcmp(name, "sjis") == 0) return append_sjis(out, data, size, what);
      append_with_iconv(out, data, size, iconv_name(name), name, what);
      return;
    }
    case Charset::binary:
      throw ValueError(std::string("binary data cannot be converted to text in ") + what);
    case Charset::unknown:
      break;
  }
  throw ValueError("unknown collation id " + std::to_string(collation) + " in " + what);
}

}  // namespace mysql_sync
