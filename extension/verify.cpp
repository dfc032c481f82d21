// mysql_sync.verify(task, source_table): compares the source tables with their targets at one
// consistent point while the task keeps streaming.
//
// 1. A source connection opens a consistent snapshot at binlog position P.
// 2. The task's worker is asked to stop with exactly the source transactions up to P committed
//    (bgworker/verify_pause.h); once it answers, a fresh PostgreSQL snapshot is taken and
//    registered (GetLatestSnapshot: new whatever the caller's isolation level) and the worker is
//    released at once. Every target read below runs in that snapshot (SPI_execute_snapshot).
// 3. Per table, in primary-key chunks of the source (keyset pagination in the source's own key
//    order): the source rows, read and converted as the initial copy does, are normalized through
//    the target column's input and output functions; the target rows with those keys are read
//    through SPI (already in that form). A chunk whose checksum differs is compared row by row.
//    Target rows without a source row can only exist when the target holds more rows than matched:
//    only then is the target walked in its key order, its keys looked up on the source.
// Memory is per chunk. Differences are reported by key (target column names).
#include "source/mysql_client.h"
#include "source/snapshot.h"
#include "source/source_catalog.h"
#include "task/runtime.h"
#include "task/verify_compare.h"
#include "task/verify_source.h"

#include "bgworker/citus.h"
#include "bgworker/shmem.h"
#include "bgworker/verify_pause.h"
#include "extension/bridge.h"

extern "C" {
#include "access/xact.h"
#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "funcapi.h"
#include "lib/stringinfo.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/snapmgr.h"

PG_FUNCTION_INFO_V1(mysql_sync_verify);
}

namespace {

constexpr size_t kChunkRows = 1000;
constexpr long kReachTimeoutMs = 60000;  // for the worker to reach the source snapshot's position
constexpr int kSnapshotAttempts = 5;     // new source snapshots when the worker was already past one

// The C++ side of one verify() call, owned through `session` and deleted by a memory-context
// reset callback (so also when the call fails).
struct VerifySession {
  std::unique_ptr<mysql_sync::MysqlClient> client;
  mysql_sync::InvalidDates invalid_dates = mysql_sync::InvalidDates::to_null;
  std::vector<mysql_sync::SourceTable> described;
  std::unique_ptr<mysql_sync::SourceChunkReader> reader;
  std::vector<mysql_sync::CanonicalRow> source_rows;  // the chunk as read (mapped PostgreSQL text)
  std::vector<mysql_sync::CanonicalRow> left, right;  // canonical source and target rows of a chunk
  std::vector<std::string> column_names;              // compared columns' target names
  std::vector<size_t> key_columns;
  std::unique_ptr<mysql_sync::MismatchReport> report;
};

VerifySession* session = nullptr;

void delete_session(void*) {
  VerifySession* doomed = session;
  session = nullptr;
  mysql_sync::CapturedError ignored;
  mysql_sync::cxx_call(ignored, [&] { delete doomed; });
}

struct TableInfo {
  char* source_table;
  char* source_schema;
  char* source_name;
  char* target_schema;
  char* target_name;
  char* state;
  bool shared;
  Oid relid;  // InvalidOid when the target table is missing
};

struct ColumnInfo {
  char* source;
  char* target;
  bool key;
  Oid type;  // InvalidOid when the target column is missing
  int32 typmod;
  char* type_name;
  FmgrInfo input;
  FmgrInfo output;
  Oid ioparam;
};

// One row of the result.
struct Outcome {
  const char* status;
  int64 source_rows;
  int64 target_rows;
  int64 mismatched;
  bool counts_known;
  char* detail;
};

char* cell(int row, int column) {
  return SPI_getvalue(SPI_tuptable->vals[row], SPI_tuptable->tupdesc, column);
}

char* dup_cell(int row, int column) {
  char* value = cell(row, column);
  return value ? MemoryContextStrdup(TopTransactionContext, value) : nullptr;
}

// A text[] datum of `count` C strings (NULL pointers are NULL elements).
Datum text_array(char** values, int count) {
  Datum* elems = static_cast<Datum*>(palloc(sizeof(Datum) * (count + 1)));
  bool* nulls = static_cast<bool*>(palloc(sizeof(bool) * (count + 1)));
  for (int i = 0; i < count; i++) {
    nulls[i] = values[i] == nullptr;
    elems[i] = nulls[i] ? (Datum)0 : CStringGetTextDatum(values[i]);
  }
  int dims[1] = {count};
  int lbs[1] = {1};
  return PointerGetDatum(construct_md_array(elems, nulls, 1, dims, lbs, TEXTOID, -1, false, TYPALIGN_INT));
}

SPIPlanPtr prepare(const char* sql, int nargs, Oid type) {
  Oid* types = static_cast<Oid*>(palloc(sizeof(Oid) * (nargs + 1)));
  for (int i = 0; i < nargs; i++) types[i] = type;
  SPIPlanPtr plan = SPI_prepare(sql, nargs, types);
  if (plan == nullptr)
    elog(ERROR, "mysql_sync verify: cannot prepare %s: %s", sql, SPI_result_code_string(SPI_result));
  return plan;
}

void run(SPIPlanPtr plan, Datum* args, Snapshot snapshot) {
  int rc = SPI_execute_snapshot(plan, args, nullptr, snapshot, InvalidSnapshot, true, false, 0);
  if (rc != SPI_OK_SELECT) elog(ERROR, "mysql_sync verify: query failed: %s", SPI_result_code_string(rc));
}

// The canonical form of a source value: through the target type's input and output functions.
char* canonical(ColumnInfo* column, const char* text) {
  Datum value = InputFunctionCall(&column->input, const_cast<char*>(text), column->ioparam, column->typmod);
  return OutputFunctionCall(&column->output, value);
}

// Fills `rows` (left or right) from a palloc'd matrix of C strings.
void load_rows(std::vector<mysql_sync::CanonicalRow>& rows, char*** values, int count, int width) {
  rows.clear();
  rows.reserve(count);
  for (int r = 0; r < count; r++) {
    mysql_sync::CanonicalRow row(width);
    for (int c = 0; c < width; c++)
      if (values[r][c]) row[c] = std::string(values[r][c]);
    rows.push_back(std::move(row));
  }
}

// session->source_rows[...] normalized into a matrix; `columns` maps row positions to ColumnInfo.
char*** normalize_source(ColumnInfo** columns, int width, int* count_out) {
  int count = (int)session->source_rows.size();
  char*** out = static_cast<char***>(palloc(sizeof(char**) * (count + 1)));
  for (int r = 0; r < count; r++) {
    out[r] = static_cast<char**>(palloc0(sizeof(char*) * (width + 1)));
    const mysql_sync::CanonicalRow& row = session->source_rows[r];
    for (int c = 0; c < width; c++)
      if (row[c].has_value()) out[r][c] = canonical(columns[c], row[c]->c_str());
  }
  *count_out = count;
  return out;
}

char*** spi_matrix(int width) {
  int count = (int)SPI_processed;
  char*** out = static_cast<char***>(palloc(sizeof(char**) * (count + 1)));
  for (int r = 0; r < count; r++) {
    out[r] = static_cast<char**>(palloc0(sizeof(char*) * (width + 1)));
    for (int c = 0; c < width; c++) out[r][c] = cell(r, c + 1);
  }
  return out;
}

Outcome error_outcome(const char* detail) {
  Outcome outcome = {"error", 0, 0, 0, false, pstrdup(detail)};
  return outcome;
}

// Compares one table. `note` (may be null) ends the detail.
Outcome verify_table(const char* task, TableInfo* table, Snapshot snapshot, const char* note,
                     MemoryContext chunk_context) {
  if (table->shared) return error_outcome("target shared by several source tables: not compared");
  if (strcmp(table->state, "synced") != 0)
    return error_outcome(psprintf("table state is %s, not synced: not compared", table->state));
  if (!OidIsValid(table->relid))
    return error_outcome(
        psprintf("target table %s.%s does not exist", table->target_schema, table->target_name));

  // The compared columns: every column the task syncs, with its target's type. A source column
  // without a target column (its ADD COLUMN was ignored, "target": "") is not synced: the copies
  // leave it out as well (task/copy_columns.h).
  Datum args[2] = {CStringGetTextDatum(task), CStringGetTextDatum(table->source_table)};
  Oid arg_types[2] = {TEXTOID, TEXTOID};
  int rc = SPI_execute_with_args(
      "SELECT c.col ->> 'name', c.col ->> 'target', COALESCE((c.col ->> 'pk')::bool, false), a.atttypid, "
      "       a.atttypmod, format_type(a.atttypid, a.atttypmod) "
      "  FROM mysql_sync.table_state t "
      " CROSS JOIN jsonb_array_elements(t.columns) WITH ORDINALITY AS c(col, ord) "
      "  LEFT JOIN pg_catalog.pg_attribute a "
      "    ON a.attrelid = to_regclass(format('%I.%I', t.target_schema, t.target_name)) "
      "   AND a.attname = c.col ->> 'target' AND a.attnum > 0 AND NOT a.attisdropped "
      " WHERE t.task = $1 AND t.source_table = $2 AND c.col ->> 'target' <> '' ORDER BY c.ord",
      2, arg_types, args, nullptr, true, 0);
  if (rc != SPI_OK_SELECT)
    elog(ERROR, "mysql_sync verify: cannot read the columns of %s", table->source_table);
  int width = (int)SPI_processed;
  if (width == 0) return error_outcome("no columns recorded for the table");
  ColumnInfo* columns = static_cast<ColumnInfo*>(palloc0(sizeof(ColumnInfo) * width));
  ColumnInfo** by_position = static_cast<ColumnInfo**>(palloc(sizeof(ColumnInfo*) * width));
  int key_count = 0;
  for (int c = 0; c < width; c++) {
    ColumnInfo* column = &columns[c];
    column->source = pstrdup(cell(c, 1));
    column->target = pstrdup(cell(c, 2));
    column->key = strcmp(cell(c, 3), "t") == 0;
    char* type = cell(c, 4);
    if (type == nullptr)
      return error_outcome(psprintf("target column \"%s\" of %s.%s does not exist", column->target,
                                    table->target_schema, table->target_name));
    column->type = (Oid)strtoul(type, nullptr, 10);
    column->typmod = (int32)strtol(cell(c, 5), nullptr, 10);
    column->type_name = pstrdup(cell(c, 6));
    Oid input = InvalidOid, output = InvalidOid;
    bool varlena = false;
    getTypeInputInfo(column->type, &input, &column->ioparam);
    getTypeOutputInfo(column->type, &output, &varlena);
    fmgr_info(input, &column->input);
    fmgr_info(output, &column->output);
    by_position[c] = column;
    if (column->key) key_count++;
  }
  SPI_freetuptable(SPI_tuptable);
  if (key_count == 0) return error_outcome("no primary key recorded for the table");

  // The key in the source's own key order when it is the same set of columns (its index order).
  int* keys = static_cast<int*>(palloc(sizeof(int) * key_count));
  {
    int k = 0;
    for (int c = 0; c < width; c++)
      if (columns[c].key) keys[k++] = c;
  }
  bool own_order = false;
  int* ordered = static_cast<int*>(palloc(sizeof(int) * key_count));
  mysql_sync::CapturedError failure;
  bool ok = mysql_sync::cxx_call(failure, [&] {
    const mysql_sync::SourceTable* found = nullptr;
    for (const mysql_sync::SourceTable& described : session->described)
      if (described.schema == table->source_schema && described.name == table->source_name)
        found = &described;
    if (found == nullptr)
      throw mysql_sync::SyncError(
          "42P01", "source table " + std::string(table->source_table) + " does not exist any more", "");
    if (found->primary_key.size() == (size_t)key_count) {
      own_order = true;
      for (int k = 0; k < key_count && own_order; k++) {
        int match = -1;
        for (int c = 0; c < width; c++)
          if (columns[c].key && found->primary_key[k] == columns[c].source) match = c;
        if (match < 0) own_order = false;
        ordered[k] = match;
      }
    }
    if (!own_order)
      for (int k = 0; k < key_count; k++) ordered[k] = keys[k];
    std::vector<std::string> names;
    session->column_names.clear();
    session->key_columns.clear();
    for (int c = 0; c < width; c++) {
      names.push_back(columns[c].source);
      session->column_names.push_back(columns[c].target);
    }
    for (int k = 0; k < key_count; k++) session->key_columns.push_back((size_t)ordered[k]);
    session->reader = std::make_unique<mysql_sync::SourceChunkReader>(
        *session->client, *found, names, session->key_columns, kChunkRows, session->invalid_dates);
    session->report = std::make_unique<mysql_sync::MismatchReport>(10);
  });
  if (!ok) return error_outcome(failure.message);

  // Target statements.
  const char* target = quote_qualified_identifier(table->target_schema, table->target_name);
  StringInfoData sql;
  initStringInfo(&sql);
  appendStringInfoString(&sql, "SELECT x.* FROM unnest(");
  for (int k = 0; k < key_count; k++) appendStringInfo(&sql, "%s$%d::text[]", k ? ", " : "", k + 1);
  appendStringInfoString(&sql, ") AS k(");
  for (int k = 0; k < key_count; k++) appendStringInfo(&sql, "%sk%d", k ? ", " : "", k + 1);
  appendStringInfoString(&sql, ") CROSS JOIN LATERAL (SELECT ");
  for (int c = 0; c < width; c++)
    appendStringInfo(&sql, "%st.%s", c ? ", " : "", quote_identifier(columns[c].target));
  appendStringInfo(&sql, " FROM %s t WHERE ", target);
  for (int k = 0; k < key_count; k++)
    appendStringInfo(&sql, "%st.%s = k.k%d::%s", k ? " AND " : "",
                     quote_identifier(columns[ordered[k]].target), k + 1, columns[ordered[k]].type_name);
  appendStringInfoString(&sql, ") x");
  SPIPlanPtr lookup = prepare(sql.data, key_count, TEXTARRAYOID);

  resetStringInfo(&sql);
  appendStringInfo(&sql, "SELECT count(*) FROM %s", target);
  SPIPlanPtr count_plan = prepare(sql.data, 0, InvalidOid);

  Outcome outcome = {"ok", 0, 0, 0, true, nullptr};
  int64 matched = 0;

  // Pass 1: source chunks, and the target rows with their keys.
  for (;;) {
    CHECK_FOR_INTERRUPTS();
    MemoryContextReset(chunk_context);
    MemoryContext outer = MemoryContextSwitchTo(chunk_context);
    bool more = false;
    MYSQL_SYNC_CXX(task, more = session->reader->next_chunk(session->source_rows));
    if (!more) {
      MemoryContextSwitchTo(outer);
      break;
    }
    int count = 0;
    char*** left = normalize_source(by_position, width, &count);
    outcome.source_rows += count;
    Datum* key_args = static_cast<Datum*>(palloc(sizeof(Datum) * key_count));
    char** key_values = static_cast<char**>(palloc(sizeof(char*) * (count + 1)));
    for (int k = 0; k < key_count; k++) {
      for (int r = 0; r < count; r++) key_values[r] = left[r][ordered[k]];
      key_args[k] = text_array(key_values, count);
    }
    MemoryContextSwitchTo(outer);
    run(lookup, key_args, snapshot);
    MemoryContextSwitchTo(chunk_context);
    int found = (int)SPI_processed;
    char*** right = spi_matrix(width);
    MemoryContextSwitchTo(outer);
    SPI_freetuptable(SPI_tuptable);
    matched += found;
    MYSQL_SYNC_CXX(task, {
      load_rows(session->left, left, count, width);
      load_rows(session->right, right, found, width);
      if (mysql_sync::chunk_checksum(session->left) != mysql_sync::chunk_checksum(session->right))
        for (const mysql_sync::Mismatch& m : mysql_sync::diff_rows(
                 session->left, session->right, session->key_columns, session->column_names))
          session->report->add(m);
    });
  }

  run(count_plan, nullptr, snapshot);
  bool count_null = false;
  outcome.target_rows =
      DatumGetInt64(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &count_null));
  SPI_freetuptable(SPI_tuptable);

  // Pass 2, only when the target holds rows the source lacks: walk the target's keys.
  const char* unlisted = nullptr;
  if (outcome.target_rows > matched) {
    resetStringInfo(&sql);
    appendStringInfoString(&sql, "SELECT ");
    for (int k = 0; k < key_count; k++)
      appendStringInfo(&sql, "%st.%s", k ? ", " : "", quote_identifier(columns[ordered[k]].target));
    appendStringInfo(&sql, " FROM %s t", target);
    int prefix = sql.len;
    StringInfoData order;
    initStringInfo(&order);
    appendStringInfoString(&order, " ORDER BY ");
    for (int k = 0; k < key_count; k++)
      appendStringInfo(&order, "%st.%s", k ? ", " : "", quote_identifier(columns[ordered[k]].target));
    appendStringInfo(&order, " LIMIT %d", (int)kChunkRows);
    appendStringInfoString(&sql, order.data);
    SPIPlanPtr first = prepare(sql.data, 0, InvalidOid);
    sql.len = prefix;
    sql.data[prefix] = '\0';
    appendStringInfoString(&sql, " WHERE (");
    for (int k = 0; k < key_count; k++)
      appendStringInfo(&sql, "%st.%s", k ? ", " : "", quote_identifier(columns[ordered[k]].target));
    appendStringInfoString(&sql, ") > (");
    for (int k = 0; k < key_count; k++)
      appendStringInfo(&sql, "%s$%d::%s", k ? ", " : "", k + 1, columns[ordered[k]].type_name);
    appendStringInfo(&sql, ")%s", order.data);
    SPIPlanPtr next = prepare(sql.data, key_count, TEXTOID);

    ColumnInfo** key_info = static_cast<ColumnInfo**>(palloc(sizeof(ColumnInfo*) * key_count));
    for (int k = 0; k < key_count; k++) key_info[k] = &columns[ordered[k]];
    Datum* last = static_cast<Datum*>(palloc0(sizeof(Datum) * key_count));
    bool started = false;
    int64 extra_seen = 0;
    for (;;) {
      CHECK_FOR_INTERRUPTS();
      MemoryContextReset(chunk_context);
      run(started ? next : first, started ? last : nullptr, snapshot);
      MemoryContext outer = MemoryContextSwitchTo(chunk_context);
      int count = (int)SPI_processed;
      char*** right = spi_matrix(key_count);
      MemoryContextSwitchTo(outer);
      SPI_freetuptable(SPI_tuptable);
      if (count == 0) break;
      for (int k = 0; k < key_count; k++) {
        if (last[k]) pfree(DatumGetPointer(last[k]));
        last[k] = CStringGetTextDatum(right[count - 1][k]);  // key columns are NOT NULL
      }
      started = true;
      bool looked_up = false;
      MYSQL_SYNC_CXX(task, {
        load_rows(session->right, right, count, key_count);
        auto found = session->reader->find_keys(session->right);
        looked_up = found.has_value();
        if (looked_up) session->source_rows = std::move(*found);
      });
      if (!looked_up) {
        unlisted = "the keys of the rows that are extra in the target cannot be looked up on the source";
        break;
      }
      MemoryContextSwitchTo(chunk_context);
      int found_count = 0;
      char*** left = normalize_source(key_info, key_count, &found_count);
      MemoryContextSwitchTo(outer);
      MYSQL_SYNC_CXX(task, {
        load_rows(session->left, left, found_count, key_count);
        std::vector<size_t> key_positions;
        std::vector<std::string> key_names;
        for (int k = 0; k < key_count; k++) {
          key_positions.push_back((size_t)k);
          key_names.push_back(session->column_names[session->key_columns[k]]);
        }
        for (const mysql_sync::Mismatch& m :
             mysql_sync::diff_rows(session->left, session->right, key_positions, key_names))
          if (m.kind == mysql_sync::MismatchKind::extra_in_target) {
            session->report->add(m);
            extra_seen++;
          }
      });
      if (count < (int)kChunkRows || extra_seen >= outcome.target_rows - matched) break;
    }
    pfree(last);
  }

  int64 mismatched = 0;
  char* listed = nullptr;
  MYSQL_SYNC_CXX(task, {
    mismatched = session->report->count();
    std::string detail = session->report->detail();
    listed = static_cast<char*>(malloc(detail.size() + 1));
    if (listed == nullptr) throw std::bad_alloc();
    memcpy(listed, detail.c_str(), detail.size() + 1);
  });
  StringInfoData detail;
  initStringInfo(&detail);
  appendStringInfoString(&detail, listed);
  free(listed);
  if (unlisted) {
    mismatched += outcome.target_rows - matched;
    appendStringInfo(&detail, "%s%lld rows extra in target (%s)", detail.len ? ", " : "",
                     (long long)(outcome.target_rows - matched), unlisted);
  }
  outcome.mismatched = mismatched;
  outcome.status = mismatched > 0 ? "mismatch" : "ok";
  if (note) appendStringInfo(&detail, "%s%s", detail.len ? "; " : "", note);
  outcome.detail = detail.len ? detail.data : nullptr;
  return outcome;
}

// One result row per table (the target read in `snapshot`).
void verify_tables(const char* task, TableInfo* tables, int table_count, Snapshot snapshot, const char* note,
                   MemoryContext chunk_context, ReturnSetInfo* rsinfo) {
  for (int i = 0; i < table_count; i++) {
    Outcome outcome = verify_table(task, &tables[i], snapshot, note, chunk_context);
    Datum values[7];
    bool nulls[7] = {false, false, false, false, false, false, false};
    values[0] = CStringGetTextDatum(tables[i].source_table);
    values[1] = CStringGetTextDatum(
        psprintf("%s.%s", tables[i].target_schema, tables[i].target_name));  // as table_status
    values[2] = CStringGetTextDatum(outcome.status);
    values[3] = Int64GetDatum(outcome.source_rows);
    values[4] = Int64GetDatum(outcome.target_rows);
    values[5] = Int64GetDatum(outcome.mismatched);
    nulls[3] = nulls[4] = nulls[5] = !outcome.counts_known;
    nulls[6] = outcome.detail == nullptr;
    values[6] = outcome.detail ? CStringGetTextDatum(outcome.detail) : (Datum)0;
    tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
  }
}

// Whether a target of the tables is a Citus table (inside SPI).
bool any_citus_table(const TableInfo* tables, int count) {
  Datum* relids = static_cast<Datum*>(palloc0(sizeof(Datum) * (count + 1)));
  for (int i = 0; i < count; i++) relids[i] = ObjectIdGetDatum(tables[i].relid);
  int dims[1] = {count};
  int lbs[1] = {1};
  Datum args[1] = {PointerGetDatum(
      construct_md_array(relids, nullptr, 1, dims, lbs, OIDOID, sizeof(Oid), true, TYPALIGN_INT))};
  Oid types[1] = {OIDARRAYOID};
  SPI_execute_with_args(
      "SELECT EXISTS (SELECT FROM pg_catalog.pg_dist_partition WHERE logicalrelid = ANY ($1))", 1, types,
      args, nullptr, true, 1);
  return strcmp(cell(0, 1), "t") == 0;
}

}  // namespace

MYSQL_SYNC_FUNCTION(mysql_sync_verify) {
  if (PG_ARGISNULL(0))
    ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE), errmsg("task_name must not be NULL"),
                    errhint("SELECT task FROM mysql_sync.tasks lists the tasks.")));
  char* task = text_to_cstring(PG_GETARG_TEXT_PP(0));
  char* only = PG_ARGISNULL(1) ? nullptr : text_to_cstring(PG_GETARG_TEXT_PP(1));
  ReturnSetInfo* rsinfo = (ReturnSetInfo*)fcinfo->resultinfo;
  InitMaterializedSRF(fcinfo, 0);

  // The C++ session is deleted with session_context: at the end, or when the call fails.
  MemoryContext session_context =
      AllocSetContextCreate(CurrentMemoryContext, "mysql_sync verify", ALLOCSET_SMALL_SIZES);
  MemoryContext chunk_context =
      AllocSetContextCreate(CurrentMemoryContext, "mysql_sync verify chunk", ALLOCSET_DEFAULT_SIZES);
  MemoryContextCallback* cleanup = static_cast<MemoryContextCallback*>(
      MemoryContextAllocZero(session_context, sizeof(MemoryContextCallback)));
  cleanup->func = delete_session;
  MemoryContextRegisterResetCallback(session_context, cleanup);

  SPI_connect();

  // The task, its state and applied position.
  Datum task_arg[1] = {CStringGetTextDatum(task)};
  Oid text_type[1] = {TEXTOID};
  SPI_execute_with_args(
      "SELECT c.source, COALESCE(c.options ->> 'invalid_dates', 'null'), s.state, s.source_file, "
      "s.source_pos "
      "  FROM mysql_sync.task_config c JOIN mysql_sync.task_state s USING (task) WHERE c.task = $1",
      1, text_type, task_arg, nullptr, true, 0);
  if (SPI_processed == 0)
    ereport(ERROR, (errcode(ERRCODE_UNDEFINED_OBJECT), errmsg("task \"%s\" does not exist", task),
                    errhint("SELECT task FROM mysql_sync.tasks lists the tasks.")));
  char* source = dup_cell(0, 1);
  bool invalid_dates_error = strcmp(cell(0, 2), "error") == 0;
  char* state = dup_cell(0, 3);
  char* applied_file = dup_cell(0, 4);
  if (applied_file == nullptr || strcmp(state, "prechecking") == 0 || strcmp(state, "schema") == 0 ||
      strcmp(state, "full_load") == 0)
    ereport(ERROR, (errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
                    errmsg("task \"%s\" is still in its initial sync (state %s): nothing to verify yet", task,
                           state),
                    errhint("Call verify when mysql_sync.status shows the task streaming.")));

  // Its tables.
  Datum table_args[2] = {CStringGetTextDatum(task), only ? CStringGetTextDatum(only) : (Datum)0};
  Oid table_types[2] = {TEXTOID, TEXTOID};
  char table_nulls[2] = {' ', only ? ' ' : 'n'};
  SPI_execute_with_args(
      "SELECT t.source_table, t.source_schema, t.source_name, t.target_schema, t.target_name, t.state, "
      "       EXISTS (SELECT FROM mysql_sync.table_state o WHERE o.target_schema = t.target_schema "
      "                  AND o.target_name = t.target_name AND o.source_table <> t.source_table), "
      "       COALESCE(to_regclass(format('%I.%I', t.target_schema, t.target_name))::oid, 0) "
      "  FROM mysql_sync.table_state t WHERE t.task = $1 AND ($2 IS NULL OR t.source_table = $2) "
      " ORDER BY t.source_table",
      2, table_types, table_args, table_nulls, true, 0);
  int table_count = (int)SPI_processed;
  if (only && table_count == 0)
    ereport(ERROR,
            (errcode(ERRCODE_UNDEFINED_TABLE), errmsg("task \"%s\" does not sync table \"%s\"", task, only),
             errhint("Name the source table as db.table; SELECT source_table FROM mysql_sync.table_status "
                     "WHERE task = '%s' lists them.",
                     task)));
  TableInfo* tables = static_cast<TableInfo*>(palloc0(sizeof(TableInfo) * (table_count + 1)));
  for (int i = 0; i < table_count; i++) {
    tables[i].source_table = dup_cell(i, 1);
    tables[i].source_schema = dup_cell(i, 2);
    tables[i].source_name = dup_cell(i, 3);
    tables[i].target_schema = dup_cell(i, 4);
    tables[i].target_name = dup_cell(i, 5);
    tables[i].state = dup_cell(i, 6);
    tables[i].shared = strcmp(cell(i, 7), "t") == 0;
    tables[i].relid = (Oid)strtoul(cell(i, 8), nullptr, 10);
  }

  // The source: describe the tables, then hold a snapshot at P.
  char context[128];
  snprintf(context, sizeof context, "verify(%s)", task);
  MYSQL_SYNC_CXX(context, {
    session = new VerifySession();
    session->invalid_dates =
        invalid_dates_error ? mysql_sync::InvalidDates::error : mysql_sync::InvalidDates::to_null;
    mysql_sync::SourceUri uri = mysql_sync::SourceUri::parse(source);
    session->client = std::make_unique<mysql_sync::MysqlClient>(uri);
    std::vector<std::string> names;
    for (int i = 0; i < table_count; i++) {
      // Exact names: a literal * or % in a name would be a wildcard, which only widens the list.
      names.push_back(tables[i].source_table);
    }
    if (!names.empty())
      session->described = mysql_sync::describe_tables(*session->client, mysql_sync::ObjectPatterns(names));
  });

  // Citus reads each node in that node's own snapshot: the worker holds until the reads are done.
  bool hold = citus_installed() && any_citus_table(tables, table_count);
  int held_slot = -1;
  pid_t held_worker = 0;
  uint32 held_id = 0;

  char at_file[kFileNameSize] = "";
  int64 at_pos = 0;
  Snapshot snapshot = InvalidSnapshot;
  const char* note = nullptr;
  for (int attempt = 1; snapshot == InvalidSnapshot; attempt++) {
    MYSQL_SYNC_CXX(context, {
      if (attempt > 1) session->client->execute("ROLLBACK");
      mysql_sync::BinlogPosition at = mysql_sync::begin_consistent_snapshot(*session->client);
      strlcpy(at_file, at.file.c_str(), sizeof at_file);
      at_pos = (int64)at.pos;
    });
    int slot = find_task_slot(task);
    pid_t worker = 0;
    char live_state[kStateSize] = "";
    if (slot >= 0) {
      SpinLockAcquire(&sync_shared->mutex);
      worker = sync_shared->slots[slot].pid;
      strlcpy(live_state, sync_shared->slots[slot].state, sizeof live_state);
      SpinLockRelease(&sync_shared->mutex);
    }
    bool copying = strcmp(live_state, "prechecking") == 0 || strcmp(live_state, "schema") == 0 ||
                   strcmp(live_state, "full_load") == 0;
    bool streaming = worker != 0 && !copying;
    if (worker != 0 && copying)
      ereport(ERROR, (errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
                      errmsg("task \"%s\" is still in its initial sync (state %s): nothing to verify yet",
                             task, live_state),
                      errhint("Call verify when mysql_sync.status shows the task streaming.")));
    if (streaming) {
      VerifyPauseAnswer answer;
      if (verify_request_pause(task, slot, worker, at_file, at_pos, kReachTimeoutMs, hold, &answer)) {
        if (answer.past) {
          if (attempt >= kSnapshotAttempts)
            ereport(ERROR,
                    (errcode(ERRCODE_QUERY_CANCELED),
                     errmsg("task \"%s\": the worker was past the source snapshot %d times", task, attempt),
                     errhint("Call verify again.")));
          continue;
        }
        snapshot = RegisterSnapshot(GetLatestSnapshot());
        if (hold) {
          held_slot = slot;
          held_worker = worker;
          held_id = answer.id;
        } else {
          verify_release_pause(slot, worker, answer.id);
        }
        continue;
      }
      // The worker exited meanwhile: compare against what it committed.
    }
    // No worker applies changes: compare at the stored position, and say so.
    snapshot = RegisterSnapshot(GetLatestSnapshot());
    SPI_execute_with_args(
        "SELECT state, source_file || ':' || source_pos FROM mysql_sync.task_state WHERE task = $1", 1,
        text_type, task_arg, nullptr, true, 0);
    if (SPI_processed > 0)
      note = psprintf(
          "the task is not streaming (state %s, applied up to binlog %s; the source was read at %s:%lld): "
          "differences may be changes not applied yet",
          cell(0, 1), cell(0, 2), at_file, (long long)at_pos);
  }

  PG_TRY();
  { verify_tables(task, tables, table_count, snapshot, note, chunk_context, rsinfo); }
  PG_FINALLY();
  {
    if (held_slot >= 0) verify_release_pause(held_slot, held_worker, held_id);
  }
  PG_END_TRY();

  UnregisterSnapshot(snapshot);
  SPI_finish();
  MemoryContextDelete(chunk_context);
  MemoryContextDelete(session_context);  // ends the source's snapshot transaction and connection
  return (Datum)0;
}
