#include "bgworker/citus_apply.h"

#include "bgworker/apply.h"
#include "bgworker/citus.h"
#include "extension/bridge.h"

extern "C" {
#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "lib/stringinfo.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
}

using mysql_sync::NetChanges;
using mysql_sync::SyncTable;

namespace {

// Pending keys of one table that make the batch write them before it goes on: bounds the memory
// of a large source transaction (which is one batch).
constexpr size_t kFlushKeys = 50000;

// A source column's target: its type and how its text becomes a value of it.
struct ColumnType {
  Oid type;
  int32 typmod;
  FmgrInfo input;
  Oid ioparam;
  FmgrInfo output;
  Oid array_type;
  int16 typlen;
  bool byval;
  char align;
};

// One table's statements, kept across batches (the plan cache replans them after DDL).
// Slots: per table, its target (index) and a resync's shadow (index + table count).
struct CitusApplier {
  bool ready;
  bool touched;  // attached in the current transaction: written before it commits
  // The batch's changes go to a table being backfilled (bgworker/backfill.h): a row to update or
  // delete may not be copied yet, so a DELETE need not find every row.
  bool lenient;
  int table;  // runtime->tables
  Oid relid;
  CitusKind kind;
  char* qualified;
  ColumnType* columns;  // per source column; type InvalidOid for a column without a target
  int nkeys;
  int* keys;        // source columns of the primary key
  int dist_column;  // source column of the distribution column; -1: none (one shard) or unmapped
  int ninsert;
  int* insert_columns;  // source columns with a target column
  SPIPlanPtr group_plan;
  SPIPlanPtr delete_plan;
  SPIPlanPtr insert_plan;
};

CitusApplier* appliers = nullptr;
int applier_count = 0;
MemoryContext flush_context = nullptr;
bool pending = false;

struct FlushErrorContext {
  const CitusApplier* applier;
  int changes;
};

void flush_error_callback(void* arg) {
  auto* ctx = static_cast<FlushErrorContext*>(arg);
  const SyncTable* table = task_table(ctx->applier->table);
  const mysql_sync::BinlogPosition& end = worker_task.runtime->last_end;
  errcontext(
      "mysql_sync task \"%s\": writing the net effect of a batch on %d rows of source table %s.%s to the "
      "Citus table %s, source transactions up to binlog %s:%llu",
      worker_task.name, ctx->changes, table->source_schema.c_str(), table->source_name.c_str(),
      ctx->applier->qualified, end.file.c_str(), (unsigned long long)end.pos);
}

void free_plans(CitusApplier* a) {
  if (a->group_plan) SPI_freeplan(a->group_plan);
  if (a->delete_plan) SPI_freeplan(a->delete_plan);
  if (a->insert_plan) SPI_freeplan(a->insert_plan);
  a->group_plan = a->delete_plan = a->insert_plan = nullptr;
}

void column_type(const char* qualified, Oid relid, const char* name, ColumnType* out) {
  AttrNumber attnum = get_attnum(relid, name);
  if (attnum == InvalidAttrNumber)
    ereport(ERROR, (errcode(ERRCODE_UNDEFINED_COLUMN),
                    errmsg("mysql_sync task \"%s\": target table %s has no column \"%s\"", worker_task.name,
                           qualified, name),
                    errhint("Add the column, or drop_sync and start_sync again to recreate the table.")));
  Oid collation, infunc, outfunc;
  bool varlena;
  get_atttypetypmodcoll(relid, attnum, &out->type, &out->typmod, &collation);
  getTypeInputInfo(out->type, &infunc, &out->ioparam);
  fmgr_info_cxt(infunc, &out->input, TopMemoryContext);
  getTypeOutputInfo(out->type, &outfunc, &varlena);
  fmgr_info_cxt(outfunc, &out->output, TopMemoryContext);
  out->array_type = get_array_type(out->type);
  if (!OidIsValid(out->array_type))
    ereport(ERROR,
            (errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
             errmsg("mysql_sync task \"%s\": column \"%s\" of the Citus table %s has a type without an array "
                    "type (%s)",
                    worker_task.name, name, qualified, format_type_be(out->type)),
             errhint("Give the column a base type.")));
  get_typlenbyvalalign(out->type, &out->typlen, &out->byval, &out->align);
}

// Types and statements of slot `slot`, relation `qualified` of table `index`, for its current
// shape and Citus kind.
void prepare(int slot, int index, Oid relid, const char* qualified, CitusKind kind, const char* dist_name) {
  const SyncTable& table = worker_task.runtime->tables[index];
  CitusApplier* a = &appliers[slot];
  free_plans(a);
  MemoryContext old = MemoryContextSwitchTo(TopMemoryContext);
  const int ncols = (int)table.target_columns.size();
  a->table = index;
  a->relid = relid;
  a->kind = kind;
  a->qualified = pstrdup(qualified);
  a->columns = static_cast<ColumnType*>(palloc0(sizeof(ColumnType) * (ncols + 1)));
  a->insert_columns = static_cast<int*>(palloc0(sizeof(int) * (ncols + 1)));
  a->ninsert = 0;
  a->dist_column = -1;
  for (int c = 0; c < ncols; c++) {
    const char* name = table.target_columns[c].c_str();
    if (*name == '\0') continue;  // not replicated (its ADD COLUMN was ignored)
    column_type(a->qualified, relid, name, &a->columns[c]);
    a->insert_columns[a->ninsert++] = c;
    if (kind == CitusKind::distributed && strcmp(name, dist_name) == 0) a->dist_column = c;
  }
  a->nkeys = (int)table.shape.primary_key.size();
  a->keys = static_cast<int*>(palloc0(sizeof(int) * (a->nkeys + 1)));
  for (int k = 0; k < a->nkeys; k++) a->keys[k] = table.shape.primary_key[k];
  MemoryContextSwitchTo(old);

  Oid* types = static_cast<Oid*>(palloc0(sizeof(Oid) * (ncols + 2)));
  StringInfoData sql;
  initStringInfo(&sql);
  // DELETE ... USING unnest(keys): one key row per element; on a distributed table also
  // "distribution column = ANY(values)", which Citus prunes to the shard of the values.
  appendStringInfo(&sql, "DELETE FROM %s t USING unnest(", a->qualified);
  for (int k = 0; k < a->nkeys; k++) {
    types[k] = a->columns[a->keys[k]].array_type;
    appendStringInfo(&sql, "%s$%d", k ? ", " : "", k + 1);
  }
  appendStringInfoString(&sql, ") AS k(");
  for (int k = 0; k < a->nkeys; k++) appendStringInfo(&sql, "%sk%d", k ? ", " : "", k + 1);
  appendStringInfoString(&sql, ") WHERE ");
  for (int k = 0; k < a->nkeys; k++)
    appendStringInfo(&sql, "%st.%s = k.k%d", k ? " AND " : "",
                     quote_identifier(table.target_columns[a->keys[k]].c_str()), k + 1);
  int ndelete = a->nkeys;
  if (a->dist_column >= 0) {
    types[ndelete] = a->columns[a->dist_column].array_type;
    appendStringInfo(&sql, " AND t.%s = ANY ($%d)", quote_identifier(dist_name), ndelete + 1);
    ndelete++;
  }
  appendStringInfoString(&sql, " RETURNING ");
  for (int k = 0; k < a->nkeys; k++)
    appendStringInfo(&sql, "%st.%s", k ? ", " : "",
                     quote_identifier(table.target_columns[a->keys[k]].c_str()));
  a->delete_plan = prepare_kept(sql.data, ndelete, types);

  resetStringInfo(&sql);
  appendStringInfo(&sql, "INSERT INTO %s (", a->qualified);
  for (int i = 0; i < a->ninsert; i++) {
    int c = a->insert_columns[i];
    types[i] = a->columns[c].array_type;
    appendStringInfo(&sql, "%s%s", i ? ", " : "", quote_identifier(table.target_columns[c].c_str()));
  }
  appendStringInfoString(&sql, ") SELECT * FROM unnest(");
  for (int i = 0; i < a->ninsert; i++) appendStringInfo(&sql, "%s$%d", i ? ", " : "", i + 1);
  appendStringInfoChar(&sql, ')');
  a->insert_plan = prepare_kept(sql.data, a->ninsert, types);

  if (a->dist_column >= 0) {
    Oid group_types[2] = {REGCLASSOID, a->columns[a->dist_column].array_type};
    a->group_plan = prepare_kept(
        "SELECT array_agg(o) FROM unnest($2) WITH ORDINALITY AS u(v, o) WHERE v IS NOT NULL "
        "GROUP BY pg_catalog.get_shard_id_for_distribution_column($1, v)",
        2, group_types);
  }
  a->ready = true;
}

Datum input_value(const ColumnType* column, const mysql_sync::Value& value, bool* isnull) {
  *isnull = !value.has_value();
  if (*isnull) return (Datum)0;
  return InputFunctionCall(const_cast<FmgrInfo*>(&column->input), value_cstring(*value), column->ioparam,
                           column->typmod);
}

Datum make_array(const ColumnType* column, Datum* values, bool* nulls, int count) {
  if (count == 0) return PointerGetDatum(construct_empty_array(column->type));
  int dims[1] = {count};
  int lbs[1] = {1};
  return PointerGetDatum(construct_md_array(values, nulls, 1, dims, lbs, column->type, column->typlen,
                                            column->byval, column->align));
}

// The text of a value as the column's output function writes it (the form RETURNING gives).
char* output_text(const ColumnType* column, Datum value) {
  return OutputFunctionCall(const_cast<FmgrInfo*>(&column->output), value);
}

// The rows to delete of one table: `count` entries (indexes into the net effect) and their key
// and distribution values.
struct DeleteSet {
  int count;
  int* entries;
  Datum** keys;  // per key column, per entry
  bool** key_nulls;
  Datum* dist;
  bool* dist_nulls;
};

[[noreturn]] void report_missing(CitusApplier* a, const DeleteSet& set, const int* members, int count) {
  // The keys the DELETE returned, as text; the first member not among them is missing.
  int returned = (int)SPI_processed;
  char** found = static_cast<char**>(palloc0(sizeof(char*) * (returned + 1)));
  for (int r = 0; r < returned; r++) {
    StringInfoData key;
    initStringInfo(&key);
    for (int k = 0; k < a->nkeys; k++) {
      char* v = SPI_getvalue(SPI_tuptable->vals[r], SPI_tuptable->tupdesc, k + 1);
      appendStringInfo(&key, "%s%s", k ? ", " : "", v ? v : "NULL");
    }
    found[r] = key.data;
  }
  const SyncTable& table = worker_task.runtime->tables[a->table];
  for (int m = 0; m < count; m++) {
    int e = members[m];
    StringInfoData key, names;
    initStringInfo(&key);
    initStringInfo(&names);
    for (int k = 0; k < a->nkeys; k++) {
      const ColumnType* column = &a->columns[a->keys[k]];
      appendStringInfo(&names, "%s%s", k ? ", " : "", table.target_columns[a->keys[k]].c_str());
      appendStringInfo(&key, "%s%s", k ? ", " : "",
                       set.key_nulls[k][e] ? "NULL" : output_text(column, set.keys[k][e]));
    }
    bool seen = false;
    for (int r = 0; r < returned && !seen; r++) seen = strcmp(found[r], key.data) == 0;
    if (!seen)
      report_row_missing(a->qualified, "update or delete", psprintf("(%s)=(%s)", names.data, key.data));
  }
  report_row_missing(a->qualified, "update or delete", nullptr);
}

// DELETE of the set's members (indexes into the set); each must be found unless the applier is
// lenient.
void delete_rows(CitusApplier* a, const DeleteSet& set, const int* members, int count) {
  Datum* args = static_cast<Datum*>(palloc0(sizeof(Datum) * (a->nkeys + 2)));
  Datum* values = static_cast<Datum*>(palloc0(sizeof(Datum) * (count + 1)));
  bool* nulls = static_cast<bool*>(palloc0(sizeof(bool) * (count + 1)));
  for (int k = 0; k < a->nkeys; k++) {
    for (int m = 0; m < count; m++) {
      values[m] = set.keys[k][members[m]];
      nulls[m] = set.key_nulls[k][members[m]];
    }
    args[k] = make_array(&a->columns[a->keys[k]], values, nulls, count);
  }
  int nargs = a->nkeys;
  if (a->dist_column >= 0) {
    for (int m = 0; m < count; m++) {
      values[m] = set.dist[members[m]];
      nulls[m] = set.dist_nulls[members[m]];
    }
    args[nargs++] = make_array(&a->columns[a->dist_column], values, nulls, count);
  }
  int ret = SPI_execute_plan(a->delete_plan, args, nullptr, false, 0);
  if (ret != SPI_OK_DELETE_RETURNING) elog(ERROR, "%s: delete failed (%d)", worker_task.label, ret);
  if ((int)SPI_processed != count && !a->lenient) report_missing(a, set, members, count);
}

void delete_existing(CitusApplier* a, const NetChanges& net) {
  DeleteSet set;
  set.count = 0;
  const int n = (int)net.size();
  set.entries = static_cast<int*>(palloc0(sizeof(int) * (n + 1)));
  for (int e = 0; e < n; e++)
    if (net.entries()[e].existed) set.entries[set.count++] = e;
  if (set.count == 0) return;
  set.keys = static_cast<Datum**>(palloc0(sizeof(Datum*) * (a->nkeys + 1)));
  set.key_nulls = static_cast<bool**>(palloc0(sizeof(bool*) * (a->nkeys + 1)));
  for (int k = 0; k < a->nkeys; k++) {
    set.keys[k] = static_cast<Datum*>(palloc0(sizeof(Datum) * set.count));
    set.key_nulls[k] = static_cast<bool*>(palloc0(sizeof(bool) * set.count));
    const ColumnType* column = &a->columns[a->keys[k]];
    for (int i = 0; i < set.count; i++)
      set.keys[k][i] = input_value(column, net.entries()[set.entries[i]].key[k], &set.key_nulls[k][i]);
  }
  int* all = static_cast<int*>(palloc0(sizeof(int) * set.count));
  for (int i = 0; i < set.count; i++) all[i] = i;
  if (a->dist_column < 0) {
    delete_rows(a, set, all, set.count);
    return;
  }
  const ColumnType* dist = &a->columns[a->dist_column];
  set.dist = static_cast<Datum*>(palloc0(sizeof(Datum) * set.count));
  set.dist_nulls = static_cast<bool*>(palloc0(sizeof(bool) * set.count));
  for (int i = 0; i < set.count; i++)
    set.dist[i] = input_value(dist, net.entries()[set.entries[i]].dist_before, &set.dist_nulls[i]);

  // Group by shard (Citus's own hash and shard ranges), then one DELETE per shard.
  Datum group_args[2] = {ObjectIdGetDatum(a->relid), make_array(dist, set.dist, set.dist_nulls, set.count)};
  int ret = SPI_execute_plan(a->group_plan, group_args, nullptr, true, 0);
  if (ret != SPI_OK_SELECT) elog(ERROR, "%s: shard grouping failed (%d)", worker_task.label, ret);
  const int groups = (int)SPI_processed;
  int** members = static_cast<int**>(palloc0(sizeof(int*) * (groups + 1)));
  int* sizes = static_cast<int*>(palloc0(sizeof(int) * (groups + 1)));
  int grouped = 0;
  for (int g = 0; g < groups; g++) {
    bool isnull;
    Datum cell = SPI_getbinval(SPI_tuptable->vals[g], SPI_tuptable->tupdesc, 1, &isnull);
    Datum* ordinals;
    int count;
    deconstruct_array(DatumGetArrayTypeP(cell), INT8OID, 8, FLOAT8PASSBYVAL, TYPALIGN_DOUBLE, &ordinals,
                      nullptr, &count);
    members[g] = static_cast<int*>(palloc0(sizeof(int) * (count + 1)));
    for (int i = 0; i < count; i++) members[g][i] = (int)DatumGetInt64(ordinals[i]) - 1;
    sizes[g] = count;
    grouped += count;
  }
  if (grouped < set.count) {  // a row of the batch has no distribution value: it is not in the table
    for (int i = 0; i < set.count; i++)
      if (set.dist_nulls[i]) delete_rows(a, set, &all[i], 1);  // reports it
  }
  for (int g = 0; g < groups; g++) delete_rows(a, set, members[g], sizes[g]);
}

void insert_present(CitusApplier* a, const NetChanges& net) {
  const int n = (int)net.size();
  int* rows = static_cast<int*>(palloc0(sizeof(int) * (n + 1)));
  int count = 0;
  for (int e = 0; e < n; e++)
    if (net.entries()[e].present) rows[count++] = e;
  Datum* args = static_cast<Datum*>(palloc0(sizeof(Datum) * (a->ninsert + 1)));
  Datum* values = static_cast<Datum*>(palloc0(sizeof(Datum) * (count + 1)));
  bool* nulls = static_cast<bool*>(palloc0(sizeof(bool) * (count + 1)));
  for (int i = 0; i < a->ninsert; i++) {
    int c = a->insert_columns[i];
    const ColumnType* column = &a->columns[c];
    for (int r = 0; r < count; r++) values[r] = input_value(column, net.entries()[rows[r]].row[c], &nulls[r]);
    args[i] = make_array(column, values, nulls, count);
  }
  // Executed also without rows: Citus's COPY of INSERT ... SELECT asks for its two-phase commit.
  int ret = SPI_execute_plan(a->insert_plan, args, nullptr, false, 0);
  if (ret != SPI_OK_INSERT) elog(ERROR, "%s: insert failed (%d)", worker_task.label, ret);
  if ((int)SPI_processed != count)
    elog(ERROR, "%s: %s: inserted %llu rows of %d", worker_task.label, a->qualified,
         (unsigned long long)SPI_processed, count);
}

void flush_table(int slot) {
  CitusApplier* a = &appliers[slot];
  const NetChanges& net = worker_task.runtime->citus_changes[slot];
  FlushErrorContext ctx = {a, (int)net.size()};
  ErrorContextCallback callback;
  callback.callback = flush_error_callback;
  callback.arg = &ctx;
  callback.previous = error_context_stack;
  error_context_stack = &callback;
  MemoryContext old = MemoryContextSwitchTo(flush_context);
  delete_existing(a, net);
  insert_present(a, net);
  MemoryContextSwitchTo(old);
  MemoryContextReset(flush_context);
  error_context_stack = callback.previous;
  MYSQL_SYNC_CXX(worker_task.label, worker_task.runtime->citus_changes[slot].clear());
}

}  // namespace

void citus_reset_appliers(int table_count) {
  for (int i = 0; i < applier_count; i++) free_plans(&appliers[i]);
  appliers = static_cast<CitusApplier*>(
      MemoryContextAllocZero(TopMemoryContext, sizeof(CitusApplier) * (2 * table_count + 1)));
  applier_count = 2 * table_count;
  if (flush_context == nullptr)
    flush_context = AllocSetContextCreate(TopMemoryContext, "mysql_sync citus flush", ALLOCSET_DEFAULT_SIZES);
  mysql_sync::TaskRuntime* runtime = worker_task.runtime;
  MYSQL_SYNC_CXX(worker_task.label, {
    runtime->citus_changes.clear();
    runtime->citus_changes.resize(2 * (size_t)table_count);
  });
  pending = false;
}

void citus_attach_table(int slot, int index, Oid relid, const char* qualified) {
  CitusApplier* a = &appliers[slot];
  char dist_name[NAMEDATALEN];
  CitusKind kind = citus_table_kind(relid, dist_name);
  if (kind == CitusKind::other) (void)is_citus_table(relid);  // ERROR naming it
  if (!a->ready || a->relid != relid || a->kind != kind) {
    prepare(slot, index, relid, qualified, kind, dist_name);
    mysql_sync::TaskRuntime* runtime = worker_task.runtime;
    MYSQL_SYNC_CXX(worker_task.label, {
      std::vector<size_t> keys(a->keys, a->keys + a->nkeys);
      runtime->citus_changes[slot].reset(keys, a->dist_column);
    });
  }
  a->touched = true;
  pending = true;
}

void citus_add_change(int slot, const mysql_sync::TableChange& change, bool lenient) {
  mysql_sync::TaskRuntime* runtime = worker_task.runtime;
  NetChanges::Conflict conflict = NetChanges::Conflict::none;
  size_t size = 0;
  MYSQL_SYNC_CXX(worker_task.label, {
    conflict = runtime->citus_changes[slot].add(change);
    size = runtime->citus_changes[slot].size();
  });
  CitusApplier* a = &appliers[slot];
  a->lenient = lenient;  // the same for every change of a batch (a backfill starts or ends between batches)
  if (conflict == NetChanges::Conflict::duplicate_key)
    ereport(ERROR, (errcode(ERRCODE_UNIQUE_VIOLATION),
                    errmsg("mysql_sync task \"%s\": the row to insert is already in %s", worker_task.name,
                           a->qualified),
                    errdetail("The target has diverged from the source (a change made on the target, or rows "
                              "copied outside the task)."),
                    errhint("Repair the row by hand and resume_sync, or drop_sync and start_sync again "
                            "with existing_tables => 'clear'.")));
  if (conflict == NetChanges::Conflict::row_missing)
    report_row_missing(a->qualified, change.op == mysql_sync::RowOp::update ? "update" : "delete", nullptr);
  if (size >= kFlushKeys) flush_table(slot);
}

void citus_flush_changes(void) {
  if (!pending) return;
  for (int i = 0; i < applier_count; i++) {
    if (!appliers[i].touched) continue;
    flush_table(i);
    appliers[i].touched = false;
  }
  pending = false;
}

bool citus_changes_pending(void) {
  return pending;
}

void citus_discard_changes(void) {
  mysql_sync::TaskRuntime* runtime = worker_task.runtime;
  mysql_sync::CapturedError ignored;
  mysql_sync::cxx_call(ignored, [&] {
    for (NetChanges& net : runtime->citus_changes) net.clear();
  });
  for (int i = 0; i < applier_count; i++) appliers[i].touched = false;
  pending = false;
}
