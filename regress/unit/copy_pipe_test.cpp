// The named pipe a Citus target's COPY reads (task/copy_pipe.h): a piece is the whole source or
// ends at a row boundary (byte limit, interrupt), a source's error reaches the caller after the
// reader saw the end of its input, and a reader that never comes or leaves early does not hang
// the writer.
#include <gtest/gtest.h>

#include <fcntl.h>
#include <unistd.h>

#include <csignal>
#include <cstdlib>
#include <string>
#include <vector>

#include "common/errors.h"
#include "task/copy_pipe.h"

namespace mysql_sync {
namespace {

// One row per read, then the end (or an error).
class RowSource : public CopySource {
 public:
  explicit RowSource(std::vector<std::string> rows, bool fail_at_end = false)
      : rows_(std::move(rows)), fail_at_end_(fail_at_end) {}
  int read(char* out, int max, int) override {
    if (next_ == rows_.size()) {
      if (fail_at_end_) throw SyncError("08006", "the source went away");
      return 0;
    }
    const std::string& row = rows_[next_];
    size_t n = std::min(row.size() - offset_, static_cast<size_t>(max));
    row.copy(out, n, offset_);
    offset_ += n;
    if (offset_ == row.size()) {
      next_++;
      offset_ = 0;
    }
    return static_cast<int>(n);
  }
  bool between_rows() override { return offset_ == 0; }

 private:
  std::vector<std::string> rows_;
  bool fail_at_end_;
  size_t next_ = 0;
  size_t offset_ = 0;
};

// A directory of its own for each test's pipe, removed afterwards.
class CopyPipeTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char dir[] = "/tmp/copy_pipe_test.XXXXXX";
    ASSERT_NE(mkdtemp(dir), nullptr);
    dir_ = dir;
  }
  void TearDown() override {
    rmdir((dir_ + "/sub").c_str());
    rmdir(dir_.c_str());
  }
  std::string fifo_path() const { return dir_ + "/sub/copy.fifo"; }  // the pipe makes its directory

 private:
  std::string dir_;
};

// What a COPY reader sees: everything up to the writer's close.
std::string read_all(const std::string& path) {
  int fd = open(path.c_str(), O_RDONLY);
  EXPECT_GE(fd, 0);
  std::string out;
  char buf[4096];
  for (ssize_t n; (n = ::read(fd, buf, sizeof buf)) > 0;) out.append(buf, static_cast<size_t>(n));
  close(fd);
  return out;
}

const CopyPipe::Clock::time_point kNever = CopyPipe::Clock::time_point::max();

TEST_F(CopyPipeTest, WholeSourceInOnePiece) {
  CopyPipe pipe(fifo_path());
  std::string text = "1\ta\n2\tb\\nc\n3\t\\N\n";
  CopyText source(text.data(), text.size());
  pipe.start(source, UINT64_MAX, kNever, nullptr);
  EXPECT_EQ(read_all(pipe.path()), text);
  EXPECT_TRUE(pipe.finish());
}

TEST_F(CopyPipeTest, ByteLimitEndsAPieceAtARowBoundary) {
  CopyPipe pipe(fifo_path());
  RowSource source({"1\tlong row\n", "2\tx\n", "3\ty\n"});
  pipe.start(source, 3, kNever, nullptr);  // reached inside the first row
  EXPECT_EQ(read_all(pipe.path()), "1\tlong row\n");
  EXPECT_FALSE(pipe.finish());
  pipe.start(source, UINT64_MAX, kNever, nullptr);  // the next piece goes on from there
  EXPECT_EQ(read_all(pipe.path()), "2\tx\n3\ty\n");
  EXPECT_TRUE(pipe.finish());
}

TEST_F(CopyPipeTest, InterruptEndsThePiece) {
  CopyPipe pipe(fifo_path());
  RowSource source({"1\n", "2\n"});
  volatile std::sig_atomic_t interrupt = 1;
  pipe.start(source, UINT64_MAX, kNever, &interrupt);
  EXPECT_EQ(read_all(pipe.path()), "");
  EXPECT_FALSE(pipe.finish());
}

TEST_F(CopyPipeTest, SourceErrorAfterTheReaderSawTheEnd) {
  CopyPipe pipe(fifo_path());
  RowSource source({"1\n"}, true);
  pipe.start(source, UINT64_MAX, kNever, nullptr);
  EXPECT_EQ(read_all(pipe.path()), "1\n");
  try {
    pipe.finish();
    FAIL() << "finish() should rethrow the source's error";
  } catch (const SyncError& e) {
    EXPECT_EQ(e.sqlstate(), "08006");
  }
}

TEST_F(CopyPipeTest, AbandonWithoutAReader) {
  CopyPipe pipe(fifo_path());
  RowSource source({"1\n"});
  pipe.start(source, UINT64_MAX, kNever, nullptr);
  pipe.abandon();  // returns: the writer stops waiting for a reader
  EXPECT_FALSE(pipe.finish());
}

TEST_F(CopyPipeTest, ReaderLeavingEarly) {
  CopyPipe pipe(fifo_path());
  std::string big(4 * 1024 * 1024, 'x');
  big.back() = '\n';
  CopyText source(big.data(), big.size());
  pipe.start(source, UINT64_MAX, kNever, nullptr);
  int fd = open(pipe.path().c_str(), O_RDONLY);
  ASSERT_GE(fd, 0);
  char buf[100];
  EXPECT_GT(::read(fd, buf, sizeof buf), 0);
  close(fd);                    // the reader's COPY failed
  EXPECT_FALSE(pipe.finish());  // the writer saw EPIPE, not a SIGPIPE
}

TEST_F(CopyPipeTest, ALeftoverPathIsReplacedAndRemoved) {
  std::string path = fifo_path();
  {
    CopyPipe first(path);
    CopyPipe second(path);  // a crashed worker's pipe of the same pid
    EXPECT_EQ(access(path.c_str(), F_OK), 0);
  }
  EXPECT_NE(access(path.c_str(), F_OK), 0);
}

}  // namespace
}  // namespace mysql_sync
