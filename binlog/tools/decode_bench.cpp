// mysql-sync-decode-bench [--repeat N] [--json] [--no-verify] FILE...
// Decode throughput of the binlog decoder on one thread: each file is read into memory first (so
// the disk is not measured), then decoded N times (default 3) with one Decoder and one reused
// Event, the way a streaming reader would; --json also formats every event as the CLI's JSON
// lines (into a buffer that is dropped). Prints one line per pass and a summary of the best pass:
// MB/s, events/s, row events/s, rows/s, and heap allocations per row event counted by a
// replacement operator new (all passes after the first: the steady state, buffers grown).
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <fstream>
#include <new>
#include <string>
#include <vector>

#include "binlog/binlog_file.h"
#include "common/errors.h"
#include "binlog/event_json.h"

namespace {

// Single-threaded tool: plain counters are enough.
uint64_t g_allocations = 0;
uint64_t g_allocated_bytes = 0;

}  // namespace

void* operator new(std::size_t size) {
  ++g_allocations;
  g_allocated_bytes += size;
  if (void* p = std::malloc(size == 0 ? 1 : size)) return p;
  throw std::bad_alloc();
}
void* operator new[](std::size_t size) { return operator new(size); }
void operator delete(void* p) noexcept { std::free(p); }
void operator delete[](void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }
void operator delete[](void* p, std::size_t) noexcept { std::free(p); }

namespace {

struct Counts {
  uint64_t bytes = 0, events = 0, row_events = 0, rows = 0, json_bytes = 0;
  uint64_t allocations = 0, allocated_bytes = 0;
  double seconds = 0;
};

std::vector<uint8_t> read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary | std::ios::ate);
  if (!in) throw std::runtime_error("cannot open " + path);
  std::vector<uint8_t> bytes(static_cast<size_t>(in.tellg()));
  in.seekg(0);
  if (!in.read(reinterpret_cast<char*>(bytes.data()), static_cast<std::streamsize>(bytes.size())))
    throw std::runtime_error("cannot read " + path);
  return bytes;
}

void count_event(const mysql_sync::Event& ev, Counts& c) {
  ++c.events;
  if (ev.kind == mysql_sync::EventKind::rows) {
    ++c.row_events;
    if (ev.rows) c.rows += ev.rows->op == mysql_sync::RowOp::insert ? ev.rows->after.size() : ev.rows->before.size();
  }
  for (const auto& inner : ev.nested) count_event(inner, c);
}

Counts decode_pass(const std::vector<std::vector<uint8_t>>& files, bool json,
                   const mysql_sync::DecoderOptions& options, std::string& json_buffer) {
  Counts c;
  const uint64_t allocations0 = g_allocations, bytes0 = g_allocated_bytes;
  auto start = std::chrono::steady_clock::now();
  for (const auto& bytes : files) {
    mysql_sync::EventJsonWriter writer("bench");
    mysql_sync::read_binlog_bytes(bytes.data(), bytes.size(), 4, options, [&](const mysql_sync::Event& ev) {
      count_event(ev, c);
      if (json) {
        // As the CLI does: lines appended to one buffer, handed on (here: dropped) once per MB.
        writer.append(ev, json_buffer);
        if (json_buffer.size() >= (size_t{1} << 20)) {
          c.json_bytes += json_buffer.size();
          json_buffer.clear();
        }
      }
    });
    c.json_bytes += json_buffer.size();
    json_buffer.clear();
    c.bytes += bytes.size();
  }
  c.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  c.allocations = g_allocations - allocations0;
  c.allocated_bytes = g_allocated_bytes - bytes0;
  return c;
}

void print(const char* label, const Counts& c) {
  std::printf("%s: %.1f MB in %.3f s = %.0f MB/s, %.2f M events/s, %.2f M row events/s, %.2f M rows/s, "
              "%.3f allocations per row event (%llu allocations, %.1f MB)%s\n",
              label, c.bytes / 1e6, c.seconds, c.bytes / 1e6 / c.seconds, c.events / 1e6 / c.seconds,
              c.row_events / 1e6 / c.seconds, c.rows / 1e6 / c.seconds,
              c.row_events ? static_cast<double>(c.allocations) / c.row_events : 0.0,
              static_cast<unsigned long long>(c.allocations), c.allocated_bytes / 1e6,
              c.json_bytes ? (", JSON " + std::to_string(c.json_bytes / 1000000) + " MB").c_str() : "");
}

}  // namespace

int main(int argc, char** argv) {
  int repeat = 3;
  bool json = false;
  mysql_sync::DecoderOptions options;
  options.partial_images = true;
  std::vector<std::string> paths;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg == "--repeat" && i + 1 < argc) {
      repeat = std::atoi(argv[++i]);
    } else if (arg == "--json") {
      json = true;
    } else if (arg == "--no-verify") {
      options.verify_checksum = false;  // to see what the CRC32 check costs
    } else if (!arg.empty() && arg[0] == '-') {
      std::fprintf(stderr, "usage: mysql-sync-decode-bench [--repeat N] [--json] [--no-verify] FILE...\n");
      return 2;
    } else {
      paths.push_back(arg);
    }
  }
  if (paths.empty() || repeat < 1) {
    std::fprintf(stderr, "usage: mysql-sync-decode-bench [--repeat N] [--json] [--no-verify] FILE...\n");
    return 2;
  }
  try {
    std::vector<std::vector<uint8_t>> files;
    for (const auto& p : paths) files.push_back(read_file(p));
    std::string json_buffer;  // reused across passes, as the CLI's output buffer
    Counts best;
    Counts steady;  // passes 2..N summed: allocations once the buffers have grown
    for (int pass = 1; pass <= repeat; ++pass) {
      Counts c = decode_pass(files, json, options, json_buffer);
      print(("pass " + std::to_string(pass)).c_str(), c);
      if (pass == 1 || c.seconds < best.seconds) best = c;
      if (pass > 1) {
        steady.row_events += c.row_events;
        steady.allocations += c.allocations;
      }
    }
    print("best", best);
    if (repeat > 1)
      std::printf("steady-state allocations per row event (passes 2..%d): %.3f\n", repeat,
                  steady.row_events ? static_cast<double>(steady.allocations) / steady.row_events : 0.0);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "mysql-sync-decode-bench: %s\n", e.what());
    return 1;
  }
  return 0;
}
