// The task worker: initial sync if needed, then the apply loop. The reader thread decodes; this,
// the main thread, applies through SPI in transactions that also store the binlog position.
#include "bgworker/worker.h"

#include "bgworker/apply.h"
#include "bgworker/backfill.h"
#include "bgworker/catalog.h"
#include "bgworker/ddl_apply.h"
#include "bgworker/initial_sync.h"
#include "bgworker/shmem.h"
#include "task/spill.h"
#include "bgworker/table_requests.h"
#include "bgworker/verify_pause.h"
#include "extension/bridge.h"
#include "extension/guc.h"

extern "C" {
#include "access/xact.h"
#include "executor/spi.h"
#include "pgstat.h"
#include "postmaster/bgworker.h"
#include "postmaster/interrupt.h"
#include "storage/ipc.h"
#include "storage/latch.h"
#include "tcop/tcopprot.h"
#include "miscadmin.h"
#include "utils/guc.h"
#include "utils/snapmgr.h"
#include "utils/timestamp.h"
}

using mysql_sync::SourceItem;

WorkerTask worker_task;

namespace {

constexpr long kBatchMaxMs = 500;    // a batch commits at least this often
constexpr long kIdleStoreMs = 1000;  // a position-only advance is stored after this much idle time
constexpr long kWaitMs = 1000;

// The batch being applied: several source transactions in one PostgreSQL transaction.
struct Batch {
  bool open;
  int64 changes;
  int64 transactions;
  TimestampTz opened_at;
  TimestampTz source_time;  // commit time of the last source transaction in it
  int64* table_changes;     // per table
  int64* table_invalid;
};

Batch batch;
const mysql_sync::BinlogPosition* last_end = nullptr;  // &runtime->last_end
bool position_dirty = false;                           // last_end is ahead of the stored position
bool caught_up = false;

TimestampTz from_unix_us(int64 us) {
  return (TimestampTz)(us -
                       ((int64)(POSTGRES_EPOCH_JDATE - UNIX_EPOCH_JDATE) * SECS_PER_DAY * USECS_PER_SEC));
}

// ---- source monitor (bytes_behind, binlog_retention_left) ----
// Runs on the monitor's thread: atomic stores into our slot only, no PostgreSQL call.
void publish_monitor_figures(const mysql_sync::MonitorFigures& figures) {
  TaskSlot* slot = &sync_shared->slots[worker_task.slot];
  const auto& bytes = figures.bytes_behind;
  const auto& retention = figures.retention_left_seconds;
  pg_atomic_write_u64(&slot->bytes_behind, bytes ? (uint64)*bytes : kUnknownFigure);
  pg_atomic_write_u64(&slot->retention_left_s, retention ? (uint64)*retention : kUnknownFigure);
}

void start_monitor(void) {
  mysql_sync::TaskRuntime* runtime = worker_task.runtime;
  double poll_seconds = mysql_sync_monitor_interval_ms / 1000.0;
  MYSQL_SYNC_CXX(worker_task.label, runtime->start_monitor(poll_seconds, publish_monitor_figures));
}

// Tells the monitor the applied position; logs a new monitor failure once (the task goes on).
void feed_monitor(void) {
  mysql_sync::TaskRuntime* runtime = worker_task.runtime;
  if (!runtime->monitor || last_end == nullptr) return;
  char* error = nullptr;
  MYSQL_SYNC_CXX(worker_task.label, {
    runtime->monitor->set_applied(*last_end);
    std::string e = runtime->monitor->take_new_error();
    if (!e.empty()) error = strdup(e.c_str());
  });
  if (error == nullptr) return;
  ereport(LOG, (errmsg("mysql_sync task \"%s\": the source monitor cannot read the source's binlog status "
                       "(bytes_behind and binlog_retention_left stay unknown; the task goes on): %s",
                       worker_task.name, error)));
  free(error);
}
// ---- end source monitor ----

void update_slot(bool after_commit) {
  TaskSlot* slot = &sync_shared->slots[worker_task.slot];
  int64 last_event_us = 0;
  mysql_sync::TaskRuntime* runtime = worker_task.runtime;
  feed_monitor();
  if (runtime->reader) last_event_us = runtime->reader->last_event_at_us();
  SpinLockAcquire(&sync_shared->mutex);
  if (after_commit) {
    strlcpy(slot->source_file, last_end->file.c_str(), kFileNameSize);
    slot->source_pos = (int64)last_end->pos;
    slot->changes_applied += batch.changes;
    slot->transactions_applied += batch.transactions;
    if (batch.source_time != 0 && batch.source_time > slot->applied_source_time)
      slot->applied_source_time = batch.source_time;
  }
  if (last_event_us) slot->last_event_at = from_unix_us(last_event_us);
  SpinLockRelease(&sync_shared->mutex);
}

void set_applied_time(TimestampTz t) {
  TaskSlot* slot = &sync_shared->slots[worker_task.slot];
  SpinLockAcquire(&sync_shared->mutex);
  if (t > slot->applied_source_time) slot->applied_source_time = t;
  SpinLockRelease(&sync_shared->mutex);
}

void open_batch(void) {
  begin_catalog_transaction();
  batch.open = true;
  batch.changes = 0;
  batch.transactions = 0;
  batch.source_time = 0;
  batch.opened_at = GetCurrentTimestamp();
  size_t tables = worker_task.runtime->tables.size();
  memset(batch.table_changes, 0, sizeof(int64) * tables);
  memset(batch.table_invalid, 0, sizeof(int64) * tables);
}

// The task's state while streaming: full_load until the initial load's backfills are done.
const char* stream_state(void) {
  return backfill_loading() ? "full_load" : caught_up ? "streaming" : "catching_up";
}

// The stream is caught up (everything received is applied): streaming, unless still loading.
void note_caught_up(bool save) {
  if (caught_up || backfill_loading()) return;
  caught_up = true;
  set_live_state("streaming");
  if (save) save_task_state("streaming", nullptr);
}

// Stores the position with the batch's changes and commits.
void commit_batch(void) {
  if (!batch.open) begin_catalog_transaction();
  apply_batch_end();
  const char* state = stream_state();
  if (!store_position(state, *last_end, batch.source_time, batch.changes, batch.transactions, 0)) {
    ereport(LOG, (errmsg("mysql_sync task \"%s\" was dropped; worker exits", worker_task.name)));
    AbortCurrentTransaction();
    proc_exit(0);
  }
  for (size_t i = 0; i < worker_task.runtime->tables.size(); i++)
    if (batch.table_changes[i] || batch.table_invalid[i])
      add_table_counters((int)i, batch.table_changes[i], batch.table_invalid[i], 0, nullptr);
  backfill_keep_detail();
  end_catalog_transaction();
  update_slot(true);
  batch.open = false;
  batch.changes = 0;
  batch.transactions = 0;
  batch.source_time = 0;
  position_dirty = false;
  pgstat_report_activity(STATE_IDLE, nullptr);
}

}  // namespace

void resize_batch_counters(void) {
  size_t tables = worker_task.runtime->tables.size();
  if (batch.table_changes) pfree(batch.table_changes);
  if (batch.table_invalid) pfree(batch.table_invalid);
  batch.table_changes =
      static_cast<int64*>(MemoryContextAllocZero(TopMemoryContext, sizeof(int64) * (tables + 1)));
  batch.table_invalid =
      static_cast<int64*>(MemoryContextAllocZero(TopMemoryContext, sizeof(int64) * (tables + 1)));
}

namespace {

void apply_changes(const std::vector<mysql_sync::TableChange>& changes, const SourceItem* item) {
  for (size_t i = 0; i < changes.size(); i++) {
    const mysql_sync::TableChange& change = changes[i];
    batch.table_invalid[change.table] += change.invalid_values;
    if (!operation_enabled(change.op)) continue;
    // A table being copied (bgworker/backfill.h): its target leniently, or a resync's shadow too.
    BackfillRole role = backfill_role((int)change.table);
    if (role == BackfillRole::held) continue;  // a stale target awaiting its repair
    if (role != BackfillRole::none) backfill_before_change((int)change.table);
    if (role != BackfillRole::shadow_only)
      apply_change(change, item->end, ApplyTo::target, role == BackfillRole::lenient);
    if (role == BackfillRole::with_shadow || role == BackfillRole::shadow_only)
      apply_change(change, item->end, ApplyTo::shadow, true);
    if (role != BackfillRole::none) backfill_note_change(change, item->end);
    batch.changes++;
    batch.table_changes[change.table]++;
  }
}

void apply_transaction(const SourceItem* item) {
  if (!batch.open) open_batch();
  apply_changes(item->changes, item);
  if (item->spill) {
    // A transaction larger than max_memory: read back from its spill file a chunk at a time,
    // all in this one PostgreSQL transaction, which stores the position at its end.
    mysql_sync::TaskRuntime* runtime = worker_task.runtime;
    size_t chunk_bytes = spill_chunk_bytes();
    uint64 spilled = 0, file_kb = 0;
    MYSQL_SYNC_CXX(worker_task.label, {
      spilled = item->spill->changes();
      file_kb = item->spill->file_bytes() / 1024;
    });
    ereport(LOG, (errmsg("mysql_sync task \"%s\": applying a transaction of %llu row changes spilled to a "
                         "temporary file (%llu kB), ending at binlog %s:%llu",
                         worker_task.name, (unsigned long long)spilled, (unsigned long long)file_kb,
                         item->end.file.c_str(), (unsigned long long)item->end.pos)));
    for (;;) {
      bool more = false;
      MYSQL_SYNC_CXX(worker_task.label, more = item->spill->read_chunk(runtime->spill_chunk, chunk_bytes));
      if (!more) break;
      apply_changes(runtime->spill_chunk, item);
      CHECK_FOR_INTERRUPTS();
    }
    MYSQL_SYNC_CXX(worker_task.label, std::vector<mysql_sync::TableChange>().swap(runtime->spill_chunk));
  }
  batch.transactions++;
  if (item->source_time_us) batch.source_time = from_unix_us(item->source_time_us);
}

// Classifies a failure: `stopped` needs a person (data divergence, unsupported DDL, purged binlog,
// access denied); `failed` is retried by the launcher.
const char* failure_state(const char* sqlstate, bool transient) {
  if (transient) return "failed";
  const char* person_classes[] = {"22", "23", "0A", "55", "42", "28"};
  for (const char* cls : person_classes)
    if (strncmp(sqlstate, cls, 2) == 0) return "stopped";
  return "failed";
}

void handle_failure_item(const SourceItem* item) {
  if (batch.open) commit_batch();  // the complete transactions before the failure are kept
  raise_source_failure(item);
}

void stream_changes(void) {
  mysql_sync::TaskRuntime* runtime = worker_task.runtime;
  MYSQL_SYNC_CXX(worker_task.label, {
    mysql_sync::BinlogPosition start;
    start.file = worker_task.source_file ? worker_task.source_file : "";
    start.pos = (uint64_t)worker_task.source_pos;
    start.gtid = worker_task.source_gtid ? worker_task.source_gtid : "";
    runtime->last_end = start;
  });
  start_monitor();
  start_reader(runtime->last_end);
  last_end = &runtime->last_end;
  resize_batch_counters();
  backfill_resume();
  set_live_state(stream_state());
  update_slot(true);
  TimestampTz idle_since = GetCurrentTimestamp();

  for (;;) {
    CHECK_FOR_INTERRUPTS();
    if (ConfigReloadPending) {
      ConfigReloadPending = false;
      ProcessConfigFile(PGC_SIGHUP);
    }

    // Between batches: the backfills' chunks (backfill.h), resync_table / alter_sync (table_requests.h).
    if (!batch.open) {
      backfill_step();
      if (table_requests_waiting() && service_table_requests()) resize_batch_counters();
    }

    SourceItem* item = next_source_item();
    // verify() may be waiting for this task to stand at its source snapshot's position.
    const mysql_sync::BinlogPosition* next_end =
        item && item->kind != SourceItem::Kind::failure ? &item->end : nullptr;
    verify_pause_point(next_end, runtime->last_end, [] {
      if (batch.open || position_dirty) commit_batch();
    });
    if (item == nullptr) {
      // Everything received so far is applied: commit and wait for more.
      if (batch.open) {
        commit_batch();
        note_caught_up(false);
        // Nothing received is left unapplied: the source is seen up to the last receipt.
        set_applied_time(from_unix_us(runtime->reader->last_event_at_us()));
        update_slot(false);
        idle_since = GetCurrentTimestamp();
      } else if (position_dirty &&
                 TimestampDifferenceExceeds(idle_since, GetCurrentTimestamp(), (int)kIdleStoreMs)) {
        commit_batch();
      }
      if (wait_for_source(backfill_wait_ms(kWaitMs))) update_slot(false);
      continue;
    }

    // A DDL is a transaction of its own: the batch before it commits with the position before it
    // (a DDL that pauses the task is then read again when it resumes).
    if (batch.open && item->kind == SourceItem::Kind::transaction && !item->ddl.empty()) commit_batch();
    if (item->kind != SourceItem::Kind::failure)
      MYSQL_SYNC_CXX(worker_task.label, runtime->last_end = item->end);
    switch (item->kind) {
      case SourceItem::Kind::transaction:
        if (!item->ddl.empty()) {
          // A DDL is a transaction of its own on the source: so it is here, with its position (and
          // the rows logged with it, as CREATE TABLE ... SELECT does).
          if (batch.open) commit_batch();
          stop_at_ddl_if_asked(item);
          open_batch();
          apply_ddl_effects(item);
          apply_transaction(item);
          commit_batch();
          break;
        }
        apply_transaction(item);
        if (batch.changes >= mysql_sync_apply_batch_rows ||
            TimestampDifferenceExceeds(batch.opened_at, GetCurrentTimestamp(), (int)kBatchMaxMs))
          commit_batch();
        break;
      case SourceItem::Kind::position:
        position_dirty = true;
        break;
      case SourceItem::Kind::heartbeat:
        if (batch.open || position_dirty) commit_batch();
        note_caught_up(true);
        set_applied_time(from_unix_us(item->source_time_us));
        update_slot(false);
        break;
      case SourceItem::Kind::failure:
        handle_failure_item(item);
        break;
    }
  }
}

MYSQL_SYNC_VOID_ENTRY(worker_exit, ([[maybe_unused]] int code, [[maybe_unused]] Datum arg), (code, arg)) {
  mysql_sync::TaskRuntime* runtime = worker_task.runtime;
  mysql_sync::CapturedError ignored;
  mysql_sync::cxx_call(ignored, [&] {
    if (runtime) runtime->shut_down();
  });
  TaskSlot* slot = &sync_shared->slots[worker_task.slot];
  SpinLockAcquire(&sync_shared->mutex);
  if (slot->pid == MyProcPid) slot->pid = 0;
  SpinLockRelease(&sync_shared->mutex);
}

void run_task(void) {
  if (!load_task() || !worker_task.enabled) {
    ereport(LOG, (errmsg("mysql_sync task \"%s\" is gone or paused; worker exits", worker_task.name)));
    proc_exit(0);
  }
  note_worker_start();
  SetConfigOption("synchronous_commit", "off", PGC_SUSET, PGC_S_OVERRIDE);
  SetConfigOption("session_replication_role", "replica", PGC_SUSET, PGC_S_OVERRIDE);
  // Citus keeps one connection per node between transactions by default; a batch or copied range
  // writes every shard over a connection of its own, which each transaction would open (fork and
  // TLS handshake on the node) again.
  SetConfigOption("citus.max_cached_conns_per_worker", "64", PGC_USERSET, PGC_S_OVERRIDE);

  // No position yet: an initial sync makes one (a GTID position alone, from options.start_position
  // or set_source, is one).
  if (worker_task.source_file == nullptr && worker_task.source_gtid == nullptr) {
    run_initial_sync();
    mysql_sync::BinlogPosition& start = worker_task.runtime->current->end;
    worker_task.source_file = MemoryContextStrdup(TopMemoryContext, start.file.c_str());
    worker_task.source_pos = (int64)start.pos;
    worker_task.source_gtid = MemoryContextStrdup(TopMemoryContext, start.gtid.c_str());
  } else if (count_table_states() == 0) {
    register_tables();  // initial_sync '{}' with options.start_position: no copy, but tables to follow
  } else {
    load_table_states();
    reset_appliers();
  }
  stream_changes();
}

}  // namespace

SourceItem* next_source_item(void) {
  mysql_sync::TaskRuntime* runtime = worker_task.runtime;
  SourceItem* item = nullptr;
  MYSQL_SYNC_CXX(worker_task.label, {
    std::unique_ptr<SourceItem> next = runtime->reader->pop();
    if (next) {
      runtime->reader->recycle(std::move(runtime->current));  // freed on the reader thread
      runtime->current = std::move(next);
      item = runtime->current.get();
    }
  });
  return item;
}

bool wait_for_source(long timeout_ms) {
  mysql_sync::TaskRuntime* runtime = worker_task.runtime;
  bool wait = true;
  MYSQL_SYNC_CXX(worker_task.label, wait = runtime->reader->prepare_to_wait());
  if (!wait) return false;
  pgstat_report_activity(STATE_IDLE, nullptr);
  (void)WaitLatchOrSocket(MyLatch, WL_LATCH_SET | WL_SOCKET_READABLE | WL_TIMEOUT | WL_EXIT_ON_PM_DEATH,
                          runtime->reader->wake_fd(), timeout_ms, PG_WAIT_EXTENSION);
  ResetLatch(MyLatch);
  MYSQL_SYNC_CXX(worker_task.label, {
    runtime->reader->done_waiting();
    runtime->reader->drain_wake_fd();
  });
  return true;
}

void raise_source_failure(const SourceItem* item) {
  const mysql_sync::BinlogPosition& applied = worker_task.runtime->last_end;
  const char* state = failure_state(item->sqlstate.c_str(), item->transient);
  const char* s = item->sqlstate.c_str();
  // A hint may say <task> where the task's name belongs (the source side does not know it).
  StringInfoData hint_text;
  initStringInfo(&hint_text);
  for (const char *rest = item->hint.c_str(), *at; *rest != '\0'; rest = at + strlen("<task>")) {
    at = strstr(rest, "<task>");
    if (at == nullptr) {
      appendStringInfoString(&hint_text, rest);
      break;
    }
    appendBinaryStringInfo(&hint_text, rest, (int)(at - rest));
    appendStringInfoString(&hint_text, worker_task.name);
  }
  const char* hint = hint_text.data;
  ereport(ERROR, (errcode(MAKE_SQLSTATE(s[0], s[1], s[2], s[3], s[4])),
                  errmsg("mysql_sync task \"%s\": %s", worker_task.name, item->message.c_str()),
                  hint[0] == '\0' ? 0 : errhint("%s", hint),
                  errdetail("state %s; last applied binlog position %s:%llu", state, applied.file.c_str(),
                            (unsigned long long)applied.pos)));
  pg_unreachable();
}

void start_reader(const mysql_sync::BinlogPosition& start) {
  mysql_sync::TaskRuntime* runtime = worker_task.runtime;
  size_t queue_capacity = (size_t)mysql_sync_queue_capacity;
  size_t max_memory = (size_t)mysql_sync_max_memory_kb * 1024;
  const char* data_dir = DataDir;  // the reader thread spills to PostgreSQL's temp file directory
  MYSQL_SYNC_CXX(worker_task.label, {
    runtime->make_reader(start, queue_capacity, max_memory, std::string(data_dir) + "/base/pgsql_tmp");
    runtime->reader->start();
  });
}

mysql_sync::SyncTable* task_table(int index) noexcept {
  return worker_task.runtime->tables.data() + index;
}

bool operation_enabled(mysql_sync::RowOp op) {
  return op == mysql_sync::RowOp::insert   ? worker_task.apply_insert
         : op == mysql_sync::RowOp::update ? worker_task.apply_update
                                           : worker_task.apply_delete;
}

size_t spill_chunk_bytes(void) {
  return Min((size_t)mysql_sync_max_memory_kb * 1024 / 8, (size_t)16 * 1024 * 1024);
}

void set_live_state(const char* state) {
  TaskSlot* slot = &sync_shared->slots[worker_task.slot];
  SpinLockAcquire(&sync_shared->mutex);
  strlcpy(slot->state, state, kStateSize);
  SpinLockRelease(&sync_shared->mutex);
  pgstat_report_activity(STATE_RUNNING, state);
}

MYSQL_SYNC_VOID_ENTRY(mysql_sync_worker_main, (Datum arg), (arg)) {
  memset(&worker_task, 0, sizeof worker_task);
  worker_task.failing_table = -1;
  worker_task.slot = DatumGetInt32(arg);
  strlcpy(worker_task.name, MyBgworkerEntry->bgw_extra, sizeof worker_task.name);
  snprintf(worker_task.label, sizeof worker_task.label, "mysql_sync task \"%s\"", worker_task.name);

  pqsignal(SIGHUP, SignalHandlerForConfigReload);
  pqsignal(SIGTERM, die);
  BackgroundWorkerUnblockSignals();

  TaskSlot* slot = &sync_shared->slots[worker_task.slot];
  SpinLockAcquire(&sync_shared->mutex);
  bool ours = slot->in_use && strcmp(slot->task, worker_task.name) == 0;
  bool duplicate = ours && slot->pid != 0 && slot->pid != MyProcPid && kill(slot->pid, 0) == 0;
  if (ours && !duplicate) {
    slot->pid = MyProcPid;
    slot->state[0] = '\0';
    slot->rows_copied = 0;
    slot->copy_rate = CopyRate();
    slot->copy_table[0] = '\0';
    slot->copy_rows_in_flight = 0;
    pg_atomic_write_u64(&slot->bytes_behind, kUnknownFigure);
    pg_atomic_write_u64(&slot->retention_left_s, kUnknownFigure);
  }
  SpinLockRelease(&sync_shared->mutex);
  if (!ours || duplicate) proc_exit(0);

  mysql_sync::CapturedError error;
  if (!mysql_sync::cxx_call(error, [] { worker_task.runtime = new mysql_sync::TaskRuntime(); })) proc_exit(1);
  before_shmem_exit(worker_exit, 0);

  BackgroundWorkerInitializeConnection(mysql_sync_database, nullptr, 0);
  pgstat_report_appname(worker_task.name);

  MemoryContext top = CurrentMemoryContext;
  PG_TRY();
  { run_task(); }
  PG_CATCH();
  {
    MemoryContextSwitchTo(top);
    ErrorData* edata = CopyErrorData();
    EmitErrorReport();
    FlushErrorState();
    AbortOutOfAnyTransaction();
    char sqlstate[6];
    memcpy(sqlstate, unpack_sql_state(edata->sqlerrcode), 6);
    bool transient = false;
    // A reader failure tells whether a retry may help; other errors are classified by SQLSTATE.
    mysql_sync::TaskRuntime* runtime = worker_task.runtime;
    mysql_sync::cxx_call(error, [&] {
      transient = runtime->current && runtime->current->kind == SourceItem::Kind::failure &&
                  runtime->current->transient;
    });
    if (strncmp(sqlstate, "08", 2) == 0) transient = true;
    const char* state = failure_state(sqlstate, transient);
    StringInfoData message;
    initStringInfo(&message);
    appendStringInfoString(&message, edata->message ? edata->message : "unknown error");
    if (edata->context) appendStringInfo(&message, " (%s)", edata->context);
    if (edata->detail) appendStringInfo(&message, " [%s]", edata->detail);
    save_task_failure(state, sqlstate, message.data, edata->hint);
    proc_exit(1);
  }
  PG_END_TRY();
  proc_exit(0);
}
