// The spill file of large transactions: what is written comes back identical, in chunks bounded
// by the requested size, with the reused change objects fully overwritten; the file has no name
// once created; errors are SyncErrors.
#include <gtest/gtest.h>

#include <dirent.h>
#include <unistd.h>

#include <cstdlib>
#include <random>
#include <string>
#include <vector>

#include "task/spill.h"
#include "common/errors.h"

namespace mysql_sync {
namespace {

// A fresh directory's "pgsql_tmp", not yet there (the writer creates it); removed on destruction.
struct TempDir {
  std::string parent;
  std::string path;
  TempDir() {
    char tmpl[] = "/tmp/spill_test.XXXXXX";
    char* dir = mkdtemp(tmpl);
    EXPECT_NE(dir, nullptr);
    parent = dir ? dir : "/tmp";
    path = parent + "/pgsql_tmp";
  }
  ~TempDir() {
    rmdir(path.c_str());  // empty: the files are unlinked at creation
    rmdir(parent.c_str());
  }
};

int count_entries(const std::string& dir) {
  DIR* d = opendir(dir.c_str());
  if (d == nullptr) return -1;
  int n = 0;
  while (dirent* e = readdir(d))
    if (e->d_name[0] != '.') n++;
  closedir(d);
  return n;
}

TableChange random_change(std::mt19937& rng, size_t big_every) {
  TableChange c;
  c.op = RowOp(rng() % 3);
  c.table = rng() % 5000;
  c.invalid_values = rng() % 3 == 0 ? rng() % 400 : 0;
  auto row = [&](size_t n) {
    Row r(n);
    for (Value& v : r) {
      switch (rng() % 5) {
        case 0:
          break;  // NULL
        case 1:
          v = std::string();  // empty, not NULL
          break;
        case 2: {
          std::string s(rng() % 200, 'x');
          for (char& ch : s) ch = char(rng());  // any byte, NULs included
          v = s;
          break;
        }
        default:
          v = std::to_string(rng());
      }
    }
    if (big_every && rng() % big_every == 0 && n > 0) r[0] = std::string(3 << 20, 'b');  // > read buffer
    return r;
  };
  size_t ncols = 1 + rng() % 12;
  if (c.op != RowOp::insert) c.before = row(ncols);
  if (c.op != RowOp::remove) c.after = row(ncols);
  return c;
}

bool same(const TableChange& a, const TableChange& b) {
  return a.op == b.op && a.table == b.table && a.invalid_values == b.invalid_values && a.before == b.before &&
         a.after == b.after;
}

TEST(Spill, RoundTripInChunks) {
  TempDir tmp;
  const std::string& dir = tmp.path;
  std::mt19937 rng(42);
  std::vector<TableChange> written;
  SpillWriter writer(dir);
  EXPECT_EQ(count_entries(dir), 0) << "the file is unlinked at once";
  for (int i = 0; i < 20000; i++) {
    written.push_back(random_change(rng, 5000));
    writer.append(written.back());
  }
  EXPECT_EQ(writer.changes(), 20000u);
  std::shared_ptr<SpillFile> file = writer.finish();
  EXPECT_EQ(file->changes(), 20000u);
  EXPECT_GT(file->file_bytes(), 0u);

  std::vector<TableChange> chunk;
  size_t next = 0, chunks = 0;
  const size_t max_bytes = 256 * 1024;
  while (file->read_chunk(chunk, max_bytes)) {
    chunks++;
    ASSERT_FALSE(chunk.empty());
    size_t bytes = 0;
    for (size_t i = 0; i < chunk.size(); i++) {
      ASSERT_LT(next, written.size());
      ASSERT_TRUE(same(chunk[i], written[next])) << "change " << next;
      if (i + 1 < chunk.size()) bytes += change_bytes(chunk[i]);
      next++;
    }
    EXPECT_LT(bytes, max_bytes) << "a chunk stops once it reaches max_bytes";
  }
  EXPECT_EQ(next, written.size());
  EXPECT_GT(chunks, 10u);
  EXPECT_TRUE(chunk.empty());
  EXPECT_FALSE(file->read_chunk(chunk, max_bytes)) << "stays at the end";
  EXPECT_EQ(count_entries(dir), 0);
}

TEST(Spill, ReusedChunkElementsAreOverwritten) {
  // A chunk vector whose elements held longer rows and values must come out exactly as written.
  TempDir tmp;
  const std::string& dir = tmp.path;
  SpillWriter writer(dir);
  TableChange small;
  small.op = RowOp::update;
  small.table = 1;
  small.before = {std::string("1"), std::nullopt};
  small.after = {std::string("1"), std::string("")};
  writer.append(small);
  std::shared_ptr<SpillFile> file = writer.finish();
  std::vector<TableChange> chunk(3);
  chunk[0].before = {std::string(100, 'z'), std::string("x"), std::string("y")};
  chunk[0].after = {std::nullopt, std::string(50, 'q'), std::nullopt};
  chunk[0].invalid_values = 9;
  ASSERT_TRUE(file->read_chunk(chunk, 1));
  ASSERT_EQ(chunk.size(), 1u);
  EXPECT_TRUE(same(chunk[0], small));
  EXPECT_FALSE(file->read_chunk(chunk, 1));
}

TEST(Spill, EmptyFile) {
  TempDir tmp;
  const std::string& dir = tmp.path;
  SpillWriter writer(dir);
  std::shared_ptr<SpillFile> file = writer.finish();
  std::vector<TableChange> chunk(2);
  EXPECT_FALSE(file->read_chunk(chunk, 1 << 20));
  EXPECT_TRUE(chunk.empty());
}

TEST(Spill, MissingParentIsASyncError) {
  try {
    SpillWriter writer("/nonexistent-parent-dir-for-spill/a/b");
    FAIL() << "expected SyncError";
  } catch (const SyncError& e) {
    EXPECT_EQ(e.sqlstate(), "58030");
    EXPECT_NE(std::string(e.what()).find("/nonexistent-parent-dir-for-spill/a/b"), std::string::npos);
  }
}

TEST(Spill, ChangeBytesCountsHeapStrings) {
  TableChange c;
  size_t base = change_bytes(c);
  c.after = {std::string("short")};
  size_t with_short = change_bytes(c);
  EXPECT_EQ(with_short, base + sizeof(Value));
  c.after = {std::string(1000, 'x')};
  EXPECT_GE(change_bytes(c), base + sizeof(Value) + 1000);
}

}  // namespace
}  // namespace mysql_sync
