#include "bgworker/table_requests.h"

#include "bgworker/apply.h"
#include "bgworker/backfill.h"
#include "bgworker/catalog.h"
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
#include "utils/lsyscache.h"
#include "utils/memutils.h"
}

using mysql_sync::SyncTable;

namespace {

constexpr const char* kShadowSuffix = "__mysql_sync_resync";

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
  const SyncTable& table = worker_task.runtime->tables[index];
  return psprintf("%s.%s", table.source_schema.c_str(), table.source_name.c_str());
}

int find_table(const char* source_table) {
  mysql_sync::TaskRuntime* runtime = worker_task.runtime;
  for (size_t i = 0; i < runtime->tables.size(); i++) {
    const SyncTable& table = runtime->tables[i];
    size_t schema = table.source_schema.size();
    if (strncmp(source_table, table.source_schema.c_str(), schema) == 0 && source_table[schema] == '.' &&
        strcmp(source_table + schema + 1, table.source_name.c_str()) == 0)
      return (int)i;
  }
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

// Drops the table's resync shadow, if any (a Citus table's as origin: bgworker/citus.h).
void drop_shadow(const SyncTable& table) {
  const char* shadow = quote_qualified_identifier(table.target_schema.c_str(), shadow_name_of(table));
  exec_on_target(shadow, psprintf("DROP TABLE IF EXISTS %s", shadow));
}

// After an ERROR caught while servicing a request: the transaction is rolled back. Returns the
// error (in request_context). Connection failures are raised again: the task fails, the launcher
// retries, and the request, still recorded, is serviced then.
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
  reset_appliers();
  ereport(WARNING, (errcode(edata->sqlerrcode), errmsg("%s", edata->message),
                    edata->hint ? errhint("%s", edata->hint) : 0));
  return edata;
}

// A failed alter_sync request: forgotten, its error in status.last_error.
void drop_failed_request(const char* kind, const char* object, ErrorData* edata) {
  char* message = psprintf("alter_sync %s %s failed: %s%s%s", kind, object, edata->message,
                           edata->hint ? " HINT: " : "", edata->hint ? edata->hint : "");
  const char* args[4] = {worker_task.name, message, unpack_sql_state(edata->sqlerrcode), object};
  begin_catalog_transaction();
  spi_exec_text("DELETE FROM mysql_sync.table_requests WHERE task = $1 AND kind = 'add' AND object = $4", 4,
                args);
  spi_exec_text(
      "UPDATE mysql_sync.task_state SET last_error = $2, last_sqlstate = $3, last_error_at = now(), "
      "       detail = NULL, updated_at = now() WHERE task = $1",
      3, args);
  end_catalog_transaction();
}

// The reader starts again from the applied position with the table list (its queue goes with the
// old one: nothing in it was applied).
void restart_reader(void) {
  mysql_sync::TaskRuntime* runtime = worker_task.runtime;
  reset_appliers();
  MYSQL_SYNC_CXX(worker_task.name, {
    if (runtime->reader) runtime->reader->stop();
    runtime->reader.reset();
  });
  start_reader(runtime->last_end);
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
    BackfillRole role = backfill_role((int)i);
    if (role == BackfillRole::with_shadow || role == BackfillRole::shadow_only) {
      const char* shadow = quote_qualified_identifier(table.target_schema.c_str(), table.shadow_name.c_str());
      exec_on_target(shadow, psprintf("DROP TABLE IF EXISTS %s", shadow));
    }
    const char* args[2] = {worker_task.name, source_table_name((int)i)};
    spi_exec_text("DELETE FROM mysql_sync.table_state WHERE task = $1 AND source_table = $2", 2, args);
    spi_exec_text(
        "DELETE FROM mysql_sync.table_requests WHERE task = $1 AND kind IN ('resync', 'repair') AND object = "
        "$2",
        2, args);
    elog(LOG, "mysql_sync task \"%s\": alter_sync removed %s (its target table is kept)", worker_task.name,
         source_table_name((int)i));
  }
  store_objects();
  set_detail(nullptr);
  end_catalog_transaction();

  backfill_tables_removed(removed);
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

// The new tables matching one add request join the task in one transaction: their targets, their
// table_state rows and backfills (bgworker/backfill.h), the request's end and the task's objects.
// Their changes are applied from the stream's position on, the rows by the backfill meanwhile.
// Returns how many joined.
int add_tables(const Request& request) {
  mysql_sync::TaskRuntime* runtime = worker_task.runtime;
  const size_t first = runtime->tables.size();
  MYSQL_SYNC_CXX(worker_task.name, {
    std::vector<SyncTable> described = runtime->describe(mysql_sync::ObjectPatterns({request.object}));
    for (SyncTable& table : described) {
      bool known = false;
      for (size_t i = 0; i < first; i++)
        known = known || runtime->tables[i].source_table() == table.source_table();
      if (!known) runtime->tables.push_back(std::move(table));
    }
    next_objects = runtime->patterns->patterns();
    bool listed = false;
    for (const std::string& p : next_objects) listed = listed || p == request.object;
    if (!listed) next_objects.push_back(request.object);
  });
  const int count = (int)(runtime->tables.size() - first);
  begin_catalog_transaction();
  if (count > 0) detect_target_dialect();
  for (int k = 0; k < count; k++) {
    const int index = (int)first + k;
    bool created = prepare_added_table(index);
    MYSQL_SYNC_CXX(worker_task.name, runtime->tables[index].created_target = created);
    if (created) add_keys(index);  // at once: the stream writes it from now on
    write_table_state(index, worker_task.sync_data ? "pending" : "synced", created);
    if (worker_task.sync_data)
      backfill_begin(index, mysql_sync::BackfillKind::add, false);
    else if (created)
      set_target_identities(index);
    elog(LOG, "mysql_sync task \"%s\": alter_sync adds %s, streamed from %s:%llu%s", worker_task.name,
         source_table_name(index), runtime->last_end.file.c_str(), (unsigned long long)runtime->last_end.pos,
         worker_task.sync_data ? " while its rows are copied in chunks" : "");
  }
  delete_request(request);
  if (count > 0) store_objects();
  set_detail(nullptr);
  end_catalog_transaction();
  if (count == 0)
    elog(LOG, "mysql_sync task \"%s\": alter_sync add %s: no new table matches", worker_task.name,
         request.object);
  else
    MYSQL_SYNC_CXX(worker_task.name,
                   runtime->patterns = std::make_unique<mysql_sync::ObjectPatterns>(next_objects));
  return count;
}

bool service_additions(void) {
  mysql_sync::TaskRuntime* runtime = worker_task.runtime;
  volatile bool changed = false;
  for (volatile int r = 0; r < request_count; r++) {
    if (strcmp(requests[r].kind, "add") != 0) continue;
    const size_t before = runtime->tables.size();
    MemoryContext context = CurrentMemoryContext;
    PG_TRY();
    {
      if (add_tables(requests[r]) > 0) changed = true;
    }
    PG_CATCH();
    {
      ErrorData* edata = recover_from_error(context);
      // Nothing of the request committed: the tables it described are forgotten.
      for (size_t i = runtime->tables.size(); i-- > before;) backfill_cancel((int)i);
      MYSQL_SYNC_CXX(worker_task.name, runtime->tables.resize(before));
      drop_failed_request(requests[r].kind, requests[r].object, edata);
    }
    PG_END_TRY();
  }
  return changed;
}

// ---- resync -----------------------------------------------------------------------------------

// Starts the backfill of the table into a new shadow (LIKE its target, with its indexes); the
// stream fills the shadow too meanwhile (bgworker/backfill.h). One transaction.
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
  const char* check_args[1] = {qualified};
  spi_exec_text("SELECT mysql_sync._resync_blockers($1::regclass)", 1, check_args);
  char* blockers = SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1);
  if (blockers != nullptr)
    ereport(ERROR,
            (errcode(ERRCODE_DEPENDENT_OBJECTS_STILL_EXIST),
             errmsg("mysql_sync task \"%s\": cannot resync %s: the target %s is replaced at the end, and %s "
                    "depend on it",
                    worker_task.name, request.object, qualified, blockers),
             errhint("Drop them, call resync_table again, and create them again afterwards.")));
  exec_on_target(shadow_qualified,
                 psprintf("DROP TABLE IF EXISTS %s", shadow_qualified));  // of an abandoned run
  spi_exec_text(psprintf("CREATE TABLE %s (LIKE %s INCLUDING ALL)", shadow_qualified, qualified), 0, nullptr);
  distribute_like(shadow_qualified, qualified);  // a Citus target's shadow is one too, colocated with it
  char estimate[32];
  snprintf(estimate, sizeof estimate, "%lld", (long long)table.source.rows_estimate);
  const char* args[3] = {worker_task.name, request.object, estimate};
  spi_exec_text(
      "UPDATE mysql_sync.table_state SET rows_estimate = $3::bigint WHERE task = $1 AND source_table = $2", 3,
      args);
  MYSQL_SYNC_CXX(worker_task.name, table.shadow_name = shadow);
  backfill_begin(index,
                 table.awaits_repair ? mysql_sync::BackfillKind::repair : mysql_sync::BackfillKind::resync,
                 false);
  end_catalog_transaction();
  reset_appliers();  // the shadow joins the apply
  elog(LOG,
       "mysql_sync task \"%s\": resync of %s: copying into %s in chunks from %s:%llu, while the other tables "
       "stream",
       worker_task.name, request.object, shadow_qualified, runtime->last_end.file.c_str(),
       (unsigned long long)runtime->last_end.pos);
}

// A failed resync: the shadow goes, the old target stays synced, the error shows in table_status.
void abandon_resync(int index, const char* object, ErrorData* edata) {
  mysql_sync::TaskRuntime* runtime = worker_task.runtime;
  SyncTable& table = runtime->tables[index];
  // A repair that fails leaves a stale target: the table is `failed`, its changes stay held back
  // (awaits_repair) until resync_table copies it again.
  char* message = table.awaits_repair
                      ? psprintf(
                            "repair failed (its rows changed on the source without row events, and the "
                            "copy that repairs it did not complete): %s%s%s. Its changes are held back; "
                            "fix the cause, then resync_table copies it again",
                            edata->message, edata->hint ? " HINT: " : "", edata->hint ? edata->hint : "")
                      : psprintf("resync failed: %s%s%s", edata->message, edata->hint ? " HINT: " : "",
                                 edata->hint ? edata->hint : "");
  const char* args[4] = {worker_task.name, object, message, table.awaits_repair ? "failed" : "synced"};
  begin_catalog_transaction();
  drop_shadow(table);
  spi_exec_text(
      "UPDATE mysql_sync.table_state SET state = $4, last_error = $3, backfill = NULL "
      " WHERE task = $1 AND source_table = $2",
      4, args);
  spi_exec_text(
      "DELETE FROM mysql_sync.table_requests WHERE task = $1 AND kind IN ('resync', 'repair') AND object = "
      "$2",
      2, args);
  set_detail(nullptr);
  end_catalog_transaction();
}

void service_resyncs(void) {
  for (volatile int r = 0; r < request_count; r++) {
    if (strcmp(requests[r].kind, "resync") != 0 && strcmp(requests[r].kind, "repair") != 0) continue;
    int index = find_table(requests[r].object);
    if (index < 0) {  // removed meanwhile
      begin_catalog_transaction();
      delete_request(requests[r]);
      end_catalog_transaction();
      continue;
    }
    BackfillRole role = backfill_role(index);
    if (role == BackfillRole::with_shadow || role == BackfillRole::shadow_only) continue;  // copying
    MemoryContext context = CurrentMemoryContext;
    PG_TRY();
    { copy_into_shadow(requests[r], index); }
    PG_CATCH();
    {
      ErrorData* edata = recover_from_error(context);
      backfill_cancel(index);
      abandon_resync(index, requests[r].object, edata);
    }
    PG_END_TRY();
  }
}

}  // namespace

bool table_requests_waiting(void) {
  return !checked_once || current_generation() != seen_generation;
}

bool service_table_requests(void) {
  seen_generation = current_generation();
  checked_once = true;
  load_requests();
  if (request_count == 0) return false;
  bool changed = service_removals();
  changed = service_additions() || changed;
  service_resyncs();
  if (changed) restart_reader();
  return changed;
}

void finish_added_table(int index) {
  const SyncTable& table = worker_task.runtime->tables[index];
  char* object = source_table_name(index);
  begin_catalog_transaction();
  if (table.created_target) set_target_identities(index);
  mark_copied_table_synced(object, "alter_sync added");
}

void finish_resync(int index) {
  mysql_sync::TaskRuntime* runtime = worker_task.runtime;
  SyncTable& table = runtime->tables[index];
  char* object = source_table_name(index);
  const char* swap_args[3] = {table.target_schema.c_str(), table.target_name.c_str(),
                              table.shadow_name.c_str()};
  const char* args[2] = {worker_task.name, object};
  begin_catalog_transaction();
  // It drops the old target: for a Citus table as origin (bgworker/citus.h).
  exec_on_target(quote_qualified_identifier(table.target_schema.c_str(), table.target_name.c_str()),
                 "SELECT mysql_sync._swap_resynced_table($1, $2, $3)", 3, swap_args);
  set_target_identities(index);
  spi_exec_text(
      "UPDATE mysql_sync.table_state SET state = 'synced', backfill = NULL, last_error = NULL, "
      "       unlogged_rows_ignored = 0 WHERE task = $1 AND source_table = $2",
      2, args);
  spi_exec_text(
      "DELETE FROM mysql_sync.table_requests WHERE task = $1 AND kind IN ('resync', 'repair') AND object = "
      "$2",
      2, args);
  char *rows, *chunks;
  read_copy_counts(object, &rows, &chunks);
  set_detail(nullptr);
  end_catalog_transaction();
  reset_appliers();  // the target is another relation now
  analyze_citus_table(quote_qualified_identifier(table.target_schema.c_str(), table.target_name.c_str()));
  MYSQL_SYNC_CXX(worker_task.name, table.awaits_repair = false);
  elog(LOG,
       "mysql_sync task \"%s\": resync of %s done: the fresh copy (%s rows in %s chunks) replaced the target "
       "at "
       "%s:%llu",
       worker_task.name, object, rows, chunks, runtime->last_end.file.c_str(),
       (unsigned long long)runtime->last_end.pos);
}

void backfill_failed(int index, mysql_sync::BackfillKind kind, ErrorData* edata) {
  mysql_sync::TaskRuntime* runtime = worker_task.runtime;
  char* object = source_table_name(index);
  ereport(WARNING, (errcode(edata->sqlerrcode), errmsg("%s", edata->message),
                    edata->hint ? errhint("%s", edata->hint) : 0));
  if (kind != mysql_sync::BackfillKind::add) {
    abandon_resync(index, object, edata);
    return;
  }
  // An added table whose copy failed leaves the task again (its target too, if it made it).
  const SyncTable& table = runtime->tables[index];
  const char* args[2] = {worker_task.name, object};
  begin_catalog_transaction();
  if (table.created_target) {
    const char* target = quote_qualified_identifier(table.target_schema.c_str(), table.target_name.c_str());
    exec_on_target(target, psprintf("DROP TABLE IF EXISTS %s", target));
  }
  spi_exec_text("DELETE FROM mysql_sync.table_state WHERE task = $1 AND source_table = $2", 2, args);
  spi_exec_text("DELETE FROM mysql_sync.schema_history WHERE task = $1 AND source_table = $2", 2, args);
  end_catalog_transaction();
  bool* removed = static_cast<bool*>(palloc0(sizeof(bool) * (runtime->tables.size() + 1)));
  removed[index] = true;
  backfill_tables_removed(removed);
  MYSQL_SYNC_CXX(worker_task.name, runtime->tables.erase(runtime->tables.begin() + index));
  drop_failed_request("add", object, edata);
  resize_batch_counters();
  restart_reader();
}

void restart_resync(int index) {
  const SyncTable& table = worker_task.runtime->tables[index];
  const char* args[3] = {worker_task.name, source_table_name(index),
                         table.awaits_repair ? "pending" : "synced"};
  drop_shadow(table);
  spi_exec_text(
      "UPDATE mysql_sync.table_state SET state = $3, backfill = NULL WHERE task = $1 AND source_table = $2",
      3, args);
  elog(LOG, "mysql_sync task \"%s\": the resync of %s starts again after a DDL of the table",
       worker_task.name, args[1]);
  checked_once = false;  // its request is still recorded: serviced again, into a new shadow
}

bool resume_resync(int index) {
  mysql_sync::TaskRuntime* runtime = worker_task.runtime;
  SyncTable& table = runtime->tables[index];
  char* shadow = shadow_name_of(table);
  Oid nsp = get_namespace_oid(table.target_schema.c_str(), true);
  if (!OidIsValid(nsp) || !OidIsValid(get_relname_relid(shadow, nsp))) return false;
  MYSQL_SYNC_CXX(worker_task.name, table.shadow_name = shadow);
  return true;
}

void request_repair(int index, const char* reason) {
  backfill_table_changed(index, false);  // a running resync starts again, as a repair
  SyncTable& table = worker_task.runtime->tables[index];
  char* object = source_table_name(index);
  const char* args[2] = {worker_task.name, object};
  spi_exec_text(
      "INSERT INTO mysql_sync.table_requests (task, kind, object) SELECT $1, 'repair', $2 "
      " WHERE NOT EXISTS (SELECT FROM mysql_sync.table_requests WHERE task = $1 AND kind = 'repair' AND "
      "object = $2)",
      2, args);
  spi_exec_text("UPDATE mysql_sync.table_state SET state = 'pending' WHERE task = $1 AND source_table = $2",
                2, args);
  MYSQL_SYNC_CXX(worker_task.name, table.awaits_repair = true);
  note_table_requests(worker_task.slot);  // this worker: serviced after this transaction
  elog(LOG,
       "mysql_sync task \"%s\": %s: %s; it is copied again (an automatic resync) while the stream goes on, "
       "and its changes are held back from the stale target until then",
       worker_task.name, object, reason);
}
