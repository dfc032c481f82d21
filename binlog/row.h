// Decoded row values: what the decoder and the initial copy produce, what the apply consumes.
#pragma once
#include "common/cxx_zone.h"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace mysql_sync {

// One column value in the PostgreSQL text input form of its mapped type (see the type table of
// the interface contract); std::nullopt is SQL NULL.
using Value = std::optional<std::string>;
using Row = std::vector<Value>;

enum class RowOp : uint8_t { insert, update, remove };

// What options.invalid_dates asks for zero or invalid dates (and zero TIMESTAMPs).
enum class InvalidDates : uint8_t {
  to_null,  // NULL, or -infinity in a NOT NULL column; counted
  error,    // ValueError
};

// A place in the source's binlog stream: the next event to read after what was applied.
struct BinlogPosition {
  std::string file;
  uint64_t pos = 0;
  std::string gtid;  // MariaDB "domain-server-seq" list or MySQL GTID set; may be empty
};

}  // namespace mysql_sync
