#include "binlog/binlog_file.h"

#include <cerrno>
#include <cstdio>
#include <algorithm>
#include <cstring>
#include <memory>
#include <vector>

#include "common/errors.h"
#include "binlog/event_types.h"

namespace mysql_sync {

namespace {

// The bytes of an event header up to its length field: all of a format version 1 header; the
// decoder checks the event against the header length of the file's format.
constexpr size_t kLengthFieldEnd = 13;
constexpr uint64_t kFirstEvent = 4;

struct FileCloser {
  void operator()(FILE* f) const { std::fclose(f); }
};
using File = std::unique_ptr<FILE, FileCloser>;

// Where the events come from: a file read in large windows, or bytes in memory. Events are
// decoded where they lie (in the window or the caller's memory): no copy per event.
class Source {
 public:
  virtual ~Source() = default;
  virtual uint64_t size() const = 0;
  // The `n` bytes at `offset`, valid until the next call; bounds were checked by the caller.
  virtual const uint8_t* bytes(uint64_t offset, size_t n) = 0;
};

class FileSource : public Source {
 public:
  FileSource(const std::string& path, size_t window_bytes)
      : file_(std::fopen(path.c_str(), "rb")), window_bytes_(std::max<size_t>(window_bytes, 1)) {
    if (!file_) {
      int error = errno;
      throw SyncError(error == ENOENT ? "58P01" : "58030",
                      "cannot open " + path + ": " + std::strerror(error));
    }
    std::setvbuf(file_.get(), nullptr, _IONBF, 0);  // we read whole windows ourselves
    if (std::fseek(file_.get(), 0, SEEK_END) != 0) throw DecodeError(0, "cannot seek in " + path);
    long end = std::ftell(file_.get());
    if (end < 0) throw DecodeError(0, "cannot size " + path);
    size_ = static_cast<uint64_t>(end);
  }
  uint64_t size() const override { return size_; }
  const uint8_t* bytes(uint64_t offset, size_t n) override {
    if (offset < window_start_ || offset + n > window_start_ + window_.size()) fill_window(offset, n);
    return window_.data() + (offset - window_start_);
  }

 private:
  // Reads from `offset` at least `n` bytes (an event larger than a window gets a window of its
  // size), at most what the file holds.
  void fill_window(uint64_t offset, size_t n) {
    const size_t length = static_cast<size_t>(std::min<uint64_t>(std::max(n, window_bytes_), size_ - offset));
    window_.resize(length);
    if (std::fseek(file_.get(), static_cast<long>(offset), SEEK_SET) != 0)
      throw DecodeError(offset, std::string("seek error: ") + std::strerror(errno));
    if (std::fread(window_.data(), 1, length, file_.get()) != length)
      throw DecodeError(offset, std::string("read error: ") + std::strerror(errno));
    window_start_ = offset;
  }

  File file_;
  size_t window_bytes_;
  uint64_t size_ = 0;
  std::vector<uint8_t> window_;
  uint64_t window_start_ = 0;
};

class MemorySource : public Source {
 public:
  MemorySource(const uint8_t* data, size_t size) : data_(data), size_(size) {}
  uint64_t size() const override { return size_; }
  const uint8_t* bytes(uint64_t offset, size_t) override { return data_ + offset; }

 private:
  const uint8_t* data_;
  size_t size_;
};

// One event's bytes, where the source holds them.
struct EventBytes {
  const uint8_t* data = nullptr;
  size_t size = 0;
};

// The event that starts at `offset`; false at a clean end of the data.
bool read_event(Source& source, uint64_t offset, EventBytes& event) {
  const uint64_t total = source.size();
  if (offset == total) return false;
  if (total - offset < kLengthFieldEnd)
    throw DecodeError(offset, "truncated event header (" + std::to_string(total - offset) + " bytes left)");
  const uint8_t* header = source.bytes(offset, kLengthFieldEnd);
  uint32_t size = static_cast<uint32_t>(header[9]) | static_cast<uint32_t>(header[10]) << 8 |
                  static_cast<uint32_t>(header[11]) << 16 | static_cast<uint32_t>(header[12]) << 24;
  if (size < kLengthFieldEnd)
    throw DecodeError(offset, "event length " + std::to_string(size) + " is too short");
  if (size > total - offset)
    throw DecodeError(offset, "truncated " + std::string(event_type::name(header[4])) + " event: length " +
                                  std::to_string(size) + ", " + std::to_string(total - offset) +
                                  " bytes left in the file");
  event.data = source.bytes(offset, size);
  event.size = size;
  return true;
}

// Decodes into `ev` (one Event reused for the whole file, so its buffers are too).
void decode_at(Decoder& decoder, const EventBytes& event, uint64_t offset, Event& ev) {
  try {
    decoder.decode(event.data, event.size, offset, ev);
  } catch (const ValueError& e) {
    throw ValueError(std::string(e.what()) + " in the " + event_type::name(event.data[4]) +
                         " event at offset " + std::to_string(offset),
                     e.sqlstate());
  }
}

void read_events(Source& source, uint64_t start_pos, const DecoderOptions& options,
                 const std::function<void(const Event&)>& on_event) {
  uint8_t magic[4] = {0, 0, 0, 0};
  if (source.size() >= 4) std::memcpy(magic, source.bytes(0, 4), 4);
  if (std::memcmp(magic,
                  "\xfd"
                  "bin",
                  4) == 0)
    throw DecodeError(0, "encrypted binlogs are not supported");
  if (source.size() < 4 || std::memcmp(magic,
                                       "\xfe"
                                       "bin",
                                       4) != 0)
    throw DecodeError(0, "not a binlog file (bad magic number)");
  if (start_pos < kFirstEvent) start_pos = kFirstEvent;
  if (start_pos > source.size())
    throw DecodeError(start_pos,
                      "start position is beyond the end of the file (" + std::to_string(source.size()) + ")");

  Decoder decoder(options);
  EventBytes event;
  Event ev;
  uint64_t offset = kFirstEvent;
  if (start_pos > kFirstEvent) {
    // Like the server, read the file's FORMAT_DESCRIPTION first: later events need it.
    if (read_event(source, offset, event)) {
      decode_at(decoder, event, offset, ev);
      if (ev.kind == EventKind::format_description) on_event(ev);
    }
    offset = start_pos;
  }
  while (read_event(source, offset, event)) {
    decode_at(decoder, event, offset, ev);
    offset += event.size;
    on_event(ev);
  }
}

}  // namespace

void read_binlog_file(const std::string& path, uint64_t start_pos, const DecoderOptions& options,
                      const std::function<void(const Event&)>& on_event, size_t window_bytes) {
  FileSource source(path, window_bytes);
  read_events(source, start_pos, options, on_event);
}

void read_binlog_bytes(const uint8_t* data, size_t size, uint64_t start_pos, const DecoderOptions& options,
                       const std::function<void(const Event&)>& on_event) {
  MemorySource source(data, size);
  read_events(source, start_pos, options, on_event);
}

}  // namespace mysql_sync
