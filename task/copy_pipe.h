// A copy's rows handed to a COPY FROM statement through a named pipe (FIFO). The initial copy
// normally feeds PostgreSQL's COPY in process, from a data-source callback; Citus's COPY path
// (which routes each row to its shard) is reached only by a COPY statement, which reads a file
// (or the client, which a background worker does not have). So the FIFO is that file: a thread
// writes the source's COPY text into it while the worker's main thread runs
// `COPY table FROM '<fifo>'`, one piece at a time. Pure C++.
//
// A piece ends at the end of the source, or at the first row boundary
// (CopySource::between_rows) once `byte_limit` bytes were written or `deadline` passed, or when
// *interrupt becomes non-zero (PostgreSQL's InterruptPending, so that a COPY waiting on a silent
// source can be cancelled): the thread then closes the FIFO, and COPY sees the end of its input.
// A failing source also closes it: finish() rethrows the source's error, so the caller never
// takes a piece cut short by an error for the whole table.
#pragma once
#include "common/cxx_zone.h"

#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdint>
#include <exception>
#include <string>
#include <thread>

#include "task/copy_source.h"

namespace mysql_sync {

class CopyPipe {
 public:
  using Clock = std::chrono::steady_clock;

  // Creates the FIFO at `path` (a leftover of a crashed worker is replaced); throws SyncError.
  explicit CopyPipe(std::string path);
  ~CopyPipe();  // stops the thread, removes the FIFO
  CopyPipe(const CopyPipe&) = delete;
  CopyPipe& operator=(const CopyPipe&) = delete;

  const std::string& path() const { return path_; }

  // Starts writing one piece of `source` into the FIFO; it waits for the reader to open the FIFO.
  void start(CopySource& source, uint64_t byte_limit, Clock::time_point deadline,
             const volatile std::sig_atomic_t* interrupt);
  // Waits for the piece's end. True when the source ended with it; false when cut (limit,
  // deadline, interrupt, or the reader closed the FIFO early). Rethrows the source's error.
  // After the reader finished its COPY.
  bool finish();
  // Ends the piece at once (the reader's COPY failed or never opened the FIFO) and joins the
  // thread, which then touches the source no more.
  void abandon();

 private:
  void write_piece(CopySource& source, uint64_t byte_limit, Clock::time_point deadline,
                   const volatile std::sig_atomic_t* interrupt);
  int open_for_writing();

  std::string path_;
  std::thread thread_;
  std::atomic<bool> abandon_{false};  // the destructor: give up waiting for a reader
  bool ended_ = false;
  std::exception_ptr error_;
};

}  // namespace mysql_sync
