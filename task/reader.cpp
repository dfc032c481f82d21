#include "task/reader.h"

#include <sys/eventfd.h>
#include <unistd.h>

#include <chrono>
#include <cstring>

#include "common/helper_thread.h"
#include "source/binlog_stream.h"
#include "source/gtid_set.h"
#include "binlog/decoder.h"
#include "binlog/event_types.h"
#include "common/errors.h"
#include "ddl/ddl_parser.h"
#include "task/commit_time.h"
#include "ddl/ddl_guard.h"
#include "task/runtime.h"
#include "task/spill.h"

namespace mysql_sync {
namespace {

constexpr uint8_t kMariadbGtidEvent = 162;
constexpr uint16_t kIgnorableFlag = 0x80;  // LOG_EVENT_IGNORABLE_F: a replica may skip it

// The event types a stream may carry: those the decoder decodes, and those that change nothing in
// row-based replication. Any other type stops the task (the load events of MySQL before 5.0,
// pre-GA rows, types of later servers) unless it is flagged ignorable. Statement-based LOAD DATA
// of 5.0 and later streams: its EXECUTE_LOAD_QUERY reaches the DDL planner as a statement (which
// stops the task when it names a synced table), and BEGIN_LOAD_QUERY, APPEND_BLOCK and DELETE_FILE
// only carry or drop the loaded file's bytes.
bool streamable(uint8_t type) {
  using namespace event_type;
  if (type >= annotate_rows && type <= delete_rows_compressed) return type != start_encryption;
  if (type < query || type > gtid_tagged) return false;
  constexpr uint8_t kLoad = 6, kSlave = 7, kCreateFile = 8, kExecLoad = 10, kNewLoad = 12;  // before 5.0
  const bool old_load =
      type == kLoad || type == kSlave || type == kCreateFile || type == kExecLoad || type == kNewLoad;
  const bool pre_ga_rows = type >= pre_ga_write_rows && type <= pre_ga_delete_rows;
  return !old_load && !pre_ga_rows && type != incident;
}

// What the reader decodes of the events before a start position it reads only to learn the GTIDs.
bool learning_event(uint8_t type) {
  using namespace event_type;
  return type == format_description || type == rotate || type == previous_gtids || type == gtid ||
         type == gtid_tagged;
}

// Refuses what the task cannot apply: an unknown or unsupported event type, and an INCIDENT
// (the source says that changes are missing from its binlog).
void check_event_type(const Event& ev, const std::string& file, uint64_t offset) {
  if (ev.type_code != event_type::incident && (streamable(ev.type_code) || (ev.flags & kIgnorableFlag)))
    return;
  const std::string where = file + ":" + std::to_string(offset);
  if (ev.type_code == event_type::incident)
    throw SyncError(
        "55000",
        "the source logged an INCIDENT event at binlog " + where +
            ": changes may be missing from its binlog after this point",
        "The target may lack changes the source made: copy the tables again (resync_table), or start "
        "from a fresh copy with drop_sync and start_sync(..., existing_tables => 'clear').");
  throw SyncError(
      "0A000",
      "binlog event type " + std::to_string(ev.type_code) + " (" + ev.name + ") at binlog " + where +
          " is not supported",
      "A server feature that writes this event is in use (the load events of MySQL before 5.0, the "
      "rows events of 5.1 before 5.1.18, or a type newer than this version knows); please report it "
      "with the output of mysql-sync-binlog --start-pos on that file.");
}

// The source's GTID set or position as the stream goes: the applied one, every file's
// PREVIOUS_GTIDS / GTID_LIST, every transaction's GTID. A binlog that changes flavour (a MySQL
// datadir continued by MariaDB) starts a set of the new flavour. The text is made once per change
// (a transaction's end, then the positions after it, share it).
class GtidTracker {
 public:
  explicit GtidTracker(const std::string& start) : set_(GtidSet::parse(start)), text_(set_.to_string()) {}
  void add(const std::string& gtid) {
    if (gtid.empty()) return;  // anonymous (gtid_mode OFF)
    restart_on_new_flavour(gtid);
    set_.add(gtid);
    text_valid_ = false;
  }
  void merge(const std::string& set) {
    if (set.empty()) return;
    restart_on_new_flavour(set);
    set_.merge(GtidSet::parse(set));
    text_valid_ = false;
  }
  bool empty() const { return set_.empty(); }
  const std::string& text() {
    if (!text_valid_) text_ = set_.to_string();
    text_valid_ = true;
    return text_;
  }

 private:
  void restart_on_new_flavour(const std::string& text) {
    if (!set_.empty() && GtidSet::flavor_of(text) != set_.flavor()) set_ = GtidSet();
  }
  GtidSet set_;
  std::string text_;
  bool text_valid_ = true;
};

std::string table_key(const std::string& db, const std::string& table) {
  return db + '\0' + table;
}

int64_t now_us() {
  return std::chrono::duration_cast<std::chrono::microseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace

Reader::Reader(ReaderConfig config)
    : config_(std::move(config)), queue_(config_.queue_capacity), recycled_(config_.queue_capacity) {
  for (uint32_t i = 0; i < config_.tables.size(); i++) {
    table_index_[table_key(config_.tables[i].schema, config_.tables[i].name)] = i;
    synced_databases_[config_.tables[i].schema] = true;
  }
  position_ = config_.start;
  wake_fd_ = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  if (wake_fd_ < 0) throw SyncError("58000", std::string("eventfd: ") + std::strerror(errno));
}

Reader::~Reader() {
  stop();
  SourceItem* item;
  while (queue_.pop(item)) delete item;
  while (recycled_.pop(item)) delete item;
  if (wake_fd_ >= 0) close(wake_fd_);
}

void Reader::start() {
  thread_ = start_helper_thread([this] { run(); },
                                [this](const char* what) {
                                  std::lock_guard<std::mutex> lock(escaped_mutex_);
                                  escaped_ = what;
                                  escaped_flag_.store(true);
                                });
}

void Reader::stop() {
  stopping_.store(true);
  {
    std::lock_guard<std::mutex> lock(stream_mutex_);
    if (stream_ != nullptr) stream_->interrupt();
  }
  space_available_.notify_all();
  if (thread_.joinable()) thread_.join();
}

std::unique_ptr<SourceItem> Reader::pop() {
  if (popped_bytes_ != 0) {
    held_bytes_.fetch_sub(popped_bytes_);
    popped_bytes_ = 0;
  }
  SourceItem* item = nullptr;
  bool got = queue_.pop(item);
  if (!got && escaped_flag_.load()) {
    // The thread ended on an error it could not hand over itself (reader.h, escaped_).
    auto failure = std::make_unique<SourceItem>();
    failure->kind = SourceItem::Kind::failure;
    failure->end = position_;
    failure->sqlstate = "XX000";
    std::lock_guard<std::mutex> lock(escaped_mutex_);
    failure->message = "mysql_sync reader thread ended: " + escaped_;
    escaped_flag_.store(false);
    return failure;
  }
  if (got) popped_bytes_ = int64_t(item->bytes);
  // Pairs with the fence in wait_for_space: either we see the reader waiting, or it sees the
  // space we just made.
  std::atomic_thread_fence(std::memory_order_seq_cst);
  if (reader_waiting_.load(std::memory_order_relaxed) && below_low_water()) {
    std::lock_guard<std::mutex> lock(space_mutex_);
    space_available_.notify_one();
  }
  return got ? std::unique_ptr<SourceItem>(item) : nullptr;
}

void Reader::recycle(std::unique_ptr<SourceItem> item) {
  if (!item) return;
  // Full (the reader is stuck in a read while the main thread ran through many items): free here.
  if (item->spill || !recycled_.push(item.get())) return;
  item.release();
}

void Reader::free_recycled() {
  recycled_.consume_all([](SourceItem* item) { delete item; });
}

bool Reader::has_space(int64_t incoming_bytes) const {
  if (queue_.write_available() == 0) return false;
  if (config_.max_memory == 0) return true;
  // Memory bound: the items queued or being applied may hold half of max_memory. One item always
  // goes (an item is at most a quarter: larger transactions spill).
  int64_t held = held_bytes_.load();
  return held == 0 || held + incoming_bytes <= int64_t(config_.max_memory / 2);
}

bool Reader::below_low_water() const {
  if (queue_.read_available() > config_.queue_capacity / 2) return false;
  return config_.max_memory == 0 || held_bytes_.load() <= int64_t(config_.max_memory / 4);
}

void Reader::wait_for_space(int64_t incoming_bytes) {
  free_recycled();
  while (!has_space(incoming_bytes) && !stopping_.load()) {
    std::unique_lock<std::mutex> lock(space_mutex_);
    reader_waiting_.store(true);
    std::atomic_thread_fence(std::memory_order_seq_cst);
    // The timeout is only a safety net; the main thread wakes us at the low-water mark.
    space_available_.wait_for(lock, std::chrono::milliseconds(50), [&] {
      return stopping_.load() || below_low_water() ||
             (held_bytes_.load() == 0 && queue_.write_available() > 0);
    });
    reader_waiting_.store(false);
    free_recycled();
  }
}

bool Reader::prepare_to_wait() {
  main_waiting_.store(true, std::memory_order_seq_cst);
  std::atomic_thread_fence(std::memory_order_seq_cst);
  if (queue_.read_available() > 0) {
    main_waiting_.store(false);
    return false;
  }
  return true;
}

void Reader::done_waiting() {
  main_waiting_.store(false);
}

void Reader::drain_wake_fd() {
  uint64_t value;
  while (read(wake_fd_, &value, sizeof value) > 0) {
  }
}

void Reader::push(std::unique_ptr<SourceItem> item) {
  wait_for_space(int64_t(item->bytes));
  if (stopping_.load()) return;
  held_bytes_.fetch_add(int64_t(item->bytes));
  SourceItem* raw = item.release();
  if (!queue_.push(raw)) {  // cannot happen: has_space saw room, and this is the only producer
    held_bytes_.fetch_sub(int64_t(raw->bytes));
    delete raw;
    throw SyncError("XX000", "mysql_sync reader: queue unexpectedly full");
  }
  std::atomic_thread_fence(std::memory_order_seq_cst);
  if (main_waiting_.load(std::memory_order_seq_cst)) {
    uint64_t one = 1;
    ssize_t ignored = write(wake_fd_, &one, sizeof one);
    (void)ignored;
  }
}

void Reader::fail(const std::string& sqlstate, const std::string& message, const std::string& hint,
                  bool transient) {
  auto item = std::make_unique<SourceItem>();
  item->kind = SourceItem::Kind::failure;
  item->end = position_;
  item->sqlstate = sqlstate;
  item->message = message;
  item->hint = hint;
  item->transient = transient;
  push(std::move(item));
}

void Reader::track(const DdlEffect& effect) {
  if (effect.kind == DdlEffect::Kind::enter) return;  // joins through a backfill and a new reader
  const TrackedTable& after = effect.after;
  if (effect.table < config_.tracked.size()) {
    const TrackedTable& before = config_.tracked[effect.table];
    auto it = table_index_.find(table_key(before.model.schema, before.model.name));
    if (it != table_index_.end() && it->second == effect.table) table_index_.erase(it);
    config_.tracked[effect.table] = after;
  } else {
    config_.tracked.push_back(after);
    config_.tables.emplace_back();
  }
  ReaderTable& table = config_.tables[effect.table];
  table.schema = after.model.schema;
  table.name = after.model.name;
  table.shape = after.model.shape();
  if (after.active) {
    table_index_[table_key(table.schema, table.name)] = effect.table;
    synced_databases_[table.schema] = true;
  }
}

bool Reader::plan_query(const std::string& sql, const std::string& schema, const BinlogPosition& at,
                        std::vector<DdlPlan>& plans) {
  auto is_synced = [this](const std::string& db, const std::string& table) {
    return table_index_.count(table_key(db, table)) > 0;
  };
  auto db_synced = [this](const std::string& db) { return synced_databases_.count(db) > 0; };
  std::vector<DdlStatement> statements;
  try {
    statements = parse_statements(sql, schema);
  } catch (const SyncError& e) {
    // A table statement the parser cannot read: harmless unless it names one of our tables.
    std::string touched = synced_table_in_statement(sql, schema, is_synced, db_synced);
    if (touched.empty()) return true;
    plans.push_back(unsupported_statement(
        sql, "0A000", "statement on synced table " + touched + " cannot be parsed (" + e.what() + ")",
        "Apply the change to the PostgreSQL table by hand, then resync_table the table; please report the "
        "statement."));
    return false;
  }
  ObjectPatterns patterns(config_.patterns);
  DdlContext context;
  context.patterns = &patterns;
  context.names = &config_.names;
  context.policies = &config_.policies;
  context.table_keys = &config_.table_keys;
  context.approved = !config_.approved_ddl.file.empty() && config_.approved_ddl.file == at.file &&
                     config_.approved_ddl.pos == at.pos;
  for (const DdlStatement& statement : statements) {
    std::optional<DdlPlan> plan = plan_statement(config_.tracked, statement, context, ghosts_);
    if (!plan) continue;
    if (plan->decision == DdlPolicy::pause || plan->decision == DdlPolicy::fail) {
      plans.push_back(std::move(*plan));
      return false;
    }
    for (const DdlEffect& effect : plan->effects) track(effect);
    plans.push_back(std::move(*plan));
  }
  return true;
}

void Reader::run() {
  try {
    stream_once();
  } catch (const SourceError& e) {
    if (!stopping_.load()) fail(e.sqlstate(), e.what(), e.hint(), e.transient());
  } catch (const SyncError& e) {
    if (!stopping_.load()) fail(e.sqlstate(), e.what(), e.hint(), false);
  } catch (const std::exception& e) {
    if (!stopping_.load()) fail("XX000", e.what(), "", false);
  } catch (...) {
    if (!stopping_.load()) fail("XX000", "unknown exception in the reader thread", "", false);
  }
}

// Streams until stopped or an error is thrown. A transaction is handed over only when complete.
void Reader::stream_once() {
  DecoderOptions options;
  options.invalid_dates = config_.invalid_dates;
  options.want_rows = [this](const TableMap& map) {
    return table_index_.count(table_key(map.schema, map.table)) > 0;
  };
  options.shape_of = [this](const std::string& db, const std::string& table) -> const TableShape* {
    auto it = table_index_.find(table_key(db, table));
    return it == table_index_.end() ? nullptr : &config_.tables[it->second].shape;
  };
  Decoder decoder(options);

  StreamStart start;
  start.position = config_.start;
  start.server_id = config_.server_id;
  start.heartbeat_seconds = config_.heartbeat_seconds;
  start.report_host = config_.report_host;
  start.report_port = config_.report_port;
  start.replica_uuid = config_.replica_uuid;
  BinlogStream stream(config_.uri, start);
  const StreamPlan& plan = stream.plan();
  {
    std::lock_guard<std::mutex> lock(stream_mutex_);
    stream_ = &stream;
  }
  struct Detach {
    Reader* self;
    ~Detach() {
      std::lock_guard<std::mutex> lock(self->stream_mutex_);
      self->stream_ = nullptr;
    }
  } detach{this};
  if (stopping_.load()) return;

  std::string file = config_.start.file;
  GtidTracker gtids(config_.start.gtid.empty() ? plan.start_gtid : config_.start.gtid);
  // A GTID dump (or a start that reads a file from its beginning to learn its GTIDs) opens with a
  // ROTATE to a file's start, before the resume point: not a position of ours. The position is
  // known again from the first transaction (or heartbeat) on.
  bool position_known = !plan.by_gtid && plan.learn_gtids_before == 0;
  std::unique_ptr<SourceItem> txn;     // the open transaction, if any
  std::unique_ptr<SpillWriter> spill;  // the open transaction's spill file, once it outgrew memory
  const size_t spill_at = config_.max_memory / 4;  // 0 = never
  bool txn_began = false;  // inside BEGIN ... COMMIT/XID (MariaDB's non-standalone GTID implies BEGIN)
  TableMapPtr cached_map;  // held, so that a new map can never reuse its address
  uint32_t cached_index = 0;

  auto close_txn = [&](const Event& ev) {
    if (!txn) txn = std::make_unique<SourceItem>();
    if (spill) {
      txn->spill = spill->finish();
      spill.reset();
    }
    txn->end.file = file;
    txn->end.pos = ev.end_pos;
    txn->end.gtid = gtids.text();
    txn->bytes += txn->end.gtid.size();  // a MySQL set of many servers' UUIDs is long
    position_known = true;
    if (txn->source_time_us == 0) txn->source_time_us = commit_time_us(ev.timestamp, now_us());
    txn->kind = txn->changes.empty() && !txn->spill && txn->ddl.empty() ? SourceItem::Kind::position
                                                                        : SourceItem::Kind::transaction;
    position_ = txn->end;
    push(std::move(txn));
    txn.reset();
    txn_began = false;
  };

  std::function<void(Event&)> handle = [&](Event& ev) {
    switch (ev.kind) {
      case EventKind::rotate:
        // A real ROTATE (artificial ones have no timestamp) dates the end of the file it closes.
        if (ev.timestamp != 0 && config_.on_file_closed) config_.on_file_closed(file, ev.timestamp);
        file = ev.next_file;
        if (!txn && position_known) {
          auto item = std::make_unique<SourceItem>();
          item->kind = SourceItem::Kind::position;
          item->end = BinlogPosition{file, ev.next_pos, gtids.text()};
          position_ = item->end;
          push(std::move(item));
        }
        decoder.reset_tables();
        cached_map.reset();
        break;
      case EventKind::gtid:
        spill.reset();
        txn = std::make_unique<SourceItem>();
        txn->kind = SourceItem::Kind::transaction;
        if (ev.commit_timestamp_us) txn->source_time_us = int64_t(ev.commit_timestamp_us);
        gtids.add(ev.gtid);
        txn_began = ev.type_code == kMariadbGtidEvent && !ev.gtid_standalone;
        break;
      case EventKind::query:
        if (ev.query_kind == QueryKind::begin) {
          if (!txn) txn = std::make_unique<SourceItem>();
          txn_began = true;
        } else if (ev.query_kind == QueryKind::commit) {
          close_txn(ev);
        } else if (ev.query_kind == QueryKind::rollback) {
          // A rolled back transaction of non-transactional statements: nothing to apply.
          if (txn) {
            txn->changes.clear();
            txn->bytes = 0;
          }
          spill.reset();
          close_txn(ev);
        } else {
          if (!txn) txn = std::make_unique<SourceItem>();
          bool go_on = plan_query(ev.sql, ev.schema, BinlogPosition{file, ev.end_pos, ""}, txn->ddl);
          if (!go_on) {
            // Pause or fail: the worker applies what came before and stops at this statement.
            txn->kind = SourceItem::Kind::transaction;
            txn->changes.clear();
            txn->spill.reset();
            txn->end = BinlogPosition{file, ev.end_pos, gtids.text()};
            push(std::move(txn));
            stopping_.store(true);
            return;
          }
          if (!txn->ddl.empty()) cached_map.reset();  // shapes changed
          // A statement outside BEGIN (a DDL) is a transaction of its own.
          if (!txn_began) close_txn(ev);
        }
        break;
      case EventKind::xid:
        close_txn(ev);
        break;
      case EventKind::rows: {
        if (!ev.rows || !ev.rows->table) break;
        if (!txn) txn = std::make_unique<SourceItem>();
        RowsData& rows = *ev.rows;
        const TableMap* map = rows.table.get();
        if (rows.table != cached_map) {
          auto it = table_index_.find(table_key(map->schema, map->table));
          if (it == table_index_.end()) break;
          std::string drift = schema_drift(*map, config_.tracked[it->second].model);
          if (!drift.empty())
            throw SyncError(
                "55000",
                "schema drift on " + map->schema + "." + map->table + " at binlog position " + file + ":" +
                    std::to_string(ev.pos) + ": " + drift,
                "The source table changed in a way the task did not see (a DDL outside the binlog, "
                "or one it could not follow): SELECT mysql_sync.resync_table('task', '" +
                    map->schema + "." + map->table + "');");
          cached_map = rows.table;
          cached_index = it->second;
        }
        size_t count = rows.op == RowOp::insert ? rows.after.size() : rows.before.size();
        for (size_t r = 0; r < count; r++) {
          TableChange change;
          change.op = rows.op;
          change.table = cached_index;
          if (r == 0) change.invalid_values = rows.invalid_values;
          if (rows.op != RowOp::insert) change.before = std::move(rows.before[r]);
          if (rows.op != RowOp::remove) change.after = std::move(rows.after[r]);
          if (spill) {
            spill->append(change);
            continue;
          }
          txn->bytes += change_bytes(change);
          txn->changes.push_back(std::move(change));
          if (spill_at != 0 && txn->bytes > spill_at) {
            // Too large to hold: this and the rest of the transaction go to a file.
            spill = std::make_unique<SpillWriter>(config_.spill_dir);
            for (const TableChange& held : txn->changes) spill->append(held);
            std::vector<TableChange>().swap(txn->changes);
            txn->bytes = 0;
          }
        }
        break;
      }
      case EventKind::heartbeat:
        if (!txn) {
          auto item = std::make_unique<SourceItem>();
          item->kind = SourceItem::Kind::heartbeat;
          item->end = position_;
          if (!position_known && !ev.next_file.empty()) {
            // Everything before the source's position is sent or in our GTID set.
            position_ = item->end = BinlogPosition{ev.next_file, ev.next_pos, gtids.text()};
            position_known = true;
          } else if (!ev.next_file.empty() && ev.next_file == position_.file && ev.next_pos > position_.pos) {
            item->end.pos = ev.next_pos;
          }
          item->source_time_us = now_us();
          push(std::move(item));
        }
        break;
      case EventKind::transaction_payload:
        for (Event& nested : ev.nested) {
          check_event_type(nested, file, nested.pos);
          handle(nested);
        }
        break;
      default:
        // MySQL's PREVIOUS_GTIDS and MariaDB's GTID_LIST open each file with the set before it.
        if (ev.type_code == event_type::previous_gtids || ev.type_code == event_type::gtid_list)
          gtids.merge(ev.gtid);
        break;
    }
  };

  const uint8_t* data = nullptr;
  size_t size = 0;
  Event ev;  // decoded into again and again: its buffers are reused
  while (!stopping_.load() && stream.next(data, size)) {
    last_event_at_us_.store(now_us(), std::memory_order_relaxed);
    uint64_t end = size >= 17 ? (uint64_t(data[13]) | uint64_t(data[14]) << 8 | uint64_t(data[15]) << 16 |
                                 uint64_t(data[16]) << 24)
                              : 0;
    uint64_t offset = end >= size ? end - size : 0;
    if (offset < plan.learn_gtids_before && !learning_event(data[4])) continue;
    try {
      decoder.decode(data, size, offset, ev);
    } catch (const ValueError& e) {
      throw ValueError(std::string(e.what()) + " (binlog " + file + ":" + std::to_string(offset) + ")",
                       e.sqlstate());
    } catch (const DecodeError& e) {
      throw SyncError(e.sqlstate(), std::string(e.what()) + " in binlog " + file,
                      "The event cannot be decoded; please report it with the output of "
                      "mysql-sync-binlog --start-pos on that file.");
    }
    check_event_type(ev, file, offset);
    if (offset < plan.learn_gtids_before) {
      // Before the start position: only the file's name and GTIDs count.
      if (ev.kind == EventKind::rotate) file = ev.next_file;
      if (ev.kind == EventKind::gtid) gtids.add(ev.gtid);
      if (ev.type_code == event_type::previous_gtids) gtids.merge(ev.gtid);
      continue;
    }
    handle(ev);
  }
}

}  // namespace mysql_sync
