#include "task/copy_pipe.h"

#include <fcntl.h>
#include <poll.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "common/errors.h"
#include "common/helper_thread.h"

namespace mysql_sync {

namespace {

constexpr int kPollMs = 100;

[[noreturn]] void fail(const std::string& what, const std::string& path) {
  throw SyncError("58030", what + " " + path + ": " + std::strerror(errno));
}

// Closes the descriptor when the piece ends, also by an exception.
struct Fd {
  int fd;
  ~Fd() {
    if (fd >= 0) close(fd);
  }
};

}  // namespace

CopyPipe::CopyPipe(std::string path) : path_(std::move(path)) {
  std::string dir = path_.substr(0, path_.rfind('/'));
  if (mkdir(dir.c_str(), 0700) != 0 && errno != EEXIST) fail("cannot create the directory of", path_);
  unlink(path_.c_str());
  if (mkfifo(path_.c_str(), 0600) != 0) fail("cannot create the named pipe", path_);
}

CopyPipe::~CopyPipe() {
  abandon();
  unlink(path_.c_str());
}

void CopyPipe::abandon() {
  abandon_ = true;
  if (thread_.joinable()) thread_.join();
  abandon_ = false;
}

void CopyPipe::start(CopySource& source, uint64_t byte_limit, Clock::time_point deadline,
                     const volatile std::sig_atomic_t* interrupt) {
  abandon();
  ended_ = false;
  error_ = nullptr;
  // The body keeps the source's exception itself (finish() rethrows it with its SQLSTATE).
  thread_ = start_helper_thread(
      [this, &source, byte_limit, deadline, interrupt] {
        try {
          write_piece(source, byte_limit, deadline, interrupt);
        } catch (...) {
          error_ = std::current_exception();
        }
      },
      [](const char*) {});
}

bool CopyPipe::finish() {
  if (thread_.joinable()) thread_.join();
  if (error_) std::rethrow_exception(error_);
  return ended_;
}

// Non-blocking: opening a FIFO for writing fails with ENXIO until a reader has it open.
int CopyPipe::open_for_writing() {
  for (;;) {
    int fd = open(path_.c_str(), O_WRONLY | O_NONBLOCK | O_CLOEXEC);
    if (fd >= 0) return fd;
    if (errno != ENXIO && errno != EINTR) fail("cannot open the named pipe", path_);
    if (abandon_) return -1;
    usleep(1000);
  }
}

void CopyPipe::write_piece(CopySource& source, uint64_t byte_limit, Clock::time_point deadline,
                           const volatile std::sig_atomic_t* interrupt) {
  // A reader that went away (its COPY failed) is EPIPE here: the helper thread blocks SIGPIPE.
  Fd out{open_for_writing()};
  if (out.fd < 0) return;
  std::string buffer(64 * 1024, '\0');
  uint64_t written = 0;
  while (!abandon_) {
    bool due = written >= byte_limit || Clock::now() >= deadline || (interrupt && *interrupt);
    if (due && source.between_rows()) return;
    int n = source.read(&buffer[0], (int)buffer.size(), kPollMs);
    if (n < 0) continue;
    if (n == 0) {
      ended_ = true;
      return;
    }
    for (int done = 0; done < n;) {
      ssize_t w = write(out.fd, buffer.data() + done, (size_t)(n - done));
      if (w > 0) {
        done += (int)w;
        continue;
      }
      if (errno == EPIPE) return;  // the reader's COPY ended (it reports why)
      if (errno != EAGAIN && errno != EINTR) fail("cannot write to the named pipe", path_);
      if (abandon_) return;
      pollfd ready{out.fd, POLLOUT, 0};
      poll(&ready, 1, kPollMs);
    }
    written += (uint64_t)n;
  }
}

}  // namespace mysql_sync
