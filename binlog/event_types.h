// Binlog event type codes (MySQL and MariaDB share one numbering) and their lower-case names.
#pragma once
#include "common/cxx_zone.h"

#include <cstdint>

namespace mysql_sync::event_type {

enum : uint8_t {
  unknown = 0,
  start_v3 = 1,
  query = 2,
  stop = 3,
  rotate = 4,
  intvar = 5,
  rand = 13,
  user_var = 14,
  format_description = 15,
  xid = 16,
  begin_load_query = 17,
  execute_load_query = 18,
  table_map = 19,
  pre_ga_write_rows = 20,
  pre_ga_update_rows = 21,
  pre_ga_delete_rows = 22,
  write_rows_v1 = 23,
  update_rows_v1 = 24,
  delete_rows_v1 = 25,
  incident = 26,
  heartbeat = 27,
  rows_query = 29,
  write_rows_v2 = 30,
  update_rows_v2 = 31,
  delete_rows_v2 = 32,
  gtid = 33,
  anonymous_gtid = 34,
  previous_gtids = 35,
  transaction_context = 36,
  view_change = 37,
  xa_prepare = 38,
  partial_update_rows = 39,
  transaction_payload = 40,
  heartbeat_v2 = 41,
  gtid_tagged = 42,
  // MariaDB
  annotate_rows = 160,
  binlog_checkpoint = 161,
  mariadb_gtid = 162,
  gtid_list = 163,
  start_encryption = 164,
  query_compressed = 165,
  write_rows_compressed_v1 = 166,
  update_rows_compressed_v1 = 167,
  delete_rows_compressed_v1 = 168,
  write_rows_compressed = 169,
  update_rows_compressed = 170,
  delete_rows_compressed = 171,
};

// "format_description", "write_rows_v2", ...; "unknown_200" for numbers no server defines.
// The returned pointer is static.
const char* name(uint8_t type_code);

// Whether events of this type carry row images (every rows event type of MySQL and MariaDB,
// the pre-GA ones of MySQL 5.1 before 5.1.18 included). The decoder returns such an event as
// EventKind::rows or throws: it never passes one on as an event without rows.
bool is_rows_event(uint8_t type_code);

}  // namespace mysql_sync::event_type
