// verify(): the comparison of one chunk of rows, source against target, once both sides are in
// one canonical form (the PostgreSQL text of the target column's type, NULL = nullopt). Pure C++.
#pragma once
#include "common/cxx_zone.h"

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "binlog/row.h"

namespace mysql_sync {

// A row in canonical form: one value per compared column, in the table's compared-column order.
using CanonicalRow = std::vector<Value>;

// 64-bit hash of a row; NULL and the empty string hash differently, and so do ("ab","c") and
// ("a","bc").
uint64_t row_hash(const CanonicalRow& row);

// A chunk's checksum, independent of row order (the two sides need not return rows in one order):
// the row count and the sum of the row hashes.
struct ChunkChecksum {
  uint64_t rows = 0;
  uint64_t sum = 0;
  bool operator==(const ChunkChecksum& other) const { return rows == other.rows && sum == other.sum; }
  bool operator!=(const ChunkChecksum& other) const { return !(*this == other); }
};
ChunkChecksum chunk_checksum(const std::vector<CanonicalRow>& rows);

enum class MismatchKind : uint8_t { different, missing_in_target, extra_in_target };

struct Mismatch {
  MismatchKind kind = MismatchKind::different;
  std::string key;                   // "id=5", "(a=1, b=x)"
  std::vector<std::string> columns;  // different: the columns whose values differ
};

// The key of a row for people: "id=5"; composite "(a=1, b=x)"; NULL as NULL; long values cut.
std::string key_text(const CanonicalRow& row, const std::vector<size_t>& key_columns,
                     const std::vector<std::string>& column_names);

// Row-by-row diff of a chunk, rows matched by their key columns. Source rows first (in source
// order), then target rows without a source row. Rows equal on both sides are not listed.
std::vector<Mismatch> diff_rows(const std::vector<CanonicalRow>& source,
                                const std::vector<CanonicalRow>& target,
                                const std::vector<size_t>& key_columns,
                                const std::vector<std::string>& column_names);

// Counts the mismatches of a table and keeps the first `listed` for its detail line:
// "id=5 (different: name), id=7 (missing in target), id=9 (extra in target)".
class MismatchReport {
 public:
  explicit MismatchReport(size_t listed = 10) : listed_(listed) {}
  void add(const Mismatch& mismatch);
  int64_t count() const { return count_; }
  std::string detail() const;

 private:
  size_t listed_;
  int64_t count_ = 0;
  std::vector<std::string> items_;
};

std::string describe_mismatch(const Mismatch& mismatch);

}  // namespace mysql_sync
