#include "bgworker/ddl_apply.h"

#include "bgworker/apply.h"
#include "bgworker/backfill.h"
#include "bgworker/catalog.h"
#include "bgworker/citus.h"
#include "bgworker/initial_sync.h"
#include "bgworker/shmem.h"
#include "bgworker/table_requests.h"
#include "extension/bridge.h"

extern "C" {
#include "access/xact.h"
#include "executor/spi.h"
#include "catalog/namespace.h"
#include "storage/ipc.h"
#include "utils/lsyscache.h"
#include "utils/builtins.h"
}

using mysql_sync::DdlEffect;
using mysql_sync::DdlPlan;
using mysql_sync::DdlPolicy;
using mysql_sync::SyncTable;

namespace {

// Stops the task before the statement: paused (resume_sync applies it) or stopped (an error).
[[noreturn]] void stop_before(const DdlPlan& plan, const mysql_sync::SourceItem* item) {
  const mysql_sync::BinlogPosition& applied = worker_task.runtime->last_end;
  const mysql_sync::BinlogPosition& at = item->end;
  if (plan.decision == DdlPolicy::pause) {
    char* detail = psprintf(
        "DDL waits for review at binlog %s:%llu: %s [%s]. resume_sync applies it; to keep the target as it "
        "is, make "
        "the same change on the target first (statements use IF [NOT] EXISTS where PostgreSQL has it), or "
        "change "
        "options.ddl.",
        at.file.c_str(), (unsigned long long)at.pos, plan.summary.c_str(), plan.statement.c_str());
    char* pos = psprintf("%llu", (unsigned long long)at.pos);
    const char* args[4] = {worker_task.name, detail, at.file.c_str(), pos};
    begin_catalog_transaction();
    spi_exec_text("UPDATE mysql_sync.task_config SET enabled = false WHERE task = $1", 1, args);
    spi_exec_text(
        "UPDATE mysql_sync.task_state SET state = 'paused', detail = $2, paused_ddl_file = $3, "
        "       paused_ddl_pos = $4::bigint, updated_at = now() WHERE task = $1",
        4, args);
    end_catalog_transaction();
    ereport(LOG, (errmsg("mysql_sync task \"%s\": paused before DDL (%s policy for %s): %s", worker_task.name,
                         mysql_sync::policy_name(plan.decision), plan.kind.c_str(), detail)));
    proc_exit(0);
  }
  const char* s = plan.error_sqlstate.empty() ? "0A000" : plan.error_sqlstate.c_str();
  std::string message = plan.error_message.empty()
                            ? "options.ddl says fail for " + plan.kind + ": " + plan.summary
                            : plan.error_message;
  std::string hint = plan.error_hint.empty()
                         ? "Apply the change to the PostgreSQL table by hand and resync_table the table, or "
                           "change options.ddl (drop_sync and start_sync again)."
                         : plan.error_hint;
  ereport(ERROR, (errcode(MAKE_SQLSTATE(s[0], s[1], s[2], s[3], s[4])),
                  errmsg("mysql_sync task \"%s\": DDL at binlog %s:%llu: %s", worker_task.name,
                         at.file.c_str(), (unsigned long long)at.pos, message.c_str()),
                  errdetail("statement: %s; state stopped; last applied binlog position %s:%llu",
                            plan.statement.c_str(), applied.file.c_str(), (unsigned long long)applied.pos),
                  errhint("%s", hint.c_str())));
  pg_unreachable();
}

// A table with rows joins the task: an alter_sync addition, serviced after this transaction.
void request_backfill(const DdlPlan& plan, const DdlEffect& effect) {
  if (plan.decision != DdlPolicy::apply) return;
  char* source_table = psprintf("%s.%s", effect.after.model.schema.c_str(), effect.after.model.name.c_str());
  const char* args[2] = {worker_task.name, source_table};
  spi_exec_text("INSERT INTO mysql_sync.table_requests (task, kind, object) VALUES ($1, 'add', $2)", 2, args);
  note_table_requests(worker_task.slot);  // this worker: it services them after this transaction
}

// Rows of the table changed on the source without row events (options.ddl unlogged_rows).
// Applied: the table is copied again (request_repair); a DISCARD TABLESPACE waits for the IMPORT
// that follows it. Ignored: counted in table_state.unlogged_rows_ignored and said in last_error.
void unlogged_rows(const DdlPlan& plan, const DdlEffect& effect, const mysql_sync::SourceItem* item) {
  int index = (int)effect.table;
  char* object = pstrdup(worker_task.runtime->tables[index].source_table().c_str());
  char* what = psprintf("rows changed on the source without row events at binlog %s:%llu (%s)",
                        item->end.file.c_str(), (unsigned long long)item->end.pos, plan.statement.c_str());
  if (plan.decision == DdlPolicy::ignore) {
    char* message = psprintf(
        "%s, ignored as options.ddl.unlogged_rows says: the target may keep rows the source no longer has "
        "or lack rows it has; resync_table repairs it",
        what);
    const char* args[3] = {worker_task.name, object, message};
    spi_exec_text(
        "UPDATE mysql_sync.table_state SET unlogged_rows_ignored = unlogged_rows_ignored + 1, last_error = $3 "
        " WHERE task = $1 AND source_table = $2",
        3, args);
    ereport(WARNING, (errmsg("mysql_sync task \"%s\": %s: %s", worker_task.name, object, message)));
  } else if (effect.kind == DdlEffect::Kind::discard) {
    ereport(LOG, (errmsg("mysql_sync task \"%s\": %s: %s; its rows cannot be read until IMPORT TABLESPACE, "
                         "which repairs the table",
                         worker_task.name, object, what)));
  } else if (backfill_role(index) == BackfillRole::lenient) {
    // Being copied: copied again from scratch into its emptied target.
    ereport(LOG, (errmsg("mysql_sync task \"%s\": %s: %s", worker_task.name, object, what)));
    backfill_table_changed(index, true);
  } else {
    request_repair(index, what);
  }
}

void apply_effect(const DdlPlan& plan, const DdlEffect& effect, const mysql_sync::SourceItem* item) {
  mysql_sync::TaskRuntime* runtime = worker_task.runtime;
  if (effect.kind == DdlEffect::Kind::enter) {
    request_backfill(plan, effect);
    return;
  }
  if (effect.kind == DdlEffect::Kind::repair || effect.kind == DdlEffect::Kind::discard) {
    unlogged_rows(plan, effect, item);
    return;
  }
  int index = (int)effect.table;
  bool created = effect.kind == DdlEffect::Kind::create;
  char* old_source_table = nullptr;
  if (created) {
    MYSQL_SYNC_CXX(worker_task.label, {
      SyncTable table;
      table.follow(effect.after);
      runtime->tables.push_back(std::move(table));
    });
    index = (int)runtime->tables.size() - 1;
    resize_batch_counters();
  } else {
    old_source_table = pstrdup(runtime->tables[index].source_table().c_str());
  }
  if (created) {
    for (const std::string& sql : effect.sql) spi_exec_text(sql.c_str(), 0, nullptr);
  } else {
    // Statements on the table as it is now named (Citus: through its shards too).
    const SyncTable& before = runtime->tables[index];
    const char* qualified =
        quote_qualified_identifier(before.target_schema.c_str(), before.target_name.c_str());
    for (const std::string& sql : effect.sql) exec_on_target(qualified, sql.c_str());
  }
  if (!created) MYSQL_SYNC_CXX(worker_task.label, runtime->tables[index].follow(effect.after));
  for (const std::string& note : effect.notes)
    ereport(LOG,
            (errmsg("mysql_sync task \"%s\": %s: %s", worker_task.name, plan.summary.c_str(), note.c_str())));

  const SyncTable& table = runtime->tables[index];
  if (created) {
    if (plan.decision != DdlPolicy::apply) return;  // ignored: not followed
    // The DDL's plan already checked the definition; existing_tables decides about a table in the way.
    Oid nsp = get_namespace_oid(table.target_schema.c_str(), true);
    bool exists = OidIsValid(nsp) && OidIsValid(get_relname_relid(table.target_name.c_str(), nsp));
    if (exists && strcmp(worker_task.existing_tables, "fail") == 0)
      ereport(
          ERROR,
          (errcode(ERRCODE_DUPLICATE_TABLE),
           errmsg("mysql_sync task \"%s\": table %s created on the source at binlog %s:%llu, but its target "
                  "%s.%s exists",
                  worker_task.name, table.source_table().c_str(), item->end.file.c_str(),
                  (unsigned long long)item->end.pos, table.target_schema.c_str(), table.target_name.c_str()),
           errhint("Drop or rename the PostgreSQL table, then resume_sync.")));
    if (exists && strcmp(worker_task.existing_tables, "clear") == 0) {
      const char* qualified =
          quote_qualified_identifier(table.target_schema.c_str(), table.target_name.c_str());
      exec_on_target(qualified, psprintf("TRUNCATE %s", qualified));
    }
    if (!exists) {
      detect_target_dialect();
      create_target_table(index);
      add_keys(index);
    }
    write_table_state(index, "synced", !exists, false);
    record_schema_version(index, plan.statement.c_str(), &item->end);  // its first version: the DDL's
    return;
  }
  switch (effect.kind) {
    case DdlEffect::Kind::drop:
    case DdlEffect::Kind::leave:
      delete_table_state(old_source_table);
      break;
    case DdlEffect::Kind::truncate:
      backfill_table_changed(index, true);
      return;
    default:
      if (table.active) {
        update_table_state(index, old_source_table);
        record_schema_version(index, plan.statement.c_str(), &item->end);
      } else {
        // Moved aside by an online schema change tool: it comes back at the cut-over.
        update_table_state(index, old_source_table);
      }
      break;
  }
  backfill_table_changed(index, false);  // a table being copied goes on under its new definition
}

}  // namespace

void stop_at_ddl_if_asked(const mysql_sync::SourceItem* item) {
  for (const DdlPlan& plan : item->ddl)
    if (plan.decision == DdlPolicy::pause || plan.decision == DdlPolicy::fail) stop_before(plan, item);
}

void apply_ddl_effects(const mysql_sync::SourceItem* item) {
  apply_batch_end();  // no executor state may hold a relation the DDL changes
  for (const DdlPlan& plan : item->ddl) {
    for (const DdlEffect& effect : plan.effects) apply_effect(plan, effect, item);
    ereport(LOG, (errmsg("mysql_sync task \"%s\": %s DDL at binlog %s:%llu: %s", worker_task.name,
                         plan.decision == DdlPolicy::apply ? "applied" : "followed (ignored on the target)",
                         item->end.file.c_str(), (unsigned long long)item->end.pos, plan.summary.c_str())));
  }
  const char* args[1] = {worker_task.name};
  spi_exec_text(
      "UPDATE mysql_sync.task_state SET paused_ddl_file = NULL, paused_ddl_pos = NULL "
      "WHERE task = $1 AND paused_ddl_file IS NOT NULL",
      1, args);
  reset_appliers();  // prepared plans and column lists of the old shapes
}
