// The COPY text a COPY FROM reads, as a thread that hands it on sees it (task/copy_pipe.h): whole
// rows, read a piece at a time. CopyText is rows already in memory (a backfill's chunk); the
// interface lets the pipe's tests feed it rows that arrive slowly. Pure C++.
#pragma once
#include "common/cxx_zone.h"

#include <cstddef>

namespace mysql_sync {

class CopySource {
 public:
  virtual ~CopySource() = default;
  // Copies up to `max` bytes into `out`. Returns the count, 0 at the end of the data, or -1 when
  // nothing arrived within `timeout_ms` (call again).
  virtual int read(char* out, int max, int timeout_ms) = 0;
  // True when everything handed out so far ends at a row boundary.
  virtual bool between_rows() = 0;
};

// COPY text in the caller's memory (which must outlive the reads).
class CopyText : public CopySource {
 public:
  CopyText(const char* text, size_t size) : text_(text), size_(size) {}
  int read(char* out, int max, int timeout_ms) override;
  // COPY text escapes the newlines inside values: every newline ends a row.
  bool between_rows() override { return offset_ == 0 || text_[offset_ - 1] == '\n'; }

 private:
  const char* text_;
  size_t size_;
  size_t offset_ = 0;
};

}  // namespace mysql_sync
