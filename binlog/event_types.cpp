#include "binlog/event_types.h"

#include <array>
#include <string>

namespace mysql_sync::event_type {

namespace {

const char* known_name(uint8_t t) {
  switch (t) {
    case 0: return "unknown";
    case 1: return "start_v3";
    case 2: return "query";
    case 3: return "stop";
    case 4: return "rotate";
    case 5: return "intvar";
    case 6: return "load";
    case 7: return "slave";
    case 8: return "create_file";
    case 9: return "append_block";
    case 10: return "exec_load";
    case 11: return "delete_file";
    case 12: return "new_load";
    case 13: return "rand";
    case 14: return "user_var";
    case 15: return "format_description";
    case 16: return "xid";
    case 17: return "begin_load_query";
    case 18: return "execute_load_query";
    case 19: return "table_map";
    case 20: return "pre_ga_write_rows";
    case 21: return "pre_ga_update_rows";
    case 22: return "pre_ga_delete_rows";
    case 23: return "write_rows_v1";
    case 24: return "update_rows_v1";
    case 25: return "delete_rows_v1";
    case 26: return "incident";
    case 27: return "heartbeat";
    case 28: return "ignorable";
    case 29: return "rows_query";
    case 30: return "write_rows_v2";
    case 31: return "update_rows_v2";
    case 32: return "delete_rows_v2";
    case 33: return "gtid";
    case 34: return "anonymous_gtid";
    case 35: return "previous_gtids";
    case 36: return "transaction_context";
    case 37: return "view_change";
    case 38: return "xa_prepare";
    case 39: return "partial_update_rows";
    case 40: return "transaction_payload";
    case 41: return "heartbeat_v2";
    case 42: return "gtid_tagged";
    case 160: return "annotate_rows";
    case 161: return "binlog_checkpoint";
    case 162: return "gtid";
    case 163: return "gtid_list";
    case 164: return "start_encryption";
    case 165: return "query_compressed";
    case 166: return "write_rows_compressed_v1";
    case 167: return "update_rows_compressed_v1";
    case 168: return "delete_rows_compressed_v1";
    case 169: return "write_rows_compressed";
    case 170: return "update_rows_compressed";
    case 171: return "delete_rows_compressed";
    default: return nullptr;
  }
}

// "unknown_N" for every byte value, built once so that name() can hand out static pointers.
const std::array<std::string, 256>& unknown_names() {
  static const std::array<std::string, 256> names = [] {
    std::array<std::string, 256> a;
    for (unsigned i = 0; i < 256; ++i) a[i] = "unknown_" + std::to_string(i);
    return a;
  }();
  return names;
}

}  // namespace

bool is_rows_event(uint8_t t) {
  return (t >= pre_ga_write_rows && t <= delete_rows_v1) || (t >= write_rows_v2 && t <= delete_rows_v2) ||
         t == partial_update_rows || (t >= write_rows_compressed_v1 && t <= delete_rows_compressed);
}

const char* name(uint8_t type_code) {
  if (const char* n = known_name(type_code)) return n;
  return unknown_names()[type_code].c_str();
}

}  // namespace mysql_sync::event_type
