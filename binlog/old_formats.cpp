#include "binlog/old_formats.h"

#include <cstring>

#include "binlog/byte_reader.h"
#include "binlog/event_types.h"
#include "common/errors.h"

namespace mysql_sync {

namespace {

constexpr size_t kHeaderLength = 19;       // format versions 3 and 4
constexpr size_t kStartV3PostHeader = 56;  // binlog version (2), server version (50), created (4)
constexpr size_t kServerVersionLength = 50;
constexpr size_t kADropEventTypes = 22;

// Post-header lengths of versions 1 and 3 (MySQL's Format_description_event(1) and (3)), for
// types 1 (START_EVENT_V3) to 14 (USER_VAR): the only ones those versions have.
std::vector<uint8_t> old_post_header_lengths(uint16_t binlog_version) {
  const uint8_t rotate = binlog_version == 1 ? 0 : 8;  // version 1's ROTATE has no position
  // clang-format off
  return {uint8_t(kStartV3PostHeader), 11 /* QUERY */, 0 /* STOP */, rotate, 0 /* INTVAR */,
          18 /* LOAD */, 0 /* SLAVE */, 4 /* CREATE_FILE */, 4 /* APPEND_BLOCK */, 4 /* EXEC_LOAD */,
          4 /* DELETE_FILE */, 18 /* NEW_LOAD */, 0 /* RAND */, 0 /* USER_VAR */};
  // clang-format on
}

// Today's type code of each type code 0..22 of the a_drop trees.
// clang-format off
constexpr uint8_t kADropTypes[kADropEventTypes + 1] = {
    0,  1,  2,  3,  4,  5,  6,  7,  8,  9,  10, 11, 12, 13, 14, 15,
    event_type::table_map,        event_type::pre_ga_write_rows, event_type::pre_ga_update_rows,
    event_type::pre_ga_delete_rows, event_type::xid,             event_type::begin_load_query,
    event_type::execute_load_query};
// clang-format on

}  // namespace

bool is_v1_start_event(const uint8_t* data, size_t size) {
  return size >= kOldHeaderLength && data[4] == event_type::start_v3 &&
         size < kHeaderLength + kStartV3PostHeader;
}

OldFormat decode_start_v3(const uint8_t* data, size_t size, uint64_t offset) {
  OldFormat f;
  f.header_length = is_v1_start_event(data, size) ? kOldHeaderLength : kHeaderLength;
  ByteReader in(data, size, offset);
  in.skip(f.header_length, "event header");
  f.binlog_version = in.u16();
  std::string_view version = in.view(kServerVersionLength, "server version");
  f.server_version.assign(version.substr(0, version.find('\0')));
  in.u32();  // created
  if (f.binlog_version == 2)
    throw DecodeError(offset,
                      "binlog format version 2 (MySQL 4.0.0 and 4.0.1, server " + f.server_version +
                          ") is not supported, as MySQL itself does not read it",
                      "0A000");
  const uint16_t by_length = f.header_length == kOldHeaderLength ? 1 : 3;
  if (f.binlog_version != by_length)
    throw DecodeError(offset, "START_EVENT_V3 says binlog format version " +
                                  std::to_string(f.binlog_version) + ", but its length (" +
                                  std::to_string(size) + " bytes) is that of version " +
                                  std::to_string(by_length));
  f.post_header_lengths = old_post_header_lengths(f.binlog_version);
  return f;
}

bool has_a_drop_event_numbering(const std::string& v) {
  // 5.1.[1-5]-a_drop5*, 5.1.4-a_drop6*, 5.2.[0-2]-a_drop6*
  if (v.size() < 13 || v[0] != '5' || v[1] != '.' || v[3] != '.' || v.compare(5, 7, "-a_drop") != 0)
    return false;
  const char minor = v[2], patch = v[4], drop = v[12];
  return (minor == '1' && patch >= '1' && patch <= '5' && drop == '5') ||
         (minor == '1' && patch == '4' && drop == '6') ||
         (minor == '2' && patch >= '0' && patch <= '2' && drop == '6');
}

void renumber_post_header_lengths(std::vector<uint8_t>& lengths, uint64_t offset) {
  if (lengths.size() != kADropEventTypes)
    throw DecodeError(offset, "format description of an a_drop tree server lists " +
                                  std::to_string(lengths.size()) + " event types, not " +
                                  std::to_string(kADropEventTypes));
  std::vector<uint8_t> renumbered(kADropEventTypes, 0);
  for (size_t old_type = 1; old_type <= kADropEventTypes; ++old_type)
    renumbered[kADropTypes[old_type] - 1] = lengths[old_type - 1];
  lengths = std::move(renumbered);
}

uint8_t a_drop_event_type(uint8_t type_code) {
  return type_code <= kADropEventTypes ? kADropTypes[type_code] : type_code;
}

void refuse_pre_ga_rows(uint8_t type_code, const std::string& server_version, uint64_t offset) {
  throw DecodeError(offset,
                    "cannot decode the rows of " + std::string(event_type::name(type_code)) +
                        ", a pre-GA rows event of MySQL 5.1 before 5.1.18 (server " + server_version +
                        "): its row images are in the server's internal record layout, which the binlog "
                        "does not describe; event",
                    "0A000");
}

}  // namespace mysql_sync
