#include "binlog/event_json.h"

#include "binlog/event_types.h"

#include <charconv>

#include "binlog/json_escape.h"
#include "binlog/value_text.h"

namespace mysql_sync {

namespace {

void append_uint(std::string& out, uint64_t v) {
  char buf[24];
  auto r = std::to_chars(buf, buf + sizeof buf, v);
  out.append(buf, r.ptr);
}

void append_optional_string(std::string& out, const std::string& s) {
  if (s.empty())
    out += "null";
  else
    append_json_string(out, s);
}

// A row image: every value, or with `present` (a partial image) only the present columns' values.
void append_row(std::string& out, const Row* row, const std::vector<bool>& present) {
  if (row == nullptr) {
    out += "null";
    return;
  }
  out.push_back('[');
  bool first = true;
  for (size_t i = 0; i < row->size(); ++i) {
    if (!present.empty() && !present[i]) continue;
    if (!first) out.push_back(',');
    first = false;
    const Value& v = (*row)[i];
    if (v)
      append_json_string(out, *v);
    else
      out += "null";
  }
  out.push_back(']');
}

// The indexes (into "columns") of a partial image's values.
void append_present(std::string& out, const char* key, const std::vector<bool>& present) {
  if (present.empty()) return;
  out += key;
  out.push_back('[');
  bool first = true;
  for (size_t i = 0; i < present.size(); ++i) {
    if (!present[i]) continue;
    if (!first) out.push_back(',');
    first = false;
    append_uint(out, i);
  }
  out.push_back(']');
}

// The columns (indexes into "columns") whose after value in row `row` is a partial JSON diff list.
// `diffs` is in row order; `at` walks it along the rows.
void append_json_diff_columns(std::string& out, const std::vector<std::pair<uint32_t, uint32_t>>& diffs,
                              size_t row, size_t& at) {
  bool first = true;
  for (; at < diffs.size() && diffs[at].first == row; ++at) {
    out += first ? ",\"after_json_diff\":[" : ",";
    first = false;
    append_uint(out, diffs[at].second);
  }
  if (!first) out.push_back(']');
}

void append_columns(std::string& out, const TableMap* table) {
  bool named = table != nullptr && !table->columns.empty();
  if (named)
    for (const auto& c : table->columns)
      if (c.name.empty()) named = false;
  if (!named) {
    out += "null";
    return;
  }
  out.push_back('[');
  for (size_t i = 0; i < table->columns.size(); ++i) {
    if (i) out.push_back(',');
    append_json_string(out, table->columns[i].name);
  }
  out.push_back(']');
}

// Where the JSON lines go: appended to one buffer, each ended by '\n' (`emit` null), or each built
// in `out` and passed to `emit` without the newline.
struct LineSink {
  std::string& out;
  const std::function<void(const std::string&)>* emit;
  // Starts a line; returns the buffer to append it to.
  std::string& begin() {
    if (emit) out.clear();
    return out;
  }
  void end() {
    if (emit)
      (*emit)(out);
    else
      out.push_back('\n');
  }
};

// Events come in bursts of the same second: the last second's text is kept (per thread).
void append_event_timestamp(std::string& out, int64_t timestamp) {
  thread_local int64_t last = -1;
  thread_local std::string text;
  if (timestamp != last || text.empty()) {
    text.clear();
    append_timestamp(text, timestamp, 0, 0);
    last = timestamp;
  }
  out += text;
}

// The fields every object starts with, up to and including "gtid"; appended to `out`.
void head(std::string& out, const Event& ev, const std::string& file, const char* type,
          const std::string& gtid) {
  out += "{\"file\":";
  append_json_string(out, file);
  out += ",\"pos\":";
  append_uint(out, ev.pos);
  out += ",\"end_pos\":";
  append_uint(out, ev.end_pos);
  out += ",\"timestamp\":\"";
  append_event_timestamp(out, ev.timestamp);
  out += "\",\"type\":";
  append_json_string(out, type);
  out += ",\"gtid\":";
  append_optional_string(out, gtid);
}

void append_table(std::string& out, const TableMap* table) {
  out += ",\"schema\":";
  if (table) append_json_string(out, table->schema); else out += "null";
  out += ",\"table\":";
  if (table) append_json_string(out, table->table); else out += "null";
  out += ",\"columns\":";
  append_columns(out, table);
}

void append_fields(std::string& out, const std::vector<EventField>& fields) {
  for (const EventField& f : fields) {
    out += ",\"";
    out += f.name;
    out += "\":";
    if (!f.value)
      out += "null";
    else if (f.is_number)
      out += *f.value;
    else
      append_json_string(out, *f.value);
  }
}

const char* type_of(const Event& ev) {
  switch (ev.kind) {
    case EventKind::query:
      if (ev.type_code == event_type::execute_load_query) return ev.name;  // LOAD DATA: not a DDL
      switch (ev.query_kind) {
        case QueryKind::begin: return "begin";
        case QueryKind::commit: return "commit";
        case QueryKind::rollback: return "rollback";
        default: return "ddl";
      }
    case EventKind::xid: return "commit";
    case EventKind::gtid: return "gtid";
    case EventKind::rotate: return "rotate";
    case EventKind::heartbeat: return "heartbeat";
    default: return ev.name;
  }
}

using Emit = std::function<void(const std::string&)>;

// Every row of an event starts with the same fields (head, table, columns), built once in `prefix`.
void rows_to_json(const Event& ev, const std::string& file, const std::string& gtid, LineSink& sink,
                  std::string& prefix) {
  const RowsData& rows = *ev.rows;
  const char* type = rows.op == RowOp::insert ? "insert" : rows.op == RowOp::update ? "update" : "delete";
  size_t n = rows.op == RowOp::insert ? rows.after.size() : rows.before.size();
  if (n == 0) return;
  prefix.clear();
  head(prefix, ev, file, type, gtid);
  append_table(prefix, rows.table.get());
  prefix += ",\"before\":";
  size_t diff_at = 0;
  for (size_t i = 0; i < n; ++i) {
    std::string& out = sink.begin();
    out += prefix;
    append_row(out, rows.op == RowOp::insert ? nullptr : &rows.before[i], rows.before_present);
    out += ",\"after\":";
    append_row(out, rows.op == RowOp::remove ? nullptr : &rows.after[i], rows.after_present);
    append_present(out, ",\"before_present\":", rows.before_present);
    append_present(out, ",\"after_present\":", rows.after_present);
    append_json_diff_columns(out, rows.after_json_diffs, i, diff_at);
    out.push_back('}');
    sink.end();
  }
}

void write_event(const Event& ev, const std::string& file, const std::string& current_gtid, LineSink& sink,
                 std::string& prefix) {
  if (ev.kind == EventKind::transaction_payload) {
    std::string& out = sink.begin();
    head(out, ev, file, ev.name, current_gtid);
    out += ",\"events\":";
    append_uint(out, ev.nested.size());
    out.push_back('}');
    sink.end();
    for (const Event& inner : ev.nested) write_event(inner, file, current_gtid, sink, prefix);
    return;
  }
  if (ev.kind == EventKind::rows && ev.rows) {
    rows_to_json(ev, file, current_gtid, sink, prefix);
    return;
  }
  const bool own_gtid = ev.kind == EventKind::gtid || ev.type_code == 163 || ev.type_code == 35;
  std::string& out = sink.begin();
  head(out, ev, file, type_of(ev), own_gtid ? ev.gtid : current_gtid);
  switch (ev.kind) {
    case EventKind::query:
      out += ",\"schema\":";
      append_optional_string(out, ev.schema);
      if (ev.query_kind == QueryKind::other || ev.query_kind == QueryKind::xa) {
        out += ",\"sql\":";
        append_json_string(out, ev.sql);
      }
      break;
    case EventKind::annotate:
      out += ",\"sql\":";
      append_json_string(out, ev.sql);
      break;
    case EventKind::rotate:
    case EventKind::heartbeat:
      out += ",\"next_file\":";
      append_json_string(out, ev.next_file);
      out += ",\"next_pos\":";
      append_uint(out, ev.next_pos);
      break;
    case EventKind::format_description:
      out += ",\"server_version\":";
      append_json_string(out, ev.server_version);
      break;
    case EventKind::xid:
      out += ",\"xid\":";
      append_uint(out, ev.xid);
      break;
    case EventKind::table_map:
    case EventKind::rows:  // rows of a table the caller did not want
      append_table(out, ev.table_map.get());
      break;
    default:
      break;
  }
  append_fields(out, ev.fields);
  out.push_back('}');
  sink.end();
}

}  // namespace

void event_to_json(const Event& ev, const std::string& file, const std::string& current_gtid, const Emit& emit) {
  std::string out, prefix;
  LineSink sink{out, &emit};
  write_event(ev, file, current_gtid, sink, prefix);
}

void EventJsonWriter::write(const Event& ev, const Emit& emit) {
  if (ev.kind == EventKind::gtid) {
    current_gtid_ = ev.gtid;
    in_transaction_ = false;
  }
  LineSink sink{line_, &emit};
  write_event(ev, file_, current_gtid_, sink, prefix_);
  after(ev);
}

void EventJsonWriter::append(const Event& ev, std::string& out) {
  if (ev.kind == EventKind::gtid) {
    current_gtid_ = ev.gtid;
    in_transaction_ = false;
  }
  LineSink sink{out, nullptr};
  write_event(ev, file_, current_gtid_, sink, prefix_);
  after(ev);
}

void EventJsonWriter::after(const Event& ev) {
  bool ends = false;
  if (ev.kind == EventKind::xid || ev.kind == EventKind::xa_prepare) ends = true;
  if (ev.kind == EventKind::query) {
    if (ev.query_kind == QueryKind::begin) in_transaction_ = true;
    else if (ev.query_kind == QueryKind::commit || ev.query_kind == QueryKind::rollback) ends = true;
    else if (!in_transaction_) ends = true;  // DDL outside BEGIN/COMMIT is its own transaction
  }
  if (ev.kind == EventKind::transaction_payload)
    for (const Event& inner : ev.nested) after(inner);
  if (ends) {
    current_gtid_.clear();
    in_transaction_ = false;
  }
}

}  // namespace mysql_sync
