// Reads a binlog file from disk event by event (the CLI, binlog_events() and the unit tests).
#pragma once
#include "common/cxx_zone.h"

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>

#include "binlog/decoder.h"

namespace mysql_sync {

// Decodes `path` from `start_pos` (4 = the first event; a later start still reads the file's
// FORMAT_DESCRIPTION first, as the server does). Calls `on_event` for each event in order.
// Throws DecodeError naming the offset on a missing magic number, truncation or corruption,
// after the events before the damage were delivered.
// The file is read in windows of `window_bytes` (an event larger than that gets a window of its
// own size); tests use small windows so that events straddle them.
constexpr size_t kBinlogFileWindow = 4 << 20;
void read_binlog_file(const std::string& path, uint64_t start_pos, const DecoderOptions& options,
                      const std::function<void(const Event&)>& on_event,
                      size_t window_bytes = kBinlogFileWindow);

// The same over a whole binlog file already in memory (tests, fuzzing).
void read_binlog_bytes(const uint8_t* data, size_t size, uint64_t start_pos, const DecoderOptions& options,
                       const std::function<void(const Event&)>& on_event);

}  // namespace mysql_sync
