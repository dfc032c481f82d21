#include "bgworker/table_requests.h"

#include "source/snapshot.h"
#include "bgworker/apply.h"
#include "bgworker/catalog.h"
#include "bgworker/chunked_copy.h"
#include "bgworker/citus.h"
#include "bgworker/initial_sync.h"
#include "bgworker/shmem.h"
#include "extension/bridge.h"

extern "C" {
#include "access/xact.h"
#include "catalog/namespace.h"
#include "executor/spi.h"
#include "lib/stringinfo.h"
#include "mb/pg_wchar.h"
#include "miscadmin.h"
#include "nodes/makefuncs.h"
#include "utils/builtins.h"
#include "utils/json.h"
#include "utils/memutils.h"
}

using mysql_sync::SyncTable;

namespace {

constexpr const char* kShadowSuffix = "__mysql_sync_resync";
constexpr long kPieceMs = 100;  // a piece of a resync's copy: its own transaction, between batches

struct Request {
  char* id;
  char* kind;    // resync | repair | add | remove
  char* object;  // db.table or a pattern
};

MemoryContext request_context = nullptr;  // the requests of one round
Request* requests = nullptr;
int request_count = 0;
uint32 seen_generation = 0;
bool checked_once = false;
// The task's objects after the request being serviced (C++ data lives off the PostgreSQL stack).
std::vector<std::string> next_objects;
int pending_swaps = 0;  // tables with resync_pending: resync_swap_due is checked for every item

// The resync whose copy runs in pieces between the stream's batches (one at a time). Its snapshot
// position P is runtime->copy_target; its spool is runtime->resync_spool.
struct ShadowCopy {
  bool running;
  int index;          // runtime->tables
  Oid shadow;         // the shadow table being filled
  char* object;       // db.table (TopMemoryContext)
  int64 rows;         // copied and committed so far
  int64 rows_before;  // the task's rows_copied before this copy (the live count starts there)
};
ShadowCopy shadow_copy;

void count_pending_swaps(void) {
  pending_swaps = 0;
  for (const SyncTable& table : worker_task.runtime->tables) pending_swaps += table.resync_pending;
}

uint32 current_generation(void) {
  TaskSlot* slot = &sync_shared->slots[worker_task.slot];
  SpinLockAcquire(&sync_shared->mutex);
  uint32 generation = slot->table_requests;
  SpinLockRelease(&sync_shared->mutex);
  return generation;
}

void load_requests(void) {
  if (request_context == nullptr)
    request_context =
        AllocSetContextCreate(TopMemoryContext, "mysql_sync table requests", ALLOCSET_SMALL_SIZES);
  MemoryContextReset(request_context);
  const char* args[1] = {worker_task.name};
  begin_catalog_transaction();
  spi_exec_text("SELECT id, kind, object FROM mysql_sync.table_requests WHERE task = $1 ORDER BY id", 1,
                args);
  request_count = (int)SPI_processed;
  requests =
      static_cast<Request*>(MemoryContextAllocZero(request_context, sizeof(Request) * (request_count + 1)));
  for (int r = 0; r < request_count; r++) {
    HeapTuple row = SPI_tuptable->vals[r];
    requests[r].id = MemoryContextStrdup(request_context, SPI_getvalue(row, SPI_tuptable->tupdesc, 1));
    requests[r].kind = MemoryContextStrdup(request_context, SPI_getvalue(row, SPI_tuptable->tupdesc, 2));
    requests[r].object = MemoryContextStrdup(request_context, SPI_getvalue(row, SPI_tuptable->tupdesc, 3));
  }
  end_catalog_transaction();
}

char* source_table_name(int index) {
  return pstrdup(worker_task.runtime->tables[index].source_table().c_str());
}

int find_table(const char* source_table) {
  mysql_sync::TaskRuntime* runtime = worker_task.runtime;
  for (size_t i = 0; i < runtime->tables.size(); i++)
    if (runtime->tables[i].source_table() == source_table) return (int)i;
  return -1;
}

void delete_request(const Request& request) {
  const char* args[1] = {request.id};
  spi_exec_text("DELETE FROM mysql_sync.table_requests WHERE id = $1::bigint", 1, args);
}

void set_detail(const char* detail) {
  const char* args[2] = {worker_task.name, detail};
  spi_exec_text("UPDATE mysql_sync.task_state SET detail = $2, updated_at = now() WHERE task = $1", 2, args);
}

void set_detail_now(const char* detail) {
  begin_catalog_transaction();
  set_detail(detail);
  end_catalog_transaction();
}

int64 committed_rows_copied(void) {
  const char* args[1] = {worker_task.name};
  spi_exec_text("SELECT rows_copied FROM mysql_sync.task_state WHERE task = $1", 1, args);
  return SPI_processed == 1
             ? strtoll(SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1), nullptr, 10)
             : 0;
}

// task_config.objects := next_objects (inside the caller's transaction).
void store_objects(void) {
  StringInfoData json;
  initStringInfo(&json);
  appendStringInfoChar(&json, '[');
  for (size_t i = 0; i < next_objects.size(); i++) {
    if (i) appendStringInfoChar(&json, ',');
    escape_json(&json, next_objects[i].c_str());
  }
  appendStringInfoChar(&json, ']');
  const char* args[2] = {worker_task.name, json.data};
  spi_exec_text(
      "UPDATE mysql_sync.task_config SET objects = ARRAY(SELECT jsonb_array_elements_text($2::jsonb)) "
      " WHERE task = $1",
      2, args);
}

char* shadow_name_of(const SyncTable& table) {
  int room = NAMEDATALEN - 1 - (int)strlen(kShadowSuffix);
  const char* name = table.target_name.c_str();
  int keep = pg_mbcliplen(name, (int)strlen(name), room);
  return psprintf("%.*s%s", keep, name, kShadowSuffix);
}

// The starting point of a copy: a consistent snapshot (or only the current position, when no
// data is copied), held by runtime->snapshot_client.
mysql_sync::BinlogPosition* open_snapshot(bool data) {
  mysql_sync::TaskRuntime* runtime = worker_task.runtime;
  mysql_sync::BinlogPosition* at = nullptr;
  MYSQL_SYNC_CXX(worker_task.name, {
    runtime->snapshot_client = std::make_unique<mysql_sync::MysqlClient>(runtime->uri);
    // A copy in pieces pauses its read while the stream is applied (and a throttled one on
    // purpose): the source must not give up on writing to us meanwhile.
    runtime->snapshot_client->execute("SET SESSION net_write_timeout = 86400");
    runtime->copy_target =
        data ? begin_consistent_snapshot(*runtime->snapshot_client, runtime->source_tables())
             : current_binlog_position(*runtime->snapshot_client);
    at = &runtime->copy_target;
  });
  return at;
}

void close_snapshot(void) {
  mysql_sync::TaskRuntime* runtime = worker_task.runtime;
  MYSQL_SYNC_CXX(worker_task.name, {
    runtime->copy.reset();
    runtime->snapshot_client.reset();
  });
}

// After an ERROR caught while servicing a request: the transaction is rolled back and the copy
// state dropped. Returns the error (in request_context). Connection failures are raised again: the
// task fails, the launcher retries, and the request, still recorded, is serviced then.
ErrorData* recover_from_error(MemoryContext context) {
  MemoryContextSwitchTo(request_context);
  ErrorData* edata = CopyErrorData();
  if (strncmp(unpack_sql_state(edata->sqlerrcode), "08", 2) == 0) {
    MemoryContextSwitchTo(context);
    PG_RE_THROW();
  }
  FlushErrorState();
  AbortOutOfAnyTransaction();
  MemoryContextSwitchTo(context);
  mysql_sync::TaskRuntime* runtime = worker_task.runtime;
  mysql_sync::CapturedError ignored;
  mysql_sync::cxx_call(ignored, [&] {
    runtime->copy.reset();
    runtime->snapshot_client.reset();
    runtime->resync_spool.reset();
    runtime->resync_replay.reset();
  });
  shadow_copy.running = false;
  reset_appliers();
  ereport(WARNING, (errcode(edata->sqlerrcode), errmsg("%s", edata->message),
                    edata->hint ? errhint("%s", edata->hint) : 0));
  return edata;
}

// A failed alter_sync request: forgotten, its error in status.last_error.
void drop_failed_request(const Request& request, ErrorData* edata) {
  char* message = psprintf("alter_sync %s %s failed: %s%s%s", request.kind, request.object, edata->message,
                           edata->hint ? " HINT: " : "", edata->hint ? edata->hint : "");
  const char* args[3] = {worker_task.name, message, unpack_sql_state(edata->sqlerrcode)};
  begin_catalog_transaction();
  delete_request(request);
  spi_exec_text(
      "UPDATE mysql_sync.task_state SET last_error = $2, last_sqlstate = $3, last_error_at = now(), "
      "       detail = NULL, updated_at = now() WHERE task = $1",
      3, args);
  end_catalog_transaction();
}

// ---- remove -----------------------------------------------------------------------------------

bool service_removals(void) {
  mysql_sync::TaskRuntime* runtime = worker_task.runtime;
  int count = 0;
  for (int r = 0; r < request_count; r++) count += strcmp(requests[r].kind, "remove") == 0;
  if (count == 0) return false;

  // Which tables go, and the objects that describe the rest (patterns that match none of the removed
  // tables, then the remaining tables those do not cover).
  bool* removed = static_cast<bool*>(palloc0(sizeof(bool) * (runtime->tables.size() + 1)));
  int removed_count = 0;
  MYSQL_SYNC_CXX(worker_task.name, {
    std::vector<std::string> remove;
    for (int r = 0; r < request_count; r++)
      if (strcmp(requests[r].kind, "remove") == 0) remove.push_back(requests[r].object);
    mysql_sync::ObjectPatterns matcher(remove);
    for (size_t i = 0; i < runtime->tables.size(); i++) {
      removed[i] = matcher.matches(runtime->tables[i].source_schema, runtime->tables[i].source_name);
      removed_count += removed[i];
    }
    next_objects.clear();
    for (const std::string& p : runtime->patterns->patterns()) {
      mysql_sync::ObjectPatterns one({p});
      bool hits_removed = false;
      for (size_t i = 0; i < runtime->tables.size(); i++)
        hits_removed = hits_removed || (removed[i] && one.matches(runtime->tables[i].source_schema,
                                                                  runtime->tables[i].source_name));
      if (!hits_removed) next_objects.push_back(p);
    }
    mysql_sync::ObjectPatterns kept(next_objects);
    for (size_t i = 0; i < runtime->tables.size(); i++)
      if (!removed[i] && !kept.matches(runtime->tables[i].source_schema, runtime->tables[i].source_name))
        next_objects.push_back(runtime->tables[i].source_table());
  });

  begin_catalog_transaction();
  for (int r = 0; r < request_count; r++)
    if (strcmp(requests[r].kind, "remove") == 0) delete_request(requests[r]);
  if (removed_count == (int)runtime->tables.size()) {
    // alter_sync refuses this; requests of two calls may still add up to it.
    set_detail("alter_sync: not removing every table of the task (use drop_sync to end it)");
    end_catalog_transaction();
    elog(WARNING, "mysql_sync task \"%s\": alter_sync would remove every table; removal requests dropped",
         worker_task.name);
    return false;
  }
  for (size_t i = 0; i < runtime->tables.size(); i++) {
    if (!removed[i]) continue;
    const SyncTable& table = runtime->tables[i];
    if (table.resync_pending) {
      const char* shadow = quote_qualified_identifier(table.target_schema.c_str(), table.shadow_name.c_str());
      exec_on_target(shadow, psprintf("DROP TABLE IF EXISTS %s", shadow));
    }
    const char* args[2] = {worker_task.name, source_table_name((int)i)};
    spi_exec_text("DELETE FROM mysql_sync.table_state WHERE task = $1 AND source_table = $2", 2, args);
    spi_exec_text("DELETE FROM mysql_sync.table_requests WHERE task = $1 AND kind IN ('resync', 'repair') AND object = $2",
                  2, args);
    elog(LOG, "mysql_sync task \"%s\": alter_sync removed %s (its target table is kept)", worker_task.name,
         table.source_table().c_str());
  }
  store_objects();
  set_detail(nullptr);
  end_catalog_transaction();

  MYSQL_SYNC_CXX(worker_task.name, {
    std::vector<SyncTable> kept;
    for (size_t i = 0; i < runtime->tables.size(); i++)
      if (!removed[i]) kept.push_back(std::move(runtime->tables[i]));
    runtime->tables = std::move(kept);
    runtime->patterns = std::make_unique<mysql_sync::ObjectPatterns>(next_objects);
  });
  return removed_count > 0;
}

// ---- add --------------------------------------------------------------------------------------

// Adds the new tables matching one add request; returns how many joined the task.
int add_tables(const Request& request) {
  mysql_sync::TaskRuntime* runtime = worker_task.runtime;
  size_t first = runtime->tables.size();
  int added = 0;
  MYSQL_SYNC_CXX(worker_task.name, {
    std::vector<SyncTable> described = runtime->describe(mysql_sync::ObjectPatterns({request.object}));
    for (SyncTable& table : described) {
      bool known = false;
      for (size_t i = 0; i < first; i++)
        known = known || runtime->tables[i].source_table() == table.source_table();
      if (!known) runtime->tables.push_back(std::move(table));
    }
  });
  int count = (int)(runtime->tables.size() - first);
  mysql_sync::BinlogPosition* at = count > 0 ? open_snapshot(worker_task.sync_data) : nullptr;
  begin_catalog_transaction();
  int64 rows_before = committed_rows_copied();
  end_catalog_transaction();
  for (int k = 0; k < count; k++) {
    int index = (int)first + k;
    const char* name = source_table_name(index);
    set_detail_now(psprintf("alter_sync: copying %s (%d of %d)", name, k + 1, count));
    begin_catalog_transaction();
    detect_target_dialect();
    bool created = prepare_added_table(index);
    MYSQL_SYNC_CXX(worker_task.name, runtime->tables[index].created_target = created);
    write_table_state(index, "copying", created);
    int64 invalid = 0;
    uint64 rows = 0;
    if (worker_task.sync_data)
      rows = copy_source_rows(index, target_relid(index, false), rows_before, &invalid);
    if (created) {
      add_keys(index);
      set_target_identities(index);
    }
    mark_table_copied(index, *at, (int64)rows, invalid);
    if (k == count - 1) {
      delete_request(request);
      MYSQL_SYNC_CXX(worker_task.name, {
        next_objects = runtime->patterns->patterns();
        bool listed = false;
        for (const std::string& p : next_objects) listed = listed || p == request.object;
        if (!listed) next_objects.push_back(request.object);
      });
      store_objects();
      set_detail(nullptr);
    }
    end_catalog_transaction();
    MYSQL_SYNC_CXX(worker_task.name, {
      runtime->tables[index].copy_done = true;
      runtime->tables[index].copied_at = *at;
      if (k == count - 1) runtime->patterns = std::make_unique<mysql_sync::ObjectPatterns>(next_objects);
    });
    rows_before += (int64)rows;
    added++;
    elog(LOG, "mysql_sync task \"%s\": alter_sync added %s (%llu rows, copied at %s:%llu)", worker_task.name,
         name, (unsigned long long)rows, at->file.c_str(), (unsigned long long)at->pos);
  }
  if (count > 0) close_snapshot();
  if (count == 0) {
    elog(LOG, "mysql_sync task \"%s\": alter_sync add %s: no new table matches", worker_task.name,
         request.object);
    begin_catalog_transaction();
    delete_request(request);
    set_detail(nullptr);
    end_catalog_transaction();
  }
  return added;
}

bool service_additions(void) {
  mysql_sync::TaskRuntime* runtime = worker_task.runtime;
  volatile bool changed = false;
  for (volatile int r = 0; r < request_count; r++) {
    if (strcmp(requests[r].kind, "add") != 0) continue;
    size_t before = runtime->tables.size();
    MemoryContext context = CurrentMemoryContext;
    PG_TRY();
    {
      if (add_tables(requests[r]) > 0) changed = true;
    }
    PG_CATCH();
    {
      ErrorData* edata = recover_from_error(context);
      // The tables whose copy committed stay; the others are forgotten.
      int committed = 0;
      const char* args[1] = {worker_task.name};
      begin_catalog_transaction();
      spi_exec_text("SELECT source_table FROM mysql_sync.table_state WHERE task = $1", 1, args);
      int rows = (int)SPI_processed;
      char** known = static_cast<char**>(palloc0(sizeof(char*) * (rows + 1)));
      for (int i = 0; i < rows; i++) known[i] = SPI_getvalue(SPI_tuptable->vals[i], SPI_tuptable->tupdesc, 1);
      MYSQL_SYNC_CXX(worker_task.name, {
        std::vector<SyncTable> kept;
        for (size_t i = 0; i < runtime->tables.size(); i++) {
          bool stays = i < before;
          for (int k = 0; !stays && k < rows; k++) stays = runtime->tables[i].source_table() == known[k];
          if (stays) kept.push_back(std::move(runtime->tables[i]));
        }
        committed = (int)(kept.size() - before);
        runtime->tables = std::move(kept);
      });
      end_catalog_transaction();
      if (committed > 0) changed = true;
      drop_failed_request(requests[r], edata);
    }
    PG_END_TRY();
  }
  return changed;
}

// ---- resync -----------------------------------------------------------------------------------

// Starts copying the table into its shadow from a new snapshot; copy_next_piece goes on with it.
void copy_into_shadow(const Request& request, int index) {
  mysql_sync::TaskRuntime* runtime = worker_task.runtime;
  SyncTable& table = runtime->tables[index];
  const char* qualified = quote_qualified_identifier(table.target_schema.c_str(), table.target_name.c_str());
  char* shadow = shadow_name_of(table);
  const char* shadow_qualified = quote_qualified_identifier(table.target_schema.c_str(), shadow);

  // The source table as it is now: its rows are read by its columns, which must still be the
  // synced ones (a changed shape needs drop_sync and start_sync).
  MYSQL_SYNC_CXX(worker_task.name, {
    std::vector<SyncTable> described =
        runtime->describe(mysql_sync::ObjectPatterns({table.source_schema + "." + table.source_name}));
    const SyncTable* now = nullptr;
    for (const SyncTable& d : described)
      if (d.source_table() == table.source_table()) now = &d;
    if (now == nullptr)
      throw mysql_sync::SyncError(
          "42P01", "source table " + table.source_table() + " no longer exists",
          "alter_sync(task, remove_objects => '{" + table.source_table() + "}') stops syncing it.");
    if (now->shape.column_names != table.shape.column_names)
      throw mysql_sync::SyncError(
          "55000", "source table " + table.source_table() + " has other columns than when it was synced",
          "A resync keeps the synced shape: drop_sync and start_sync again to take the new one.");
    table.source = now->source;
  });

  begin_catalog_transaction();
  char* target_text = pstrdup(qualified);
  const char* check_args[1] = {target_text};
  spi_exec_text("SELECT mysql_sync._resync_blockers($1::regclass)", 1, check_args);
  char* blockers = SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1);
  if (blockers != nullptr)
    ereport(ERROR,
            (errcode(ERRCODE_DEPENDENT_OBJECTS_STILL_EXIST),
             errmsg("mysql_sync task \"%s\": cannot resync %s: the target %s is replaced at the end, and %s "
                    "depend on it",
                    worker_task.name, request.object, qualified, blockers),
             errhint("Drop them, call resync_table again, and create them again afterwards.")));
  char estimate[32];
  snprintf(estimate, sizeof estimate, "%lld", (long long)table.source.rows_estimate);
  const char* args[3] = {worker_task.name, request.object, estimate};
  spi_exec_text(
      "UPDATE mysql_sync.table_state SET state = 'copying', rows_copied = 0, rows_estimate = $3::bigint, "
      "       last_error = NULL WHERE task = $1 AND source_table = $2",
      3, args);
  set_detail(psprintf("resync of %s: copying into %s", request.object, shadow_qualified));
  int64 rows_before = committed_rows_copied();
  end_catalog_transaction();

  open_snapshot(true);  // a resync copies, whatever initial_sync says
  begin_catalog_transaction();
  exec_on_target(shadow_qualified,
                 psprintf("DROP TABLE IF EXISTS %s", shadow_qualified));  // of an interrupted run
  spi_exec_text(psprintf("CREATE TABLE %s (LIKE %s INCLUDING ALL)", shadow_qualified, qualified), 0, nullptr);
  distribute_like(shadow_qualified, qualified);  // a Citus target's shadow is one too, colocated with it
  RangeVar* rv = makeRangeVar(pstrdup(table.target_schema.c_str()), shadow, -1);
  Oid relid = RangeVarGetRelid(rv, NoLock, false);
  end_catalog_transaction();
  const char* spool_dir = psprintf("%s/base/pgsql_tmp", DataDir);
  MYSQL_SYNC_CXX(worker_task.name, {
    runtime->copy = std::make_unique<mysql_sync::CopyFeed>(
        *runtime->snapshot_client, table.copy_source(), runtime->invalid_dates, runtime->max_rows_per_second);
    runtime->resync_spool = std::make_unique<mysql_sync::SpillWriter>(spool_dir);
    table.shadow_name = shadow;
  });
  if (shadow_copy.object) pfree(shadow_copy.object);
  shadow_copy.object = MemoryContextStrdup(TopMemoryContext, request.object);
  shadow_copy.index = index;
  shadow_copy.shadow = relid;
  shadow_copy.rows = 0;
  shadow_copy.rows_before = rows_before;
  shadow_copy.running = true;
  elog(LOG,
       "mysql_sync task \"%s\": resync of %s: copying from a snapshot at %s:%llu into %s, in pieces "
       "between the stream's batches",
       worker_task.name, request.object, runtime->copy_target.file.c_str(),
       (unsigned long long)runtime->copy_target.pos, shadow_qualified);
}

// A failed resync: the shadow goes, the old target stays synced, the error shows in table_status.
void abandon_resync(int index, const char* object, ErrorData* edata) {
  mysql_sync::TaskRuntime* runtime = worker_task.runtime;
  SyncTable& table = runtime->tables[index];
  char* shadow = shadow_name_of(table);
  // A repair that fails leaves a stale target: the table is `failed`, its changes stay held back
  // (awaits_repair) until resync_table copies it again.
  char* message = table.awaits_repair
                      ? psprintf("repair failed (its rows changed on the source without row events, and the "
                                 "copy that repairs it did not complete): %s%s%s. Its changes are held back; "
                                 "fix the cause, then resync_table copies it again",
                                 edata->message, edata->hint ? " HINT: " : "", edata->hint ? edata->hint : "")
                      : psprintf("resync failed: %s%s%s", edata->message, edata->hint ? " HINT: " : "",
                                 edata->hint ? edata->hint : "");
  const char* args[4] = {worker_task.name, object, message, table.awaits_repair ? "failed" : "synced"};
  begin_catalog_transaction();
  const char* shadow_qualified = quote_qualified_identifier(table.target_schema.c_str(), shadow);
  exec_on_target(shadow_qualified, psprintf("DROP TABLE IF EXISTS %s", shadow_qualified));
  spi_exec_text(
      "UPDATE mysql_sync.table_state SET state = $4, last_error = $3 "
      " WHERE task = $1 AND source_table = $2",
      4, args);
  spi_exec_text("DELETE FROM mysql_sync.table_requests WHERE task = $1 AND kind IN ('resync', 'repair') AND object = $2",
                2, args);
  set_detail(nullptr);
  end_catalog_transaction();
  MYSQL_SYNC_CXX(worker_task.name, table.resync_pending = false);
}

void service_resyncs(void) {
  mysql_sync::TaskRuntime* runtime = worker_task.runtime;
  for (volatile int r = 0; r < request_count; r++) {
    if (strcmp(requests[r].kind, "resync") != 0 && strcmp(requests[r].kind, "repair") != 0) continue;
    int index = find_table(requests[r].object);
    if (index < 0) {  // removed meanwhile
      begin_catalog_transaction();
      delete_request(requests[r]);
      end_catalog_transaction();
      continue;
    }
    if (runtime->tables[index].resync_pending) continue;  // copied; the swap deletes the request
    MemoryContext context = CurrentMemoryContext;
    PG_TRY();
    { copy_into_shadow(requests[r], index); }
    PG_CATCH();
    {
      ErrorData* edata = recover_from_error(context);
      abandon_resync(index, requests[r].object, edata);
    }
    PG_END_TRY();
    if (shadow_copy.running) return;  // one copy at a time; the next request waits for its end
  }
}

bool swap_due_for(const SyncTable& table, const mysql_sync::SourceItem* item) {
  if (!table.resync_pending) return false;
  int order = mysql_sync::compare_positions(item->end, table.resync_at);
  // A transaction ending at the snapshot's position is in the copy and is applied to the old
  // target first; a heartbeat or position there says everything up to it was applied.
  return order > 0 || (order == 0 && item->kind != mysql_sync::SourceItem::Kind::transaction);
}

// The shadow replaces the target (mysql_sync._swap_resynced_table); it drops the old target,
// so for a Citus table it runs as origin (bgworker/citus.h).
void swap_resynced(const SyncTable& table, const char* const* swap_args) {
  exec_on_target(quote_qualified_identifier(table.target_schema.c_str(), table.target_name.c_str()),
                 "SELECT mysql_sync._swap_resynced_table($1, $2, $3)", 3, swap_args);
}

void swap_one(int index) {
  mysql_sync::TaskRuntime* runtime = worker_task.runtime;
  SyncTable& table = runtime->tables[index];
  char* object = source_table_name(index);
  char* pos = psprintf("%llu", (unsigned long long)table.resync_at.pos);
  const char* swap_args[3] = {table.target_schema.c_str(), table.target_name.c_str(),
                              table.shadow_name.c_str()};
  const char* args[4] = {worker_task.name, object, table.resync_at.file.c_str(), pos};
  begin_catalog_transaction();
  swap_resynced(table, swap_args);
  set_target_identities(index);
  spi_exec_text(
      "UPDATE mysql_sync.table_state SET state = 'synced', copy_file = $3, copy_pos = $4::bigint, "
      "       last_error = NULL, unlogged_rows_ignored = 0 WHERE task = $1 AND source_table = $2",
      4, args);
  spi_exec_text("DELETE FROM mysql_sync.table_requests WHERE task = $1 AND kind IN ('resync', 'repair') AND object = $2",
                2, args);
  set_detail(nullptr);
  end_catalog_transaction();
  analyze_citus_table(quote_qualified_identifier(table.target_schema.c_str(), table.target_name.c_str()));
  elog(LOG, "mysql_sync task \"%s\": resync of %s done: the fresh copy replaced the target at %s:%llu",
       worker_task.name, object, table.resync_at.file.c_str(), (unsigned long long)table.resync_at.pos);
  MYSQL_SYNC_CXX(worker_task.name, {
    table.resync_pending = false;
    table.awaits_repair = false;
    table.copy_done = true;
    table.copied_at = table.resync_at;
  });
}

// The shadow holds the snapshot at P and the stream has applied the table's changes up to S >= P
// to the old target, those after P being in the spool too: in one transaction the shadow replaces
// the target and the spooled changes are applied to it, so it stands at S like the other tables.
void swap_with_spool(int index) {
  mysql_sync::TaskRuntime* runtime = worker_task.runtime;
  SyncTable& table = runtime->tables[index];
  char* object = source_table_name(index);
  const mysql_sync::BinlogPosition& at = runtime->copy_target;
  char* pos = psprintf("%llu", (unsigned long long)at.pos);
  char rows_text[32], invalid_text[32];
  snprintf(rows_text, sizeof rows_text, "%lld", (long long)shadow_copy.rows);
  int64 invalid = 0;
  uint64 spooled_changes = 0;
  MYSQL_SYNC_CXX(worker_task.name, {
    invalid = (int64)runtime->copy->invalid_values();
    runtime->resync_replay = runtime->resync_spool->finish();
    runtime->resync_spool.reset();
    spooled_changes = runtime->resync_replay->changes();
  });
  snprintf(invalid_text, sizeof invalid_text, "%lld", (long long)invalid);
  const char* swap_args[3] = {table.target_schema.c_str(), table.target_name.c_str(),
                              table.shadow_name.c_str()};
  const char* args[6] = {worker_task.name, object, at.file.c_str(), pos, rows_text, invalid_text};
  begin_catalog_transaction();
  swap_resynced(table, swap_args);
  reset_appliers();  // the target is another relation now
  for (;;) {
    bool more = false;
    MYSQL_SYNC_CXX(worker_task.name,
                   more = runtime->resync_replay->read_chunk(runtime->spill_chunk, spill_chunk_bytes()));
    if (!more) break;
    for (const mysql_sync::TableChange& change : runtime->spill_chunk)
      apply_change(change, runtime->last_end);
    CHECK_FOR_INTERRUPTS();
  }
  apply_batch_end();
  set_target_identities(index);
  spi_exec_text(
      "UPDATE mysql_sync.table_state SET state = 'synced', copy_file = $3, copy_pos = $4::bigint, "
      "       rows_copied = $5::bigint, invalid_values = invalid_values + $6::bigint, last_error = NULL, "
      "       unlogged_rows_ignored = 0 WHERE task = $1 AND source_table = $2",
      6, args);
  spi_exec_text("UPDATE mysql_sync.task_state SET rows_copied = rows_copied + $5::bigint WHERE task = $1", 6,
                args);
  spi_exec_text("DELETE FROM mysql_sync.table_requests WHERE task = $1 AND kind IN ('resync', 'repair') AND object = $2",
                2, args);
  set_detail(nullptr);
  end_catalog_transaction();
  reset_appliers();
  analyze_citus_table(quote_qualified_identifier(table.target_schema.c_str(), table.target_name.c_str()));
  elog(LOG,
       "mysql_sync task \"%s\": resync of %s done: the fresh copy (%lld rows at %s:%llu) and %llu changes "
       "applied since replaced the target at %s:%llu",
       worker_task.name, object, (long long)shadow_copy.rows, at.file.c_str(), (unsigned long long)at.pos,
       (unsigned long long)spooled_changes, runtime->last_end.file.c_str(),
       (unsigned long long)runtime->last_end.pos);
  MYSQL_SYNC_CXX(worker_task.name, {
    runtime->resync_replay.reset();
    std::vector<mysql_sync::TableChange>().swap(runtime->spill_chunk);
    table.resync_pending = false;
    table.awaits_repair = false;
    table.copy_done = true;
    table.copied_at = at;
  });
}

// The copy is complete at P. With the stream at or past P the shadow catches up from the spool and
// replaces the target now; behind P (nothing spooled) it replaces it when the stream gets there.
void finish_shadow_copy(void) {
  mysql_sync::TaskRuntime* runtime = worker_task.runtime;
  int index = shadow_copy.index;
  SyncTable& table = runtime->tables[index];
  bool stream_behind = mysql_sync::compare_positions(runtime->last_end, runtime->copy_target) < 0;
  if (!stream_behind) {
    swap_with_spool(index);
  } else {
    int64 invalid = 0;
    MYSQL_SYNC_CXX(worker_task.name, {
      invalid = (int64)runtime->copy->invalid_values();
      runtime->resync_spool.reset();  // empty: nothing after P was applied
    });
    const mysql_sync::BinlogPosition& at = runtime->copy_target;
    char rows_text[32], invalid_text[32];
    snprintf(rows_text, sizeof rows_text, "%lld", (long long)shadow_copy.rows);
    snprintf(invalid_text, sizeof invalid_text, "%lld", (long long)invalid);
    const char* args[4] = {worker_task.name, shadow_copy.object, rows_text, invalid_text};
    begin_catalog_transaction();
    spi_exec_text(
        "UPDATE mysql_sync.table_state SET rows_copied = $3::bigint, "
        "       invalid_values = invalid_values + $4::bigint WHERE task = $1 AND source_table = $2",
        4, args);
    spi_exec_text("UPDATE mysql_sync.task_state SET rows_copied = rows_copied + $3::bigint WHERE task = $1",
                  3, args);
    set_detail(
        psprintf("resync of %s: %lld rows copied at %s:%llu; the stream catches up to there, then %s "
                 "replaces the target",
                 shadow_copy.object, (long long)shadow_copy.rows, at.file.c_str(), (unsigned long long)at.pos,
                 quote_qualified_identifier(table.target_schema.c_str(), table.shadow_name.c_str())));
    end_catalog_transaction();
    MYSQL_SYNC_CXX(worker_task.name, {
      table.resync_pending = true;
      table.resync_at = at;
    });
    elog(LOG,
         "mysql_sync task \"%s\": resync of %s copied %lld rows at %s:%llu; the swap waits for the stream",
         worker_task.name, shadow_copy.object, (long long)shadow_copy.rows, at.file.c_str(),
         (unsigned long long)at.pos);
  }
  shadow_copy.running = false;
  close_snapshot();
  count_pending_swaps();
  checked_once = false;  // other requests may have waited for this copy
}

// One piece of the running copy in its own transaction; the last one finishes the resync.
void copy_piece(void) {
  bool finished = false;
  begin_catalog_transaction();
  uint64 rows = copy_table_piece(shadow_copy.index, shadow_copy.shadow, kPieceMs, &finished);
  shadow_copy.rows += (int64)rows;
  char rows_text[32];
  snprintf(rows_text, sizeof rows_text, "%lld", (long long)shadow_copy.rows);
  const char* args[3] = {worker_task.name, shadow_copy.object, rows_text};
  if (rows > 0)
    spi_exec_text(
        "UPDATE mysql_sync.table_state SET rows_copied = $3::bigint WHERE task = $1 AND source_table = $2", 3,
        args);
  keep_table_copy_detail();
  end_catalog_transaction();
  publish_rows_copied(worker_task.slot, shadow_copy.rows_before + shadow_copy.rows, 0);
  if (finished) finish_shadow_copy();
}

// The reader stops for the time of a copy: a reader whose queue is full stops reading its socket, and
// the source drops a replica it cannot write to for net_write_timeout (60 s by default). Its queue
// goes with it (nothing in it was applied); a new reader starts from the applied position.
void stop_reader(void) {
  mysql_sync::TaskRuntime* runtime = worker_task.runtime;
  MYSQL_SYNC_CXX(worker_task.name, {
    if (runtime->reader) runtime->reader->stop();
    runtime->reader.reset();
  });
}

void restart_reader(void) {
  reset_appliers();
  stop_reader();
  start_reader(worker_task.runtime->last_end);
}

// Whether servicing the requests copies a table in one go (the stream waits meanwhile).
bool requests_copy(void) {
  for (int r = 0; r < request_count; r++) {
    if (strcmp(requests[r].kind, "add") == 0) return true;  // a resync copies in pieces
  }
  return false;
}

}  // namespace

bool table_requests_waiting(void) {
  if (shadow_copy.running) return false;  // serviced once the copy is over
  return !checked_once || current_generation() != seen_generation;
}

bool table_copy_running(void) {
  return shadow_copy.running;
}

void keep_table_copy_detail(void) {
  if (!shadow_copy.running) return;
  const SyncTable& table = worker_task.runtime->tables[shadow_copy.index];
  set_detail(psprintf("resync of %s: copying into %s (%lld rows so far) while the other tables stream",
                      shadow_copy.object,
                      quote_qualified_identifier(table.target_schema.c_str(), table.shadow_name.c_str()),
                      (long long)shadow_copy.rows));
}

void copy_next_piece(void) {
  if (!shadow_copy.running) return;
  int index = shadow_copy.index;
  MemoryContext context = CurrentMemoryContext;
  PG_TRY();
  { copy_piece(); }
  PG_CATCH();
  {
    if (request_context == nullptr)
      request_context =
          AllocSetContextCreate(TopMemoryContext, "mysql_sync table requests", ALLOCSET_SMALL_SIZES);
    char* object = MemoryContextStrdup(request_context, shadow_copy.object);
    ErrorData* edata = recover_from_error(context);
    abandon_resync(index, object, edata);
    checked_once = false;
  }
  PG_END_TRY();
}

void interrupt_table_copy(const char* reason) {
  if (!shadow_copy.running) return;
  mysql_sync::TaskRuntime* runtime = worker_task.runtime;
  SyncTable& table = runtime->tables[shadow_copy.index];
  const char* shadow = quote_qualified_identifier(table.target_schema.c_str(), table.shadow_name.c_str());
  const char* args[3] = {worker_task.name, shadow_copy.object, table.awaits_repair ? "pending" : "synced"};
  shadow_copy.running = false;
  close_snapshot();
  MYSQL_SYNC_CXX(worker_task.name, runtime->resync_spool.reset());
  begin_catalog_transaction();
  exec_on_target(shadow, psprintf("DROP TABLE IF EXISTS %s", shadow));
  spi_exec_text("UPDATE mysql_sync.table_state SET state = $3 WHERE task = $1 AND source_table = $2", 3, args);
  end_catalog_transaction();
  elog(LOG, "mysql_sync task \"%s\": the resync of %s starts again after %s", worker_task.name,
       shadow_copy.object, reason);
  checked_once = false;  // its request is still recorded: serviced again from a new snapshot
}

void note_applied_change(const mysql_sync::TableChange& change, const mysql_sync::BinlogPosition& end) {
  if (!shadow_copy.running || (int)change.table != shadow_copy.index) return;
  mysql_sync::TaskRuntime* runtime = worker_task.runtime;
  MYSQL_SYNC_CXX(worker_task.name, {
    if (mysql_sync::compare_positions(end, runtime->copy_target) > 0) runtime->resync_spool->append(change);
  });
}

bool service_table_requests(void) {
  seen_generation = current_generation();
  checked_once = true;
  load_requests();
  if (request_count == 0) return false;
  bool copies = requests_copy();
  if (copies) stop_reader();
  bool changed = service_removals();
  changed = service_additions() || changed;
  service_resyncs();
  count_pending_swaps();
  if (changed || copies) restart_reader();
  return changed;
}

bool resync_swap_due(const mysql_sync::SourceItem* item) {
  if (pending_swaps == 0 || item->kind == mysql_sync::SourceItem::Kind::failure) return false;
  for (const SyncTable& table : worker_task.runtime->tables)
    if (swap_due_for(table, item)) return true;
  return false;
}

void swap_resynced_tables(const mysql_sync::SourceItem* item) {
  mysql_sync::TaskRuntime* runtime = worker_task.runtime;
  for (volatile size_t i = 0; i < runtime->tables.size(); i++) {
    if (!swap_due_for(runtime->tables[i], item)) continue;
    MemoryContext context = CurrentMemoryContext;
    PG_TRY();
    { swap_one((int)i); }
    PG_CATCH();
    {
      if (request_context == nullptr)
        request_context =
            AllocSetContextCreate(TopMemoryContext, "mysql_sync table requests", ALLOCSET_SMALL_SIZES);
      ErrorData* edata = recover_from_error(context);
      abandon_resync((int)i, source_table_name((int)i), edata);
    }
    PG_END_TRY();
  }
  count_pending_swaps();
  reset_appliers();  // the targets are other relations now
}

void request_repair(int index, const char* reason) {
  SyncTable& table = worker_task.runtime->tables[index];
  char* object = source_table_name(index);
  const char* args[2] = {worker_task.name, object};
  spi_exec_text(
      "INSERT INTO mysql_sync.table_requests (task, kind, object) SELECT $1, 'repair', $2 "
      " WHERE NOT EXISTS (SELECT FROM mysql_sync.table_requests WHERE task = $1 AND kind = 'repair' AND object = $2)",
      2, args);
  spi_exec_text("UPDATE mysql_sync.table_state SET state = 'pending' WHERE task = $1 AND source_table = $2", 2,
                args);
  MYSQL_SYNC_CXX(worker_task.name, table.awaits_repair = true);
  note_table_requests(worker_task.slot);  // this worker: serviced after this transaction
  elog(LOG,
       "mysql_sync task \"%s\": %s: %s; it is copied again (an automatic resync) while the stream goes on, "
       "and its changes are held back from the stale target until then",
       worker_task.name, object, reason);
}

bool change_in_copy(const mysql_sync::TableChange& change, const mysql_sync::BinlogPosition& end) {
  const SyncTable& table = worker_task.runtime->tables[change.table];
  return table.copy_done && mysql_sync::compare_positions(end, table.copied_at) <= 0;
}
