#include "binlog/decoder.h"

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <string_view>

#include "binlog/byte_reader.h"
#include "binlog/compression.h"
#include "binlog/crc32.h"
#include "common/errors.h"
#include "binlog/event_types.h"
#include "binlog/gtid_decoder.h"
#include "binlog/old_formats.h"
#include "binlog/other_events.h"
#include "binlog/rows_decoder.h"
#include "binlog/table_map_decoder.h"

namespace mysql_sync {

namespace {

constexpr size_t kCommonHeaderLength = 19;
constexpr size_t kChecksumLength = 4;
constexpr uint16_t kBinlogInUseFlag = 0x1;
constexpr uint16_t kArtificialFlag = 0x20;
constexpr uint16_t kStatementEndFlag = 0x1;

enum class Checksum : uint8_t { unknown, none, crc32 };

uint32_t load_le32(const uint8_t* p) {
  return static_cast<uint32_t>(p[0]) | static_cast<uint32_t>(p[1]) << 8 | static_cast<uint32_t>(p[2]) << 16 |
         static_cast<uint32_t>(p[3]) << 24;
}

// What the FORMAT_DESCRIPTION event (or a version 1/3 binlog's START_EVENT_V3) says about the
// events that follow it.
struct Format {
  bool seen = false;
  std::string server_version;
  size_t header_length = kCommonHeaderLength;
  std::vector<uint8_t> post_header_lengths;  // index = type code - 1
  Checksum checksum = Checksum::unknown;
  bool a_drop_numbering = false;  // type codes of MySQL's 5.1/5.2 a_drop trees (old_formats.h)
};

// Post-header lengths of MySQL 5.6+ for the events we parse, used before any FDE was seen
// (the dump thread's artificial ROTATE) and for types the FDE does not list.
unsigned default_post_header_length(uint8_t type) {
  switch (type) {
    case event_type::query: case event_type::query_compressed: return 13;
    case event_type::execute_load_query:
      return 26;
    case event_type::rotate: return 8;
    case event_type::table_map: return 8;
    case event_type::write_rows_v1: case event_type::update_rows_v1: case event_type::delete_rows_v1:
    case event_type::write_rows_compressed_v1: case event_type::update_rows_compressed_v1:
    case event_type::delete_rows_compressed_v1:
      return 8;
    case event_type::write_rows_v2: case event_type::update_rows_v2: case event_type::delete_rows_v2:
    case event_type::partial_update_rows: case event_type::write_rows_compressed:
    case event_type::update_rows_compressed: case event_type::delete_rows_compressed:
      return 10;
    case event_type::gtid: case event_type::anonymous_gtid: return 42;
    case event_type::incident: return 2;
    case event_type::transaction_context: return 18;
    case event_type::view_change: return 52;
    case event_type::mariadb_gtid: return 19;
    default: return 0;
  }
}

// "5.7.30-log" -> 50730; "10.5.15-MariaDB" -> 100515.
unsigned version_number(const std::string& v) {
  unsigned parts[3] = {0, 0, 0};
  size_t i = 0;
  for (int k = 0; k < 3; ++k) {
    while (i < v.size() && v[i] >= '0' && v[i] <= '9') parts[k] = parts[k] * 10 + static_cast<unsigned>(v[i++] - '0');
    if (i < v.size() && v[i] == '.') ++i;
    else break;
  }
  return parts[0] * 10000 + parts[1] * 100 + parts[2];
}

bool fde_has_checksum_byte(const std::string& server_version) {
  unsigned n = version_number(server_version);
  if (server_version.find("MariaDB") != std::string::npos) return n >= 50300;
  return n >= 50601;
}

QueryKind classify_query(std::string_view sql) {
  while (!sql.empty() && (sql.front() == ' ' || sql.front() == '\n' || sql.front() == '\t')) sql.remove_prefix(1);
  while (!sql.empty() && (sql.back() == ' ' || sql.back() == '\n' || sql.back() == ';' || sql.back() == '\0'))
    sql.remove_suffix(1);
  auto iequals = [](std::string_view a, std::string_view b) {
    if (a.size() != b.size()) return false;
    for (size_t i = 0; i < a.size(); ++i)
      if ((a[i] | 0x20) != (b[i] | 0x20)) return false;
    return true;
  };
  auto istarts = [&](std::string_view prefix) { return sql.size() >= prefix.size() && iequals(sql.substr(0, prefix.size()), prefix); };
  if (iequals(sql, "BEGIN") || iequals(sql, "START TRANSACTION")) return QueryKind::begin;
  if (iequals(sql, "COMMIT")) return QueryKind::commit;
  if (iequals(sql, "ROLLBACK")) return QueryKind::rollback;
  if (istarts("XA ")) return QueryKind::xa;
  return QueryKind::other;
}

// Clears `ev` for the next event while keeping its strings' buffers; its rows go to `spare_rows`.
void reset_event(Event& ev, std::optional<RowsData>& spare_rows) {
  if (ev.rows) {
    spare_rows = std::move(ev.rows);
    ev.rows.reset();
  }
  ev.type_code = 0;
  ev.name = "unknown";
  ev.kind = EventKind::other;
  ev.timestamp = ev.server_id = 0;
  ev.flags = 0;
  ev.pos = ev.end_pos = 0;
  ev.artificial = false;
  ev.sql.clear();
  ev.schema.clear();
  ev.query_kind = QueryKind::other;
  ev.gtid.clear();
  ev.gtid_standalone = false;
  ev.commit_timestamp_us = 0;
  ev.next_file.clear();
  ev.next_pos = 0;
  ev.xid = 0;
  ev.server_version.clear();
  ev.table_map.reset();
  ev.nested.clear();
  ev.fields.clear();
}

}  // namespace

struct Decoder::State {
  DecoderOptions options;
  RowsOptions rows_options;
  // Row buffers of the last rows event, reused by the next one (see Decoder::decode into an Event).
  std::optional<RowsData> spare_rows;
  RowPool row_pool;
  Format format;
  struct TableEntry {
    TableMapPtr table;
    std::string raw;  // the TABLE_MAP body: an identical map reuses the decoded one
    bool wanted = true;
  };
  std::unordered_map<uint64_t, TableEntry> tables;

  unsigned post_header_length(uint8_t type) const {
    if (format.seen && type >= 1 && type <= format.post_header_lengths.size())
      return format.post_header_lengths[type - 1];
    return default_post_header_length(type);
  }

  void decode(const uint8_t* data, size_t size, uint64_t offset, bool nested, Event& ev);
  void decode_start_v3_format(const uint8_t* data, size_t size, uint64_t offset, Event& ev);
  void decode_format_description(const uint8_t* data, size_t size, uint64_t offset, Event& ev);
  void decode_body(ByteReader& body, Event& ev, uint64_t offset);
  void decode_query(ByteReader& body, Event& ev, bool compressed);
  void decode_table_map_event(ByteReader& body, Event& ev);
  void decode_rows(ByteReader& body, Event& ev, RowOp op, bool is_v2, bool compressed, bool partial);
  void decode_payload(ByteReader& body, Event& ev, uint64_t offset);
};

Decoder::Decoder(DecoderOptions options) : state_(std::make_unique<State>()) {
  state_->options = std::move(options);
  state_->rows_options.values.invalid_dates = state_->options.invalid_dates;
  state_->rows_options.values.enum_index_when_unknown = state_->options.enum_index_when_unknown;
  state_->rows_options.partial_images = state_->options.partial_images;
  state_->rows_options.json_diff_without_before = state_->options.json_diff_without_before;
}
Decoder::~Decoder() = default;

void Decoder::reset_tables() { state_->tables.clear(); }
bool Decoder::has_format() const { return state_->format.seen; }

Event Decoder::decode(const uint8_t* data, size_t size, uint64_t file_offset) {
  Event ev;
  state_->decode(data, size, file_offset, false, ev);
  return ev;
}

void Decoder::decode(const uint8_t* data, size_t size, uint64_t file_offset, Event& out) {
  reset_event(out, state_->spare_rows);
  state_->decode(data, size, file_offset, false, out);
}

void Decoder::State::decode(const uint8_t* data, size_t size, uint64_t offset, bool nested, Event& ev) {
  // A version 1 binlog's events (and its first event, before anything else was seen) have a 13-byte
  // header without the next position and the flags.
  const bool first_of_v1 = !nested && !format.seen && is_v1_start_event(data, size);
  const size_t header_length =
      first_of_v1 ? kOldHeaderLength : std::min(format.header_length, kCommonHeaderLength);
  if (size < header_length)
    throw DecodeError(offset, "event length " + std::to_string(size) + " is shorter than the " +
                                  std::to_string(header_length) + "-byte event header");
  ByteReader header(data, size, offset);
  ev.timestamp = header.u32();
  ev.type_code = header.u8();
  ev.server_id = header.u32();
  uint32_t event_size = header.u32();
  uint32_t log_pos = 0;
  if (header_length >= kCommonHeaderLength) {
    log_pos = header.u32();
    ev.flags = header.u16();
  }
  if (format.a_drop_numbering) ev.type_code = a_drop_event_type(ev.type_code);
  ev.name = event_type::name(ev.type_code);
  ev.pos = offset;
  ev.end_pos = offset != 0 ? offset + size : log_pos;
  ev.artificial = (ev.flags & kArtificialFlag) != 0;
  if (event_size != size)
    throw DecodeError(offset, "event length " + std::to_string(event_size) + " does not match the " +
                                  std::to_string(size) + " bytes given");

  if (ev.type_code == event_type::format_description && !nested) {
    decode_format_description(data, size, offset, ev);
    return;
  }
  if (ev.type_code == event_type::start_v3 && !nested && !format.seen) {
    decode_start_v3_format(data, size, offset, ev);
    return;
  }
  if (ev.type_code == event_type::start_encryption)
    throw DecodeError(offset, "encrypted binlogs are not supported");

  size_t body_end = size;
  bool has_crc = format.checksum == Checksum::crc32 && !nested;
  if (!format.seen && !nested && size >= kCommonHeaderLength + kChecksumLength) {
    // No FDE yet (the dump thread's artificial ROTATE comes first): a CRC is there iff it matches.
    has_crc = crc32_of(data, size - kChecksumLength) == load_le32(data + size - kChecksumLength);
  }
  if (has_crc) {
    if (size < format.header_length + kChecksumLength) throw DecodeError(offset, "event too short for its checksum");
    body_end = size - kChecksumLength;
    if (options.verify_checksum) {
      if (crc32_of(data, body_end) != load_le32(data + body_end))
        throw DecodeError(offset, "CRC32 checksum mismatch in " + std::string(ev.name) + " event");
    }
  }
  if (body_end < format.header_length) throw DecodeError(offset, "event shorter than its header");
  ByteReader body(data + format.header_length, body_end - format.header_length, offset + format.header_length);
  decode_body(body, ev, offset);
}

void Decoder::State::decode_start_v3_format(const uint8_t* data, size_t size, uint64_t offset, Event& ev) {
  OldFormat old = decode_start_v3(data, size, offset);
  ev.kind = EventKind::format_description;
  ev.server_version = old.server_version;
  Format f;
  f.seen = true;
  f.server_version = std::move(old.server_version);
  f.header_length = old.header_length;
  f.post_header_lengths = std::move(old.post_header_lengths);
  f.checksum = Checksum::none;
  format = std::move(f);
}

void Decoder::State::decode_format_description(const uint8_t* data, size_t size, uint64_t offset, Event& ev) {
  ev.kind = EventKind::format_description;
  ByteReader in(data, size, offset);
  in.skip(kCommonHeaderLength, "event header");
  uint16_t binlog_version = in.u16();
  if (binlog_version != 4)
    throw DecodeError(offset, "binlog format version " + std::to_string(binlog_version) + " is not supported");
  std::string_view version = in.view(50, "server version");
  ev.server_version.assign(version.substr(0, version.find('\0')));
  in.u32();  // creation time
  size_t header_length = in.u8();
  if (header_length < kCommonHeaderLength)
    throw DecodeError(offset, "common header length " + std::to_string(header_length) + " is too short");
  Format f;
  f.seen = true;
  f.server_version = ev.server_version;
  f.header_length = header_length;
  f.checksum = Checksum::none;
  size_t lengths_end = size;
  if (fde_has_checksum_byte(ev.server_version)) {
    // ... post-header lengths, checksum algorithm (1 byte), checksum (4 bytes, present even for NONE)
    if (in.remaining() < 1 + kChecksumLength) throw DecodeError(offset, "format description too short");
    lengths_end = size - 1 - kChecksumLength;
    uint8_t alg = data[lengths_end];
    if (alg == 1) {
      f.checksum = Checksum::crc32;
      if (options.verify_checksum) {
        // The server computes it with LOG_EVENT_BINLOG_IN_USE_F clear (it sets the flag later).
        uint8_t head[kCommonHeaderLength];
        std::memcpy(head, data, kCommonHeaderLength);
        head[17] = static_cast<uint8_t>(head[17] & ~kBinlogInUseFlag);
        uint32_t crc = crc32_of(head, kCommonHeaderLength);
        crc = crc32_of(data + kCommonHeaderLength, size - kChecksumLength - kCommonHeaderLength, crc);
        if (crc != load_le32(data + size - kChecksumLength)) throw DecodeError(offset, "CRC32 checksum mismatch in format_description event");
      }
    } else if (alg != 0 && alg != 255) {
      throw DecodeError(offset + lengths_end, "unknown checksum algorithm " + std::to_string(alg));
    }
  }
  size_t count = lengths_end - in.position();
  const uint8_t* lengths = in.bytes(count, "post-header lengths");
  f.post_header_lengths.assign(lengths, lengths + count);
  if (has_a_drop_event_numbering(f.server_version)) {
    renumber_post_header_lengths(f.post_header_lengths, offset);
    f.a_drop_numbering = true;
  }
  format = std::move(f);
}

void Decoder::State::decode_body(ByteReader& body, Event& ev, uint64_t offset) {
  switch (ev.type_code) {
    case event_type::query: decode_query(body, ev, false); return;
    case event_type::query_compressed: decode_query(body, ev, true); return;
    // LOAD DATA of statement-based logging: a QUERY whose post-header has 13 more bytes (file id,
    // file name bounds, duplicate handling). Decoded as a query so that a consumer sees the statement.
    case event_type::execute_load_query:
      decode_query(body, ev, false);
      return;
    case event_type::rotate: {
      ev.kind = EventKind::rotate;
      unsigned ph = post_header_length(ev.type_code);
      ev.next_pos = 4;  // format version 1 has no position: the next file starts at its beginning
      if (ph >= 8) {
        ev.next_pos = body.u64();
        body.skip(ph - 8, "rotate post-header");
      }
      ev.next_file.assign(body.rest());
      return;
    }
    case event_type::xid:
      ev.kind = EventKind::xid;
      ev.xid = body.u64();
      return;
    case event_type::stop: ev.kind = EventKind::stop; return;
    case event_type::heartbeat:
      ev.kind = EventKind::heartbeat;
      ev.next_file.assign(body.rest());
      ev.next_pos = ev.end_pos;
      return;
    case event_type::heartbeat_v2: decode_heartbeat_v2(body, ev); return;
    case event_type::intvar: decode_intvar(body, ev); return;
    case event_type::rand: decode_rand(body, ev); return;
    case event_type::user_var: decode_user_var(body, ev); return;
    case event_type::incident: decode_incident(body, ev); return;
    case event_type::xa_prepare: decode_xa_prepare(body, ev); return;
    case event_type::view_change: decode_view_change(body, ev); return;
    case event_type::transaction_context: decode_transaction_context(body, ev); return;
    case event_type::gtid:
    case event_type::anonymous_gtid: decode_mysql_gtid(body, ev); return;
    case event_type::gtid_tagged: decode_tagged_gtid(body, ev); return;
    case event_type::mariadb_gtid: decode_mariadb_gtid(body, ev); return;
    case event_type::gtid_list: decode_gtid_list(body, ev); return;
    case event_type::previous_gtids: decode_previous_gtids(body, ev); return;
    case event_type::binlog_checkpoint: {
      uint32_t len = body.u32();
      ev.next_file = body.string(len, "checkpoint file name");
      return;
    }
    case event_type::annotate_rows:
      ev.kind = EventKind::annotate;
      ev.sql.assign(body.rest());
      return;
    case event_type::rows_query:
      ev.kind = EventKind::annotate;
      body.skip(1, "rows query length");  // a one-byte length that truncates long SQL; the rest is whole
      ev.sql.assign(body.rest());
      return;
    case event_type::table_map: decode_table_map_event(body, ev); return;
    case event_type::write_rows_v1: decode_rows(body, ev, RowOp::insert, false, false, false); return;
    case event_type::update_rows_v1: decode_rows(body, ev, RowOp::update, false, false, false); return;
    case event_type::delete_rows_v1: decode_rows(body, ev, RowOp::remove, false, false, false); return;
    case event_type::write_rows_v2: decode_rows(body, ev, RowOp::insert, true, false, false); return;
    case event_type::update_rows_v2: decode_rows(body, ev, RowOp::update, true, false, false); return;
    case event_type::delete_rows_v2: decode_rows(body, ev, RowOp::remove, true, false, false); return;
    case event_type::partial_update_rows: decode_rows(body, ev, RowOp::update, true, false, true); return;
    case event_type::write_rows_compressed_v1: decode_rows(body, ev, RowOp::insert, false, true, false); return;
    case event_type::update_rows_compressed_v1: decode_rows(body, ev, RowOp::update, false, true, false); return;
    case event_type::delete_rows_compressed_v1: decode_rows(body, ev, RowOp::remove, false, true, false); return;
    case event_type::write_rows_compressed: decode_rows(body, ev, RowOp::insert, true, true, false); return;
    case event_type::update_rows_compressed: decode_rows(body, ev, RowOp::update, true, true, false); return;
    case event_type::delete_rows_compressed: decode_rows(body, ev, RowOp::remove, true, true, false); return;
    case event_type::transaction_payload: decode_payload(body, ev, offset); return;
    case event_type::pre_ga_write_rows:
    case event_type::pre_ga_update_rows:
    case event_type::pre_ga_delete_rows:
      refuse_pre_ga_rows(ev.type_code, format.server_version, offset);
    default:
      // Rows are never passed on as an event without rows (that would drop them in silence).
      if (event_type::is_rows_event(ev.type_code))
        throw DecodeError(offset, std::string("rows event ") + ev.name + " is not decoded", "0A000");
      return;  // kind other: the header is all we report
  }
}

void Decoder::State::decode_query(ByteReader& body, Event& ev, bool compressed) {
  ev.kind = EventKind::query;
  unsigned ph = post_header_length(ev.type_code);
  if (ph < 11) body.fail("query post-header too short (" + std::to_string(ph) + ")");
  body.u32();  // thread id
  body.u32();  // execution time
  size_t db_length = body.u8();
  body.u16();  // error code
  size_t status_length = ph >= 13 ? body.u16() : 0;
  if (ph > 13) body.skip(ph - 13, "query post-header");
  const uint16_t client_collation = query_client_collation(body.sub(status_length, "query status variables"));
  ev.schema.assign(body.view(db_length, "default database"));
  body.skip(1, "database terminator");
  if (compressed) {
    std::vector<uint8_t> sql = mariadb_inflate(body);
    ev.sql.assign(sql.begin(), sql.end());
  } else {
    ev.sql.assign(body.rest());
  }
  query_text_to_utf8(ev.sql, client_collation);
  ev.query_kind = classify_query(ev.sql);
}

void Decoder::State::decode_table_map_event(ByteReader& body, Event& ev) {
  ev.kind = EventKind::table_map;
  ByteReader probe = body;
  uint64_t table_id = read_table_id(probe, post_header_length(ev.type_code));
  std::string_view raw(reinterpret_cast<const char*>(body.current()), body.remaining());
  auto it = tables.find(table_id);
  if (it != tables.end() && it->second.raw == raw) {
    ev.table_map = it->second.table;
    return;
  }
  TableMapPtr table = decode_table_map(body, post_header_length(ev.type_code), options,
                                       format.server_version.find("MariaDB") != std::string::npos);
  TableEntry entry{table, std::string(raw), !options.want_rows || options.want_rows(*table)};
  tables[table_id] = std::move(entry);
  ev.table_map = std::move(table);
}

void Decoder::State::decode_rows(ByteReader& body, Event& ev, RowOp op, bool is_v2, bool compressed,
                                 bool partial) {
  ev.kind = EventKind::rows;
  RowsHeader header = read_rows_header(body, post_header_length(ev.type_code), is_v2);
  auto it = tables.find(header.table_id);
  if (it == tables.end())
    body.fail("rows event for table id " + std::to_string(header.table_id) + " without a preceding table map");
  ev.table_map = it->second.table;
  if (!it->second.wanted) return;
  RowsFormat format = partial ? RowsFormat::partial_json : compressed ? RowsFormat::mariadb_zlib : RowsFormat::plain;
  if (!spare_rows) spare_rows.emplace();
  decode_rows_body(body, op, format, it->second.table, rows_options, *spare_rows, row_pool);
  spare_rows->statement_end = (header.flags & kStatementEndFlag) != 0;
  ev.rows = std::move(spare_rows);
  spare_rows.reset();
}

void Decoder::State::decode_payload(ByteReader& body, Event& ev, uint64_t offset) {
  ev.kind = EventKind::transaction_payload;
  // Header fields: packed type, packed length, value; type 0 ends the header.
  uint64_t compression = 0, uncompressed_size = 0;
  for (;;) {
    uint64_t field = body.packed();
    if (field == 0) break;
    size_t length = body.packed_length(1, "payload field");
    ByteReader value = body.sub(length, "payload field");
    if (field == 2) compression = value.packed();
    else if (field == 3) uncompressed_size = value.packed();
  }
  std::vector<uint8_t> inflated;
  if (compression == 0) {
    inflated = zstd_inflate(body);
  } else if (compression == 255) {
    std::string_view rest = body.rest();
    inflated.assign(rest.begin(), rest.end());
  } else {
    throw DecodeError(offset, "unknown transaction payload compression " + std::to_string(compression));
  }
  if (uncompressed_size != 0 && inflated.size() != uncompressed_size)
    throw DecodeError(offset, "transaction payload inflated to " + std::to_string(inflated.size()) +
                                  " bytes, header says " + std::to_string(uncompressed_size));
  // The inner events carry no checksum; their errors name the payload event's offset.
  size_t at = 0;
  while (at < inflated.size()) {
    ByteReader h(inflated.data() + at, inflated.size() - at, offset);
    h.skip(9, "nested event header");
    uint32_t size = h.u32();
    if (size < format.header_length || size > inflated.size() - at)
      throw DecodeError(offset, "bad nested event length " + std::to_string(size));
    Event inner;
    decode(inflated.data() + at, size, offset, true, inner);
    inner.pos = ev.pos;
    inner.end_pos = ev.end_pos;
    ev.nested.push_back(std::move(inner));
    at += size;
  }
}

}  // namespace mysql_sync
