// The GTID family of events: MySQL GTID / ANONYMOUS_GTID / GTID_TAGGED / PREVIOUS_GTIDS and
// MariaDB GTID / GTID_LIST. Each takes the event body (post-header first, checksum excluded).
#pragma once
#include "common/cxx_zone.h"

#include <cstdint>
#include <string>

#include "binlog/byte_reader.h"
#include "binlog/event.h"

namespace mysql_sync {

// "3e11fa47-71ca-11e1-9e33-c80aa9429562" from 16 bytes.
std::string hex_uuid(const uint8_t* p);

void decode_mysql_gtid(ByteReader& body, Event& ev);       // 33, 34: ev.gtid "uuid:gno" ("" if anonymous)
void decode_tagged_gtid(ByteReader& body, Event& ev);      // 42: "uuid:tag:gno"
void decode_mariadb_gtid(ByteReader& body, Event& ev);     // 162: "domain-server-seq"
void decode_gtid_list(ByteReader& body, Event& ev);        // 163: ev.gtid = "0-1-5,1-2-7"
void decode_previous_gtids(ByteReader& body, Event& ev);   // 35: ev.gtid = "uuid:1-5:7,uuid:tag:1-2"

}  // namespace mysql_sync
