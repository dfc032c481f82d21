// Robustness: truncated and corrupted binlogs give DecodeError or ValueError, never a crash, a hang
// or a huge allocation. Deterministic, and sized to run in seconds under ASan/UBSan.
#include <gtest/gtest.h>

#include <atomic>
#include <cstdlib>
#include <new>
#include <random>

#include "binlog/decoder.h"
#include "decoder_test_support.h"

// The largest single heap allocation, to check that no length read from the binlog sizes an
// allocation beyond what the bytes can hold. Replacing operator new would hide new/delete
// mismatches from AddressSanitizer, so the sanitizer build does without the check.
#if defined(__SANITIZE_ADDRESS__)
#define MYSQL_SYNC_TRACK_ALLOCATIONS 0
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define MYSQL_SYNC_TRACK_ALLOCATIONS 0
#endif
#endif
#ifndef MYSQL_SYNC_TRACK_ALLOCATIONS
#define MYSQL_SYNC_TRACK_ALLOCATIONS 1
#endif

#if MYSQL_SYNC_TRACK_ALLOCATIONS
// The replacements pair malloc with free, which GCC cannot see through once it inlines them.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"
#endif
namespace {
std::atomic<size_t> g_largest_allocation{0};
}  // namespace
void* operator new(std::size_t size) {
  size_t seen = g_largest_allocation.load(std::memory_order_relaxed);
  while (size > seen && !g_largest_allocation.compare_exchange_weak(seen, size, std::memory_order_relaxed)) {
  }
  if (void* p = std::malloc(size == 0 ? 1 : size)) return p;
  throw std::bad_alloc();
}
void* operator new[](std::size_t size) { return operator new(size); }
void operator delete(void* p) noexcept { std::free(p); }
void operator delete[](void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }
void operator delete[](void* p, std::size_t) noexcept { std::free(p); }
#endif

namespace mysql_sync::test {
namespace {

// What the largest allocation while decoding `input_size` bytes may be: MariaDB's zlib events may
// inflate ~1000x and zstd payloads hold up to 128 KiB per 4-byte RLE block, plus fixed buffers
// (1 MiB file read buffer, the collation table...).
[[maybe_unused]] size_t allocation_bound(size_t input_size) { return input_size * 2048 + (8u << 20); }

// Runs `f`, accepting only success or the two error types of the decoder.
template <typename F>
void expect_clean(F f, const std::string& what) {
  try {
    f();
  } catch (const DecodeError&) {
  } catch (const ValueError&) {
  } catch (const std::exception& e) {
    ADD_FAILURE() << what << ": unexpected exception " << e.what();
  }
}

// The paths of the present fixtures, and of the old-format binlogs of mariadb-test-data.
std::vector<std::string> present_fixtures() {
  std::vector<std::string> out = present_binlog_fixtures();
  for (const auto& f : old_format_binlogs())
    if (file_exists(mariadb_test_file(f))) out.push_back(mariadb_test_file(f));
  return out;
}

// Every prefix of the small files and prefixes around each event boundary of the large ones.
TEST(Fuzz, FilePrefixes) {
  SKIP_WITHOUT_FIXTURES();
  for (const auto& fixture : present_fixtures()) {
    auto bytes = read_bytes(fixture);
    std::vector<size_t> cuts;
    if (bytes.size() <= 4096) {
      for (size_t n = 0; n < bytes.size(); ++n) cuts.push_back(n);
    } else {
      std::vector<uint64_t> starts;
      expect_clean([&] { read_binlog_bytes(bytes.data(), bytes.size(), 4, {}, [&](const Event& ev) { starts.push_back(ev.pos); }); },
                   fixture);
      for (uint64_t s : starts)
        for (size_t d : {0, 1, 10, 19, 20, 30})
          if (s + d < bytes.size()) cuts.push_back(s + d);
    }
    for (size_t n : cuts)
      expect_clean([&] { read_binlog_bytes(bytes.data(), n, 4, {}, [](const Event&) {}); },
                   fixture + " prefix " + std::to_string(n));
  }
}

// Each event decoded with every shorter length written into its header (checksums off, so the
// truncated body reaches the parsers), then the real event to keep the decoder's state right.
TEST(Fuzz, TruncatedEventBodies) {
  SKIP_WITHOUT_FIXTURES();
  for (const auto& fixture : present_fixtures()) {
    auto bytes = read_bytes(fixture);
    DecoderOptions options;
    options.verify_checksum = false;
    Decoder decoder(options);
    size_t at = 4;
    while (at + 19 <= bytes.size()) {
      uint32_t size = static_cast<uint32_t>(bytes[at + 9]) | static_cast<uint32_t>(bytes[at + 10]) << 8 |
                      static_cast<uint32_t>(bytes[at + 11]) << 16 | static_cast<uint32_t>(bytes[at + 12]) << 24;
      if (size < 19 || size > bytes.size() - at) break;
      std::vector<uint8_t> event(bytes.begin() + static_cast<long>(at), bytes.begin() + static_cast<long>(at + size));
      std::vector<size_t> lengths;
      for (size_t n = 19; n < size; ++n)
        if (size <= 2048 || n < 19 + 512 || n > size - 512 || n % 97 == 0) lengths.push_back(n);
      for (size_t n : lengths) {
        std::vector<uint8_t> cut(event.begin(), event.begin() + static_cast<long>(n));
        cut[9] = static_cast<uint8_t>(n);
        cut[10] = static_cast<uint8_t>(n >> 8);
        cut[11] = static_cast<uint8_t>(n >> 16);
        cut[12] = static_cast<uint8_t>(n >> 24);
        expect_clean([&] { decoder.decode(cut.data(), cut.size(), at); }, fixture + " event " + std::to_string(at));
      }
      try {
        decoder.decode(event.data(), event.size(), at);
      } catch (const SyncError&) {
        break;  // a damaged fixture or an unsupported image: the rest depends on it
      }
      at += size;
    }
  }
}

// Deterministic random byte flips over whole files, with and without checksum verification.
TEST(Fuzz, ByteFlips) {
  SKIP_WITHOUT_FIXTURES();
  std::mt19937_64 rng(20261125);
  auto fixtures = present_fixtures();
  const int flips_per_file = 12000 / static_cast<int>(fixtures.size()) + 1;
  for (const auto& fixture : fixtures) {
    const auto original = read_bytes(fixture);
    if (original.size() < 8) continue;
    // Large files: flip within the first 8 KB so that each run stays cheap.
    const size_t span = std::min<size_t>(original.size(), 8192);
    std::vector<uint8_t> bytes(original.begin(), original.begin() + static_cast<long>(span));
    for (int i = 0; i < flips_per_file; ++i) {
      std::vector<uint8_t> mutated = bytes;
      int changes = 1 + static_cast<int>(rng() % 3);
      for (int k = 0; k < changes; ++k) mutated[4 + rng() % (span - 4)] ^= static_cast<uint8_t>(1u << (rng() % 8));
      DecoderOptions options;
      options.verify_checksum = (i % 4 == 0);
      options.enum_index_when_unknown = (i % 2 == 0);
      options.partial_images = (i % 3 != 0);
      std::string sink;
#if MYSQL_SYNC_TRACK_ALLOCATIONS
      g_largest_allocation.store(0);
#endif
      expect_clean(
          [&] {
            EventJsonWriter writer("x");
            read_binlog_bytes(mutated.data(), mutated.size(), 4, options,
                              [&](const Event& ev) { writer.write(ev, [&](const std::string& s) { sink = s; }); });
          },
          fixture + " flip " + std::to_string(i));
#if MYSQL_SYNC_TRACK_ALLOCATIONS
      EXPECT_LE(g_largest_allocation.load(), allocation_bound(span)) << fixture << " flip " << i;
#endif
    }
  }
}

// Random bodies for the event types no fixture holds (or holds once): their field parsers must
// reject garbage cleanly too.
TEST(Fuzz, RandomBodiesOfFieldEvents) {
  std::mt19937_64 rng(7);
  const uint8_t types[] = {2, 5, 13, 14, 26, 36, 37, 38, 41, 165};
  for (uint8_t type : types) {
    for (int i = 0; i < 3000; ++i) {
      size_t body = rng() % 160;
      std::vector<uint8_t> ev(19 + body);
      for (size_t k = 19; k < ev.size(); ++k) ev[k] = static_cast<uint8_t>(rng() % 4 == 0 ? rng() % 4 : rng());
      ev[4] = type;
      uint32_t size = static_cast<uint32_t>(ev.size());
      for (int k = 0; k < 4; ++k) ev[9 + k] = static_cast<uint8_t>(size >> (8 * k));
      expect_clean(
          [&] {
            Decoder decoder;
            Event out = decoder.decode(ev.data(), ev.size(), 0);
            event_to_json(out, "x", "", [](const std::string&) {});
          },
          "type " + std::to_string(type) + " body " + std::to_string(i));
    }
  }
}

}  // namespace
}  // namespace mysql_sync::test
