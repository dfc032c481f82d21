#include "binlog/other_events.h"

#include <charconv>
#include <cstring>

#include "binlog/charset.h"
#include "binlog/decimal.h"
#include "common/errors.h"
#include "binlog/value_text.h"

namespace mysql_sync {

namespace {

template <typename T>
std::string number_text(T v) {
  char buf[24];
  auto r = std::to_chars(buf, buf + sizeof buf, v);
  return std::string(buf, r.ptr);
}

void add_number(Event& ev, const char* name, std::string text) {
  ev.fields.push_back(EventField{name, std::move(text), true});
}
void add_string(Event& ev, const char* name, std::string text) {
  ev.fields.push_back(EventField{name, std::move(text), false});
}
void add_null(Event& ev, const char* name) { ev.fields.push_back(EventField{name, std::nullopt, false}); }

// Text in a MySQL charset as UTF-8 when possible, else as bytea hex (values of user variables may be binary).
std::string text_or_bytea(const uint8_t* data, size_t size, uint16_t collation) {
  std::string out;
  Charset cs = charset_of(collation);
  if (cs != Charset::binary && cs != Charset::unknown) {
    try {
      append_as_utf8(out, data, size, collation, "user variable");
      return out;
    } catch (const ValueError&) {
      out.clear();
    }
  } else if (cs == Charset::unknown && is_valid_utf8(data, size)) {
    return std::string(reinterpret_cast<const char*>(data), size);
  }
  append_bytea(out, data, size);
  return out;
}

std::string hex_literal(const uint8_t* data, size_t size) {
  static const char hex[] = "0123456789ABCDEF";
  std::string out = "X'";
  for (size_t i = 0; i < size; ++i) {
    out.push_back(hex[data[i] >> 4]);
    out.push_back(hex[data[i] & 15]);
  }
  out.push_back('\'');
  return out;
}

}  // namespace

void decode_intvar(ByteReader& body, Event& ev) {
  uint8_t type = body.u8();
  add_string(ev, "intvar_type", type == 1 ? "last_insert_id" : type == 2 ? "insert_id" : "unknown_" + number_text(type));
  add_number(ev, "value", number_text(body.u64()));
}

void decode_rand(ByteReader& body, Event& ev) {
  add_number(ev, "seed1", number_text(body.u64()));
  add_number(ev, "seed2", number_text(body.u64()));
}

void decode_user_var(ByteReader& body, Event& ev) {
  uint32_t name_length = body.u32();
  std::string_view name = body.view(name_length, "user variable name");
  add_string(ev, "name", std::string(name));
  if (body.u8() != 0) {
    add_null(ev, "value_type");
    add_null(ev, "value");
    return;
  }
  uint8_t type = body.u8();
  uint16_t collation = static_cast<uint16_t>(body.u32());
  uint32_t length = body.u32();
  const uint8_t* value = body.bytes(length, "user variable value");
  bool is_unsigned = !body.at_end() && (body.u8() & 1) != 0;
  switch (type) {
    case 0:
      add_string(ev, "value_type", "string");
      add_string(ev, "value", text_or_bytea(value, length, collation));
      return;
    case 1: {
      if (length != 8) body.fail("REAL user variable of " + std::to_string(length) + " bytes");
      double d;
      std::memcpy(&d, value, sizeof d);  // little-endian like the binlog on every platform we build for
      std::string text;
      append_double(text, d);
      add_string(ev, "value_type", "real");
      add_number(ev, "value", text);
      return;
    }
    case 2: {
      if (length != 8) body.fail("INT user variable of " + std::to_string(length) + " bytes");
      ByteReader in(value, length, body.offset());
      uint64_t raw = in.u64();
      add_string(ev, "value_type", "int");
      add_number(ev, "value", is_unsigned ? number_text(raw) : number_text(static_cast<int64_t>(raw)));
      return;
    }
    case 4: {
      ByteReader in(value, length, body.offset());
      unsigned precision = in.u8(), scale = in.u8();
      std::string text;
      read_decimal(in, precision, scale, text);
      add_string(ev, "value_type", "decimal");
      add_number(ev, "value", text);
      return;
    }
    default:
      add_string(ev, "value_type", "unknown_" + number_text(type));
      add_string(ev, "value", text_or_bytea(value, length, kBinaryCollation));
  }
}

void decode_incident(ByteReader& body, Event& ev) {
  uint16_t incident = body.u16();
  add_number(ev, "incident", number_text(incident));
  size_t length = body.at_end() ? 0 : body.u8();
  std::string_view message = body.view(length, "incident message");
  std::string text;
  if (is_valid_utf8(reinterpret_cast<const uint8_t*>(message.data()), message.size()))
    text.assign(message);
  else
    append_bytea(text, reinterpret_cast<const uint8_t*>(message.data()), message.size());
  add_string(ev, "message", text);
}

void decode_xa_prepare(ByteReader& body, Event& ev) {
  ev.kind = EventKind::xa_prepare;
  bool one_phase = body.u8() != 0;
  int32_t format_id = static_cast<int32_t>(body.u32());
  uint32_t gtrid_length = body.u32(), bqual_length = body.u32();
  // MySQL's XID_DATASIZE: 64 bytes for both parts; more means damage.
  if (gtrid_length > 64 || bqual_length > 64 || gtrid_length + bqual_length > 128)
    body.fail("bad XA transaction id lengths " + std::to_string(gtrid_length) + "+" + std::to_string(bqual_length));
  const uint8_t* gtrid = body.bytes(gtrid_length, "XA gtrid");
  const uint8_t* bqual = body.bytes(bqual_length, "XA bqual");
  add_number(ev, "one_phase", one_phase ? "true" : "false");
  // The form XA statements take: X'gtrid',X'bqual',formatID.
  add_string(ev, "xid", hex_literal(gtrid, gtrid_length) + "," + hex_literal(bqual, bqual_length) + "," +
                            number_text(format_id));
}

void decode_view_change(ByteReader& body, Event& ev) {
  std::string_view view_id = body.view(40, "view id");
  add_string(ev, "view_id", std::string(view_id.substr(0, view_id.find('\0'))));
  add_number(ev, "seq_number", number_text(body.u64()));
}

void decode_transaction_context(ByteReader& body, Event& ev) {
  size_t uuid_length = body.u8();
  uint32_t thread_id = body.u32();
  bool gtid_specified = body.u8() != 0;
  body.skip(12, "transaction context post-header");  // snapshot length, write set and read set counts
  std::string_view uuid = body.view(uuid_length, "server uuid");
  add_string(ev, "server_uuid", std::string(uuid));
  add_number(ev, "thread_id", number_text(thread_id));
  add_number(ev, "gtid_specified", gtid_specified ? "true" : "false");
}

void decode_heartbeat_v2(ByteReader& body, Event& ev) {
  ev.kind = EventKind::heartbeat;
  // Fields: packed type, packed length, value; type 0 ends them. Unknown types are skipped.
  while (!body.at_end()) {
    uint64_t type = body.packed();
    if (type == 0) break;
    size_t length = body.packed_length(1, "heartbeat field");
    ByteReader value = body.sub(length, "heartbeat field");
    if (type == 1) ev.next_file.assign(value.rest());
    else if (type == 2) ev.next_pos = value.packed();
  }
}

uint16_t query_client_collation(ByteReader in) try {
  // Status variable codes and sizes (MySQL's Q_* and MariaDB's additions); the first unknown code
  // stops the walk, since its length is unknown. So does damage: the charset only serves display.
  while (!in.at_end()) {
    uint8_t code = in.u8();
    switch (code) {
      case 0: in.skip(4); break;                                   // Q_FLAGS2
      case 1: in.skip(8); break;                                   // Q_SQL_MODE
      case 2: in.skip(in.u8() + 1u); break;                        // Q_CATALOG (5.0.x, NUL-terminated)
      case 3: in.skip(4); break;                                   // Q_AUTO_INCREMENT
      case 4: return static_cast<uint16_t>(in.u16());              // Q_CHARSET: client, connection, server
      case 5: case 6: in.skip(in.u8()); break;                     // Q_TIME_ZONE, Q_CATALOG_NZ
      case 7: case 8: in.skip(2); break;                           // Q_LC_TIME_NAMES, Q_CHARSET_DATABASE
      case 9: in.skip(8); break;                                   // Q_TABLE_MAP_FOR_UPDATE
      case 10: in.skip(4); break;                                  // Q_MASTER_DATA_WRITTEN
      case 11: in.skip(in.u8()); in.skip(in.u8()); break;          // Q_INVOKER: user, host
      default: return 0;
    }
  }
  return 0;
} catch (const DecodeError&) {
  return 0;
}

void query_text_to_utf8(std::string& sql, uint16_t collation) {
  switch (charset_of(collation)) {
    case Charset::utf8: case Charset::ascii: case Charset::binary: case Charset::unknown: return;
    default: break;
  }
  std::string converted;
  try {
    append_as_utf8(converted, reinterpret_cast<const uint8_t*>(sql.data()), sql.size(), collation, "statement");
  } catch (const ValueError&) {
    return;
  }
  sql.swap(converted);
}

}  // namespace mysql_sync
