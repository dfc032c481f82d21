// A batch's row changes to one table, reduced to their net effect per primary key. For each key
// the batch touched: whether its row existed before the batch (the key's first change updated or
// deleted it), the distribution column value of that row, and the row the key ends with, if any.
// Deleting every row that existed and then inserting every row that ends present leaves the
// table as applying each change in order does (keys are unique), in two set-based statements:
// what the Citus apply sends through the coordinator (bgworker/citus_apply.h). Deleting before
// inserting also keeps any other unique key valid at every step (the rows the batch ends with are
// the source's, which held them unique). Pure C++.
#pragma once
#include "common/cxx_zone.h"

#include <cstddef>
#include <string>
#include <unordered_map>
#include <vector>

#include "task/source_item.h"

namespace mysql_sync {

class NetChanges {
 public:
  struct Entry {
    Row key;               // the key's values, in key column order
    bool existed = false;  // a row with the key was in the table before the batch
    Value dist_before;     // that row's distribution column value (existed, dist_column >= 0)
    bool present = false;  // a row with the key is there after the batch
    Row row;               // that row (present)
  };
  // What add() found: a change that cannot follow the key's state within the batch.
  enum class Conflict { none, duplicate_key, row_missing };

  // Forgets everything; the key is `key_columns` (column indexes of the rows), the distribution
  // column `dist_column` (-1: none, a reference or local table).
  void reset(std::vector<size_t> key_columns, int dist_column);

  // Adds one change. On a conflict nothing is changed: an insert of a key the batch left present
  // (duplicate_key), an update or delete of a key the batch left absent (row_missing).
  Conflict add(const TableChange& change);

  const std::vector<Entry>& entries() const { return entries_; }
  size_t size() const { return entries_.size(); }
  bool empty() const { return entries_.empty(); }
  // The entries are applied: the next change starts from the table's state.
  void clear();

 private:
  std::string key_of(const Row& row) const;
  // The entry of the key of `row`, created as `existed` (with that row's distribution value) when new.
  Entry& entry_for(const std::string& key, const Row& row, bool existed);

  std::vector<size_t> key_columns_;
  int dist_column_ = -1;
  std::vector<Entry> entries_;
  std::unordered_map<std::string, size_t> index_;
};

}  // namespace mysql_sync
