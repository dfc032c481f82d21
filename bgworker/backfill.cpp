#include "bgworker/backfill.h"

#include "bgworker/apply.h"
#include "bgworker/catalog.h"
#include "bgworker/chunk_write.h"
#include "bgworker/citus.h"
#include "bgworker/initial_sync.h"
#include "bgworker/shmem.h"
#include "bgworker/table_requests.h"
#include "extension/bridge.h"
#include "extension/guc.h"

extern "C" {
#include "access/xact.h"
#include "executor/spi.h"
#include "lib/stringinfo.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/memutils.h"
#include "utils/timestamp.h"
}

using mysql_sync::BackfillKind;
using mysql_sync::SyncTable;
using mysql_sync::TableBackfill;

namespace {

constexpr long kWriteBudgetMs = 200;  // chunk writes per step, then the stream's turn
constexpr long kWaitMs = 20;          // the main loop's sleep while chunks are being read
// A read that failed because the table's definition changed on the source (its columns, the
// table itself): the stream brings the DDL, after which the read goes on under the new shape.
constexpr int kDefinitionRetries = 120;
constexpr int64_t kRetryUs = 1000000;

bool definition_error(unsigned mysql_errno) {
  return mysql_errno == 1054    // unknown column
         || mysql_errno == 1146  // no such table
         || mysql_errno == 1412;  // table definition changed (after the snapshot began)
}

mysql_sync::BackfillRun& run(void) noexcept {
  return worker_task.runtime->backfills;
}

// The backfill's segment `s`, and its oldest ready chunk (null when none), without temporaries.
mysql_sync::BackfillSegment* segment_at(TableBackfill* backfill, size_t s) noexcept {
  return backfill->segments.data() + s;
}

mysql_sync::Chunk* oldest_ready(mysql_sync::BackfillSegment* segment) noexcept {
  return segment->ready.empty() ? nullptr : segment->ready.data()->get();
}

int64 now_us(void) {
  int64 us = 0;
  MYSQL_SYNC_CXX(worker_task.label, us = mysql_sync::wall_clock_us());
  return us;
}

mysql_sync::ReadSettings read_settings(void) {
  mysql_sync::TaskRuntime* runtime = worker_task.runtime;
  mysql_sync::ReadSettings settings;
  settings.consistency = runtime->consistency;
  settings.invalid_dates = runtime->invalid_dates;
  int readers = runtime->parallel > 0 ? runtime->parallel : 1;
  settings.rows_per_second =
      runtime->max_rows_per_second > 0 ? Max(runtime->max_rows_per_second / readers, (int64)1) : 0;
  settings.range_rows = (uint64)mysql_sync_copy_range_rows;
  settings.chunk_ms = mysql_sync_copy_chunk_ms;
  return settings;
}

bool split_wanted(const TableBackfill& backfill) noexcept {
  return worker_task.runtime->parallel > 1 && backfill.rows_estimate >= 2 * (int64)mysql_sync_copy_range_rows;
}

// The table's key as source column indexes (the positions of its values in binlog rows).
std::vector<size_t> key_columns_of(const SyncTable& table) {
  return std::vector<size_t>(table.shape.primary_key.begin(), table.shape.primary_key.end());
}

// A new generation of the backfill from its table's definition of now (C++; inside cxx_call).
void restart_generation(TableBackfill& backfill) {
  const SyncTable& table = worker_task.runtime->tables[backfill.table];
  mysql_sync::start_generation(backfill, table.copy_source(), table.primary_key, key_columns_of(table),
                               split_wanted(backfill));
}

const char* source_table_of(int index) {
  const SyncTable* table = task_table(index);
  return psprintf("%s.%s", table->source_schema.c_str(), table->source_name.c_str());
}

// Whether `name` is db.table of `table`.
bool names_table(const SyncTable* table, const char* name) noexcept {
  size_t schema = table->source_schema.size();
  return strncmp(name, table->source_schema.c_str(), schema) == 0 && name[schema] == '.' &&
         strcmp(name + schema + 1, table->source_name.c_str()) == 0;
}

bool fills_shadow(BackfillKind kind) noexcept {
  return kind == BackfillKind::resync || kind == BackfillKind::repair;
}

// table_state.backfill := the backfill's state (inside the caller's transaction).
void store_state(TableBackfill* backfill) {
  mysql_sync::TaskRuntime* runtime = worker_task.runtime;
  MYSQL_SYNC_CXX(worker_task.label, runtime->scratch = mysql_sync::backfill_state_json(*backfill));
  const char* args[3] = {worker_task.name, source_table_of((int)backfill->table), runtime->scratch.c_str()};
  spi_exec_text("UPDATE mysql_sync.table_state SET backfill = $3::jsonb WHERE task = $1 AND source_table = $2", 3,
                args);
}

void erase(uint64 serial) {
  MYSQL_SYNC_CXX(worker_task.label, {
    std::vector<TableBackfill>& tables = run().tables;
    for (size_t i = 0; i < tables.size(); i++)
      if (tables[i].serial == serial) {
        tables.erase(tables.begin() + (long)i);
        break;
      }
    if (tables.empty()) run().readers.clear();  // their connections close
  });
}

// ---- reading --------------------------------------------------------------------------------

// A read that failed, as plain data.
struct ReadFailure {
  bool failed;
  uint64 serial;
  char sqlstate[6];
  char message[1024];
  char hint[512];
  unsigned mysql_errno;
  bool transient;
};

// `text` into a fixed buffer (cut to fit).
void copy_text(char* out, size_t size, const std::string& text) noexcept {
  out[text.copy(out, size - 1)] = '\0';
}

// Takes what the readers read: chunks wait for their write, bounds split their table; the first
// failed read goes to *failure (C++; inside cxx_call).
void take_chunks(const mysql_sync::ReadSettings& settings, ReadFailure* failure) {
  mysql_sync::BackfillRun& backfills = run();
  const int parts = worker_task.runtime->parallel;
  {
    for (mysql_sync::ReaderSlot& slot : backfills.readers) {
      if (!slot.busy) continue;
      std::unique_ptr<mysql_sync::Chunk> chunk = slot.reader->take();
      if (!chunk) continue;
      slot.busy = false;
      TableBackfill* backfill = backfills.of_serial(slot.serial);
      if (backfill == nullptr || backfill->generation != slot.generation) continue;  // read for nothing
      const bool bounds = slot.segment == SIZE_MAX;
      if (chunk->failed) {
        if (bounds)
          backfill->segments.clear();  // read the bounds again
        else
          backfill->segments[slot.segment].reading = false;
        if (failure->failed) continue;  // one at a time; the others are read again
        failure->failed = true;
        failure->serial = slot.serial;
        copy_text(failure->sqlstate, sizeof failure->sqlstate, chunk->sqlstate);
        copy_text(failure->message, sizeof failure->message, chunk->message);
        copy_text(failure->hint, sizeof failure->hint, chunk->hint);
        failure->mysql_errno = chunk->mysql_errno;
        failure->transient = chunk->transient;
        continue;
      }
      backfill->retries = 0;
      if (bounds)
        mysql_sync::bounds_read(*backfill, *chunk, parts);
      else
        mysql_sync::chunk_read(*backfill, slot.segment, std::move(chunk), settings);
    }
  }
}

void collect(ReadFailure* failure) {
  const mysql_sync::ReadSettings settings = read_settings();
  memset(failure, 0, sizeof *failure);
  MYSQL_SYNC_CXX(worker_task.label, take_chunks(settings, failure));
}

// Gives the idle readers the next reads, while the chunks waiting for their write hold less than
// `byte_limit` (C++; inside cxx_call).
void give_orders(const mysql_sync::ReadSettings& settings, size_t byte_limit, int64 now) {
  mysql_sync::BackfillRun& backfills = run();
  mysql_sync::TaskRuntime* runtime = worker_task.runtime;
  if (backfills.tables.empty()) return;
  while ((int)backfills.readers.size() < runtime->parallel) {
    mysql_sync::ReaderSlot slot;
    slot.reader = std::make_unique<mysql_sync::ChunkReader>(runtime->uri);
    backfills.readers.push_back(std::move(slot));
  }
  for (mysql_sync::ReaderSlot& slot : backfills.readers) {
    if (slot.busy) continue;
    if (backfills.ready_bytes() >= byte_limit) break;
    std::optional<mysql_sync::ReadChoice> choice = mysql_sync::choose_read(backfills.tables, &backfills.cursor, now);
    if (!choice) break;
    TableBackfill& backfill = backfills.tables[choice->backfill];
    mysql_sync::ChunkOrder order =
        mysql_sync::make_order(backfill, choice->segment, backfills.next_order++, settings, now);
    slot.serial = backfill.serial;
    slot.segment = choice->segment;
    slot.generation = backfill.generation;
    slot.busy = true;
    slot.reader->give(std::move(order));
  }
}

// The readers' next reads; the chunks waiting for their write hold half of mysql_sync.max_memory
// at most.
void hand_out(void) {
  const mysql_sync::ReadSettings settings = read_settings();
  const size_t byte_limit = (size_t)mysql_sync_max_memory_kb * 1024 / 2;
  const int64 now = now_us();
  MYSQL_SYNC_CXX(worker_task.label, give_orders(settings, byte_limit, now));
}

// ---- writing --------------------------------------------------------------------------------

// The next chunk the stream has passed (runtime->last_end >= its high position), if any.
bool next_writable(uint64* serial, size_t* segment) noexcept {
  const mysql_sync::BinlogPosition* stream = &worker_task.runtime->last_end;
  for (TableBackfill* backfill = run().tables.data(); backfill != run().tables.data() + run().tables.size(); backfill++)
    for (size_t s = 0; s < backfill->segments.size(); s++) {
      const mysql_sync::Chunk* chunk = oldest_ready(segment_at(backfill, s));
      if (chunk == nullptr || mysql_sync::compare_positions(*stream, chunk->high) < 0) continue;
      *serial = backfill->serial;
      *segment = s;
      return true;
    }
  return false;
}

// Writes the segment's oldest ready chunk, with its key and counters, in one transaction.
void write_one(uint64 serial, size_t segment) {
  TableBackfill* backfill = run().of_serial(serial);
  const int index = (int)backfill->table;
  const mysql_sync::Chunk* chunk = oldest_ready(segment_at(backfill, segment));
  const int columns = (int)backfill->key_columns.size();
  int count = 0;
  MYSQL_SYNC_CXX(worker_task.label, count = (int)mysql_sync::keys_to_skip(*backfill, *chunk).size());
  const char** values = static_cast<const char**>(palloc0(sizeof(char*) * (count * columns + 1)));
  if (count > 0)
    MYSQL_SYNC_CXX(worker_task.label, {
      std::vector<const mysql_sync::TouchedKey*> keys = mysql_sync::keys_to_skip(*backfill, *chunk);
      for (int r = 0; r < count; r++)
        for (int k = 0; k < columns; k++)
          values[r * columns + k] = keys[r]->key[k] ? keys[r]->key[k]->c_str() : nullptr;
    });
  ChunkSkips skips = {columns, count, values};
  char invalid_text[32];
  snprintf(invalid_text, sizeof invalid_text, "%llu", (unsigned long long)chunk->invalid_values);

  begin_catalog_transaction();
  Oid relid = fills_shadow(backfill->kind) ? shadow_relid(index) : target_relid(index, false);
  publish_copy_table(worker_task.slot, source_table_of(index));
  // rows_copied counts the rows the chunk read (those the stream wrote first are counted, once).
  const uint64 rows = chunk->rows;
  uint64 written =
      write_chunk(index, relid, chunk->text.c_str(), chunk->text.size(), &skips, backfill->stream_wrote);
  elog(DEBUG1, "mysql_sync task \"%s\": chunk of %s: %llu rows read, %llu written, %d keys skipped", worker_task.name,
       source_table_of(index), (unsigned long long)rows, (unsigned long long)written, count);
  MYSQL_SYNC_CXX(worker_task.label, mysql_sync::chunk_written(*backfill, segment));  // frees the chunk
  store_state(backfill);
  char rows_text[32];
  snprintf(rows_text, sizeof rows_text, "%llu", (unsigned long long)rows);
  const char* args[4] = {worker_task.name, source_table_of(index), rows_text, invalid_text};
  spi_exec_text(
      "UPDATE mysql_sync.table_state SET rows_copied = rows_copied + $3::bigint, chunks_copied = chunks_copied + 1, "
      "       invalid_values = invalid_values + $4::bigint WHERE task = $1 AND source_table = $2",
      4, args);
  spi_exec_text("UPDATE mysql_sync.task_state SET rows_copied = rows_copied + $3::bigint, updated_at = now() "
                " WHERE task = $1 RETURNING rows_copied",
                3, args);
  const int64 task_rows = SPI_processed == 1 ? atoll(SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1)) : 0;
  end_catalog_transaction();
  // The live rows_copied and the copy's rate (status, table_status: percent_done, time_left).
  publish_rows_copied(worker_task.slot, task_rows, 0);
}

// A backfill whose chunks are all written: the table is done.
void finish_one(uint64 serial) {
  TableBackfill* backfill = run().of_serial(serial);
  const int index = (int)backfill->table;
  const BackfillKind kind = backfill->kind;
  const bool keys_pending = backfill->keys_pending;
  erase(serial);  // its changes are applied strictly again from here on
  switch (kind) {
    case BackfillKind::load:
      finish_loaded_table(index, keys_pending);
      if (!backfill_loading()) finish_initial_load();
      break;
    case BackfillKind::add:
      finish_added_table(index);
      break;
    case BackfillKind::resync:
    case BackfillKind::repair:
      finish_resync(index);
      break;
  }
}

// An ERROR while reading, writing or finishing the backfill of `serial`: a connection failure,
// or any failure of the initial load, fails the task (the launcher retries it; the load resumes
// from its committed chunks); an alter_sync or resync that fails is given up with its error, and
// the task goes on streaming.
void handle_error(uint64 serial, MemoryContext context) {
  MemoryContextSwitchTo(context);
  ErrorData* edata = CopyErrorData();
  TableBackfill* backfill = run().of_serial(serial);
  if (backfill == nullptr || backfill->kind == BackfillKind::load ||
      strncmp(unpack_sql_state(edata->sqlerrcode), "08", 2) == 0)
    PG_RE_THROW();
  FlushErrorState();
  AbortOutOfAnyTransaction();
  MemoryContextSwitchTo(context);
  const int index = (int)backfill->table;
  const BackfillKind kind = backfill->kind;
  erase(serial);
  reset_appliers();
  backfill_failed(index, kind, edata);
}

// Raises a failed read as an ERROR naming the table, or schedules it again when the table's
// definition changed on the source (the stream brings the DDL: kDefinitionRetries seconds).
void raise_read_failure(const ReadFailure* failure) {
  TableBackfill* backfill = run().of_serial(failure->serial);
  if (backfill == nullptr) return;
  const char* table = source_table_of((int)backfill->table);
  if (definition_error(failure->mysql_errno) && backfill->retries < kDefinitionRetries) {
    if (backfill->retries == 0)
      elog(LOG, "mysql_sync task \"%s\": reading %s failed (%s); the read is tried again after its DDL",
           worker_task.name, table, failure->message);
    backfill->retries++;
    backfill->retry_after_us = now_us() + kRetryUs;
    return;
  }
  const char* s = failure->sqlstate;
  ereport(ERROR, (errcode(MAKE_SQLSTATE(s[0], s[1], s[2], s[3], s[4])),
                  errmsg("mysql_sync task \"%s\": copying %s: %s", worker_task.name, table, failure->message),
                  failure->hint[0] ? errhint("%s", failure->hint) : 0));
}

// A backfill whose chunks are all written, if any.
bool finished_one(uint64* serial) noexcept {
  for (const TableBackfill* backfill = run().tables.data(); backfill != run().tables.data() + run().tables.size();
       backfill++)
    if (backfill->finished()) {
      *serial = backfill->serial;
      return true;
    }
  return false;
}

// Runs `work` for the backfill `serial`; its ERROR goes to handle_error.
template <typename Work>
void guarded(uint64 serial, Work work) {
  MemoryContext context = CurrentMemoryContext;
  PG_TRY();
  { work(); }
  PG_CATCH();
  { handle_error(serial, context); }
  PG_END_TRY();
}

}  // namespace

BackfillRole backfill_role(int table) noexcept {
  TableBackfill* backfill = run().of_table((uint32)table);
  if (backfill == nullptr)
    return (size_t)table < worker_task.runtime->tables.size() && task_table(table)->awaits_repair ? BackfillRole::held
                                                                                                  : BackfillRole::none;
  switch (backfill->kind) {
    case BackfillKind::load:
    case BackfillKind::add:
      return BackfillRole::lenient;
    case BackfillKind::resync:
      return BackfillRole::with_shadow;
    case BackfillKind::repair:
      return BackfillRole::shadow_only;
  }
  return BackfillRole::none;
}

namespace {

// A new backfill of the table, from the stream's position (C++; inside cxx_call). `state`: its
// stored state when it resumes, else null.
TableBackfill* add_backfill(int index, BackfillKind kind, bool keys_pending, const char* state, int64 now) {
  mysql_sync::TaskRuntime* runtime = worker_task.runtime;
  const SyncTable& table = runtime->tables[index];
  TableBackfill backfill;
  backfill.serial = run().next_serial++;
  backfill.table = (uint32_t)index;
  backfill.kind = kind;
  backfill.keys_pending = keys_pending;
  if (state != nullptr) {
    backfill.paging = mysql_sync::key_paging(table.copy_source(), table.primary_key);
    mysql_sync::load_backfill_state(backfill, state);
    backfill.stream_wrote = true;  // before the restart, maybe
  }
  backfill.started_at = runtime->last_end;
  backfill.started_us = now;
  backfill.rows_estimate = table.source.rows_estimate;
  restart_generation(backfill);
  run().tables.push_back(std::move(backfill));
  return &run().tables.back();
}

}  // namespace

void backfill_begin(int index, BackfillKind kind, bool keys_pending) {
  const int64 now = now_us();
  TableBackfill* added = nullptr;
  MYSQL_SYNC_CXX(worker_task.label, added = add_backfill(index, kind, keys_pending, nullptr, now));
  store_state(added);
  const char* args[2] = {worker_task.name, source_table_of(index)};
  spi_exec_text(
      "UPDATE mysql_sync.table_state SET state = 'copying', rows_copied = 0, chunks_copied = 0, last_error = NULL "
      " WHERE task = $1 AND source_table = $2",
      2, args);
}

void backfill_resume(void) {
  mysql_sync::TaskRuntime* runtime = worker_task.runtime;
  const char* args[1] = {worker_task.name};
  begin_catalog_transaction();
  spi_exec_text(
      "SELECT source_table, backfill::text, rows_copied, chunks_copied FROM mysql_sync.table_state "
      " WHERE task = $1 AND backfill IS NOT NULL ORDER BY source_table",
      1, args);
  const int rows = (int)SPI_processed;
  char** cells = static_cast<char**>(palloc0(sizeof(char*) * (rows * 4 + 1)));
  for (int r = 0; r < rows; r++)
    for (int c = 0; c < 4; c++) cells[r * 4 + c] = SPI_getvalue(SPI_tuptable->vals[r], SPI_tuptable->tupdesc, c + 1);
  const int64 now = now_us();
  for (int r = 0; r < rows; r++) {
    int index = -1;
    for (size_t i = 0; i < runtime->tables.size(); i++)
      if (names_table(task_table((int)i), cells[r * 4])) index = (int)i;
    if (index < 0 || run().of_table((uint32)index) != nullptr) continue;  // gone, or begun by this worker
    TableBackfill* resumed = nullptr;
    MYSQL_SYNC_CXX(worker_task.label,
                   resumed = add_backfill(index, BackfillKind::load, false, cells[r * 4 + 1], now));
    const bool shadow = fills_shadow(resumed->kind);
    if (shadow && !resume_resync(index)) {  // its shadow is gone: the resync starts again
      backfill_cancel(index);
      continue;
    }
    elog(LOG, "mysql_sync task \"%s\": resuming the copy of %s after its last committed chunk (%s rows, %s chunks)",
         worker_task.name, cells[r * 4], cells[r * 4 + 2], cells[r * 4 + 3]);
  }
  end_catalog_transaction();
}

bool backfill_running(void) noexcept {
  return !run().tables.empty();
}

bool backfill_loading(void) noexcept {
  for (const TableBackfill* backfill = run().tables.data(); backfill != run().tables.data() + run().tables.size();
       backfill++)
    if (backfill->kind == BackfillKind::load) return true;
  return false;
}

long backfill_wait_ms(long idle_ms) noexcept {
  return backfill_running() ? kWaitMs : idle_ms;
}

void backfill_step(void) {
  if (!backfill_running()) return;
  ReadFailure failure;
  collect(&failure);
  if (failure.failed) guarded(failure.serial, [&] { raise_read_failure(&failure); });

  TimestampTz started = GetCurrentTimestamp();
  uint64 serial;
  size_t segment;
  while (next_writable(&serial, &segment)) {
    CHECK_FOR_INTERRUPTS();
    guarded(serial, [&] { write_one(serial, segment); });
    if (TimestampDifferenceExceeds(started, GetCurrentTimestamp(), (int)kWriteBudgetMs)) break;
  }
  while (finished_one(&serial)) guarded(serial, [&] { finish_one(serial); });
  hand_out();
  const int64 now = now_us();
  MYSQL_SYNC_CXX(worker_task.label, {
    for (TableBackfill& backfill : run().tables) mysql_sync::prune_touched(backfill, now);
  });
}

void backfill_before_change(int table) {
  TableBackfill* backfill = run().of_table((uint32)table);
  if (backfill == nullptr || !backfill->keys_pending) return;
  // The stream looks rows up by the key: the initial load's target gets it now, not after its rows.
  add_primary_key(table);
  backfill->keys_pending = false;
  store_state(backfill);
}

void backfill_note_change(const mysql_sync::TableChange& change, const mysql_sync::BinlogPosition& end) {
  TableBackfill* backfill = run().of_table(change.table);
  if (backfill == nullptr) return;
  const int64 now = now_us();
  MYSQL_SYNC_CXX(worker_task.label, mysql_sync::note_touched(*backfill, change, end, now));
}

void backfill_table_changed(int index, bool restart) {
  mysql_sync::TaskRuntime* runtime = worker_task.runtime;
  TableBackfill* backfill = run().of_table((uint32)index);
  if (backfill == nullptr) return;
  if (fills_shadow(backfill->kind)) {
    // The shadow was made like the old target: the resync starts again under the new definition.
    backfill_cancel(index);
    restart_resync(index);
    return;
  }
  const SyncTable* table = task_table(index);
  if (!table->active) {
    backfill_cancel(index);
    return;
  }
  const int64 now = now_us();
  if (restart) {
    // Rows went without row events (TRUNCATE, a partition dropped): copied again into the emptied
    // target, as if the backfill began now.
    const char* target = quote_qualified_identifier(table->target_schema.c_str(), table->target_name.c_str());
    exec_on_target(target, psprintf("TRUNCATE %s", target));  // a Citus table's shards too
    const char* args[2] = {worker_task.name, source_table_of(index)};
    spi_exec_text("UPDATE mysql_sync.table_state SET rows_copied = 0, chunks_copied = 0 "
                  " WHERE task = $1 AND source_table = $2",
                  2, args);
  }
  MYSQL_SYNC_CXX(worker_task.label, {
    if (restart) {
      backfill->segments.clear();
      backfill->planned = false;
      backfill->touched.clear();
      backfill->stream_wrote = false;
      backfill->started_at = runtime->last_end;
      backfill->started_us = now;
    }
    restart_generation(*backfill);
  });
  store_state(backfill);
  elog(LOG, "mysql_sync task \"%s\": the copy of %s goes on under its new definition%s", worker_task.name,
       source_table_of(index), restart ? ", from its start into the emptied target" : "");
}

void backfill_tables_removed(const bool* removed) {
  for (size_t i = run().tables.size(); i-- > 0;) {
    const TableBackfill* backfill = run().tables.data() + i;
    if (removed[backfill->table]) erase(backfill->serial);
  }
  for (TableBackfill* backfill = run().tables.data(); backfill != run().tables.data() + run().tables.size();
       backfill++) {
    uint32 shift = 0;
    for (uint32 t = 0; t < backfill->table; t++) shift += removed[t] ? 1 : 0;
    backfill->table -= shift;
  }
}

void backfill_cancel(int index) {
  TableBackfill* backfill = run().of_table((uint32)index);
  if (backfill != nullptr) erase(backfill->serial);
}

void backfill_keep_detail(void) {
  if (!backfill_running()) return;
  StringInfoData detail;
  initStringInfo(&detail);
  int count = 0;
  for (const TableBackfill* backfill = run().tables.data(); backfill != run().tables.data() + run().tables.size();
       backfill++) {
    if (count < 5) appendStringInfo(&detail, "%s%s", count ? ", " : "", source_table_of((int)backfill->table));
    count++;
  }
  if (count > 5) appendStringInfo(&detail, " and %d more", count - 5);
  char* text = psprintf("copying %d table%s in chunks while the stream goes on: %s", count, count == 1 ? "" : "s",
                        detail.data);
  const char* args[2] = {worker_task.name, text};
  spi_exec_text("UPDATE mysql_sync.task_state SET detail = $2 WHERE task = $1", 2, args);
}
