// Shared helpers of the decoder tests: where the fixtures are, reading them, decoding to JSON lines.
#pragma once

#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <iterator>
#include <sstream>
#include <string>
#include <vector>

#include "binlog/binlog_file.h"
#include "common/errors.h"
#include "binlog/event_json.h"

namespace mysql_sync::test {

inline std::string fixtures_dir() {
  if (const char* env = std::getenv("MYSQL_SYNC_FIXTURES")) return env;
  return MYSQL_SYNC_FIXTURES;
}
inline std::string binlog_fixture(const std::string& relative) {
  return fixtures_dir() + "/binlog/" + relative;
}
inline std::string expected_dir() {
  return MYSQL_SYNC_EXPECTED;
}

inline bool file_exists(const std::string& path) {
  return std::ifstream(path).good();
}

inline std::vector<uint8_t> read_bytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::vector<uint8_t>(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

// The binlog fixtures lie in ../shared/fixtures beside the checkout, which a plain clone lacks.
// A test that reads them starts with SKIP_WITHOUT_FIXTURES() (any of them) or
// SKIP_WITHOUT_FIXTURE(path) (that file), and then skips saying why instead of failing.
inline bool fixtures_present() {
  return file_exists(fixtures_dir() + "/binlog/MANIFEST.tsv");
}
inline std::string fixtures_absent_reason() {
  return "needs ../shared/fixtures, which is not beside this checkout (" + fixtures_dir() +
         "; MYSQL_SYNC_FIXTURES names another place)";
}
#define SKIP_WITHOUT_FIXTURES() \
  if (!::mysql_sync::test::fixtures_present()) GTEST_SKIP() << ::mysql_sync::test::fixtures_absent_reason()
#define SKIP_WITHOUT_FIXTURE(path)                                                                          \
  SKIP_WITHOUT_FIXTURES();                                                                                  \
  if (!::mysql_sync::test::file_exists(path)) GTEST_SKIP() << "fixture absent: " << (path)

// The fixture paths listed in binlog/MANIFEST.tsv (first column), in order.
inline std::vector<std::string> manifest_fixtures() {
  std::ifstream in(fixtures_dir() + "/binlog/MANIFEST.tsv");
  std::vector<std::string> out;
  std::string line;
  std::getline(in, line);  // header
  while (std::getline(in, line)) {
    std::string path = line.substr(0, line.find('\t'));
    if (!path.empty()) out.push_back(path);
  }
  return out;
}

// The parameters of a test per listed fixture: the list, or one placeholder that skips (gtest
// refuses a parameterized test without parameters).
inline std::vector<std::string> manifest_fixtures_or_placeholder() {
  std::vector<std::string> fixtures = manifest_fixtures();
  if (fixtures.empty()) fixtures.push_back("fixtures_absent");
  return fixtures;
}

// The paths of the listed fixtures that are present (a checkout may lack some), in order.
inline std::vector<std::string> present_binlog_fixtures() {
  std::vector<std::string> out;
  for (const std::string& fixture : manifest_fixtures())
    if (file_exists(binlog_fixture(fixture))) out.push_back(binlog_fixture(fixture));
  return out;
}

// Debian's mariadb-test-data (scripts/install-deps installs it) holds MySQL's own test binlogs of
// the old formats no fixture of ../shared has. MYSQL_SYNC_MARIADB_TEST_DATA overrides its place.
inline std::string mariadb_test_file(const std::string& relative) {
  const char* env = std::getenv("MYSQL_SYNC_MARIADB_TEST_DATA");
  return std::string(env ? env : "/usr/share/mysql/mysql-test") + "/" + relative;
}

// Those binlogs: format version 2 (MySQL 4.0.0), 3 (4.0.23, 4.1.24, 4.1.26), and 4 with the pre-GA
// rows events of MySQL 5.1.15 and 5.1.17.
inline const std::vector<std::string>& old_format_binlogs() {
  static const std::vector<std::string> files = {
      "std_data/master-bin.000001",           "std_data/trunc_binlog.000001",
      "std_data/bug47142_master-bin.000001",  "suite/binlog/std_data/binlog_old_version_4_1.000001",
      "suite/binlog/std_data/ver_5_1_17.001", "suite/binlog/std_data/ver_5_1-telco.001"};
  return files;
}

inline std::string base_name(const std::string& path) {
  size_t slash = path.find_last_of('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

// What the CLI prints for a file: the JSON lines, then "ERROR <kind>: <message>" if decoding stopped.
inline std::string decode_to_text(const std::string& path, DecoderOptions options = {},
                                  size_t window_bytes = kBinlogFileWindow) {
  options.enum_index_when_unknown = true;
  options.partial_images = true;
  options.json_diff_without_before = true;
  std::string text;
  EventJsonWriter writer(base_name(path));
  auto emit = [&](const std::string& line) {
    text += line;
    text += '\n';
  };
  try {
    read_binlog_file(
        path, 4, options, [&](const Event& ev) { writer.write(ev, emit); }, window_bytes);
  } catch (const DecodeError& e) {
    text += std::string("ERROR DecodeError: ") + e.what() + "\n";
  } catch (const ValueError& e) {
    text += std::string("ERROR ValueError: ") + e.what() + "\n";
  }
  return text;
}

// The committed expected output of a fixture ("boxercrab/02_query/log.bin" ->
// expected/boxercrab__02_query__log.bin.jsonl).
inline std::string expected_path(const std::string& fixture) {
  std::string name = fixture;
  for (size_t at; (at = name.find('/')) != std::string::npos;) name.replace(at, 1, "__");
  return expected_dir() + "/" + name + ".jsonl";
}

}  // namespace mysql_sync::test
