// One column value of a rows event, from its binlog encoding to the PostgreSQL text of its mapped
// type (interface contract's type table).
#pragma once
#include "common/cxx_zone.h"

#include <cstdint>

#include "binlog/byte_reader.h"
#include "binlog/row.h"
#include "binlog/table_map.h"

namespace mysql_sync {

// MYSQL_TYPE_* codes as they appear in TABLE_MAP events.
namespace column_type {
enum : uint8_t {
  decimal = 0, tiny = 1, short_ = 2, long_ = 3, float_ = 4, double_ = 5, null = 6, timestamp = 7,
  longlong = 8, int24 = 9, date = 10, time = 11, datetime = 12, year = 13, newdate = 14, varchar = 15,
  bit = 16, timestamp2 = 17, datetime2 = 18, time2 = 19, typed_array = 20, vector = 242, json = 245,
  newdecimal = 246, enum_ = 247, set = 248, tiny_blob = 249, medium_blob = 250, long_blob = 251,
  blob = 252, var_string = 253, string = 254, geometry = 255,
};
}  // namespace column_type

struct ValueOptions {
  InvalidDates invalid_dates = InvalidDates::to_null;
  bool enum_index_when_unknown = false;
};

// Reads one non-NULL value of `column`. Zero/invalid dates give NULL (or "-infinity" for a NOT NULL
// column) and increment `invalid_values` under InvalidDates::to_null, a ValueError under ::error.
// Throws DecodeError on truncated bytes, ValueError on values PostgreSQL cannot hold.
Value read_column_value(ByteReader& in, const ColumnDef& column, const ValueOptions& options,
                        uint32_t& invalid_values);
// The same into `out`, whose string buffer is reused (the rows decoder's hot path: no allocation
// once the buffers have grown to the values' sizes).
void read_column_value_into(ByteReader& in, const ColumnDef& column, const ValueOptions& options,
                            uint32_t& invalid_values, Value& out);

// For STRING columns: the real type hidden in the metadata (STRING, ENUM or SET) and the
// maximum byte length.
uint8_t string_real_type(uint16_t meta);
unsigned string_max_length(uint16_t meta);

}  // namespace mysql_sync
