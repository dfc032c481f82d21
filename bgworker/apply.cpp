#include "bgworker/apply.h"

extern "C" {
#include "access/table.h"
#include "catalog/namespace.h"
#include "executor/spi.h"
#include "lib/stringinfo.h"
#include "nodes/makefuncs.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/rel.h"
}

using mysql_sync::RowOp;
using mysql_sync::SyncTable;
using mysql_sync::TableChange;

namespace {

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

TableApplier* appliers = nullptr;
int applier_count = 0;
MemoryContext row_context = nullptr;

struct ApplyErrorContext {
  int table;
  const TableChange* change;
  const mysql_sync::BinlogPosition* end;
};

const char* op_name(RowOp op) { return op == RowOp::insert ? "insert" : op == RowOp::update ? "update" : "delete"; }

void apply_error_callback(void* arg) {
  auto* ctx = static_cast<ApplyErrorContext*>(arg);
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
  errcontext("mysql_sync task \"%s\": applying %s of source table %s.%s to %s.%s, key (%s)=(%s), source "
             "transaction ending at binlog %s:%llu",
             worker_task.name, op_name(ctx->change->op), table.source_schema.c_str(), table.source_name.c_str(),
             table.target_schema.c_str(), table.target_name.c_str(), names.data, values.data,
             ctx->end->file.c_str(), (unsigned long long)ctx->end->pos);
}

SPIPlanPtr prepare_kept(const char* sql, int nargs, Oid* types) {
  SPIPlanPtr plan = SPI_prepare(sql, nargs, types);
  if (plan == nullptr) elog(ERROR, "mysql_sync: cannot prepare \"%s\": %s", sql, SPI_result_code_string(SPI_result));
  if (SPI_keepplan(plan) != 0) elog(ERROR, "mysql_sync: cannot keep plan");
  return plan;
}

void prepare_applier(int index) {
  const SyncTable& table = worker_task.runtime->tables[index];
  TableApplier* a = &appliers[index];
  Oid relid = target_relid(index, false);
  MemoryContext old = MemoryContextSwitchTo(TopMemoryContext);

  int ncols = (int)table.target_columns.size();
  a->ncols = ncols;
  a->types = static_cast<Oid*>(palloc0(sizeof(Oid) * ncols * 2));
  a->inputs = static_cast<FmgrInfo*>(palloc0(sizeof(FmgrInfo) * ncols));
  a->ioparams = static_cast<Oid*>(palloc0(sizeof(Oid) * ncols));
  a->typmods = static_cast<int32*>(palloc0(sizeof(int32) * ncols));
  a->values = static_cast<Datum*>(palloc0(sizeof(Datum) * ncols * 2));
  a->nulls = static_cast<char*>(palloc0(ncols * 2 + 1));
  a->qualified = quote_qualified_identifier(table.target_schema.c_str(), table.target_name.c_str());

  for (int c = 0; c < ncols; c++) {
    const char* name = table.target_columns[c].c_str();
    AttrNumber attnum = get_attnum(relid, name);
    if (attnum == InvalidAttrNumber)
      ereport(ERROR, (errcode(ERRCODE_UNDEFINED_COLUMN),
                      errmsg("mysql_sync task \"%s\": target table %s has no column \"%s\"", worker_task.name,
                             a->qualified, name),
                      errhint("Add the column, or drop_sync and start_sync again to recreate the table.")));
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
    appendStringInfo(&where, "%s%s = $%d", k ? " AND " : "", quote_identifier(table.target_columns[a->pk[k]].c_str()),
                     ncols + k + 1);
  Oid* types = a->types;
  for (int k = 0; k < a->npk; k++) types[ncols + k] = types[a->pk[k]];

  appendStringInfo(&sql, "INSERT INTO %s (", a->qualified);
  for (int c = 0; c < ncols; c++)
    appendStringInfo(&sql, "%s%s", c ? ", " : "", quote_identifier(table.target_columns[c].c_str()));
  appendStringInfoString(&sql, ") VALUES (");
  for (int c = 0; c < ncols; c++) appendStringInfo(&sql, "%s$%d", c ? ", " : "", c + 1);
  appendStringInfoChar(&sql, ')');
  a->insert_plan = prepare_kept(sql.data, ncols, types);

  resetStringInfo(&sql);
  appendStringInfo(&sql, "UPDATE %s SET ", a->qualified);
  for (int c = 0; c < ncols; c++)
    appendStringInfo(&sql, "%s%s = $%d", c ? ", " : "", quote_identifier(table.target_columns[c].c_str()), c + 1);
  appendStringInfo(&sql, " WHERE %s", where.data);
  a->update_plan = prepare_kept(sql.data, ncols + a->npk, types);

  // DELETE numbers its key parameters from 1.
  resetStringInfo(&sql);
  appendStringInfo(&sql, "DELETE FROM %s WHERE ", a->qualified);
  for (int k = 0; k < a->npk; k++)
    appendStringInfo(&sql, "%s%s = $%d", k ? " AND " : "", quote_identifier(table.target_columns[a->pk[k]].c_str()),
                     k + 1);
  a->delete_plan = prepare_kept(sql.data, a->npk, types + ncols);
  a->ready = true;
}

void fill_value(TableApplier* a, int column, const mysql_sync::Value& value, int slot) {
  if (!value) {
    a->values[slot] = (Datum)0;
    a->nulls[slot] = 'n';
  } else {
    a->values[slot] =
        InputFunctionCall(&a->inputs[column], const_cast<char*>(value->c_str()), a->ioparams[column], a->typmods[column]);
    a->nulls[slot] = ' ';
  }
}

void check_row_count(const TableApplier* a, const char* what) {
  if (SPI_processed != 1)
    ereport(ERROR, (errcode(ERRCODE_INTEGRITY_CONSTRAINT_VIOLATION),
                    errmsg("mysql_sync task \"%s\": the row to %s is not in %s", worker_task.name, what, a->qualified),
                    errdetail("The target has diverged from the source (a change made on the target, or rows "
                              "copied outside the task)."),
                    errhint("Repair the row by hand and resume_sync, or drop_sync and start_sync again "
                            "with existing_tables => 'clear'.")));
}

}  // namespace

Oid target_relid(int table, bool missing_ok) {
  const SyncTable& t = worker_task.runtime->tables[table];
  RangeVar* rv = makeRangeVar(pstrdup(t.target_schema.c_str()), pstrdup(t.target_name.c_str()), -1);
  Oid relid = RangeVarGetRelid(rv, NoLock, true);
  if (!OidIsValid(relid) && !missing_ok)
    ereport(ERROR, (errcode(ERRCODE_UNDEFINED_TABLE),
                    errmsg("mysql_sync task \"%s\": target table %s does not exist", worker_task.name,
                           quote_qualified_identifier(t.target_schema.c_str(), t.target_name.c_str())),
                    errhint("Create it, or drop_sync and start_sync again with initial_sync => '{schema,data}'.")));
  return relid;
}

void reset_appliers(void) {
  // Kept plans are small; they are dropped with the process. Start over with fresh slots.
  int count = (int)worker_task.runtime->tables.size();
  appliers = static_cast<TableApplier*>(MemoryContextAllocZero(TopMemoryContext, sizeof(TableApplier) * (count + 1)));
  applier_count = count;
  if (row_context == nullptr)
    row_context = AllocSetContextCreate(TopMemoryContext, "mysql_sync apply row", ALLOCSET_DEFAULT_SIZES);
}

void apply_change(const TableChange& change, const mysql_sync::BinlogPosition& end) {
  if (appliers == nullptr) reset_appliers();
  int index = (int)change.table;
  TableApplier* a = &appliers[index];

  ApplyErrorContext ctx = {index, &change, &end};
  ErrorContextCallback callback;
  callback.callback = apply_error_callback;
  callback.arg = &ctx;
  callback.previous = error_context_stack;
  error_context_stack = &callback;

  if (!a->ready) prepare_applier(index);
  MemoryContext old = MemoryContextSwitchTo(row_context);
  int ret;
  switch (change.op) {
    case RowOp::insert:
      for (int c = 0; c < a->ncols; c++) fill_value(a, c, change.after[c], c);
      ret = SPI_execute_plan(a->insert_plan, a->values, a->nulls, false, 0);
      if (ret != SPI_OK_INSERT) elog(ERROR, "mysql_sync: insert failed (%d)", ret);
      break;
    case RowOp::update:
      for (int c = 0; c < a->ncols; c++) fill_value(a, c, change.after[c], c);
      for (int k = 0; k < a->npk; k++) fill_value(a, a->pk[k], change.before[a->pk[k]], a->ncols + k);
      ret = SPI_execute_plan(a->update_plan, a->values, a->nulls, false, 0);
      if (ret != SPI_OK_UPDATE) elog(ERROR, "mysql_sync: update failed (%d)", ret);
      check_row_count(a, "update");
      break;
    case RowOp::remove:
      for (int k = 0; k < a->npk; k++) fill_value(a, a->pk[k], change.before[a->pk[k]], k);
      ret = SPI_execute_plan(a->delete_plan, a->values, a->nulls, false, 0);
      if (ret != SPI_OK_DELETE) elog(ERROR, "mysql_sync: delete failed (%d)", ret);
      check_row_count(a, "delete");
      break;
  }
  MemoryContextSwitchTo(old);
  MemoryContextReset(row_context);
  error_context_stack = callback.previous;
}
