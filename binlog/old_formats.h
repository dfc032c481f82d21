// Binlogs older than format version 4, and the event numbering of MySQL's 5.1/5.2 "a_drop"
// development trees. As MySQL's own reader does (Format_description_event in libbinlogevents):
// - version 1 (MySQL 3.23): 13-byte event headers (no next position, no flags), first event
//   START_EVENT_V3 of 69 bytes; version 3 (MySQL 4.0.2 - 4.1): 19-byte headers, START_EVENT_V3 of
//   75 bytes. Both have a fixed table of post-header lengths and no checksums. Version 2 (MySQL
//   4.0.0 and 4.0.1, never a release) is refused, as MySQL refuses it.
// - servers named 5.1.[1-5]-a_drop5*, 5.1.4-a_drop6*, 5.2.[0-2]-a_drop6* wrote TABLE_MAP as 16,
//   the pre-GA rows events as 17-19, XID as 20, BEGIN/EXECUTE_LOAD_QUERY as 21/22.
// Pre-GA rows events (types 20-22, MySQL 5.1 before 5.1.18) are refused: their row images are the
// server's internal record layout (its null bytes, fields packed without metadata), which the
// binlog does not describe.
#pragma once
#include "common/cxx_zone.h"

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace mysql_sync {

constexpr size_t kOldHeaderLength = 13;  // format version 1

// True for the first event of a version 1 binlog (its header is 13 bytes, not 19).
bool is_v1_start_event(const uint8_t* data, size_t size);

// What a START_EVENT_V3 at the start of a version 1 or 3 binlog says about the file's events.
struct OldFormat {
  uint16_t binlog_version = 0;
  std::string server_version;
  size_t header_length = 0;
  std::vector<uint8_t> post_header_lengths;  // index = type code - 1
};
// `data` is the whole event; throws DecodeError naming the offset for version 2 or a version the
// event's length contradicts.
OldFormat decode_start_v3(const uint8_t* data, size_t size, uint64_t offset);

// Whether a FORMAT_DESCRIPTION of this server version numbers its events like the a_drop trees.
bool has_a_drop_event_numbering(const std::string& server_version);
// Reorders the FDE's post-header lengths (index = type code - 1) into today's numbering; throws
// DecodeError when the FDE does not list the 22 event types of those trees.
void renumber_post_header_lengths(std::vector<uint8_t>& lengths, uint64_t offset);
// The type code of today's numbering for a type code of an a_drop tree.
uint8_t a_drop_event_type(uint8_t type_code);

// Throws DecodeError for a pre-GA rows event (type 20-22 in today's numbering).
[[noreturn]] void refuse_pre_ga_rows(uint8_t type_code, const std::string& server_version, uint64_t offset);

}  // namespace mysql_sync
