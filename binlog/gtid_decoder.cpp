#include "binlog/gtid_decoder.h"

#include <string>

#include "binlog/event_types.h"

namespace mysql_sync {

std::string hex_uuid(const uint8_t* p) {
  static const char hex[] = "0123456789abcdef";
  std::string s;
  s.reserve(36);
  for (int i = 0; i < 16; ++i) {
    if (i == 4 || i == 6 || i == 8 || i == 10) s.push_back('-');
    s.push_back(hex[p[i] >> 4]);
    s.push_back(hex[p[i] & 15]);
  }
  return s;
}

void decode_mysql_gtid(ByteReader& body, Event& ev) {
  ev.kind = EventKind::gtid;
  body.u8();  // flags
  const uint8_t* sid = body.bytes(16, "GTID source id");
  uint64_t gno = body.u64();
  if (ev.type_code == event_type::gtid) ev.gtid = hex_uuid(sid) + ":" + std::to_string(gno);
  if (body.remaining() >= 17) body.skip(17, "logical clock");  // type, last_committed, sequence_number
  if (body.remaining() >= 7) {
    uint64_t immediate = body.le(7);
    const uint64_t has_original = uint64_t{1} << 55;
    ev.commit_timestamp_us = immediate & ~has_original;
    if ((immediate & has_original) && body.remaining() >= 7) ev.commit_timestamp_us = body.le(7);
  }
}

void decode_mariadb_gtid(ByteReader& body, Event& ev) {
  ev.kind = EventKind::gtid;
  uint64_t seq = body.u64();
  uint32_t domain = body.u32();
  uint8_t flags2 = body.u8();
  ev.gtid_standalone = (flags2 & 0x01) != 0;
  ev.gtid = std::to_string(domain) + "-" + std::to_string(ev.server_id) + "-" + std::to_string(seq);
}

void decode_gtid_list(ByteReader& body, Event& ev) {
  uint32_t count = body.u32() & 0x0FFFFFFF;
  if (count > body.remaining() / 16) body.fail("bad GTID list count " + std::to_string(count));
  for (uint32_t i = 0; i < count; ++i) {
    uint32_t domain = body.u32();
    uint32_t server = body.u32();
    uint64_t seq = body.u64();
    if (i) ev.gtid += ",";
    ev.gtid += std::to_string(domain) + "-" + std::to_string(server) + "-" + std::to_string(seq);
  }
}

void decode_previous_gtids(ByteReader& body, Event& ev) {
  uint64_t header = body.u64();
  const bool tagged = (header >> 56) != 0;  // MySQL 8.4+: format byte on top, count below
  uint64_t sids = tagged ? (header >> 8) & ((uint64_t{1} << 48) - 1) : header;
  if (sids > body.remaining() / 24) body.fail("bad previous GTIDs count");
  for (uint64_t i = 0; i < sids; ++i) {
    if (i) ev.gtid += ",";
    ev.gtid += hex_uuid(body.bytes(16, "uuid"));
    if (tagged) {
      uint64_t len = body.serial_uint();
      if (len > body.remaining()) body.fail("bad GTID tag length");
      if (len) ev.gtid += ":" + body.string(static_cast<size_t>(len), "GTID tag");
    }
    uint64_t intervals = body.u64();
    if (intervals > body.remaining() / 16) body.fail("bad GTID interval count");
    for (uint64_t k = 0; k < intervals; ++k) {
      uint64_t start = body.u64(), end = body.u64();
      ev.gtid += ":" + std::to_string(start);
      if (end > start + 1) ev.gtid += "-" + std::to_string(end - 1);
    }
  }
}

// GTID_TAGGED (MySQL 8.4+): a serialization-library message of numbered fields.
void decode_tagged_gtid(ByteReader& body, Event& ev) {
  ev.kind = EventKind::gtid;
  const size_t start = body.position();
  uint8_t version = body.u8();
  if (version != 2) body.fail("unsupported tagged GTID serialization version " + std::to_string(version));
  uint64_t payload_size = body.serial_uint();
  body.serial_uint();  // last non-ignorable field id
  size_t envelope = body.position() - start;
  if (payload_size < envelope || payload_size - envelope > body.remaining())
    body.fail("bad tagged GTID payload size " + std::to_string(payload_size));
  ByteReader fields = body.sub(static_cast<size_t>(payload_size - envelope), "tagged GTID fields");
  uint8_t sid[16] = {};
  std::string tag;
  int64_t gno = 0;
  uint64_t immediate = 0, original = 0;
  while (!fields.at_end()) {
    uint64_t id = fields.serial_uint();
    switch (id) {
      case 0: fields.serial_uint(); break;  // flags
      case 1:
        for (auto& b : sid) b = static_cast<uint8_t>(fields.serial_uint());
        break;
      case 2: gno = fields.serial_int(); break;
      case 3: {
        uint64_t len = fields.serial_uint();
        if (len > fields.remaining()) fields.fail("bad GTID tag length");
        tag = fields.string(static_cast<size_t>(len), "GTID tag");
        break;
      }
      case 4: case 5: fields.serial_int(); break;  // last_committed, sequence_number
      case 6: immediate = fields.serial_uint(); break;
      case 7: original = fields.serial_uint(); break;
      case 8: case 9: case 10: case 11: fields.serial_uint(); break;
      default: goto done;  // a later, ignorable field whose size we cannot know
    }
  }
done:
  ev.gtid = hex_uuid(sid) + (tag.empty() ? "" : ":" + tag) + ":" + std::to_string(gno);
  ev.commit_timestamp_us = original != 0 ? original : immediate;
}

}  // namespace mysql_sync
