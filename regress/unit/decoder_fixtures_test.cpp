// Every real binlog fixture decodes to the committed JSON lines (reviewed against mariadb-binlog -vv
// and boxercrab's dump.txt), and the damaged ones stop with a DecodeError naming an offset.
// MYSQL_SYNC_UPDATE_EXPECTED=1 rewrites the expected files instead of comparing.
#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>

#include "decoder_test_support.h"

namespace mysql_sync::test {
namespace {

class FixtureDecode : public ::testing::TestWithParam<std::string> {};

TEST_P(FixtureDecode, MatchesExpectedJson) {
  const std::string fixture = GetParam();
  const std::string path = binlog_fixture(fixture);
  SKIP_WITHOUT_FIXTURE(path);
  std::string actual = decode_to_text(path);
  const std::string expected_file = expected_path(fixture);
  if (std::getenv("MYSQL_SYNC_UPDATE_EXPECTED")) {
    std::ofstream(expected_file, std::ios::binary) << actual;
    return;
  }
  ASSERT_TRUE(file_exists(expected_file)) << "no expected output " << expected_file;
  std::ifstream in(expected_file, std::ios::binary);
  std::string expected((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  // Compare line by line so a failure shows the first differing event.
  std::istringstream a(actual), e(expected);
  std::string la, le;
  int line = 0;
  while (true) {
    bool ga = static_cast<bool>(std::getline(a, la)), ge = static_cast<bool>(std::getline(e, le));
    ++line;
    if (!ga && !ge) break;
    ASSERT_EQ(ga, ge) << "line count differs at line " << line;
    ASSERT_EQ(la, le) << "line " << line;
  }
}

std::string test_name(const ::testing::TestParamInfo<std::string>& info) {
  std::string n;
  for (char c : info.param) n += std::isalnum(static_cast<unsigned char>(c)) ? c : '_';
  return n;
}

INSTANTIATE_TEST_SUITE_P(Fixtures, FixtureDecode, ::testing::ValuesIn(manifest_fixtures_or_placeholder()), test_name);

// Damaged files: the events before the damage are delivered, then a DecodeError with its offset.
struct Damaged {
  const char* fixture;
  uint64_t offset;
  size_t events_before;
};

TEST(DamagedFixtures, StopWithDecodeErrorAtOffset) {
  SKIP_WITHOUT_FIXTURES();
  const Damaged cases[] = {
      {"rust_mysql_common/binlog_truncated_event.000001", 4, 0},
      {"rust_mysql_common/binlog_truncated_prev_gtid_event.000001", 120, 1},
      {"rust_mysql_common/corrupt-relay-bin.000624", 91236, 0},
  };
  for (const Damaged& c : cases) {
    SCOPED_TRACE(c.fixture);
    size_t events = 0;
    try {
      read_binlog_file(binlog_fixture(c.fixture), 4, {}, [&](const Event&) { ++events; });
      ADD_FAILURE() << "no error";
    } catch (const DecodeError& e) {
      EXPECT_EQ(e.offset(), c.offset) << e.what();
      EXPECT_NE(std::string(e.what()).find("at offset " + std::to_string(c.offset)), std::string::npos);
      EXPECT_EQ(e.sqlstate(), "XX001");
    }
    if (c.events_before) {
      EXPECT_EQ(events, c.events_before);
    }
  }
}

TEST(DamagedFixtures, NotABinlog) {
  std::vector<uint8_t> text = {'h', 'e', 'l', 'l', 'o', ' ', 'w', 'o', 'r', 'l', 'd'};
  EXPECT_THROW(read_binlog_bytes(text.data(), text.size(), 4, {}, [](const Event&) {}), DecodeError);
  const std::string non_binlog = binlog_fixture("apecloud/non-binlog");
  if (file_exists(non_binlog)) {
    EXPECT_THROW(read_binlog_file(non_binlog, 4, {}, [](const Event&) {}), DecodeError);
  }
}

TEST(DamagedFixtures, ChecksumMismatchNamesTheEvent) {
  SKIP_WITHOUT_FIXTURES();
  auto bytes = read_bytes(binlog_fixture("boxercrab/16_xid/log.bin"));
  ASSERT_GT(bytes.size(), 300u);
  bytes[300] ^= 0x40;  // inside an event after the FDE
  try {
    read_binlog_bytes(bytes.data(), bytes.size(), 4, {}, [](const Event&) {});
    FAIL() << "no error";
  } catch (const DecodeError& e) {
    EXPECT_NE(std::string(e.what()).find("CRC32"), std::string::npos) << e.what();
    EXPECT_LE(e.offset(), 300u);
  }
}

TEST(DamagedFixtures, MinimalRowImagesAreAValueErrorNamingTheTable) {
  SKIP_WITHOUT_FIXTURES();
  try {
    read_binlog_file(binlog_fixture("rust_mysql_common/minimal_row_metadata.000001"), 4, {},
                     [](const Event&) {});
    FAIL() << "no error";
  } catch (const ValueError& e) {
    std::string what = e.what();
    EXPECT_NE(what.find("partial row images"), std::string::npos) << what;
    EXPECT_NE(what.find("noria.t1"), std::string::npos) << what;
    EXPECT_NE(what.find("at offset"), std::string::npos) << what;
  }
}

// The file is read in windows (4 MB; every fixture is smaller): with small ones, events straddle
// window boundaries and many are larger than a window. Same events, same errors at the same offsets.
TEST(BinlogFile, SmallReadWindowsGiveTheSameEvents) {
  SKIP_WITHOUT_FIXTURES();
  int compared = 0;
  for (const std::string& path : present_binlog_fixtures()) {
    const std::string whole = decode_to_text(path);
    for (size_t window : {size_t{1}, size_t{19}, size_t{100}, size_t{4096}})
      ASSERT_EQ(decode_to_text(path, {}, window), whole) << path << " in windows of " << window << " bytes";
    ++compared;
  }
  EXPECT_GT(compared, 50);
}

TEST(BinlogFile, StartPositionReadsTheFormatDescriptionFirst) {
  SKIP_WITHOUT_FIXTURES();
  const std::string path = binlog_fixture("boxercrab/31_update_rows_v2/log.bin");
  std::vector<uint64_t> all, from;
  read_binlog_file(path, 4, {}, [&](const Event& ev) { all.push_back(ev.pos); });
  ASSERT_GE(all.size(), 4u);
  std::vector<EventKind> kinds;
  read_binlog_file(path, all[2], {}, [&](const Event& ev) {
    from.push_back(ev.pos);
    kinds.push_back(ev.kind);
  });
  ASSERT_EQ(from.size(), all.size() - 1);
  EXPECT_EQ(kinds[0], EventKind::format_description);
  EXPECT_EQ(from[1], all[2]);
}

}  // namespace
}  // namespace mysql_sync::test
