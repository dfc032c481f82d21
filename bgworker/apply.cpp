#include "extension/bridge.h"
#include "bgworker/apply.h"

#include "bgworker/citus.h"
#include "bgworker/citus_apply.h"

extern "C" {
#include "access/genam.h"
#include "access/htup_details.h"
#include "access/skey.h"
#include "access/stratnum.h"
#include "access/table.h"
#include "access/tableam.h"
#include "access/xact.h"
#include "catalog/namespace.h"
#include "catalog/pg_am_d.h"
#include "catalog/pg_index.h"
#include "commands/trigger.h"
#include "executor/executor.h"
#include "executor/spi.h"
#include "executor/tuptable.h"
#include "lib/stringinfo.h"
#include "nodes/makefuncs.h"
#include "storage/lmgr.h"
#include "storage/proc.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/rel.h"
#include "utils/snapmgr.h"
}

using mysql_sync::RowOp;
using mysql_sync::SyncTable;
using mysql_sync::TableChange;

namespace {

// ---------------------------------------------------------------- SPI path (fallback)

// Prepared plans kept across batches (the plan cache replans them after DDL).
struct TableApplier {
  bool ready;
  int ncols;
  Oid* types;
  FmgrInfo* inputs;
  Oid* ioparams;
  int32* typmods;
  int npk;
  int* pk;  // source column indexes of the primary key
  SPIPlanPtr insert_plan;
  SPIPlanPtr update_plan;
  SPIPlanPtr delete_plan;
  Datum* values;
  char* nulls;
  char* qualified;  // quoted schema.table
};

// ---------------------------------------------------------------- executor path

// One table's executor state for the current batch (PostgreSQL transaction). Rebuilt for every
// batch: that costs a few catalog cache lookups per table per batch, and picks up any DDL on the
// target between batches without invalidation callbacks. Lives in batch_context (a child of the
// transaction's context), so an aborted transaction frees it with everything else.
struct ExecTable {
  bool open;     // looked at in this batch
  bool citus;    // a Citus table: its changes go through Citus (bgworker/citus_apply.h)
  bool use_spi;  // the executor path cannot serve this table exactly like SQL would
  Relation rel;
  Relation key_index;
  EState* estate;
  ResultRelInfo* rri;
  EPQState epq;
  TupleTableSlot* new_slot;    // virtual: the row to insert, or the new version of an update
  TupleTableSlot* found_slot;  // the table's own slot type: the row found by key
  IndexScanDesc scan;          // kept open for the batch; rescanned per key
  ScanKeyData* keys;           // per key index column
  int nkeys;
  int* key_source;  // per key index column: the source column
  int ncols;        // source columns
  int* attr;        // per source column: its index in the target's tuple descriptor
  FmgrInfo* inputs;
  Oid* ioparams;
  int32* typmods;
  bool has_triggers;  // after-row triggers need a trigger "query" around each row
  char* qualified;
};

TableApplier* appliers = nullptr;
int applier_count = 0;
MemoryContext row_context = nullptr;

ExecTable* exec_tables = nullptr;  // per task table, for the batch; null when none is open
MemoryContext batch_context = nullptr;
LocalTransactionId batch_lxid = InvalidLocalTransactionId;  // the transaction exec_tables belong to

struct ApplyErrorContext {
  int table;
  const char* relation;  // the quoted relation written
  const TableChange* change;
  const mysql_sync::BinlogPosition* end;
};

const char* op_name(RowOp op) {
  return op == RowOp::insert ? "insert" : op == RowOp::update ? "update" : "delete";
}

void apply_error_callback(void* arg) {
  auto* ctx = static_cast<ApplyErrorContext*>(arg);
  worker_task.failing_table = ctx->table;
  const SyncTable& table = worker_task.runtime->tables[ctx->table];
  const mysql_sync::Row& row = ctx->change->op == RowOp::insert ? ctx->change->after : ctx->change->before;
  StringInfoData names, values;
  initStringInfo(&names);
  initStringInfo(&values);
  for (size_t k = 0; k < table.shape.primary_key.size(); k++) {
    size_t column = table.shape.primary_key[k];
    if (k) {
      appendStringInfoString(&names, ", ");
      appendStringInfoString(&values, ", ");
    }
    appendStringInfoString(&names, table.shape.column_names[column].c_str());
    if (column < row.size() && row[column])
      appendStringInfoString(&values, row[column]->c_str());
    else
      appendStringInfoString(&values, "NULL");
  }
  errcontext(
      "mysql_sync task \"%s\": applying %s of source table %s.%s to %s, key (%s)=(%s), source "
      "transaction ending at binlog %s:%llu",
      worker_task.name, op_name(ctx->change->op), table.source_schema.c_str(), table.source_name.c_str(),
      ctx->relation, names.data, values.data, ctx->end->file.c_str(), (unsigned long long)ctx->end->pos);
}

[[noreturn]] void report_missing_column(const char* qualified, const char* name) {
  ereport(ERROR, (errcode(ERRCODE_UNDEFINED_COLUMN),
                  errmsg("mysql_sync task \"%s\": target table %s has no column \"%s\"", worker_task.name,
                         qualified, name),
                  errhint("Add the column, or drop_sync and start_sync again to recreate the table.")));
}

// The relation a change of table `index` goes to: its target, or the shadow a resync fills.
const char* relation_name(int index, bool shadow) {
  const SyncTable& table = worker_task.runtime->tables[index];
  return shadow ? table.shadow_name.c_str() : table.target_name.c_str();
}

}  // namespace

SPIPlanPtr prepare_kept(const char* sql, int nargs, Oid* types) {
  SPIPlanPtr plan = SPI_prepare(sql, nargs, types);
  if (plan == nullptr)
    elog(ERROR, "%s: cannot prepare \"%s\": %s", worker_task.label, sql, SPI_result_code_string(SPI_result));
  if (SPI_keepplan(plan) != 0) elog(ERROR, "%s: cannot keep plan", worker_task.label);
  return plan;
}

namespace {

void prepare_applier(int index, bool shadow) {
  const SyncTable& table = worker_task.runtime->tables[index];
  TableApplier* a = &appliers[index + (shadow ? applier_count : 0)];
  Oid relid = shadow ? shadow_relid(index) : target_relid(index, false);
  MemoryContext old = MemoryContextSwitchTo(TopMemoryContext);

  int ncols = (int)table.target_columns.size();
  a->ncols = ncols;
  a->types = static_cast<Oid*>(palloc0(sizeof(Oid) * ncols * 2));
  a->inputs = static_cast<FmgrInfo*>(palloc0(sizeof(FmgrInfo) * ncols));
  a->ioparams = static_cast<Oid*>(palloc0(sizeof(Oid) * ncols));
  a->typmods = static_cast<int32*>(palloc0(sizeof(int32) * ncols));
  a->values = static_cast<Datum*>(palloc0(sizeof(Datum) * ncols * 2));
  a->nulls = static_cast<char*>(palloc0(ncols * 2 + 1));
  a->qualified = quote_qualified_identifier(table.target_schema.c_str(), relation_name(index, shadow));

  for (int c = 0; c < ncols; c++) {
    const char* name = table.target_columns[c].c_str();
    if (*name == '\0') {  // a source column that is not replicated (its ADD COLUMN was ignored)
      Oid infunc;
      a->types[c] = TEXTOID;
      a->typmods[c] = -1;
      getTypeInputInfo(TEXTOID, &infunc, &a->ioparams[c]);
      fmgr_info_cxt(infunc, &a->inputs[c], TopMemoryContext);
      continue;
    }
    AttrNumber attnum = get_attnum(relid, name);
    if (attnum == InvalidAttrNumber) report_missing_column(a->qualified, name);
    Oid infunc;
    get_atttypetypmodcoll(relid, attnum, &a->types[c], &a->typmods[c], &infunc);
    getTypeInputInfo(a->types[c], &infunc, &a->ioparams[c]);
    fmgr_info_cxt(infunc, &a->inputs[c], TopMemoryContext);
  }
  a->npk = (int)table.shape.primary_key.size();
  a->pk = static_cast<int*>(palloc0(sizeof(int) * (a->npk + 1)));
  for (int k = 0; k < a->npk; k++) a->pk[k] = table.shape.primary_key[k];
  MemoryContextSwitchTo(old);

  StringInfoData sql, where;
  initStringInfo(&sql);
  initStringInfo(&where);
  for (int k = 0; k < a->npk; k++)
    appendStringInfo(&where, "%s%s = $%d", k ? " AND " : "",
                     quote_identifier(table.target_columns[a->pk[k]].c_str()), ncols + k + 1);
  Oid* types = a->types;
  for (int k = 0; k < a->npk; k++) types[ncols + k] = types[a->pk[k]];

  // Unreplicated columns are left out; their parameters stay unused.
  appendStringInfo(&sql, "INSERT INTO %s (", a->qualified);
  const char* separator = "";
  for (int c = 0; c < ncols; c++)
    if (!table.target_columns[c].empty()) {
      appendStringInfo(&sql, "%s%s", separator, quote_identifier(table.target_columns[c].c_str()));
      separator = ", ";
    }
  appendStringInfoString(&sql, ") VALUES (");
  separator = "";
  for (int c = 0; c < ncols; c++)
    if (!table.target_columns[c].empty()) {
      appendStringInfo(&sql, "%s$%d", separator, c + 1);
      separator = ", ";
    }
  appendStringInfoChar(&sql, ')');
  a->insert_plan = prepare_kept(sql.data, ncols, types);

  resetStringInfo(&sql);
  appendStringInfo(&sql, "UPDATE %s SET ", a->qualified);
  separator = "";
  for (int c = 0; c < ncols; c++)
    if (!table.target_columns[c].empty()) {
      appendStringInfo(&sql, "%s%s = $%d", separator, quote_identifier(table.target_columns[c].c_str()),
                       c + 1);
      separator = ", ";
    }
  appendStringInfo(&sql, " WHERE %s", where.data);
  a->update_plan = prepare_kept(sql.data, ncols + a->npk, types);

  // DELETE numbers its key parameters from 1.
  resetStringInfo(&sql);
  appendStringInfo(&sql, "DELETE FROM %s WHERE ", a->qualified);
  for (int k = 0; k < a->npk; k++)
    appendStringInfo(&sql, "%s%s = $%d", k ? " AND " : "",
                     quote_identifier(table.target_columns[a->pk[k]].c_str()), k + 1);
  a->delete_plan = prepare_kept(sql.data, a->npk, types + ncols);
  a->ready = true;
}

void fill_value(TableApplier* a, int column, const mysql_sync::Value& value, int slot) {
  if (!value) {
    a->values[slot] = (Datum)0;
    a->nulls[slot] = 'n';
  } else {
    a->values[slot] =
        InputFunctionCall(&a->inputs[column], value_cstring(*value), a->ioparams[column], a->typmods[column]);
    a->nulls[slot] = ' ';
  }
}

void spi_insert(TableApplier* a, const TableChange& change) {
  for (int c = 0; c < a->ncols; c++) fill_value(a, c, change.after[c], c);
  int ret = SPI_execute_plan(a->insert_plan, a->values, a->nulls, false, 0);
  if (ret != SPI_OK_INSERT) elog(ERROR, "%s: insert failed (%d)", worker_task.label, ret);
}

void apply_spi(int index, bool shadow, const TableChange& change, bool lenient) {
  TableApplier* a = &appliers[index + (shadow ? applier_count : 0)];
  if (!a->ready) prepare_applier(index, shadow);
  int ret;
  switch (change.op) {
    case RowOp::insert:
      spi_insert(a, change);
      break;
    case RowOp::update:
      for (int c = 0; c < a->ncols; c++) fill_value(a, c, change.after[c], c);
      for (int k = 0; k < a->npk; k++) fill_value(a, a->pk[k], change.before[a->pk[k]], a->ncols + k);
      ret = SPI_execute_plan(a->update_plan, a->values, a->nulls, false, 0);
      if (ret != SPI_OK_UPDATE) elog(ERROR, "%s: update failed (%d)", worker_task.label, ret);
      if (SPI_processed == 1) break;
      if (!lenient) report_row_missing(a->qualified, "update", nullptr);
      spi_insert(a, change);  // a row not copied yet: its new version
      break;
    case RowOp::remove:
      for (int k = 0; k < a->npk; k++) fill_value(a, a->pk[k], change.before[a->pk[k]], k);
      ret = SPI_execute_plan(a->delete_plan, a->values, a->nulls, false, 0);
      if (ret != SPI_OK_DELETE) elog(ERROR, "%s: delete failed (%d)", worker_task.label, ret);
      if (SPI_processed != 1 && !lenient) report_row_missing(a->qualified, "delete", nullptr);
      break;
  }
}

// The unique btree index whose key columns are exactly the source key's columns (the primary key
// first), with the equality operators to search it. Returns false when there is none: a
// deferrable, partial or expression index cannot locate the row the way "WHERE pk = $1" does.
bool find_key_index(ExecTable* t, const SyncTable& table) {
  Relation rel = t->rel;
  int npk = (int)table.shape.primary_key.size();
  List* indexes = RelationGetIndexList(rel);
  Oid primary = RelationGetPrimaryKeyIndex(rel);
  if (OidIsValid(primary)) indexes = lcons_oid(primary, list_delete_oid(indexes, primary));
  ListCell* lc;
  foreach (lc, indexes) {
    Relation idx = index_open(lfirst_oid(lc), RowExclusiveLock);
    Form_pg_index form = idx->rd_index;
    bool ok = form->indisunique && form->indisvalid && form->indimmediate && form->indnkeyatts == npk &&
              idx->rd_rel->relam == BTREE_AM_OID &&
              heap_attisnull(idx->rd_indextuple, Anum_pg_index_indexprs, NULL) &&
              heap_attisnull(idx->rd_indextuple, Anum_pg_index_indpred, NULL);
    int* key_source = static_cast<int*>(palloc0(sizeof(int) * (npk + 1)));
    for (int k = 0; ok && k < npk; k++) {
      int heap_attr = form->indkey.values[k] - 1;
      key_source[k] = -1;
      for (int p = 0; p < npk; p++) {
        int source = (int)table.shape.primary_key[p];
        if (t->attr[source] == heap_attr) key_source[k] = source;
      }
      if (key_source[k] < 0) ok = false;
    }
    ScanKeyData* keys = static_cast<ScanKeyData*>(palloc0(sizeof(ScanKeyData) * (npk + 1)));
    for (int k = 0; ok && k < npk; k++) {
      Oid optype = idx->rd_opcintype[k];
      Oid op = get_opfamily_member(idx->rd_opfamily[k], optype, optype, BTEqualStrategyNumber);
      if (!OidIsValid(op)) {
        ok = false;
        break;
      }
      ScanKeyInit(&keys[k], (AttrNumber)(k + 1), BTEqualStrategyNumber, get_opcode(op), (Datum)0);
      keys[k].sk_collation = idx->rd_indcollation[k];
    }
    if (ok) {
      t->key_index = idx;
      t->keys = keys;
      t->nkeys = npk;
      t->key_source = key_source;
      return true;
    }
    index_close(idx, NoLock);
  }
  return false;
}

// Opens a table for the batch: the executor path when it applies exactly what the SPI statements
// would, SPI otherwise.
void open_exec_table(int index, bool shadow) {
  const SyncTable& table = worker_task.runtime->tables[index];
  ExecTable* t = &exec_tables[index + (shadow ? applier_count : 0)];
  t->open = true;
  t->use_spi = true;
  t->qualified = quote_qualified_identifier(table.target_schema.c_str(), relation_name(index, shadow));

  RangeVar* rv =
      makeRangeVar(pstrdup(table.target_schema.c_str()), pstrdup(relation_name(index, shadow)), -1);
  Oid relid = RangeVarGetRelid(rv, RowExclusiveLock, true);
  if (!OidIsValid(relid)) shadow ? shadow_relid(index) : target_relid(index, false);  // ERROR naming it
  // Locked first: a create_distributed_table of it commits before this or waits for the batch.
  if (is_citus_table(relid)) {
    t->citus = true;
    t->use_spi = false;
    citus_attach_table(index + (shadow ? applier_count : 0), index, relid, t->qualified);
    return;
  }
  Relation rel = table_open(relid, NoLock);
  TupleDesc desc = RelationGetDescr(rel);
  int ncols = (int)table.target_columns.size();
  t->ncols = ncols;
  t->attr = static_cast<int*>(palloc0(sizeof(int) * (ncols + 1)));
  bool* mapped = static_cast<bool*>(palloc0(sizeof(bool) * (desc->natts + 1)));
  bool exact = rel->rd_rel->relkind == RELKIND_RELATION && rel->rd_rules == nullptr;
  for (int c = 0; c < ncols; c++) {
    const char* name = table.target_columns[c].c_str();
    t->attr[c] = -1;
    if (*name == '\0') continue;  // not replicated
    for (int i = 0; i < desc->natts; i++) {
      Form_pg_attribute att = TupleDescAttr(desc, i);
      if (!att->attisdropped && strcmp(NameStr(att->attname), name) == 0) t->attr[c] = i;
    }
    if (t->attr[c] < 0) report_missing_column(t->qualified, name);
    // INSERT refuses a value for a generated column: let SPI say so.
    if (TupleDescAttr(desc, t->attr[c])->attgenerated) exact = false;
    mapped[t->attr[c]] = true;
  }
  // A column the source does not fill would get its default from INSERT; the executor path has
  // no defaults.
  for (int i = 0; i < desc->natts; i++) {
    Form_pg_attribute att = TupleDescAttr(desc, i);
    if (!att->attisdropped && !att->attgenerated && !mapped[i]) exact = false;
  }
  t->rel = rel;
  if (!exact || !find_key_index(t, table)) {
    table_close(rel, NoLock);  // the lock is kept to the end of the transaction
    t->rel = nullptr;
    return;
  }

  t->inputs = static_cast<FmgrInfo*>(palloc0(sizeof(FmgrInfo) * ncols));
  t->ioparams = static_cast<Oid*>(palloc0(sizeof(Oid) * ncols));
  t->typmods = static_cast<int32*>(palloc0(sizeof(int32) * ncols));
  Bitmapset* columns = nullptr;
  for (int c = 0; c < ncols; c++) {
    if (t->attr[c] < 0) continue;
    Form_pg_attribute att = TupleDescAttr(desc, t->attr[c]);
    Oid infunc;
    getTypeInputInfo(att->atttypid, &infunc, &t->ioparams[c]);
    fmgr_info_cxt(infunc, &t->inputs[c], batch_context);
    t->typmods[c] = att->atttypmod;
    columns = bms_add_member(columns, att->attnum - FirstLowInvalidHeapAttributeNumber);
  }

  // As logical replication's apply does (create_edata_for_relation): a one-entry range table so
  // that triggers and constraint checks see the columns as inserted/updated.
  EState* estate = CreateExecutorState();
  RangeTblEntry* rte = makeNode(RangeTblEntry);
  rte->rtekind = RTE_RELATION;
  rte->relid = relid;
  rte->relkind = rel->rd_rel->relkind;
  rte->rellockmode = RowExclusiveLock;
  rte->insertedCols = columns;
  rte->updatedCols = columns;
  ExecInitRangeTable(estate, list_make1(rte));
  ResultRelInfo* rri = makeNode(ResultRelInfo);
  InitResultRelInfo(rri, rel, 1, nullptr, 0);
  estate->es_output_cid = GetCurrentCommandId(true);
  ExecOpenIndices(rri, false);
  EvalPlanQualInit(&t->epq, estate, nullptr, NIL, -1);
  t->estate = estate;
  t->rri = rri;
  t->new_slot = ExecInitExtraTupleSlot(estate, desc, &TTSOpsVirtual);
  t->found_slot = table_slot_create(rel, &estate->es_tupleTable);
  // SnapshotSelf sees this transaction's own earlier changes, including those of the current
  // command, and no uncommitted ones of others (the target has no other writers; if it had, the
  // update would wait for them and fail rather than apply twice).
  t->scan = index_beginscan(rel, t->key_index, SnapshotSelf, t->nkeys, 0);
  t->has_triggers = rri->ri_TrigDesc != nullptr;
  t->use_spi = false;
}

void close_exec_table(ExecTable* t) {
  if (!t->open || t->use_spi || t->citus) return;
  index_endscan(t->scan);
  index_close(t->key_index, NoLock);
  EvalPlanQualEnd(&t->epq);
  ExecCloseIndices(t->rri);
  ExecCloseResultRelations(t->estate);  // relations opened for after-trigger events
  ExecResetTupleTable(t->estate->es_tupleTable, false);
  FreeExecutorState(t->estate);
  table_close(t->rel, NoLock);
}

Datum input_value(ExecTable* t, int column, const std::string& text) {
  return InputFunctionCall(&t->inputs[column], value_cstring(text), t->ioparams[column], t->typmods[column]);
}

// Finds the row with the key of `row` (its before image); on success found_slot holds it.
bool find_row(ExecTable* t, const mysql_sync::Row& row) {
  for (int k = 0; k < t->nkeys; k++) {
    const mysql_sync::Value& value = row[t->key_source[k]];
    if (!value) return false;  // a NULL key matches nothing, as in "WHERE pk = NULL"
    t->keys[k].sk_argument = input_value(t, t->key_source[k], *value);
  }
  // The scan lives for the batch and allocates for itself lazily (btree's killed-items array on
  // the first dead tuple): in the batch's context, not the row's, which is reset after each row.
  MemoryContext old = MemoryContextSwitchTo(batch_context);
  index_rescan(t->scan, t->keys, t->nkeys, nullptr, 0);
  bool found = index_getnext_slot(t->scan, ForwardScanDirection, t->found_slot);
  MemoryContextSwitchTo(old);
  return found;
}

void fill_new_slot(ExecTable* t, const mysql_sync::Row& row) {
  TupleTableSlot* slot = t->new_slot;
  ExecClearTuple(slot);
  // Every live column is mapped (open_exec_table checked), dropped ones stay NULL.
  memset(slot->tts_isnull, true, sizeof(bool) * slot->tts_tupleDescriptor->natts);
  for (int c = 0; c < t->ncols; c++) {
    int i = t->attr[c];
    if (i >= 0 && row[c]) {
      slot->tts_values[i] = input_value(t, c, *row[c]);
      slot->tts_isnull[i] = false;
    }
  }
  ExecStoreVirtualTuple(slot);
}

void exec_insert(ExecTable* t, const TableChange& change) {
  fill_new_slot(t, change.after);
  ExecSimpleRelationInsert(t->rri, t->estate, t->new_slot);
}

void apply_exec(ExecTable* t, const TableChange& change, bool lenient) {
  EState* estate = t->estate;
  estate->es_output_cid = GetCurrentCommandId(true);
  if (t->has_triggers) AfterTriggerBeginQuery();
  switch (change.op) {
    case RowOp::insert:
      exec_insert(t, change);
      break;
    case RowOp::update:
      if (!find_row(t, change.before)) {
        if (!lenient) report_row_missing(t->qualified, "update", nullptr);
        exec_insert(t, change);  // a row not copied yet: its new version
        break;
      }
      fill_new_slot(t, change.after);
      EvalPlanQualSetSlot(&t->epq, t->new_slot);
      ExecSimpleRelationUpdate(t->rri, estate, &t->epq, t->found_slot, t->new_slot);
      break;
    case RowOp::remove:
      if (!find_row(t, change.before)) {
        if (!lenient) report_row_missing(t->qualified, "delete", nullptr);
        break;  // a row not copied yet
      }
      EvalPlanQualSetSlot(&t->epq, t->found_slot);
      ExecSimpleRelationDelete(t->rri, estate, &t->epq, t->found_slot);
      break;
  }
  // After-row triggers fire per row, as with one statement per row.
  if (t->has_triggers) AfterTriggerEndQuery(estate);
  ExecClearTuple(t->found_slot);  // drops the buffer pin, so the page can be pruned
  ExecClearTuple(t->new_slot);
  ResetPerTupleExprContext(estate);
  // The next change must see this one (an insert then an update of the same row in one batch);
  // heap_update refuses a tuple inserted by the current command. What each SPI statement did.
  CommandCounterIncrement();
}

void close_exec_tables(void) {
  if (exec_tables == nullptr) return;
  if (batch_lxid == MyProc->lxid)
    for (int i = 0; i < 2 * applier_count; i++) close_exec_table(&exec_tables[i]);
  // The memory goes with the transaction's context.
  batch_context = nullptr;
  exec_tables = nullptr;
}

// Whoever commits the transaction the changes went into (the apply loop, the initial sync's
// catch-up), the executor state is closed before the commit, not leaked into it; after an
// abort it is simply forgotten (the abort released the relations and freed the memory).
MYSQL_SYNC_VOID_ENTRY(apply_xact_callback, (XactEvent event, [[maybe_unused]] void* arg), (event, arg)) {
  switch (event) {
    case XACT_EVENT_PRE_COMMIT:
    case XACT_EVENT_PARALLEL_PRE_COMMIT:
    case XACT_EVENT_PRE_PREPARE:
      // Changes to Citus tables are written by apply_batch_end: committing without it would lose them.
      if (citus_changes_pending())
        elog(ERROR, "%s: the batch's changes to Citus tables were not written before its commit",
             worker_task.label);
      close_exec_tables();
      break;
    case XACT_EVENT_ABORT:
    case XACT_EVENT_PARALLEL_ABORT:
      batch_context = nullptr;
      exec_tables = nullptr;
      citus_discard_changes();
      break;
    default:
      break;
  }
}

ExecTable* batch_table(int index, bool shadow) {
  if (exec_tables == nullptr || batch_lxid != MyProc->lxid) {
    // First change of this transaction. (After an aborted one the old state is gone with its
    // memory context; the relations were closed by the abort.)
    batch_context =
        AllocSetContextCreate(TopTransactionContext, "mysql_sync apply batch", ALLOCSET_DEFAULT_SIZES);
    exec_tables = static_cast<ExecTable*>(
        MemoryContextAllocZero(batch_context, sizeof(ExecTable) * (2 * applier_count + 1)));
    batch_lxid = MyProc->lxid;
  }
  ExecTable* t = &exec_tables[index + (shadow ? applier_count : 0)];
  if (!t->open) {
    MemoryContext old = MemoryContextSwitchTo(batch_context);
    open_exec_table(index, shadow);
    MemoryContextSwitchTo(old);
  }
  return t;
}

}  // namespace

void report_row_missing(const char* qualified, const char* what, const char* key) {
  ereport(ERROR, (errcode(ERRCODE_INTEGRITY_CONSTRAINT_VIOLATION),
                  key ? errmsg("mysql_sync task \"%s\": the row to %s with key %s is not in %s",
                               worker_task.name, what, key, qualified)
                      : errmsg("mysql_sync task \"%s\": the row to %s is not in %s", worker_task.name, what,
                               qualified),
                  errdetail("The target has diverged from the source (a change made on the target, or rows "
                            "copied outside the task)."),
                  errhint("Repair the row by hand and resume_sync, or drop_sync and start_sync again "
                          "with existing_tables => 'clear'.")));
}

// The value as a C string for an input function. MySQL text may hold NUL characters, which
// PostgreSQL text cannot: refuse them, since the C string would silently end at the first one.
char* value_cstring(const std::string& text) {
  if (memchr(text.data(), '\0', text.size()) != nullptr)
    ereport(ERROR,
            (errcode(ERRCODE_CHARACTER_NOT_IN_REPERTOIRE),
             errmsg("mysql_sync task \"%s\": a value holds a NUL character, which PostgreSQL cannot store",
                    worker_task.name),
             errhint("Remove the NUL characters on the source (e.g. REPLACE(col, CHAR(0), '')), or map "
                     "the column to bytea, then resume_sync.")));
  return const_cast<char*>(text.c_str());
}

Oid target_relid(int table, bool missing_ok) {
  const SyncTable& t = worker_task.runtime->tables[table];
  RangeVar* rv = makeRangeVar(pstrdup(t.target_schema.c_str()), pstrdup(t.target_name.c_str()), -1);
  Oid relid = RangeVarGetRelid(rv, NoLock, true);
  if (!OidIsValid(relid) && !missing_ok)
    ereport(ERROR,
            (errcode(ERRCODE_UNDEFINED_TABLE),
             errmsg("mysql_sync task \"%s\": target table %s does not exist", worker_task.name,
                    quote_qualified_identifier(t.target_schema.c_str(), t.target_name.c_str())),
             errhint("Create it, or drop_sync and start_sync again with initial_sync => '{schema,data}'.")));
  return relid;
}

Oid shadow_relid(int table) {
  const SyncTable& t = worker_task.runtime->tables[table];
  RangeVar* rv = makeRangeVar(pstrdup(t.target_schema.c_str()), pstrdup(t.shadow_name.c_str()), -1);
  Oid relid = RangeVarGetRelid(rv, NoLock, true);
  if (!OidIsValid(relid))
    ereport(ERROR,
            (errcode(ERRCODE_UNDEFINED_TABLE),
             errmsg("mysql_sync task \"%s\": the resync's shadow table %s does not exist", worker_task.name,
                    quote_qualified_identifier(t.target_schema.c_str(), t.shadow_name.c_str())),
             errhint("Someone dropped it: resync_table starts the resync again.")));
  return relid;
}

void reset_appliers(void) {
  // Kept plans are small; they are dropped with the process. Start over with fresh slots.
  close_exec_tables();  // sized for the old table list
  int count = (int)worker_task.runtime->tables.size();
  citus_reset_appliers(count);
  appliers = static_cast<TableApplier*>(
      MemoryContextAllocZero(TopMemoryContext, sizeof(TableApplier) * (2 * count + 1)));
  applier_count = count;
  if (row_context == nullptr) {
    row_context = AllocSetContextCreate(TopMemoryContext, "mysql_sync apply row", ALLOCSET_DEFAULT_SIZES);
    RegisterXactCallback(apply_xact_callback, nullptr);
  }
}

void apply_batch_end(void) {
  citus_flush_changes();
  close_exec_tables();
}

void apply_change(const TableChange& change, const mysql_sync::BinlogPosition& end, ApplyTo to,
                  bool lenient) {
  if (appliers == nullptr) reset_appliers();
  int index = (int)change.table;
  const bool shadow = to == ApplyTo::shadow;

  ExecTable* t = batch_table(index, shadow);
  ApplyErrorContext ctx = {index, t->qualified, &change, &end};
  ErrorContextCallback callback;
  callback.callback = apply_error_callback;
  callback.arg = &ctx;
  callback.previous = error_context_stack;
  error_context_stack = &callback;

  MemoryContext old = MemoryContextSwitchTo(row_context);
  if (t->citus)
    citus_add_change(index + (shadow ? applier_count : 0), change, lenient);
  else if (t->use_spi)
    apply_spi(index, shadow, change, lenient);
  else
    apply_exec(t, change, lenient);
  MemoryContextSwitchTo(old);
  MemoryContextReset(row_context);
  error_context_stack = callback.previous;
  worker_task.failing_table = -1;  // a notice or warning raised meanwhile set it
}
