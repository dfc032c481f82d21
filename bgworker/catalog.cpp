#include "bgworker/catalog.h"

#include "source/source_table_json.h"
#include "bgworker/citus.h"
#include "extension/bridge.h"

extern "C" {
#include "access/xact.h"
#include "access/xlog.h"
#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "lib/stringinfo.h"
#include "pgstat.h"
#include "postmaster/postmaster.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/guc.h"
#include "utils/json.h"
#include "utils/snapmgr.h"
#include "utils/timestamp.h"
}

using mysql_sync::SyncTable;

// mysql_sync.errors keeps this many rows per task (older ones are deleted as new ones come).
#define ERRORS_KEPT_PER_TASK "1000"

void begin_catalog_transaction(void) {
  SetCurrentStatementStartTimestamp();
  StartTransactionCommand();
  // Where Citus is installed, a transaction block (bgworker/citus.h says why).
  const bool citus = citus_installed();
  if (citus) {
    BeginTransactionBlock();
    CommitTransactionCommand();
    StartTransactionCommand();
  }
  if (SPI_connect() != SPI_OK_CONNECT) elog(ERROR, "%s: SPI_connect failed", worker_task.label);
  PushActiveSnapshot(GetTransactionSnapshot());
  // Committed durably when Citus may write another node: it commits the nodes' prepared
  // transactions once the local commit is done, so a local commit lost in a crash (the worker's
  // synchronous_commit = off) would leave their writes applied without the position that covers
  // them. A node alone writes only itself (or itself over a connection, whose commit flushes this
  // one's too), and its position and rows are lost or kept together.
  if (citus && citus_has_other_nodes())
    (void)set_config_option("synchronous_commit", "on", PGC_SUSET, PGC_S_OVERRIDE, GUC_ACTION_LOCAL, true, 0,
                            false);
}

void end_catalog_transaction(void) {
  SPI_finish();
  PopActiveSnapshot();
  if (IsTransactionBlock()) (void)EndTransactionBlock(false);
  CommitTransactionCommand();
}

int spi_exec_text(const char* sql, int nargs, const char* const* args) {
  Oid types[16];
  Datum values[16];
  char nulls[16] = {0};
  Assert(nargs <= 16);
  for (int i = 0; i < nargs; i++) {
    types[i] = TEXTOID;
    values[i] = args[i] ? CStringGetTextDatum(args[i]) : (Datum)0;
    nulls[i] = args[i] ? ' ' : 'n';
  }
  int ret = SPI_execute_with_args(sql, nargs, types, values, nulls, false, 0);
  if (ret < 0) elog(ERROR, "%s: SPI failed (%d) for: %s", worker_task.label, ret, sql);
  return ret;
}

static char* top_strdup(const char* s) {
  return s ? MemoryContextStrdup(TopMemoryContext, s) : nullptr;
}

static char* pstrdup_or_null(const char* s) {
  return s ? pstrdup(s) : nullptr;
}

static char* column_value(int row, int column) {
  return SPI_getvalue(SPI_tuptable->vals[row], SPI_tuptable->tupdesc, column);
}

// Copies column `column` of every row into a TopMemoryContext array.
static char** column_strings(int column, int* count) {
  *count = (int)SPI_processed;
  char** out = static_cast<char**>(MemoryContextAllocZero(TopMemoryContext, sizeof(char*) * (*count + 1)));
  for (int i = 0; i < *count; i++) out[i] = top_strdup(column_value(i, column));
  return out;
}

bool load_task(void) {
  WorkerTask* t = &worker_task;
  const char* args[1] = {t->name};
  char** objects;
  char** map_keys;
  char** map_values;
  int object_count, map_count;
  char* invalid_dates;
  int64 server_id;

  begin_catalog_transaction();
  spi_exec_text(
      "SELECT c.source, c.existing_tables, c.enabled, c.server_id, s.state, s.source_file, s.source_pos, "
      "       s.source_gtid, 'schema' = ANY (c.initial_sync), 'data' = ANY (c.initial_sync), "
      "       'insert' = ANY (c.operations), 'update' = ANY (c.operations), 'delete' = ANY (c.operations), "
      "       COALESCE(c.options ->> 'invalid_dates', 'null'), "
      "       COALESCE((c.options ->> 'foreign_keys')::boolean, false), "
      "       COALESCE((c.options ->> 'max_rows_per_second')::numeric::bigint, 0), "
      "       'alter' = ANY (c.operations), s.paused_ddl_file, s.paused_ddl_pos, "
      "       LEAST(COALESCE((c.options ->> 'parallel')::numeric, 2), 64)::int, "
      "       COALESCE(c.options ->> 'consistency', 'auto'), "
      "       COALESCE((c.options ->> 'shard_count')::int, 0) "
      "  FROM mysql_sync.task_config c JOIN mysql_sync.task_state s USING (task) WHERE c.task = $1 "
      "   FOR SHARE OF c",  // waits for an uncommitted stop_sync or drop_sync of this task
      1, args);
  if (SPI_processed != 1) {
    end_catalog_transaction();
    return false;
  }
  t->source = top_strdup(column_value(0, 1));
  strlcpy(t->existing_tables, column_value(0, 2), sizeof t->existing_tables);
  t->enabled = strcmp(column_value(0, 3), "t") == 0;
  server_id = strtoll(column_value(0, 4), nullptr, 10);
  strlcpy(t->state, column_value(0, 5), sizeof t->state);
  t->source_file = top_strdup(column_value(0, 6));
  char* pos = column_value(0, 7);
  t->source_pos = pos ? strtoll(pos, nullptr, 10) : 4;
  t->source_gtid = top_strdup(column_value(0, 8));
  t->sync_schema = strcmp(column_value(0, 9), "t") == 0;
  t->sync_data = strcmp(column_value(0, 10), "t") == 0;
  t->apply_insert = strcmp(column_value(0, 11), "t") == 0;
  t->apply_update = strcmp(column_value(0, 12), "t") == 0;
  t->apply_delete = strcmp(column_value(0, 13), "t") == 0;
  invalid_dates = top_strdup(column_value(0, 14));
  bool foreign_keys = strcmp(column_value(0, 15), "t") == 0;
  int64 max_rows_per_second = strtoll(column_value(0, 16), nullptr, 10);
  bool alter_enabled = strcmp(column_value(0, 17), "t") == 0;
  char* paused_ddl_file = top_strdup(column_value(0, 18));
  char* paused_ddl_pos = top_strdup(column_value(0, 19));
  int parallel = atoi(column_value(0, 20));
  char* consistency = top_strdup(column_value(0, 21));
  int shard_count = atoi(column_value(0, 22));

  spi_exec_text("SELECT unnest(objects) FROM mysql_sync.task_config WHERE task = $1", 1, args);
  objects = column_strings(1, &object_count);
  spi_exec_text("SELECT key, value FROM mysql_sync.task_config, jsonb_each_text(name_map) WHERE task = $1", 1,
                args);
  map_keys = column_strings(1, &map_count);
  map_values = column_strings(2, &map_count);
  int ddl_count;
  spi_exec_text(
      "SELECT d.key, d.value FROM mysql_sync.task_config c, jsonb_each_text(c.options -> 'ddl') d "
      "WHERE c.task = $1 AND jsonb_typeof(c.options -> 'ddl') = 'object'",
      1, args);
  char** ddl_kinds = column_strings(1, &ddl_count);
  char** ddl_policies = column_strings(2, &ddl_count);
  int reference_count;
  spi_exec_text(
      "SELECT jsonb_array_elements_text(c.options -> 'reference_tables') FROM mysql_sync.task_config c "
      "WHERE c.task = $1 AND jsonb_typeof(c.options -> 'reference_tables') = 'array'",
      1, args);
  char** reference_tables = column_strings(1, &reference_count);

  // table_keys: one row per table and key kind, columns as a text[] cell.
  spi_exec_text(
      "SELECT e.key, k.kind, ARRAY(SELECT jsonb_array_elements_text(e.value -> k.kind)) "
      "  FROM mysql_sync.task_config c, jsonb_each(c.table_keys) e, "
      "       unnest(ARRAY['primary_key', 'distribution_key']) AS k(kind) "
      " WHERE c.task = $1 AND jsonb_typeof(e.value -> k.kind) = 'array'",
      1, args);
  int key_count;
  char** key_tables = column_strings(1, &key_count);
  char** key_kinds = column_strings(2, &key_count);
  Datum* key_arrays = static_cast<Datum*>(palloc0(sizeof(Datum) * (key_count + 1)));
  char*** key_columns = static_cast<char***>(palloc0(sizeof(char**) * (key_count + 1)));
  int* key_column_counts = static_cast<int*>(palloc0(sizeof(int) * (key_count + 1)));
  for (int i = 0; i < key_count; i++) {
    bool isnull;
    key_arrays[i] = SPI_getbinval(SPI_tuptable->vals[i], SPI_tuptable->tupdesc, 3, &isnull);
    Datum* elems;
    bool* elem_nulls;
    int n;
    deconstruct_array(DatumGetArrayTypeP(key_arrays[i]), TEXTOID, -1, false, TYPALIGN_INT, &elems,
                      &elem_nulls, &n);
    key_columns[i] = static_cast<char**>(MemoryContextAllocZero(TopMemoryContext, sizeof(char*) * (n + 1)));
    for (int e = 0; e < n; e++) key_columns[i][e] = top_strdup(TextDatumGetCString(elems[e]));
    key_column_counts[i] = n;
  }
  end_catalog_transaction();

  mysql_sync::TaskRuntime* runtime = t->runtime;
  const uint64 system_identifier = GetSystemIdentifier();
  const uint16 pg_port = (uint16)PostPortNumber;
  MYSQL_SYNC_CXX(t->name, {
    runtime->task = t->name;
    runtime->uri = mysql_sync::SourceUri::parse(t->source);
    std::vector<std::string> patterns(objects, objects + object_count);
    runtime->patterns = std::make_unique<mysql_sync::ObjectPatterns>(patterns);
    runtime->names = mysql_sync::NameMap();
    for (int i = 0; i < map_count; i++) runtime->names.add(map_keys[i], map_values[i]);
    runtime->invalid_dates = strcmp(invalid_dates, "error") == 0 ? mysql_sync::InvalidDates::error
                                                                 : mysql_sync::InvalidDates::to_null;
    runtime->server_id = static_cast<uint32_t>(server_id);
    runtime->identify(system_identifier, pg_port);
    runtime->foreign_keys = foreign_keys;
    runtime->max_rows_per_second = max_rows_per_second;
    runtime->parallel = parallel > 0 ? parallel : 1;
    runtime->consistency = strcmp(consistency, "snapshot") == 0    ? mysql_sync::Consistency::snapshot
                           : strcmp(consistency, "watermark") == 0 ? mysql_sync::Consistency::watermark
                                                                   : mysql_sync::Consistency::automatic;
    runtime->shard_count = shard_count;
    std::vector<std::string> references(reference_tables, reference_tables + reference_count);
    runtime->reference_tables = std::make_unique<mysql_sync::ObjectPatterns>(references);
    runtime->ddl_policies = mysql_sync::DdlPolicies();
    runtime->ddl_policies.alter_enabled = alter_enabled;
    for (int i = 0; i < ddl_count; i++) runtime->ddl_policies.set(ddl_kinds[i], ddl_policies[i]);
    runtime->approved_ddl = mysql_sync::BinlogPosition();
    if (paused_ddl_file && paused_ddl_pos) {
      runtime->approved_ddl.file = paused_ddl_file;
      runtime->approved_ddl.pos = strtoull(paused_ddl_pos, nullptr, 10);
    }
    runtime->table_keys.clear();
    for (int i = 0; i < key_count; i++) {
      std::vector<std::string> columns(key_columns[i], key_columns[i] + key_column_counts[i]);
      mysql_sync::TableKeys& keys = runtime->table_keys[key_tables[i]];
      if (strcmp(key_kinds[i], "primary_key") == 0)
        keys.primary_key = columns;
      else
        keys.distribution_key = columns;
    }
  });
  return true;
}

void note_worker_start(void) {
  const char* args[1] = {worker_task.name};
  begin_catalog_transaction();
  spi_exec_text(
      "UPDATE mysql_sync.task_state SET run_attempts = run_attempts + 1, last_run_at = now() "
      "WHERE task = $1",
      1, args);
  end_catalog_transaction();
}

void save_task_state(const char* state, const char* detail) {
  const char* args[3] = {worker_task.name, state, detail};
  begin_catalog_transaction();
  spi_exec_text(
      "UPDATE mysql_sync.task_state SET state = $2, detail = $3, updated_at = now() WHERE task = $1", 3,
      args);
  end_catalog_transaction();
}

// Masks the URI form ":password@" should a message ever quote the source URI.
static char* mask_password(const char* text) {
  const mysql_sync::TaskRuntime* runtime = worker_task.runtime;
  if (text == nullptr || runtime == nullptr || runtime->uri.password.empty()) return pstrdup_or_null(text);
  char* secret = psprintf(":%s@", runtime->uri.password.c_str());
  StringInfoData out;
  initStringInfo(&out);
  for (const char* p = text;;) {
    const char* hit = strstr(p, secret);
    if (hit == nullptr) {
      appendStringInfoString(&out, p);
      break;
    }
    appendBinaryStringInfo(&out, p, (int)(hit - p));
    appendStringInfoString(&out, ":********@");
    p = hit + strlen(secret);
  }
  return out.data;
}

void save_task_failure(const char* state, const char* sqlstate, const char* message, const char* hint) {
  message = mask_password(message);
  hint = mask_password(hint);
  StringInfoData text;
  initStringInfo(&text);
  appendStringInfoString(&text, message);
  if (hint && hint[0]) appendStringInfo(&text, " HINT: %s", hint);
  // Where it failed: the end of the transaction being applied, else the last applied position.
  const mysql_sync::TaskRuntime* runtime = worker_task.runtime;
  const char* file = runtime && !runtime->last_end.file.empty() ? runtime->last_end.file.c_str() : nullptr;
  char* pos = file ? psprintf("%llu", (unsigned long long)runtime->last_end.pos) : nullptr;
  char* table = nullptr;
  if (runtime && worker_task.failing_table >= 0 && (size_t)worker_task.failing_table < runtime->tables.size())
    table = pstrdup(runtime->tables[worker_task.failing_table].source_table().c_str());
  const char* args[4] = {worker_task.name, state, sqlstate, text.data};
  begin_catalog_transaction();
  spi_exec_text(
      "UPDATE mysql_sync.task_state SET state = $2, last_sqlstate = $3, last_error = $4, last_error_at = "
      "now(), "
      "       detail = CASE $2 WHEN 'stopped' THEN 'needs attention: see last_error, then resume_sync' "
      "                    ELSE 'will retry after mysql_sync.restart_delay' END, updated_at = now() "
      " WHERE task = $1",
      4, args);
  // The history: one row per failure, the newest kErrorHistoryRows per task kept.
  const char* history[8] = {
      worker_task.name, state, sqlstate, message, hint && hint[0] ? hint : nullptr, file, pos, table};
  spi_exec_text(
      "INSERT INTO mysql_sync.errors "
      "       (task, state, sqlstate, message, hint, source_file, source_pos, source_table) "
      "SELECT $1, $2, $3, $4, $5, $6, $7::bigint, $8 FROM mysql_sync.task_config WHERE task = $1",
      8, history);
  spi_exec_text(
      "DELETE FROM mysql_sync.errors WHERE task = $1 AND id <= "
      "  (SELECT id FROM mysql_sync.errors WHERE task = $1 ORDER BY id DESC OFFSET " ERRORS_KEPT_PER_TASK
      " LIMIT 1)",
      1, args);
  end_catalog_transaction();
}

void write_table_states(const char* table_state) {
  const char* del_args[1] = {worker_task.name};
  spi_exec_text("DELETE FROM mysql_sync.table_state WHERE task = $1", 1, del_args);
  mysql_sync::TaskRuntime* runtime = worker_task.runtime;
  for (size_t i = 0; i < runtime->tables.size(); i++) write_table_state((int)i, table_state, false);
}

// table_state.columns of a table: per source column its name, target column, type, collation,
// JSON flag, key membership and ENUM/SET members.
static char* table_columns_json(const SyncTable& table) {
  StringInfoData json;
  initStringInfo(&json);
  appendStringInfoChar(&json, '[');
  for (size_t c = 0; c < table.target_columns.size(); c++) {
    const std::string& name = table.shape.column_names[c];
    bool in_pk = false;
    for (size_t k = 0; k < table.primary_key.size(); k++) in_pk = in_pk || table.primary_key[k] == name;
    if (c) appendStringInfoChar(&json, ',');
    appendStringInfoString(&json, "{\"name\":");
    escape_json(&json, name.c_str());
    appendStringInfoString(&json, ",\"target\":");
    escape_json(&json, table.target_columns[c].c_str());
    if (c < table.pg_types.size()) {
      appendStringInfoString(&json, ",\"type\":");
      escape_json(&json, table.pg_types[c].c_str());
    }
    appendStringInfo(&json, ",\"collation\":%d,\"json_text\":%s,\"pk\":%s,\"enum\":[",
                     c < table.shape.collations.size() ? (int)table.shape.collations[c] : 0,
                     c < table.shape.json_text.size() && table.shape.json_text[c] ? "true" : "false",
                     in_pk ? "true" : "false");
    if (c < table.shape.enum_values.size()) {
      for (size_t e = 0; e < table.shape.enum_values[c].size(); e++) {
        if (e) appendStringInfoChar(&json, ',');
        escape_json(&json, table.shape.enum_values[c][e].c_str());
      }
    }
    appendStringInfoString(&json, "]}");
  }
  appendStringInfoChar(&json, ']');
  return json.data;
}

void record_schema_version(int index, const char* ddl, const mysql_sync::BinlogPosition* at) {
  const SyncTable& table = worker_task.runtime->tables[index];
  std::string definition;
  MYSQL_SYNC_CXX(worker_task.label, definition = mysql_sync::source_table_to_json(table.source));
  char* source_table = psprintf("%s.%s", table.source_schema.c_str(), table.source_name.c_str());
  char* pos = at ? psprintf("%llu", (unsigned long long)at->pos) : nullptr;
  const char* args[6] = {worker_task.name,  source_table, at ? at->file.c_str() : nullptr, pos, ddl,
                         definition.c_str()};
  spi_exec_text(
      "INSERT INTO mysql_sync.schema_history (task, source_table, version, valid_from_file, valid_from_pos, "
      "ddl, "
      "                                       definition) "
      "SELECT $1, $2, COALESCE(max(version), 0) + 1, $3, $4::bigint, $5, $6::jsonb "
      "  FROM mysql_sync.schema_history WHERE task = $1 AND source_table = $2",
      6, args);
}

void update_table_state(int index, const char* old_source_table) {
  const SyncTable& table = worker_task.runtime->tables[index];
  char* source_table = psprintf("%s.%s", table.source_schema.c_str(), table.source_name.c_str());
  const char* args[8] = {worker_task.name,
                         old_source_table,
                         source_table,
                         table.source_schema.c_str(),
                         table.source_name.c_str(),
                         table.target_schema.c_str(),
                         table.target_name.c_str(),
                         table_columns_json(table)};
  spi_exec_text(
      "UPDATE mysql_sync.table_state SET source_table = $3, source_schema = $4, source_name = $5, "
      "       target_schema = $6, target_name = $7, columns = $8::jsonb "
      " WHERE task = $1 AND source_table = $2",
      8, args);
}

void delete_table_state(const char* source_table) {
  const char* args[2] = {worker_task.name, source_table};
  spi_exec_text("DELETE FROM mysql_sync.table_state WHERE task = $1 AND source_table = $2", 2, args);
}

void write_table_state(int index, const char* table_state, bool created_target, bool record_version) {
  mysql_sync::TaskRuntime* runtime = worker_task.runtime;
  {
    const SyncTable& table = runtime->tables[index];
    char* columns = table_columns_json(table);
    char estimate[32];
    snprintf(estimate, sizeof estimate, "%lld", (long long)table.source.rows_estimate);
    char* source_table = psprintf("%s.%s", table.source_schema.c_str(), table.source_name.c_str());
    const char* args[10] = {worker_task.name,
                            source_table,
                            table.source_schema.c_str(),
                            table.source_name.c_str(),
                            table.target_schema.c_str(),
                            table.target_name.c_str(),
                            columns,
                            table_state,
                            estimate,
                            created_target ? "true" : "false"};
    spi_exec_text(
        "INSERT INTO mysql_sync.table_state (task, source_table, source_schema, source_name, target_schema, "
        "                                    target_name, columns, state, rows_estimate, created_target) "
        "VALUES ($1, $2, $3, $4, $5, $6, $7::jsonb, $8, $9::bigint, $10::boolean)",
        10, args);
  }
  if (record_version) record_schema_version(index, nullptr, nullptr);
}

// Enum members travel as "<bytes>:<text>" runs (any character may appear in a member).
static std::vector<std::string> decode_members(const char* encoded) {
  std::vector<std::string> members;
  if (!encoded) return members;
  const char* p = encoded;
  while (*p) {
    char* colon;
    long length = strtol(p, &colon, 10);
    if (*colon != ':') break;
    members.emplace_back(colon + 1, length);
    p = colon + 1 + length;
  }
  return members;
}

int count_table_states(void) {
  const char* args[1] = {worker_task.name};
  begin_catalog_transaction();
  spi_exec_text("SELECT count(*) FROM mysql_sync.table_state WHERE task = $1", 1, args);
  int count = atoi(column_value(0, 1));
  end_catalog_transaction();
  return count;
}

int newest_schema_versions(char*** cells) {
  const char* args[1] = {worker_task.name};
  spi_exec_text(
      "SELECT DISTINCT ON (h.source_table) h.source_table, h.definition::text "
      "  FROM mysql_sync.schema_history h JOIN mysql_sync.table_state t USING (task, source_table) "
      " WHERE h.task = $1 ORDER BY h.source_table, h.version DESC",
      1, args);
  int versions = (int)SPI_processed;
  *cells = static_cast<char**>(palloc0(sizeof(char*) * (versions * 2 + 1)));
  for (int r = 0; r < versions; r++)
    for (int c = 0; c < 2; c++) (*cells)[r * 2 + c] = pstrdup_or_null(column_value(r, c + 1));
  return versions;
}

void load_table_states(void) {
  const char* args[1] = {worker_task.name};
  begin_catalog_transaction();
  spi_exec_text(
      "SELECT t.source_schema, t.source_name, t.target_schema, t.target_name, c.col ->> 'name', "
      "       c.col ->> 'target', COALESCE((c.col ->> 'collation')::int, 0), "
      "       COALESCE((c.col ->> 'json_text')::bool, false), COALESCE((c.col ->> 'pk')::bool, false), "
      "       (SELECT string_agg(octet_length(e)::text || ':' || e, '' ORDER BY o) "
      "          FROM jsonb_array_elements_text(c.col -> 'enum') WITH ORDINALITY AS x(e, o)), "
      "       c.col ->> 'type', t.created_target, NULL, "
      // a stale target, until a copy replaces it (table_requests.h, request_repair)
      "       t.state = 'failed' OR EXISTS (SELECT FROM mysql_sync.table_requests r WHERE r.task = t.task "
      "                                        AND r.kind = 'repair' AND r.object = t.source_table) "
      "  FROM mysql_sync.table_state t, jsonb_array_elements(t.columns) WITH ORDINALITY AS c(col, ord) "
      " WHERE t.task = $1 ORDER BY t.source_table, c.ord",
      1, args);
  constexpr int kCells = 14;
  int rows = (int)SPI_processed;
  char** cells = static_cast<char**>(palloc0(sizeof(char*) * rows * kCells + 1));
  for (int r = 0; r < rows; r++)
    for (int c = 0; c < kCells; c++) cells[r * kCells + c] = pstrdup_or_null(column_value(r, c + 1));
  mysql_sync::TaskRuntime* runtime = worker_task.runtime;
  MYSQL_SYNC_CXX(worker_task.label, {
    runtime->tables.clear();
    for (int r = 0; r < rows; r++) {
      char** cell = cells + r * kCells;
      if (runtime->tables.empty() || runtime->tables.back().source_schema != cell[0] ||
          runtime->tables.back().source_name != cell[1]) {
        SyncTable table;
        table.source_schema = cell[0];
        table.source_name = cell[1];
        table.target_schema = cell[2];
        table.target_name = cell[3];
        table.created_target = strcmp(cell[11], "t") == 0;  // the initial load adds its keys at the end
        table.awaits_repair = strcmp(cell[13], "t") == 0;
        runtime->tables.push_back(std::move(table));
      }
      SyncTable& table = runtime->tables.back();
      uint16_t index = static_cast<uint16_t>(table.target_columns.size());
      table.target_columns.push_back(cell[5]);
      table.pg_types.push_back(cell[10] ? cell[10] : "");
      table.shape.column_names.push_back(cell[4]);
      table.shape.collations.push_back(static_cast<uint16_t>(atoi(cell[6])));
      table.shape.json_text.push_back(strcmp(cell[7], "t") == 0);
      if (strcmp(cell[8], "t") == 0) {
        table.primary_key.push_back(cell[4]);
        table.shape.primary_key.push_back(index);
      }
      table.shape.enum_values.push_back(decode_members(cell[9]));
    }
  });
  // Each table's source definition as of the applied position: its newest schema version.
  char** version_cells = nullptr;
  int versions = newest_schema_versions(&version_cells);
  MYSQL_SYNC_CXX(worker_task.label, {
    for (int r = 0; r < versions; r++)
      for (SyncTable& table : runtime->tables)
        if (table.source_table() == version_cells[r * 2]) {
          table.source = mysql_sync::source_table_from_json(version_cells[r * 2 + 1]);
          table.primary_key = table.source.primary_key;
        }
  });
  end_catalog_transaction();
}

bool store_position(const char* state, const mysql_sync::BinlogPosition& end, TimestampTz source_time,
                    int64 changes, int64 transactions, int64 rows_copied) {
  static SPIPlanPtr plan = nullptr;
  if (plan == nullptr) {
    Oid types[9] = {TEXTOID, TEXTOID, TEXTOID, INT8OID, TEXTOID, TIMESTAMPTZOID, INT8OID, INT8OID, INT8OID};
    plan = SPI_prepare(
        "UPDATE mysql_sync.task_state SET state = $2, source_file = $3, source_pos = $4, source_gtid = $5, "
        "       last_commit_at = COALESCE($6, last_commit_at), changes_applied = changes_applied + $7, "
        "       transactions_applied = transactions_applied + $8, rows_copied = rows_copied + $9, "
        "       detail = NULL, run_attempts = 0, updated_at = now() "
        " WHERE task = $1",
        9, types);
    if (plan == nullptr || SPI_keepplan(plan) != 0)
      elog(ERROR, "%s: cannot prepare position update", worker_task.label);
  }
  Datum values[9];
  char nulls[9] = {' ', ' ', ' ', ' ', ' ', ' ', ' ', ' ', ' '};
  values[0] = CStringGetTextDatum(worker_task.name);
  values[1] = CStringGetTextDatum(state);
  values[2] = CStringGetTextDatum(end.file.c_str());
  values[3] = Int64GetDatum((int64)end.pos);
  values[4] = CStringGetTextDatum(end.gtid.c_str());
  if (end.gtid.empty()) nulls[4] = 'n';
  values[5] = TimestampTzGetDatum(source_time);
  if (source_time == 0) nulls[5] = 'n';
  values[6] = Int64GetDatum(changes);
  values[7] = Int64GetDatum(transactions);
  values[8] = Int64GetDatum(rows_copied);
  int ret = SPI_execute_plan(plan, values, nulls, false, 0);
  if (ret != SPI_OK_UPDATE) elog(ERROR, "%s: position update failed (%d)", worker_task.label, ret);
  return SPI_processed == 1;
}

void add_table_counters(int table, int64 changes, int64 invalid_values, int64 rows_copied,
                        const char* state) {
  const SyncTable& t = worker_task.runtime->tables[table];
  char changes_text[32], invalid_text[32], rows_text[32];
  snprintf(changes_text, sizeof changes_text, "%lld", (long long)changes);
  snprintf(invalid_text, sizeof invalid_text, "%lld", (long long)invalid_values);
  snprintf(rows_text, sizeof rows_text, "%lld", (long long)rows_copied);
  char* source_table = psprintf("%s.%s", t.source_schema.c_str(), t.source_name.c_str());
  const char* args[6] = {worker_task.name, source_table, changes_text, invalid_text, rows_text, state};
  spi_exec_text(
      "UPDATE mysql_sync.table_state SET changes_applied = changes_applied + $3::bigint, "
      "       invalid_values = invalid_values + $4::bigint, rows_copied = rows_copied + $5::bigint, "
      "       state = COALESCE($6, state) "
      " WHERE task = $1 AND source_table = $2",
      6, args);
}

void read_copy_counts(const char* source_table, char** rows, char** chunks) {
  const char* args[2] = {worker_task.name, source_table};
  spi_exec_text(
      "SELECT rows_copied, chunks_copied FROM mysql_sync.table_state WHERE task = $1 AND source_table = $2",
      2, args);
  *rows = SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1);
  *chunks = SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 2);
}

void mark_copied_table_synced(const char* source_table, const char* done) {
  const char* args[2] = {worker_task.name, source_table};
  spi_exec_text(
      "UPDATE mysql_sync.table_state SET state = 'synced', backfill = NULL WHERE task = $1 AND source_table "
      "= $2",
      2, args);
  char *rows, *chunks;
  read_copy_counts(source_table, &rows, &chunks);
  end_catalog_transaction();
  elog(LOG, "mysql_sync task \"%s\": %s %s (%s rows in %s chunks)", worker_task.name, done, source_table,
       rows, chunks);
}
