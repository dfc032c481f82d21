// Events that carry no rows and no transaction boundary but whose fields the CLI and
// binlog_events() show: INTVAR, RAND, USER_VAR, INCIDENT, XA_PREPARE, VIEW_CHANGE,
// TRANSACTION_CONTEXT, HEARTBEAT_V2; and the character set of a QUERY's text.
// Each takes the event body (post-header first, checksum excluded).
#pragma once
#include "common/cxx_zone.h"

#include <cstdint>

#include "binlog/byte_reader.h"
#include "binlog/event.h"

namespace mysql_sync {

void decode_intvar(ByteReader& body, Event& ev);               // 5: fields intvar_type, value
void decode_rand(ByteReader& body, Event& ev);                 // 13: fields seed1, seed2
void decode_user_var(ByteReader& body, Event& ev);             // 14: fields name, value_type, value
void decode_incident(ByteReader& body, Event& ev);             // 26: fields incident, message
void decode_xa_prepare(ByteReader& body, Event& ev);           // 38: kind xa_prepare; fields one_phase, xid
void decode_view_change(ByteReader& body, Event& ev);          // 37: fields view_id, seq_number
void decode_transaction_context(ByteReader& body, Event& ev);  // 36: fields server_uuid, thread_id, gtid_specified
void decode_heartbeat_v2(ByteReader& body, Event& ev);         // 41: kind heartbeat; next_file, next_pos

// The character_set_client collation id from a QUERY event's status variables (Q_CHARSET_CODE),
// or 0 when absent or when an unknown variable before it hides where it is.
uint16_t query_client_collation(ByteReader status_vars);

// A QUERY's text as UTF-8: converted from `collation` when that is a known non-UTF-8 charset.
// Bytes that do not convert (binary literals in statement-based logging) keep the text as it is:
// the SQL is shown, never used as data. Replaces `sql`.
void query_text_to_utf8(std::string& sql, uint16_t collation);

}  // namespace mysql_sync
