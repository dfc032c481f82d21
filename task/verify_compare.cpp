#include "task/verify_compare.h"

#include <unordered_map>

namespace mysql_sync {

namespace {

constexpr size_t kKeyValueChars = 40;  // a key value longer than this is cut in messages

uint64_t fnv1a(uint64_t hash, const void* data, size_t size) {
  const unsigned char* p = static_cast<const unsigned char*>(data);
  for (size_t i = 0; i < size; i++) {
    hash ^= p[i];
    hash *= 1099511628211ULL;
  }
  return hash;
}

// Final mix (splitmix64): a sum of FNV hashes alone would let similar rows cancel out too easily.
uint64_t mix(uint64_t x) {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

// The key columns' values, each length-prefixed: one map key per distinct row key.
std::string key_of(const CanonicalRow& row, const std::vector<size_t>& key_columns) {
  std::string out;
  for (size_t column : key_columns) {
    const Value& value = row[column];
    if (!value) {
      out += "N;";
      continue;
    }
    out += std::to_string(value->size());
    out += ':';
    out += *value;
  }
  return out;
}

std::string shown_value(const Value& value) {
  if (!value) return "NULL";
  if (value->size() <= kKeyValueChars) return *value;
  size_t cut = kKeyValueChars;
  while (cut > 0 && (static_cast<unsigned char>((*value)[cut]) & 0xC0) == 0x80)
    cut--;  // whole UTF-8 characters
  return value->substr(0, cut) + "...";
}

}  // namespace

uint64_t row_hash(const CanonicalRow& row) {
  uint64_t hash = 14695981039346656037ULL;
  for (const Value& value : row) {
    unsigned char tag = value ? 1 : 0;
    hash = fnv1a(hash, &tag, 1);
    if (!value) continue;
    uint64_t size = value->size();
    hash = fnv1a(hash, &size, sizeof size);
    hash = fnv1a(hash, value->data(), value->size());
  }
  return mix(hash);
}

ChunkChecksum chunk_checksum(const std::vector<CanonicalRow>& rows) {
  ChunkChecksum checksum;
  for (const CanonicalRow& row : rows) {
    checksum.rows++;
    checksum.sum += row_hash(row);
  }
  return checksum;
}

std::string key_text(const CanonicalRow& row, const std::vector<size_t>& key_columns,
                     const std::vector<std::string>& column_names) {
  if (key_columns.size() == 1) return column_names[key_columns[0]] + "=" + shown_value(row[key_columns[0]]);
  std::string out = "(";
  for (size_t i = 0; i < key_columns.size(); i++) {
    if (i) out += ", ";
    out += column_names[key_columns[i]] + "=" + shown_value(row[key_columns[i]]);
  }
  return out + ")";
}

std::vector<Mismatch> diff_rows(const std::vector<CanonicalRow>& source,
                                const std::vector<CanonicalRow>& target,
                                const std::vector<size_t>& key_columns,
                                const std::vector<std::string>& column_names) {
  std::unordered_map<std::string, size_t> target_by_key;
  target_by_key.reserve(target.size());
  for (size_t i = 0; i < target.size(); i++) target_by_key.emplace(key_of(target[i], key_columns), i);
  std::vector<bool> matched(target.size(), false);

  std::vector<Mismatch> out;
  for (const CanonicalRow& row : source) {
    auto found = target_by_key.find(key_of(row, key_columns));
    if (found == target_by_key.end()) {
      out.push_back(Mismatch{MismatchKind::missing_in_target, key_text(row, key_columns, column_names), {}});
      continue;
    }
    matched[found->second] = true;
    const CanonicalRow& other = target[found->second];
    Mismatch mismatch{MismatchKind::different, key_text(row, key_columns, column_names), {}};
    for (size_t c = 0; c < row.size() && c < other.size(); c++)
      if (row[c] != other[c]) mismatch.columns.push_back(column_names[c]);
    if (!mismatch.columns.empty()) out.push_back(std::move(mismatch));
  }
  for (size_t i = 0; i < target.size(); i++)
    if (!matched[i])
      out.push_back(
          Mismatch{MismatchKind::extra_in_target, key_text(target[i], key_columns, column_names), {}});
  return out;
}

std::string describe_mismatch(const Mismatch& mismatch) {
  switch (mismatch.kind) {
    case MismatchKind::missing_in_target:
      return mismatch.key + " (missing in target)";
    case MismatchKind::extra_in_target:
      return mismatch.key + " (extra in target)";
    case MismatchKind::different:
      break;
  }
  std::string columns;
  for (const std::string& column : mismatch.columns) columns += (columns.empty() ? "" : ", ") + column;
  return mismatch.key + " (different: " + columns + ")";
}

void MismatchReport::add(const Mismatch& mismatch) {
  count_++;
  if (items_.size() < listed_) items_.push_back(describe_mismatch(mismatch));
}

std::string MismatchReport::detail() const {
  std::string out;
  for (const std::string& item : items_) out += (out.empty() ? "" : ", ") + item;
  if (count_ > static_cast<int64_t>(items_.size()))
    out += ", and " + std::to_string(count_ - static_cast<int64_t>(items_.size())) + " more";
  return out;
}

}  // namespace mysql_sync
