// mysql-sync-binlog [--start-pos N] FILE...
// mysql-sync-binlog --source URI [--server-id N] [--start-file F] [--start-pos N] [--start-gtid SET]
//                   [--follow] [--semi-sync] [--report-host H] [--report-port P]
// Prints every event of the binlog files, or of a source's replication stream (read as a task's
// reader reads it; to the end of the source's binlog unless --follow), as JSON lines (the
// contract's shape) on stdout. On a corrupt or truncated file, prints the events before the
// damage, then the error (naming the offset) on stderr, and exits 1.
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "binlog/binlog_file.h"
#include "binlog/decoder.h"
#include "common/errors.h"
#include "binlog/event_json.h"
#include "source/binlog_stream.h"

namespace {

int usage() {
  std::fprintf(stderr,
               "usage: mysql-sync-binlog [--start-pos N] FILE...\n"
               "       mysql-sync-binlog --source mysql://user:password@host:port [--server-id N]\n"
               "                         [--start-file F] [--start-pos N] [--start-gtid SET] [--follow] "
               "[--semi-sync]\n");
  return 2;
}

// The events of a source's replication stream, printed like a file's (each file named by the
// stream's ROTATE events).
void print_stream(const mysql_sync::StreamStart& start, const std::string& uri,
                  const mysql_sync::DecoderOptions& options,
                  const std::function<void(const std::string&)>& write) {
  mysql_sync::BinlogStream stream(mysql_sync::SourceUri::parse(uri), start);
  mysql_sync::Decoder decoder(options);
  auto writer = std::make_unique<mysql_sync::EventJsonWriter>(start.position.file);
  std::string out;
  const uint8_t* data = nullptr;
  size_t size = 0;
  mysql_sync::Event ev;
  while (stream.next(data, size)) {
    uint64_t end =
        uint64_t(data[13]) | uint64_t(data[14]) << 8 | uint64_t(data[15]) << 16 | uint64_t(data[16]) << 24;
    decoder.decode(data, size, end >= size ? end - size : 0, ev);
    out.clear();
    writer->append(ev, out);
    write(out);
    if (ev.kind == mysql_sync::EventKind::rotate) {
      writer = std::make_unique<mysql_sync::EventJsonWriter>(ev.next_file);
      decoder.reset_tables();
    }
  }
}

std::string base_name(const std::string& path) {
  size_t slash = path.find_last_of('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

}  // namespace

int main(int argc, char** argv) {
  uint64_t start_pos = 4;
  std::vector<std::string> files;
  std::string source;
  mysql_sync::StreamStart stream_start;
  stream_start.server_id = 4294967290u;
  stream_start.stop_at_end = true;
  stream_start.report_host = "mysql-sync-binlog";
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    auto value_of = [&](std::string& value) {
      if (++i >= argc) return false;
      value = argv[i];
      return true;
    };
    std::string value;
    if (arg == "--source" || arg == "--start-file" || arg == "--start-gtid" || arg == "--server-id" ||
        arg == "--report-host" || arg == "--report-port") {
      if (!value_of(value)) return usage();
      if (arg == "--report-host") stream_start.report_host = value;
      if (arg == "--report-port")
        stream_start.report_port = static_cast<uint16_t>(std::strtoul(value.c_str(), nullptr, 10));
      if (arg == "--source") source = value;
      if (arg == "--start-file") stream_start.position.file = value;
      if (arg == "--start-gtid") stream_start.position.gtid = value;
      if (arg == "--server-id")
        stream_start.server_id = static_cast<uint32_t>(std::strtoul(value.c_str(), nullptr, 10));
    } else if (arg == "--follow") {
      stream_start.stop_at_end = false;
    } else if (arg == "--semi-sync") {
      stream_start.semi_sync = true;
    } else if (arg == "--start-pos" || arg.rfind("--start-pos=", 0) == 0) {
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
  if (files.empty() == source.empty()) return usage();

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
  if (!source.empty()) {
    stream_start.position.pos = start_pos;
    try {
      print_stream(stream_start, source, options, [&](const std::string& lines) {
        out += lines;
        if (out.size() < kFlushAt && stream_start.stop_at_end) return;
        flush();
        std::fflush(stdout);
      });
    } catch (const std::exception& e) {
      flush();
      std::fflush(stdout);
      std::fprintf(stderr, "mysql-sync-binlog: %s\n", e.what());
      return 1;
    }
  }
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
