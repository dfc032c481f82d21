#include "task/spill.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>

#include "common/errors.h"

namespace mysql_sync {
namespace {

constexpr size_t kWriteBuffer = 1 << 20;  // bytes buffered before a write()
constexpr size_t kReadBuffer = 1 << 20;

std::atomic<uint64_t> spill_sequence{0};

[[noreturn]] void io_error(const std::string& what, const std::string& path) {
  throw SyncError("58030", what + " " + path + ": " + std::strerror(errno),
                  "Check free space and permissions in the data directory's base/pgsql_tmp, or raise "
                  "mysql_sync.max_memory so that fewer transactions spill.");
}

size_t string_bytes(const std::string& s) {
  // Short strings live inside the std::string itself.
  return s.capacity() > 15 ? s.capacity() + 1 : 0;
}

size_t row_bytes(const Row& row) {
  size_t bytes = row.capacity() * sizeof(Value);
  for (const Value& v : row)
    if (v) bytes += string_bytes(*v);
  return bytes;
}

void put_varint(std::string& out, uint64_t v) {
  while (v >= 0x80) {
    out.push_back(char(v | 0x80));
    v >>= 7;
  }
  out.push_back(char(v));
}

void put_row(std::string& out, const Row& row) {
  put_varint(out, row.size());
  for (const Value& v : row) {
    if (!v) {
      put_varint(out, 0);
    } else {
      put_varint(out, uint64_t(v->size()) + 1);
      out.append(*v);
    }
  }
}

struct Cursor {
  const char* p;
  const char* end;

  [[noreturn]] static void damaged() { throw SyncError("XX001", "mysql_sync spill file is damaged"); }
  uint64_t varint() {
    uint64_t v = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      if (p >= end) damaged();
      uint8_t b = uint8_t(*p++);
      v |= uint64_t(b & 0x7f) << shift;
      if (!(b & 0x80)) return v;
    }
    damaged();
  }
  void row(Row& out) {
    uint64_t n = varint();
    if (n > uint64_t(end - p)) damaged();  // every value takes at least one byte
    out.resize(n);
    for (Value& v : out) {
      uint64_t len = varint();
      if (len == 0) {
        v.reset();
        continue;
      }
      len--;
      if (len > uint64_t(end - p)) damaged();
      if (v)
        v->assign(p, len);  // reuses the string's buffer
      else
        v.emplace(p, len);
      p += len;
    }
  }
};

}  // namespace

size_t change_bytes(const TableChange& change) {
  return sizeof(TableChange) + row_bytes(change.before) + row_bytes(change.after);
}

// ---------------------------------------------------------------- SpillWriter

SpillWriter::SpillWriter(const std::string& dir) {
  if (mkdir(dir.c_str(), 0700) != 0 && errno != EEXIST) io_error("cannot create directory", dir);
  path_ = dir + "/pgsql_tmp_mysql_sync." + std::to_string(getpid()) + "." + std::to_string(++spill_sequence);
  fd_ = open(path_.c_str(), O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd_ < 0) io_error("cannot create spill file", path_);
  // Only the descriptor keeps the file from now on: it cannot outlive the process.
  if (unlink(path_.c_str()) != 0) {
    int saved = errno;
    close(fd_);
    fd_ = -1;
    errno = saved;
    io_error("cannot unlink spill file", path_);
  }
  buf_.reserve(kWriteBuffer + 4096);
}

SpillWriter::~SpillWriter() {
  if (fd_ >= 0) close(fd_);
}

void SpillWriter::append(const TableChange& change) {
  size_t start = buf_.size();
  buf_.append(4, '\0');
  buf_.push_back(char(change.op));
  put_varint(buf_, change.table);
  put_varint(buf_, change.invalid_values);
  put_row(buf_, change.before);
  put_row(buf_, change.after);
  uint64_t body = buf_.size() - start - 4;
  if (body > UINT32_MAX) throw SyncError("54000", "a row change is too large to spill (" + std::to_string(body) + " bytes)");
  for (int i = 0; i < 4; i++) buf_[start + i] = char(body >> (8 * i));
  changes_++;
  if (buf_.size() >= kWriteBuffer) flush();
}

void SpillWriter::flush() {
  const char* p = buf_.data();
  size_t left = buf_.size();
  while (left > 0) {
    ssize_t n = write(fd_, p, left);
    if (n < 0) {
      if (errno == EINTR) continue;
      io_error("cannot write spill file", path_);
    }
    p += n;
    left -= size_t(n);
    file_bytes_ += uint64_t(n);
  }
  buf_.clear();
  if (buf_.capacity() > 4 * kWriteBuffer) buf_.shrink_to_fit();  // after one huge value
}

std::shared_ptr<SpillFile> SpillWriter::finish() {
  flush();
  if (lseek(fd_, 0, SEEK_SET) != 0) io_error("cannot rewind spill file", path_);
  auto file = std::make_shared<SpillFile>(fd_, changes_, file_bytes_);
  fd_ = -1;
  return file;
}

// ---------------------------------------------------------------- SpillFile

SpillFile::SpillFile(int fd, uint64_t changes, uint64_t file_bytes)
    : fd_(fd), changes_(changes), file_bytes_(file_bytes) {
  buf_.resize(kReadBuffer);
}

SpillFile::~SpillFile() {
  if (fd_ >= 0) close(fd_);
}

bool SpillFile::fill(size_t need) {
  if (end_ - pos_ >= need) return true;
  // Move the unread tail to the front and grow for a record larger than the buffer.
  std::memmove(buf_.data(), buf_.data() + pos_, end_ - pos_);
  end_ -= pos_;
  pos_ = 0;
  if (buf_.size() < need) buf_.resize(need);
  while (end_ < need && !eof_) {
    ssize_t n = read(fd_, buf_.data() + end_, buf_.size() - end_);
    if (n < 0) {
      if (errno == EINTR) continue;
      throw SyncError("58030", std::string("cannot read spill file: ") + std::strerror(errno));
    }
    if (n == 0) eof_ = true;
    end_ += size_t(n);
  }
  return end_ - pos_ >= need;
}

bool SpillFile::read_chunk(std::vector<TableChange>& out, size_t max_bytes) {
  size_t count = 0;
  size_t bytes = 0;
  while (read_ < changes_ && (count == 0 || bytes < max_bytes)) {
    if (!fill(4)) Cursor::damaged();
    const auto* h = reinterpret_cast<const uint8_t*>(buf_.data() + pos_);
    size_t body = size_t(h[0]) | size_t(h[1]) << 8 | size_t(h[2]) << 16 | size_t(h[3]) << 24;
    if (!fill(4 + body)) Cursor::damaged();
    Cursor in{buf_.data() + pos_ + 4, buf_.data() + pos_ + 4 + body};
    if (count == out.size()) out.emplace_back();
    TableChange& change = out[count];
    if (in.p >= in.end) Cursor::damaged();
    uint8_t op = uint8_t(*in.p++);
    if (op > uint8_t(RowOp::remove)) Cursor::damaged();
    change.op = RowOp(op);
    change.table = uint32_t(in.varint());
    change.invalid_values = uint32_t(in.varint());
    in.row(change.before);
    in.row(change.after);
    if (in.p != in.end) Cursor::damaged();
    pos_ += 4 + body;
    bytes += change_bytes(change);
    count++;
    read_++;
  }
  out.resize(count);
  return count > 0;
}

}  // namespace mysql_sync
