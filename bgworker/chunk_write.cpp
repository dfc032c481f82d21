#include "bgworker/chunk_write.h"

#include "bgworker/catalog.h"
#include "bgworker/citus.h"
#include "bgworker/initial_sync.h"
#include "extension/bridge.h"

extern "C" {
#include "access/xact.h"
#include "catalog/namespace.h"
#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "lib/stringinfo.h"
#include "nodes/makefuncs.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/resowner.h"
}

using mysql_sync::SyncTable;

namespace {

constexpr const char* kStage = "mysql_sync_chunk";

// The chunk being written (COPY text).
struct ChunkText {
  const char* text;
  size_t size;
};

uint64 copy_chunk(int index, Oid relid, const ChunkText* chunk) {
  return copy_text_into(index, relid, chunk->text, chunk->size);
}

// COPY straight in, in a subtransaction: false (nothing written) when a row is there already.
bool copy_unless_met(int index, Oid relid, const ChunkText* chunk, uint64* rows) {
  MemoryContext context = CurrentMemoryContext;
  ResourceOwner owner = CurrentResourceOwner;
  volatile bool met = false;
  volatile uint64 copied = 0;
  BeginInternalSubTransaction(nullptr);
  PG_TRY();
  {
    copied = copy_chunk(index, relid, chunk);
    ReleaseCurrentSubTransaction();
  }
  PG_CATCH();
  {
    MemoryContextSwitchTo(context);
    ErrorData* edata = CopyErrorData();
    if (edata->sqlerrcode != ERRCODE_UNIQUE_VIOLATION) PG_RE_THROW();
    FlushErrorState();
    RollbackAndReleaseCurrentSubTransaction();
    met = true;
  }
  PG_END_TRY();
  MemoryContextSwitchTo(context);
  CurrentResourceOwner = owner;
  *rows = copied;
  return !met;
}

// The target's quoted name of source column `column`, and its type with modifier.
void key_column_sql(int index, Oid relid, size_t column, const char** name, const char** type) {
  const char* target = (task_table(index)->target_columns.data() + column)->c_str();
  AttrNumber attnum = get_attnum(relid, target);
  if (attnum == InvalidAttrNumber)
    ereport(ERROR, (errcode(ERRCODE_UNDEFINED_COLUMN),
                    errmsg("mysql_sync task \"%s\": %s has no key column \"%s\"", worker_task.name,
                           get_rel_name(relid), target)));
  Oid typid;
  int32 typmod;
  Oid collation;
  get_atttypetypmodcoll(relid, attnum, &typid, &typmod, &collation);
  *name = quote_identifier(target);
  *type = format_type_with_typemod(typid, typmod);
}

uint64 write_through_stage(int index, Oid relid, const ChunkText* chunk, const ChunkSkips* skips) {
  const SyncTable* table = task_table(index);
  const char* qualified =
      quote_qualified_identifier(get_namespace_name(get_rel_namespace(relid)), get_rel_name(relid));
  spi_exec_text(psprintf("CREATE TEMP TABLE %s (LIKE %s)", kStage, qualified), 0, nullptr);
  Oid stage = RangeVarGetRelid(makeRangeVar(pstrdup("pg_temp"), pstrdup(kStage), -1), NoLock, false);
  copy_chunk(index, stage, chunk);

  if (skips && skips->count > 0) {
    // DELETE FROM stage s USING unnest($1::text[], ...) k(k1, ...) WHERE s.a = k.k1::type AND ...
    StringInfoData sql, where;
    initStringInfo(&sql);
    initStringInfo(&where);
    appendStringInfo(&sql, "DELETE FROM pg_temp.%s s USING unnest(", kStage);
    Oid* types = static_cast<Oid*>(palloc(sizeof(Oid) * skips->columns));
    Datum* arrays = static_cast<Datum*>(palloc(sizeof(Datum) * skips->columns));
    Datum* elems = static_cast<Datum*>(palloc(sizeof(Datum) * skips->count));
    bool* elem_nulls = static_cast<bool*>(palloc(sizeof(bool) * skips->count));
    for (int k = 0; k < skips->columns; k++) {
      const char *name, *type;
      key_column_sql(index, relid, *(table->shape.primary_key.data() + k), &name, &type);
      appendStringInfo(&sql, "%s$%d::text[]", k ? ", " : "", k + 1);
      appendStringInfo(&where, "%ss.%s = k.k%d::%s", k ? " AND " : "", name, k + 1, type);
      for (int r = 0; r < skips->count; r++) {
        const char* value = skips->values[r * skips->columns + k];
        elem_nulls[r] = value == nullptr;
        elems[r] = value ? CStringGetTextDatum(value) : (Datum)0;
      }
      int dims[1] = {skips->count};
      int lbs[1] = {1};
      arrays[k] = PointerGetDatum(
          construct_md_array(elems, elem_nulls, 1, dims, lbs, TEXTOID, -1, false, TYPALIGN_INT));
      types[k] = TEXTARRAYOID;
    }
    appendStringInfoString(&sql, ") AS k(");
    for (int k = 0; k < skips->columns; k++) appendStringInfo(&sql, "%sk%d", k ? ", " : "", k + 1);
    appendStringInfo(&sql, ") WHERE %s", where.data);
    if (SPI_execute_with_args(sql.data, skips->columns, types, arrays, nullptr, false, 0) != SPI_OK_DELETE)
      elog(ERROR, "%s: cannot drop the skipped keys from the chunk's stage", worker_task.label);
  }

  StringInfoData columns;
  initStringInfo(&columns);
  for (const std::string* c = table->target_columns.data(); c != table->target_columns.data() + table->target_columns.size();
       c++)
    if (!c->empty()) appendStringInfo(&columns, "%s%s", columns.len ? ", " : "", quote_identifier(c->c_str()));
  char* insert = psprintf("INSERT INTO %s (%s) SELECT %s FROM pg_temp.%s ON CONFLICT DO NOTHING", qualified,
                          columns.data, columns.data, kStage);
  if (SPI_execute(insert, false, 0) != SPI_OK_INSERT)
    elog(ERROR, "%s: cannot insert the chunk into %s", worker_task.label, qualified);
  uint64 inserted = SPI_processed;
  spi_exec_text(psprintf("DROP TABLE pg_temp.%s", kStage), 0, nullptr);
  return inserted;
}

}  // namespace

uint64 write_chunk(int index, Oid relid, const char* text, size_t size, const ChunkSkips* skips, bool may_meet) {
  const ChunkText chunk = {text, size};
  uint64 rows = 0;
  const bool skipping = skips && skips->count > 0;
  // A Citus table's COPY reaches other nodes: a unique violation there is not undone by a local
  // subtransaction as reliably, so a chunk that may meet rows takes the stage at once.
  if (!skipping && !may_meet)
    rows = copy_chunk(index, relid, &chunk);
  else if (skipping || is_citus_table(relid) || !copy_unless_met(index, relid, &chunk, &rows))
    rows = write_through_stage(index, relid, &chunk, skips);
  return rows;
}
