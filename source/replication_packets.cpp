#include "source/replication_packets.h"

#include "common/errors.h"

namespace mysql_sync::replication {

namespace {

void put_le(std::string& out, uint64_t value, int bytes) {
  for (int i = 0; i < bytes; i++) out.push_back(static_cast<char>((value >> (8 * i)) & 0xff));
}

void put_short_text(std::string& out, std::string_view text, const char* what) {
  if (text.size() > 255)
    throw SyncError("22023", std::string("the replica's ") + what + " is longer than 255 bytes");
  out.push_back(static_cast<char>(text.size()));
  out.append(text);
}

constexpr size_t kEventHeaderLength = 19;
constexpr uint8_t kOkByte = 0x00;
constexpr uint8_t kEndOfStreamByte = 0xfe;
constexpr size_t kEndOfStreamMaxLength = 8;  // an EOF packet; longer 0xfe packets are data

}  // namespace

std::string register_replica(uint32_t server_id, std::string_view report_host, uint16_t report_port) {
  std::string out;
  put_le(out, server_id, 4);
  put_short_text(out, report_host, "report host");
  put_short_text(out, "", "report user");
  put_short_text(out, "", "report password");
  put_le(out, report_port, 2);
  put_le(out, 0, 4);  // replication rank (unused)
  put_le(out, 0, 4);  // master id: 0 = the source fills in its own
  return out;
}

std::string binlog_dump(std::string_view file, uint64_t pos, uint16_t flags, uint32_t server_id) {
  if (pos > UINT32_MAX)
    throw SyncError("22023",
                    "binlog position " + std::to_string(pos) + " is beyond what COM_BINLOG_DUMP can ask for",
                    "Resume by GTID (the source needs gtid_mode = ON).");
  std::string out;
  put_le(out, pos, 4);
  put_le(out, flags, 2);
  put_le(out, server_id, 4);
  out.append(file);
  return out;
}

std::string binlog_dump_gtid(const std::string& encoded_set, uint16_t flags, uint32_t server_id) {
  std::string out;
  put_le(out, flags | kDumpThroughGtid, 2);
  put_le(out, server_id, 4);
  put_le(out, 0, 4);  // no file name: the server finds the first file with a transaction we lack
  put_le(out, 4, 8);  // position 4, the start of that file
  put_le(out, encoded_set.size(), 4);
  out += encoded_set;
  return out;
}

std::string semi_sync_ack(uint64_t pos, std::string_view file) {
  std::string out;
  put_le(out, pos, 8);
  out.append(file);
  return out;
}

DumpPacket parse_dump_packet(const uint8_t* packet, size_t length, bool semi_sync) {
  DumpPacket out;
  if (length >= 1 && packet[0] == kEndOfStreamByte && length <= kEndOfStreamMaxLength) {
    out.kind = DumpPacket::Kind::end_of_stream;
    return out;
  }
  if (length < 1 || packet[0] != kOkByte)
    throw SyncError("08P01",
                    "the source sent a binlog packet that is neither an event nor the end of the stream "
                    "(first byte " +
                        std::to_string(length ? packet[0] : 0) + ", " + std::to_string(length) + " bytes)");
  size_t at = 1;
  if (semi_sync) {
    if (length < 3 || packet[1] != kSemiSyncIndicator)
      throw SyncError("08P01",
                      "the source sent a binlog event without the semi-sync header it was asked for");
    out.ack_requested = (packet[2] & 0x01) != 0;
    at = 3;
  }
  if (length - at < kEventHeaderLength)
    throw SyncError("08P01", "the source sent a binlog event of " + std::to_string(length - at) +
                                 " bytes, shorter than an event header");
  out.event = packet + at;
  out.size = length - at;
  return out;
}

}  // namespace mysql_sync::replication
