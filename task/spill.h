// Spilling a source transaction that does not fit in mysql_sync.max_memory to a temporary file,
// and streaming it back in chunks. Pure C++ (no PostgreSQL): the reader thread writes, the main
// thread reads inside a C++ zone.
//
// The file is unlinked as soon as it is created: only the descriptor keeps it, so nothing is
// left behind whatever way the process ends (kill -9, crash, restart), and no cleanup pass is
// needed. It lives in the data directory's base/pgsql_tmp (PostgreSQL's own temp file place),
// named pgsql_tmp_mysql_sync.<pid>.<n> for the short time it has a name.
//
// Format, per change: u32 little-endian body length, then the body: op (u8), table, invalid
// values, before-image column count, values, after-image column count, values; counts and table
// as LEB128 varints; a value is varint(length + 1) and its bytes, or varint 0 for NULL. No
// checksum: the file never outlives the process, and a crash re-reads the transaction from
// the binlog.
#pragma once
#include "common/cxx_zone.h"

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "task/source_item.h"

namespace mysql_sync {

// Estimated heap bytes held by one decoded change (strings beyond the small-string buffer,
// vectors, the change itself): what counts against max_memory.
size_t change_bytes(const TableChange& change);

// The read side of a finished spill file. Reads from the start; the descriptor closes (and the
// space is freed) on destruction.
class SpillFile {
 public:
  SpillFile(int fd, uint64_t changes, uint64_t file_bytes);
  ~SpillFile();
  SpillFile(const SpillFile&) = delete;
  SpillFile& operator=(const SpillFile&) = delete;

  // Reads the next changes into `out`, reusing its elements' storage, until about `max_bytes` of
  // change_bytes() are read (at least one change). Returns false, with `out` empty, when all were
  // read. Throws SyncError on an I/O error or a damaged file.
  bool read_chunk(std::vector<TableChange>& out, size_t max_bytes);

  uint64_t changes() const { return changes_; }
  uint64_t file_bytes() const { return file_bytes_; }

 private:
  bool fill(size_t need);  // at least `need` unread bytes in buf_; false at the end of the file

  int fd_;
  uint64_t changes_;
  uint64_t file_bytes_;
  uint64_t read_ = 0;  // changes handed out
  std::vector<char> buf_;
  size_t pos_ = 0;  // next unread byte in buf_
  size_t end_ = 0;  // end of the valid bytes in buf_
  bool eof_ = false;
};

// The write side, used by the reader thread while a transaction is being assembled.
class SpillWriter {
 public:
  // Creates (and at once unlinks) a file in `dir`, creating `dir` if needed. Throws SyncError
  // 58030 when that fails.
  explicit SpillWriter(const std::string& dir);
  ~SpillWriter();  // closes the file unless finish() handed it over
  SpillWriter(const SpillWriter&) = delete;
  SpillWriter& operator=(const SpillWriter&) = delete;

  void append(const TableChange& change);
  // Flushes and hands the file over for reading from the start.
  std::shared_ptr<SpillFile> finish();

  uint64_t changes() const { return changes_; }
  uint64_t file_bytes() const { return file_bytes_ + buf_.size(); }

 private:
  void flush();

  int fd_ = -1;
  std::string path_;
  uint64_t changes_ = 0;
  uint64_t file_bytes_ = 0;  // written to the file so far
  std::string buf_;
};

}  // namespace mysql_sync
