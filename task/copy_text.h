// Rows of the source in PostgreSQL's COPY text format: what every copy (the initial load,
// alter_sync, resync_table: task/chunk_reader.h) hands to COPY FROM. Pure C++.
#pragma once
#include "common/cxx_zone.h"

#include <cstdint>
#include <string>
#include <vector>

#include "binlog/row.h"
#include "source/mysql_client.h"
#include "source/source_catalog.h"

namespace mysql_sync {

// Formats the rows of copy_select_sql(table) (SyncTable::copy_source(): the columns with a target
// column), one COPY line per row.
class CopyTextWriter {
 public:
  CopyTextWriter(const SourceTable& table, InvalidDates invalid_dates);
  // Appends the row's line to `out`. Throws ValueError for bytes that are not valid in the
  // column's character set, or for an invalid date under InvalidDates::error.
  void append_row(std::string& out, const RawRow& row);
  // Zero or invalid dates written as NULL (or -infinity) so far.
  uint64_t invalid_values() const { return invalid_values_; }

 private:
  const SourceTable* table_;
  std::vector<CopyForm> forms_;  // per column
  InvalidDates invalid_dates_;
  uint64_t invalid_values_ = 0;
};

// Appends `value` to `line` in COPY text format (backslash escapes; \N for NULL).
void append_copy_field(std::string& line, const Value& value);
void append_copy_escaped(std::string& line, const char* data, size_t size);

}  // namespace mysql_sync
