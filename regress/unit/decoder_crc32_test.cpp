// The PCLMULQDQ CRC-32 agrees with zlib's for every length around its 16/64-byte boundaries,
// any alignment and any starting CRC (events are checked in pieces: header, then body).
#include <gtest/gtest.h>

#include <random>
#include <vector>

#include "binlog/crc32.h"

namespace mysql_sync::test {
namespace {

TEST(Crc32, FastPathMatchesZlib) {
  std::mt19937 rng(42);
  std::vector<uint8_t> data(4096 + 64);
  for (auto& b : data) b = static_cast<uint8_t>(rng());
  for (size_t offset : {0, 1, 3, 8, 15}) {
    for (size_t size = 0; size <= 1100; ++size) {
      for (uint32_t seed : {0u, 0xFFFFFFFFu, 0x12345678u}) {
        ASSERT_EQ(crc32_of(data.data() + offset, size, seed), crc32_portable(data.data() + offset, size, seed))
            << "offset " << offset << " size " << size << " seed " << seed;
      }
    }
  }
  EXPECT_EQ(crc32_of(data.data(), data.size()), crc32_portable(data.data(), data.size()));
}

TEST(Crc32, KnownValue) {
  const uint8_t digits[] = {'1', '2', '3', '4', '5', '6', '7', '8', '9'};
  EXPECT_EQ(crc32_of(digits, sizeof digits), 0xCBF43926u);  // the CRC-32 check value
}

}  // namespace
}  // namespace mysql_sync::test
