// The shape of a source table as a TABLE_MAP event describes it, completed from the tracked schema
// where the binlog carries no optional metadata.
#pragma once
#include "common/cxx_zone.h"

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace mysql_sync {

struct ColumnDef {
  uint8_t type = 0;        // binlog column type code (MYSQL_TYPE_*); ENUM/SET resolved from STRING meta
  uint16_t meta = 0;       // the type's TABLE_MAP metadata
  bool nullable = true;
  bool is_unsigned = false;
  uint16_t collation = 0;  // collation id (63 = binary); 0 = unknown
  std::string name;        // empty when neither the binlog nor the tracked schema names it
  std::vector<std::string> enum_values;  // ENUM or SET members, in order
  bool is_json_text = false;             // MariaDB JSON (LONGTEXT CHECK json_valid)
};

struct TableMap {
  uint64_t table_id = 0;
  std::string schema;
  std::string table;
  std::vector<ColumnDef> columns;
  std::vector<uint16_t> primary_key;  // column indexes; empty when unknown
  bool has_column_names = false;      // names came from the binlog (binlog_row_metadata=FULL)
  bool has_field_metadata = true;     // false: a map of MySQL 5.1 before 5.1.18 (types only)
};

using TableMapPtr = std::shared_ptr<const TableMap>;

// What the tracked schema knows about a table (recorded at schema sync): used when the binlog's
// TABLE_MAP lacks optional metadata (binlog_row_metadata=MINIMAL, or servers before 8.0 / 10.5).
struct TableShape {
  std::vector<std::string> column_names;
  std::vector<std::vector<std::string>> enum_values;  // per column; empty when not ENUM/SET
  std::vector<uint16_t> collations;                   // per column; 0 when unknown
  std::vector<bool> json_text;                        // per column: MariaDB JSON
  std::vector<bool> is_unsigned;                      // per column: numeric UNSIGNED
  std::vector<uint16_t> primary_key;
};

}  // namespace mysql_sync
