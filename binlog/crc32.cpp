#include "crc32.h"

#include <zlib.h>

#include <algorithm>

namespace mysql_sync {

uint32_t crc32_of(const uint8_t* data, size_t size, uint32_t crc) {
  // zlib takes uInt lengths; feed large buffers in slices.
  while (size > 0) {
    size_t n = std::min<size_t>(size, 1u << 30);
    crc = static_cast<uint32_t>(::crc32(crc, data, static_cast<uInt>(n)));
    data += n;
    size -= n;
  }
  return crc;
}

}  // namespace mysql_sync
