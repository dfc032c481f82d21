#include "bgworker/initial_sync.h"

#include "binlog/snapshot.h"
#include "bgworker/apply.h"
#include "bgworker/catalog.h"
#include "bgworker/shmem.h"
#include "extension/bridge.h"

extern "C" {
#include "access/table.h"
#include "commands/copy.h"
#include "executor/spi.h"
#include "lib/stringinfo.h"
#include "nodes/makefuncs.h"
#include "parser/parse_node.h"
#include "parser/parse_relation.h"
#include "utils/builtins.h"
#include "utils/rel.h"
}

using mysql_sync::SyncTable;

namespace {

// COPY's data-source callback has no argument: the one copy in progress is the runtime's.
int copy_read(void* outbuf, int, int maxread) {
  mysql_sync::TaskRuntime* runtime = worker_task.runtime;
  for (;;) {
    int n = -1;
    uint64 rows = 0;
    MYSQL_SYNC_CXX(worker_task.name, {
      n = runtime->copy->read(static_cast<char*>(outbuf), maxread, 200);
      rows = runtime->copy->rows();
    });
    TaskSlot* slot = &sync_shared->slots[worker_task.slot];
    SpinLockAcquire(&sync_shared->mutex);
    slot->rows_copied = (int64)rows;
    SpinLockRelease(&sync_shared->mutex);
    if (n >= 0) return n;
    CHECK_FOR_INTERRUPTS();
  }
}

void create_target_table(int index) {
  const SyncTable& table = worker_task.runtime->tables[index];
  StringInfoData sql;
  initStringInfo(&sql);
  appendStringInfo(&sql, "CREATE SCHEMA IF NOT EXISTS %s", quote_identifier(table.target_schema.c_str()));
  spi_exec_text(sql.data, 0, nullptr);

  resetStringInfo(&sql);
  appendStringInfo(&sql, "CREATE TABLE %s (",
                   quote_qualified_identifier(table.target_schema.c_str(), table.target_name.c_str()));
  for (size_t c = 0; c < table.target_columns.size(); c++) {
    const char* column = quote_identifier(table.target_columns[c].c_str());
    appendStringInfo(&sql, "%s%s %s", c ? ", " : "", column, table.pg_types[c].c_str());
    if (!table.source.columns[c].nullable) appendStringInfoString(&sql, " NOT NULL");
    const std::vector<std::string>& members = table.source.columns[c].enum_values;
    if (table.source.columns[c].data_type == "enum" && !members.empty()) {
      appendStringInfo(&sql, " CHECK (%s IN (", column);
      for (size_t e = 0; e < members.size(); e++)
        appendStringInfo(&sql, "%s%s", e ? ", " : "", quote_literal_cstr(members[e].c_str()));
      appendStringInfoString(&sql, "))");
    }
  }
  appendStringInfoString(&sql, ", PRIMARY KEY (");
  for (size_t k = 0; k < table.shape.primary_key.size(); k++)
    appendStringInfo(&sql, "%s%s", k ? ", " : "",
                     quote_identifier(table.target_columns[table.shape.primary_key[k]].c_str()));
  appendStringInfoString(&sql, "))");
  spi_exec_text(sql.data, 0, nullptr);
}

// Creates, clears or checks the target table as initial_sync and existing_tables say.
void prepare_target_table(int index) {
  const SyncTable& table = worker_task.runtime->tables[index];
  const char* qualified = quote_qualified_identifier(table.target_schema.c_str(), table.target_name.c_str());
  bool exists = OidIsValid(target_relid(index, true));
  if (!exists) {
    if (!worker_task.sync_schema) target_relid(index, false);  // ERROR naming the table
    create_target_table(index);
    return;
  }
  if (worker_task.sync_schema && strcmp(worker_task.existing_tables, "fail") == 0)
    ereport(ERROR, (errcode(ERRCODE_DUPLICATE_TABLE),
                    errmsg("mysql_sync task \"%s\": target table %s already exists", worker_task.name, qualified),
                    errhint("Drop it, or start the task with existing_tables => 'clear'.")));
  if (worker_task.sync_data && strcmp(worker_task.existing_tables, "clear") == 0) {
    char* sql = psprintf("TRUNCATE %s", qualified);
    spi_exec_text(sql, 0, nullptr);
  }
}

uint64 copy_table(int index) {
  mysql_sync::TaskRuntime* runtime = worker_task.runtime;
  const SyncTable& table = runtime->tables[index];
  MYSQL_SYNC_CXX(worker_task.name, {
    runtime->copy = std::make_unique<mysql_sync::CopyFeed>(*runtime->snapshot_client, table.source,
                                                          runtime->invalid_dates);
  });
  Relation rel = table_open(target_relid(index, false), RowExclusiveLock);
  List* columns = NIL;
  for (size_t c = 0; c < table.target_columns.size(); c++)
    columns = lappend(columns, makeString(pstrdup(table.target_columns[c].c_str())));
  ParseState* pstate = make_parsestate(nullptr);
  // CopyFrom takes the target from the range table, as COPY's own DoCopy sets it up.
  ParseNamespaceItem* item = addRangeTableEntryForRelation(pstate, rel, RowExclusiveLock, nullptr, false, false);
  item->p_rte->requiredPerms = ACL_INSERT;
  CopyFromState cstate = BeginCopyFrom(pstate, rel, nullptr, nullptr, false, copy_read, columns, NIL);
  uint64 processed = CopyFrom(cstate);
  EndCopyFrom(cstate);
  free_parsestate(pstate);
  table_close(rel, NoLock);
  uint64 invalid = 0;
  MYSQL_SYNC_CXX(worker_task.name, {
    invalid = runtime->copy->invalid_values();
    runtime->copy.reset();
  });
  add_table_counters(index, 0, (int64)invalid, (int64)processed, "synced");
  return processed;
}

}  // namespace

void register_tables(void) {
  mysql_sync::TaskRuntime* runtime = worker_task.runtime;
  set_live_state("schema");
  MYSQL_SYNC_CXX(worker_task.name, runtime->describe_source());
  reset_appliers();
  begin_catalog_transaction();
  for (size_t i = 0; i < runtime->tables.size(); i++) target_relid((int)i, false);
  write_table_states("synced");
  end_catalog_transaction();
}

void run_initial_sync(void) {
  mysql_sync::TaskRuntime* runtime = worker_task.runtime;
  set_live_state("schema");
  save_task_state("schema", "reading the source's tables");
  MYSQL_SYNC_CXX(worker_task.name, runtime->describe_source());
  reset_appliers();

  int64 estimate = 0;
  for (size_t i = 0; i < runtime->tables.size(); i++) estimate += runtime->tables[i].source.rows_estimate;

  begin_catalog_transaction();
  write_table_states(worker_task.sync_data ? "copying" : "synced");
  for (size_t i = 0; i < runtime->tables.size(); i++) prepare_target_table((int)i);

  mysql_sync::BinlogPosition* start = nullptr;
  MYSQL_SYNC_CXX(worker_task.name, {
    runtime->snapshot_client = std::make_unique<mysql_sync::MysqlClient>(runtime->uri);
    runtime->current = std::make_unique<mysql_sync::SourceItem>();
    runtime->current->end = worker_task.sync_data ? begin_consistent_snapshot(*runtime->snapshot_client)
                                                  : current_binlog_position(*runtime->snapshot_client);
    start = &runtime->current->end;
  });

  int64 copied = 0;
  if (worker_task.sync_data) {
    set_live_state("full_load");
    char estimate_text[32];
    snprintf(estimate_text, sizeof estimate_text, "%lld", (long long)estimate);
    const char* args[2] = {worker_task.name, estimate_text};
    spi_exec_text("UPDATE mysql_sync.task_state SET rows_estimate = $2::bigint WHERE task = $1", 2, args);
    for (size_t i = 0; i < runtime->tables.size(); i++) {
      copied += (int64)copy_table((int)i);
      elog(LOG, "mysql_sync task \"%s\": copied %s.%s", worker_task.name, runtime->tables[i].source_schema.c_str(),
           runtime->tables[i].source_name.c_str());
    }
  }
  store_position("catching_up", *start, 0, 0, 0, copied);
  end_catalog_transaction();
  MYSQL_SYNC_CXX(worker_task.name, {
    runtime->snapshot_client.reset();  // ends the source's snapshot transaction
  });
  elog(LOG, "mysql_sync task \"%s\": initial sync done (%lld rows), streaming from %s:%llu", worker_task.name,
       (long long)copied, runtime->current->end.file.c_str(), (unsigned long long)runtime->current->end.pos);
}
