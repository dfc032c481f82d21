#include "binlog_file.h"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>
#include <vector>

#include "errors.h"
#include "event_types.h"

namespace mysql_sync {

namespace {

constexpr size_t kHeaderLength = 19;
constexpr uint64_t kFirstEvent = 4;

struct FileCloser {
  void operator()(FILE* f) const { std::fclose(f); }
};
using File = std::unique_ptr<FILE, FileCloser>;

// Where the events come from: a file read sequentially, or bytes in memory.
class Source {
 public:
  virtual ~Source() = default;
  virtual uint64_t size() const = 0;
  // Copies `n` bytes at `offset` into `out`; bounds were checked by the caller.
  virtual void read(uint64_t offset, uint8_t* out, size_t n) = 0;
};

class FileSource : public Source {
 public:
  explicit FileSource(const std::string& path) : file_(std::fopen(path.c_str(), "rb")) {
    if (!file_) {
      int error = errno;
      throw SyncError(error == ENOENT ? "58P01" : "58030", "cannot open " + path + ": " + std::strerror(error));
    }
    std::setvbuf(file_.get(), nullptr, _IOFBF, 1 << 20);
    if (std::fseek(file_.get(), 0, SEEK_END) != 0) throw DecodeError(0, "cannot seek in " + path);
    long end = std::ftell(file_.get());
    if (end < 0) throw DecodeError(0, "cannot size " + path);
    size_ = static_cast<uint64_t>(end);
    position_ = size_;
  }
  uint64_t size() const override { return size_; }
  void read(uint64_t offset, uint8_t* out, size_t n) override {
    // Seek only when not already there: a seek drops stdio's read-ahead buffer.
    if (position_ != offset && std::fseek(file_.get(), static_cast<long>(offset), SEEK_SET) != 0)
      throw DecodeError(offset, std::string("seek error: ") + std::strerror(errno));
    position_ = offset;
    if (std::fread(out, 1, n, file_.get()) != n)
      throw DecodeError(offset, std::string("read error: ") + std::strerror(errno));
    position_ += n;
  }

 private:
  File file_;
  uint64_t size_ = 0;
  uint64_t position_ = 0;
};

class MemorySource : public Source {
 public:
  MemorySource(const uint8_t* data, size_t size) : data_(data), size_(size) {}
  uint64_t size() const override { return size_; }
  void read(uint64_t offset, uint8_t* out, size_t n) override { std::memcpy(out, data_ + offset, n); }

 private:
  const uint8_t* data_;
  size_t size_;
};

// Reads the event that starts at `offset` into `buffer`; false at a clean end of the data.
bool read_event(Source& source, uint64_t offset, std::vector<uint8_t>& buffer) {
  const uint64_t total = source.size();
  if (offset == total) return false;
  if (total - offset < kHeaderLength)
    throw DecodeError(offset, "truncated event header (" + std::to_string(total - offset) + " bytes left)");
  buffer.resize(kHeaderLength);
  source.read(offset, buffer.data(), kHeaderLength);
  uint32_t size = static_cast<uint32_t>(buffer[9]) | static_cast<uint32_t>(buffer[10]) << 8 |
                  static_cast<uint32_t>(buffer[11]) << 16 | static_cast<uint32_t>(buffer[12]) << 24;
  if (size < kHeaderLength) throw DecodeError(offset, "event length " + std::to_string(size) + " is too short");
  if (size > total - offset)
    throw DecodeError(offset, "truncated " + std::string(event_type::name(buffer[4])) + " event: length " +
                                  std::to_string(size) + ", " + std::to_string(total - offset) +
                                  " bytes left in the file");
  buffer.resize(size);
  source.read(offset + kHeaderLength, buffer.data() + kHeaderLength, size - kHeaderLength);
  return true;
}

// Decodes into `ev` (one Event reused for the whole file, so its buffers are too).
void decode_at(Decoder& decoder, const std::vector<uint8_t>& buffer, uint64_t offset, Event& ev) {
  try {
    decoder.decode(buffer.data(), buffer.size(), offset, ev);
  } catch (const ValueError& e) {
    throw ValueError(std::string(e.what()) + " in the " + event_type::name(buffer[4]) + " event at offset " +
                         std::to_string(offset),
                     e.sqlstate());
  }
}

void read_events(Source& source, uint64_t start_pos, const DecoderOptions& options,
                 const std::function<void(const Event&)>& on_event) {
  uint8_t magic[4] = {0, 0, 0, 0};
  if (source.size() >= 4) source.read(0, magic, 4);
  if (std::memcmp(magic, "\xfd" "bin", 4) == 0) throw DecodeError(0, "encrypted binlogs are not supported");
  if (source.size() < 4 || std::memcmp(magic, "\xfe" "bin", 4) != 0)
    throw DecodeError(0, "not a binlog file (bad magic number)");
  if (start_pos < kFirstEvent) start_pos = kFirstEvent;
  if (start_pos > source.size())
    throw DecodeError(start_pos, "start position is beyond the end of the file (" + std::to_string(source.size()) + ")");

  Decoder decoder(options);
  std::vector<uint8_t> buffer;
  Event ev;
  uint64_t offset = kFirstEvent;
  if (start_pos > kFirstEvent) {
    // Like the server, read the file's FORMAT_DESCRIPTION first: later events need it.
    if (read_event(source, offset, buffer)) {
      decode_at(decoder, buffer, offset, ev);
      if (ev.kind == EventKind::format_description) on_event(ev);
    }
    offset = start_pos;
  }
  while (read_event(source, offset, buffer)) {
    decode_at(decoder, buffer, offset, ev);
    offset += buffer.size();
    on_event(ev);
  }
}

}  // namespace

void read_binlog_file(const std::string& path, uint64_t start_pos, const DecoderOptions& options,
                      const std::function<void(const Event&)>& on_event) {
  FileSource source(path);
  read_events(source, start_pos, options, on_event);
}

void read_binlog_bytes(const uint8_t* data, size_t size, uint64_t start_pos, const DecoderOptions& options,
                       const std::function<void(const Event&)>& on_event) {
  MemorySource source(data, size);
  read_events(source, start_pos, options, on_event);
}

}  // namespace mysql_sync
