// Key ranges of the initial copy. A table whose primary key is one integer column is copied in
// ranges of that key (keyset pagination: key > the last completed key, in key order, LIMIT n),
// each range committed in its own PostgreSQL transaction together with the last completed key.
// A load killed mid-table resumes after that key, from a newer snapshot; CopyRegions records
// which snapshot each part of the key space came from, so the catch-up applies a change to a
// key only if the change comes after that key's own copy position. Pure C++.
#pragma once
#include "common/cxx_zone.h"

#include <cstdint>
#include <string>
#include <vector>

#include "binlog/row.h"
#include "source/source_catalog.h"

namespace mysql_sync {

// The column index of `primary_key` when it is one integer column of `table`, else -1.
int range_key_column(const SourceTable& table, const std::vector<std::string>& primary_key);

// Whether `text` is a decimal integer as the source prints one: optional '-', digits.
bool is_integer_text(const std::string& text);
// Numeric order of two integer texts (is_integer_text), any length: -1, 0 or 1.
int compare_integer_text(const std::string& a, const std::string& b);

// The next range of a ranged copy: the rows whose key is above `after` (every row when `after`
// is empty), in key order, at most `limit`. Throws std::invalid_argument for a non-integer key.
std::string copy_range_sql(const SourceTable& table, int key_column, const std::string& after,
                           uint64_t limit);

// One part of a table's key space: the keys up to `upto` (and above the previous region's),
// copied as of the snapshot at `at`.
struct KeyRegion {
  std::string upto;
  BinlogPosition at;
};

// Where each part of a table's copy comes from. A table copied in one go has no regions: all of
// it is as of `rest`. A resumed table has regions of older snapshots below `rest`'s part. While
// a table is copying, `regions` are the ranges committed so far.
struct CopyRegions {
  std::vector<KeyRegion> regions;  // ascending upto; the keys above the last are as of `rest`
  BinlogPosition rest;

  // The copy position of the row with `key` (an integer text): a change at or before it is in the
  // copy already.
  const BinlogPosition& position_of(const std::string& key) const;
  // The oldest position of any part: the catch-up reads from there.
  const BinlogPosition& oldest() const;
  // A range up to `upto` committed from the snapshot at `at` (at >= every region's position).
  void extend(const std::string& upto, const BinlogPosition& at);
  // The last completed key ("" when none): a resumed copy continues above it.
  std::string last_key() const { return regions.empty() ? std::string() : regions.back().upto; }
  // The whole table done: the keys above the last region are as of `at`; regions of that same
  // snapshot merge into it.
  void finish(const BinlogPosition& at);
  // Every part holds every change up to `at` (the catch-up applied them): positions below it
  // move up to it, and equal neighbours merge.
  void advance_to(const BinlogPosition& at);
  // As stored in table_state.copy_ranges: [{"upto": "..", "file": "..", "pos": n}, ...].
  std::string regions_json() const;

 private:
  void merge();
};

}  // namespace mysql_sync
