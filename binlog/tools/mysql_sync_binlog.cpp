// mysql-sync-binlog [--start-pos N] FILE...
// Prints every event of the binlog files as JSON lines (the contract's shape) on stdout. On a
// corrupt or truncated file, prints the events before the damage, then the error (naming the
// offset) on stderr, and exits 1.
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <string>
#include <vector>

#include "binlog/binlog_file.h"
#include "common/errors.h"
#include "binlog/event_json.h"

namespace {

int usage() {
  std::fprintf(stderr, "usage: mysql-sync-binlog [--start-pos N] FILE...\n");
  return 2;
}

std::string base_name(const std::string& path) {
  size_t slash = path.find_last_of('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

}  // namespace

int main(int argc, char** argv) {
  uint64_t start_pos = 4;
  std::vector<std::string> files;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg == "--start-pos" || arg.rfind("--start-pos=", 0) == 0) {
      std::string value;
      if (arg == "--start-pos") {
        if (++i >= argc) return usage();
        value = argv[i];
      } else {
        value = arg.substr(std::strlen("--start-pos="));
      }
      char* end = nullptr;
      start_pos = std::strtoull(value.c_str(), &end, 10);
      if (value.empty() || *end != '\0') return usage();
    } else if (arg == "-h" || arg == "--help") {
      usage();
      return 0;
    } else if (arg.size() > 1 && arg[0] == '-' && arg != "-") {
      return usage();
    } else {
      files.push_back(arg);
    }
  }
  if (files.empty()) return usage();

  mysql_sync::DecoderOptions options;
  options.enum_index_when_unknown = true;  // a dump tool shows what it can
  options.partial_images = true;           // absent columns are shown as absent (see event_json.h)
  options.json_diff_without_before = true;  // a JSON diff that cannot be applied is shown as the diff
  // The lines are built in one buffer and written in large blocks: one write per MB, not per line.
  constexpr size_t kFlushAt = size_t{1} << 20;
  std::string out;
  out.reserve(2 * kFlushAt);
  bool write_failed = false;
  auto flush = [&] {
    if (!out.empty() && std::fwrite(out.data(), 1, out.size(), stdout) != out.size()) write_failed = true;
    out.clear();
  };
  for (size_t i = 0; i < files.size(); ++i) {
    const std::string& path = files[i];
    mysql_sync::EventJsonWriter writer(base_name(path));
    try {
      mysql_sync::read_binlog_file(path, i == 0 ? start_pos : 4, options, [&](const mysql_sync::Event& ev) {
        writer.append(ev, out);
        if (out.size() >= kFlushAt) flush();
      });
    } catch (const std::exception& e) {
      flush();
      std::fflush(stdout);
      std::fprintf(stderr, "mysql-sync-binlog: %s: %s\n", path.c_str(), e.what());
      return 1;
    }
  }
  flush();
  return std::fflush(stdout) == 0 && !write_failed ? 0 : 1;
}
