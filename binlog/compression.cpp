#include "binlog/compression.h"

#include <zlib.h>
#include <zstd.h>

#include <algorithm>
#include <memory>

namespace mysql_sync {

std::vector<uint8_t> mariadb_inflate(ByteReader& in) {
  uint64_t at = in.offset();
  uint8_t head = in.u8();
  unsigned length_bytes = head & 0x07;
  if ((head & 0xE0) != 0x80 || length_bytes == 0 || length_bytes > 4)
    throw DecodeError(at, "bad compressed event header byte " + std::to_string(head));
  uint64_t declared = in.be(length_bytes);
  std::string_view compressed = in.rest();
  // zlib cannot inflate by more than ~1032x; beyond that the declared size is a lie.
  if (declared > kMaxInflatedSize || declared > compressed.size() * uint64_t{1100} + 64)
    throw DecodeError(at, "implausible uncompressed size " + std::to_string(declared));
  std::vector<uint8_t> out(static_cast<size_t>(declared));
  uLongf out_len = static_cast<uLongf>(declared);
  int rc = uncompress(out.data(), &out_len, reinterpret_cast<const Bytef*>(compressed.data()),
                      static_cast<uLong>(compressed.size()));
  if (rc != Z_OK || out_len != declared)
    throw DecodeError(at, "zlib inflate failed (" + std::to_string(rc) + ")");
  return out;
}

std::vector<uint8_t> zstd_inflate(ByteReader& in) {
  uint64_t at = in.offset();
  std::string_view compressed = in.rest();
  std::unique_ptr<ZSTD_DStream, size_t (*)(ZSTD_DStream*)> stream(ZSTD_createDStream(), ZSTD_freeDStream);
  if (!stream) throw DecodeError(at, "out of memory for zstd");
  ZSTD_initDStream(stream.get());
  std::vector<uint8_t> out;
  ZSTD_inBuffer input{compressed.data(), compressed.size(), 0};
  size_t rc = 1;
  while (input.pos < input.size || rc != 0) {
    size_t chunk = std::max<size_t>(ZSTD_DStreamOutSize(), out.size() / 2);
    if (out.size() + chunk > kMaxInflatedSize) throw DecodeError(at, "transaction payload inflates beyond 1 GiB");
    size_t used = out.size();
    out.resize(used + chunk);
    ZSTD_outBuffer output{out.data() + used, chunk, 0};
    rc = ZSTD_decompressStream(stream.get(), &output, &input);
    out.resize(used + output.pos);
    if (ZSTD_isError(rc)) throw DecodeError(at, std::string("zstd: ") + ZSTD_getErrorName(rc));
    if (output.pos == 0 && input.pos == input.size && rc != 0) throw DecodeError(at, "truncated zstd payload");
  }
  return out;
}

}  // namespace mysql_sync
