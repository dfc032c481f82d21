// Inflating compressed binlog content: MariaDB's zlib-compressed events (log_bin_compress) and
// MySQL 8's zstd TRANSACTION_PAYLOAD. Output grows only as data really inflates, capped, so a
// bogus declared size cannot drive a huge allocation.
#pragma once
#include "common/cxx_zone.h"

#include <cstdint>
#include <vector>

#include "binlog/byte_reader.h"

namespace mysql_sync {

constexpr size_t kMaxInflatedSize = size_t{1} << 30;

// MariaDB: a header byte 0x80|n, n big-endian bytes of uncompressed length, then a zlib stream;
// consumes the rest of `in`.
std::vector<uint8_t> mariadb_inflate(ByteReader& in);

// zstd frame(s) in the rest of `in`.
std::vector<uint8_t> zstd_inflate(ByteReader& in);

}  // namespace mysql_sync
