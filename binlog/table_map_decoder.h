// TABLE_MAP event bodies, optional metadata included, completed from the tracked TableShape.
#pragma once
#include "common/cxx_zone.h"

#include <memory>

#include "binlog/byte_reader.h"
#include "binlog/decoder.h"
#include "binlog/table_map.h"

namespace mysql_sync {

// `in` covers the event body (post-header first, checksum excluded). `mariadb`: the server is
// MariaDB, whose charset metadata also covers GEOMETRY columns (MySQL's does not).
std::shared_ptr<TableMap> decode_table_map(ByteReader& in, unsigned post_header_length,
                                           const DecoderOptions& options, bool mariadb);

// The table id that starts TABLE_MAP and rows post-headers: 4 bytes when the post-header is
// 6 bytes long (servers before 5.1.4), else 6.
uint64_t read_table_id(ByteReader& in, unsigned post_header_length);

}  // namespace mysql_sync
