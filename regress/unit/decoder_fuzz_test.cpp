// Robustness: truncated and corrupted binlogs give DecodeError or ValueError, never a crash, a hang
// or a huge allocation. Deterministic, and sized to run in seconds under ASan/UBSan.
#include <gtest/gtest.h>

#include <random>

#include "binlog/decoder.h"
#include "decoder_test_support.h"

namespace mysql_sync::test {
namespace {

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

std::vector<std::string> present_fixtures() {
  std::vector<std::string> out;
  for (const auto& f : manifest_fixtures())
    if (file_exists(binlog_fixture(f))) out.push_back(f);
  return out;
}

// Every prefix of the small files and prefixes around each event boundary of the large ones.
TEST(Fuzz, FilePrefixes) {
  for (const auto& fixture : present_fixtures()) {
    auto bytes = read_bytes(binlog_fixture(fixture));
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
  for (const auto& fixture : present_fixtures()) {
    auto bytes = read_bytes(binlog_fixture(fixture));
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
  std::mt19937_64 rng(20261125);
  auto fixtures = present_fixtures();
  const int flips_per_file = 12000 / static_cast<int>(fixtures.size()) + 1;
  for (const auto& fixture : fixtures) {
    const auto original = read_bytes(binlog_fixture(fixture));
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
      std::string sink;
      expect_clean(
          [&] {
            EventJsonWriter writer("x");
            read_binlog_bytes(mutated.data(), mutated.size(), 4, options,
                              [&](const Event& ev) { writer.write(ev, [&](const std::string& s) { sink = s; }); });
          },
          fixture + " flip " + std::to_string(i));
    }
  }
}

}  // namespace
}  // namespace mysql_sync::test
