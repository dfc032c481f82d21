// CRC-32 (ISO-HDLC, the zlib polynomial) as used by binlog_checksum=CRC32.
#pragma once
#include "common/cxx_zone.h"

#include <cstddef>
#include <cstdint>

namespace mysql_sync {

// Uses carry-less multiplication (PCLMULQDQ) where the CPU has it, zlib otherwise.
uint32_t crc32_of(const uint8_t* data, size_t size, uint32_t crc = 0);
// zlib's table-driven CRC only: the reference the fast path is tested against.
uint32_t crc32_portable(const uint8_t* data, size_t size, uint32_t crc = 0);

}  // namespace mysql_sync
