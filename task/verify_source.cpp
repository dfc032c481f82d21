#include "task/verify_source.h"

#include <regex>

#include "common/errors.h"
#include "common/hex.h"

namespace mysql_sync {

namespace {

bool matches(const std::string& text, const char* pattern) {
  return std::regex_match(text, std::regex(pattern));
}

std::string key_list(const SourceTable& table) {
  std::string out;
  for (const std::string& name : table.primary_key)
    out += (out.empty() ? "" : ", ") + MysqlClient::quote_identifier(name);
  return out;
}

}  // namespace

std::optional<std::string> mysql_literal_of(const SourceColumn& column, const std::string& pg_text) {
  const std::string& type = column.data_type;
  if (type == "tinyint" || type == "smallint" || type == "mediumint" || type == "int" || type == "integer" ||
      type == "bigint" || type == "decimal" || type == "numeric" || type == "year") {
    if (matches(pg_text, "-?[0-9]+(\\.[0-9]+)?")) return pg_text;
    return std::nullopt;
  }
  if (type == "char" || type == "varchar" || type == "tinytext" || type == "text" || type == "mediumtext" ||
      type == "longtext" || type == "enum" || type == "set") {
    // PostgreSQL pads char(n); MySQL's PAD SPACE comparison ignores the trailing spaces.
    return "_utf8mb4 X'" + hex_of(pg_text) + "'";
  }
  if (type == "binary" || type == "varbinary" || type == "tinyblob" || type == "blob" ||
      type == "mediumblob" || type == "longblob") {
    if (!matches(pg_text, "\\\\x([0-9a-fA-F]{2})*")) return std::nullopt;
    return "X'" + pg_text.substr(2) + "'";
  }
  if (type == "date" && matches(pg_text, "[0-9]{4}-[0-9]{2}-[0-9]{2}")) return "'" + pg_text + "'";
  if (type == "datetime" &&
      matches(pg_text, "[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2}(\\.[0-9]+)?"))
    return "'" + pg_text + "'";
  if (type == "timestamp" &&
      matches(pg_text, "[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2}(\\.[0-9]+)?\\+00"))
    return "'" + pg_text.substr(0, pg_text.size() - 3) +
           "'";  // verify runs with TimeZone UTC; MySQL's is +00:00
  if (type == "time" && matches(pg_text, "-?[0-9]{2,3}:[0-9]{2}:[0-9]{2}(\\.[0-9]+)?"))
    return "'" + pg_text + "'";
  return std::nullopt;
}

SourceChunkReader::SourceChunkReader(MysqlClient& client, const SourceTable& table,
                                     const std::vector<std::string>& columns,
                                     const std::vector<size_t>& key_columns, size_t chunk_rows,
                                     InvalidDates invalid_dates)
    : client_(client), key_columns_(key_columns), chunk_rows_(chunk_rows), invalid_dates_(invalid_dates) {
  compared_.schema = keys_only_.schema = table.schema;
  compared_.name = keys_only_.name = table.name;
  for (const std::string& name : columns) {
    const SourceColumn* found = nullptr;
    for (const SourceColumn& column : table.columns)
      if (column.name == name) found = &column;
    if (found == nullptr)
      throw SyncError(
          "42703",
          "source table " + table.schema + "." + table.name + " has no column \"" + name + "\" any more",
          "The source's schema changed after the task started; resync the table.");
    compared_.columns.push_back(*found);
  }
  for (size_t index : key_columns_) {
    compared_.primary_key.push_back(compared_.columns[index].name);
    keys_only_.columns.push_back(compared_.columns[index]);
  }
  keys_only_.primary_key = compared_.primary_key;
}

void SourceChunkReader::read(const std::string& sql, const SourceTable& shape,
                             std::vector<CanonicalRow>& rows, std::vector<std::string>* last_key) {
  uint32_t invalid = 0;
  client_.stream(sql, [&](const RawRow& raw) {
    if (last_key) {
      last_key->clear();
      for (size_t index : key_columns_)
        last_key->push_back(raw.data[index] ? std::string(raw.data[index], raw.lengths[index])
                                            : std::string());
    }
    CanonicalRow row(raw.count);
    for (size_t i = 0; i < raw.count; i++) {
      if (raw.data[i] == nullptr) continue;
      CopyForm form = copy_form_of(shape.columns[i]);
      if (form == CopyForm::converted)
        row[i] = copy_value_text(shape.columns[i], raw.data[i], raw.lengths[i], invalid_dates_, &invalid);
      else
        row[i] = std::string(raw.data[i], raw.lengths[i]);
    }
    rows.push_back(std::move(row));
  });
}

bool SourceChunkReader::next_chunk(std::vector<CanonicalRow>& rows) {
  rows.clear();
  if (finished_) return false;
  std::string sql = copy_select_sql(compared_);
  if (started_) {
    // The last row's raw key bytes, quoted: MySQL reads them back in the column's own type and
    // collation, so the pagination follows the primary key index. (The converted values are
    // PostgreSQL text, which MySQL would not always read back: bytea, FLOAT read as a DOUBLE.)
    std::string last;
    for (const std::string& value : last_key_)
      last += (last.empty() ? "" : ", ") + client_.quote_string(value);
    sql += " WHERE (" + key_list(compared_) + ") > (" + last + ")";
  }
  sql += " ORDER BY " + key_list(compared_) + " LIMIT " + std::to_string(chunk_rows_);
  read(sql, compared_, rows, &last_key_);
  started_ = true;
  if (rows.size() < chunk_rows_) finished_ = true;
  return !rows.empty();
}

std::optional<std::vector<CanonicalRow>> SourceChunkReader::find_keys(const std::vector<CanonicalRow>& keys) {
  std::vector<CanonicalRow> found;
  if (keys.empty()) return found;
  std::string list;
  for (const CanonicalRow& key : keys) {
    std::string tuple;
    for (size_t i = 0; i < keys_only_.columns.size(); i++) {
      if (!key[i]) return std::nullopt;
      std::optional<std::string> literal = mysql_literal_of(keys_only_.columns[i], *key[i]);
      if (!literal) return std::nullopt;
      tuple += (tuple.empty() ? "" : ", ") + *literal;
    }
    list += (list.empty() ? "(" : ", (") + tuple + ")";
  }
  std::string sql = copy_select_sql(keys_only_) + " WHERE (" + key_list(keys_only_) + ") IN (" + list + ")";
  read(sql, keys_only_, found, nullptr);
  return found;
}

}  // namespace mysql_sync
