#include "task/net_changes.h"

namespace mysql_sync {

void NetChanges::reset(std::vector<size_t> key_columns, int dist_column) {
  key_columns_ = std::move(key_columns);
  dist_column_ = dist_column;
  clear();
}

void NetChanges::clear() {
  entries_.clear();
  index_.clear();
}

// Each value as a NULL flag, its length and its bytes: distinct rows give distinct keys.
std::string NetChanges::key_of(const Row& row) const {
  std::string key;
  for (size_t column : key_columns_) {
    const Value& value = column < row.size() ? row[column] : Value();
    if (!value) {
      key.push_back('\0');
      continue;
    }
    key.push_back('\1');
    size_t length = value->size();
    key.append(reinterpret_cast<const char*>(&length), sizeof length);
    key.append(*value);
  }
  return key;
}

NetChanges::Entry& NetChanges::entry_for(const std::string& key, const Row& row, bool existed) {
  auto found = index_.find(key);
  if (found != index_.end()) return entries_[found->second];
  index_.emplace(key, entries_.size());
  entries_.emplace_back();
  Entry& entry = entries_.back();
  for (size_t column : key_columns_) entry.key.push_back(column < row.size() ? row[column] : Value());
  entry.existed = existed;
  if (existed && dist_column_ >= 0 && (size_t)dist_column_ < row.size())
    entry.dist_before = row[dist_column_];
  return entry;
}

NetChanges::Conflict NetChanges::add(const TableChange& change) {
  switch (change.op) {
    case RowOp::insert: {
      std::string key = key_of(change.after);
      auto found = index_.find(key);
      if (found != index_.end() && entries_[found->second].present) return Conflict::duplicate_key;
      Entry& entry = entry_for(key, change.after, false);
      entry.present = true;
      entry.row = change.after;
      return Conflict::none;
    }
    case RowOp::remove: {
      std::string key = key_of(change.before);
      auto found = index_.find(key);
      if (found != index_.end() && !entries_[found->second].present) return Conflict::row_missing;
      Entry& entry = entry_for(key, change.before, true);
      entry.present = false;
      entry.row.clear();
      return Conflict::none;
    }
    case RowOp::update: {
      std::string old_key = key_of(change.before);
      std::string new_key = key_of(change.after);
      auto old_found = index_.find(old_key);
      if (old_found != index_.end() && !entries_[old_found->second].present) return Conflict::row_missing;
      if (new_key != old_key) {
        auto new_found = index_.find(new_key);
        if (new_found != index_.end() && entries_[new_found->second].present) return Conflict::duplicate_key;
        Entry& old_entry = entry_for(old_key, change.before, true);
        old_entry.present = false;
        old_entry.row.clear();
        Entry& new_entry = entry_for(new_key, change.after, false);
        new_entry.present = true;
        new_entry.row = change.after;
        return Conflict::none;
      }
      Entry& entry = entry_for(old_key, change.before, true);
      entry.present = true;
      entry.row = change.after;
      return Conflict::none;
    }
  }
  return Conflict::none;
}

}  // namespace mysql_sync
