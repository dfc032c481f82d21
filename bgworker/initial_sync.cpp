#include "bgworker/initial_sync.h"

#include "source/snapshot.h"
#include "source/source_table_json.h"
#include "bgworker/apply.h"
#include "task/spill.h"
#include "bgworker/catalog.h"
#include "bgworker/citus.h"
#include "bgworker/citus_load.h"
#include "bgworker/copy_load.h"
#include "bgworker/ddl_apply.h"
#include "ddl/dialect.h"
#include "bgworker/shmem.h"
#include "extension/bridge.h"
#include "extension/guc.h"

extern "C" {
#include "access/table.h"
#include "catalog/pg_am_d.h"
#include "commands/defrem.h"
#include "access/xact.h"
#include "catalog/namespace.h"
#include "commands/copy.h"
#include "executor/spi.h"
#include "lib/stringinfo.h"
#include "miscadmin.h"
#include "nodes/makefuncs.h"
#include "parser/parse_node.h"
#include "parser/parse_relation.h"
#include "pgstat.h"
#include "storage/latch.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/regproc.h"
#include "utils/rel.h"
}

using mysql_sync::SyncTable;

namespace {

// The target's dialect and version, read once per run.
mysql_sync::Dialect dialect = mysql_sync::Dialect::postgresql;
int server_version = 150000;
int64 copy_base = 0;  // rows of the task committed before the table being copied

// COPY's data-source callback has no argument: the one copy in progress is the runtime's.
int copy_read(void* outbuf, int, int maxread) {
  mysql_sync::TaskRuntime* runtime = worker_task.runtime;
  for (;;) {
    int n = -1;
    uint64 rows = 0;
    MYSQL_SYNC_CXX(worker_task.label, {
      n = runtime->copy_reading->read(static_cast<char*>(outbuf), maxread, 200);
      rows = runtime->copy_reading->rows();
    });
    publish_rows_copied(worker_task.slot, copy_base + (int64)rows, (int64)rows);
    if (n >= 0) return n;
    CHECK_FOR_INTERRUPTS();
  }
}

const char* qualified_target(const SyncTable& table) {
  return quote_qualified_identifier(table.target_schema.c_str(), table.target_name.c_str());
}

bool target_exists(const SyncTable& table) {
  RangeVar* rv = makeRangeVar(pstrdup(table.target_schema.c_str()), pstrdup(table.target_name.c_str()), -1);
  return OidIsValid(RangeVarGetRelid(rv, NoLock, true));
}

}  // namespace

void detect_target_dialect(void) {
  spi_exec_text(
      "SELECT version(), EXISTS (SELECT FROM pg_extension WHERE extname = 'citus'), "
      "current_setting('server_version_num')::int",
      0, nullptr);
  char* version = SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1);
  bool citus = strcmp(SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 2), "t") == 0;
  server_version = atoi(SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 3));
  MYSQL_SYNC_CXX(worker_task.label, dialect = mysql_sync::detect_dialect(version, citus));
}

namespace {

// Plain copies of the quoted target names of `columns` (source column names) of a table.
List* quoted_target_columns(const SyncTable& table, const std::vector<std::string>& columns) {
  List* out = NIL;
  for (const std::string& name : columns)
    for (size_t c = 0; c < table.source.columns.size(); c++)
      if (table.source.columns[c].name == name)
        out = lappend(out, pstrdup(quote_identifier(table.target_columns[c].c_str())));
  return out;
}

// One table's distribution DDL (ddl/dialect.h), copied out of the C++ zone.
struct DistributionText {
  char create_suffix[1024];
  char after_create[128];
  char params[3][2 * NAMEDATALEN + 8];
  int nparams;
  char note[512];
};

DistributionText distribution_text(const SyncTable& table, const char* qualified, bool reference) {
  DistributionText out;
  memset(&out, 0, sizeof out);
  List* dist_quoted = quoted_target_columns(table, table.distribution_key);
  const char* dialect_text = nullptr;
  MYSQL_SYNC_CXX(worker_task.label, {
    std::vector<std::string> quoted, names;
    ListCell* lc;
    foreach (lc, dist_quoted) quoted.push_back(static_cast<char*>(lfirst(lc)));
    for (const std::string& d : table.distribution_key)
      for (size_t c = 0; c < table.source.columns.size(); c++)
        if (table.source.columns[c].name == d) names.push_back(table.target_columns[c]);
    mysql_sync::CitusPlacement placement;
    placement.reference = reference;
    placement.shard_count = worker_task.runtime->shard_count;
    mysql_sync::DistributionDdl d =
        mysql_sync::distribution_ddl(dialect, qualified, quoted, names, placement);
    if (d.create_suffix.size() >= sizeof out.create_suffix || d.params.size() > 3) {
      dialect_text = "distribution clause too long";
      return;
    }
    strlcpy(out.create_suffix, d.create_suffix.c_str(), sizeof out.create_suffix);
    strlcpy(out.after_create, d.after_create.c_str(), sizeof out.after_create);
    for (size_t i = 0; i < d.params.size(); i++)
      strlcpy(out.params[i], d.params[i].c_str(), sizeof out.params[i]);
    out.nparams = (int)d.params.size();
    strlcpy(out.note, d.note.c_str(), sizeof out.note);
  });
  if (dialect_text) elog(ERROR, "%s: %s: %s", worker_task.label, qualified, dialect_text);
  return out;
}

// Whether Citus can hash-distribute by the column: its type has a default hash operator class.
bool hashable_column(const char* qualified, const char* column) {
  RangeVar* rv = makeRangeVarFromNameList(stringToQualifiedNameList(qualified));
  Oid relid = RangeVarGetRelid(rv, NoLock, false);
  AttrNumber attnum = get_attnum(relid, column);
  return attnum != InvalidAttrNumber &&
         OidIsValid(GetDefaultOpClass(get_atttype(relid, attnum), HASH_AM_OID));
}

}  // namespace

void create_target_table(int index) {
  const SyncTable& table = worker_task.runtime->tables[index];
  const char* qualified = qualified_target(table);
  StringInfoData sql;
  initStringInfo(&sql);
  appendStringInfo(&sql, "CREATE SCHEMA IF NOT EXISTS %s", quote_identifier(table.target_schema.c_str()));
  spi_exec_text(sql.data, 0, nullptr);

  resetStringInfo(&sql);
  appendStringInfo(&sql, "CREATE TABLE %s (", qualified);
  for (size_t c = 0; c < table.target_columns.size(); c++) {
    const mysql_sync::SourceColumn& source = table.source.columns[c];
    const char* column = quote_identifier(table.target_columns[c].c_str());
    appendStringInfo(&sql, "%s%s %s", c ? ", " : "", column, table.pg_types[c].c_str());
    std::string identity;
    mysql_sync::PgDefault def;
    MYSQL_SYNC_CXX(worker_task.label, {
      if (source.auto_increment)
        identity = mysql_sync::identity_clause(dialect, server_version, table.pg_types[c]);
      def = mysql_sync::pg_default_of(source);
    });
    if (!identity.empty()) appendStringInfoString(&sql, identity.c_str());
    if (!source.nullable || !identity.empty()) appendStringInfoString(&sql, " NOT NULL");
    if (identity.empty() && def.kind == mysql_sync::PgDefault::Kind::literal)
      appendStringInfo(&sql, " DEFAULT %s::%s", quote_literal_cstr(def.text.c_str()),
                       table.pg_types[c].c_str());
    else if (identity.empty() && def.kind == mysql_sync::PgDefault::Kind::expression)
      appendStringInfo(&sql, " DEFAULT %s", def.text.c_str());  // one of our fixed expressions
    const std::vector<std::string>& members = source.enum_values;
    if (source.data_type == "enum" && !members.empty()) {
      char check_name[NAMEDATALEN] = "";  // the DDL replay drops it by this name (ddl/dialect.h)
      MYSQL_SYNC_CXX(worker_task.label, snprintf(check_name, sizeof check_name, "%s",
                                                 mysql_sync::explicit_constraint_name(
                                                     table.target_name, table.target_columns[c] + "_check")
                                                     .c_str()));
      if (check_name[0]) appendStringInfo(&sql, " CONSTRAINT %s", quote_identifier(check_name));
      appendStringInfo(&sql, " CHECK (%s IN (", column);
      for (size_t e = 0; e < members.size(); e++)
        appendStringInfo(&sql, "%s%s", e ? ", " : "", quote_literal_cstr(members[e].c_str()));
      appendStringInfoString(&sql, "))");
    }
  }
  appendStringInfoChar(&sql, ')');

  // Citus: a reference table when options.reference_tables names it, or when the distribution
  // column's type cannot be hashed (checked on the created table).
  bool reference = false;
  MYSQL_SYNC_CXX(worker_task.label, {
    const mysql_sync::ObjectPatterns* references = worker_task.runtime->reference_tables.get();
    reference = references && references->matches(table.source_schema, table.source_name);
  });
  DistributionText distribution = distribution_text(table, qualified, reference);
  appendStringInfoString(&sql, distribution.create_suffix);
  spi_exec_text(sql.data, 0, nullptr);
  if (dialect == mysql_sync::Dialect::citus && !reference && distribution.nparams >= 2 &&
      !hashable_column(qualified, distribution.params[1])) {
    elog(LOG,
         "mysql_sync task \"%s\": %s: Citus cannot hash the distribution column \"%s\" (its type has no hash "
         "operator class)",
         worker_task.name, qualified, distribution.params[1]);
    distribution = distribution_text(table, qualified, true);
  }
  if (distribution.after_create[0] != '\0') {
    const char* args[3] = {distribution.params[0], distribution.params[1], distribution.params[2]};
    spi_exec_text(distribution.after_create, distribution.nparams, args);
  }
  if (distribution.note[0] != '\0' && dialect != mysql_sync::Dialect::postgresql)
    elog(LOG, "mysql_sync task \"%s\": %s: %s", worker_task.name, qualified, distribution.note);

  if (!table.source.comment.empty()) {
    resetStringInfo(&sql);
    appendStringInfo(&sql, "COMMENT ON TABLE %s IS %s", qualified,
                     quote_literal_cstr(table.source.comment.c_str()));
    spi_exec_text(sql.data, 0, nullptr);
  }
  for (size_t c = 0; c < table.target_columns.size(); c++) {
    if (table.source.columns[c].comment.empty()) continue;
    resetStringInfo(&sql);
    appendStringInfo(&sql, "COMMENT ON COLUMN %s.%s IS %s", qualified,
                     quote_identifier(table.target_columns[c].c_str()),
                     quote_literal_cstr(table.source.columns[c].comment.c_str()));
    spi_exec_text(sql.data, 0, nullptr);
  }
}

namespace {

bool relation_name_taken(const char* schema, const char* name) {
  Oid nsp = get_namespace_oid(schema, true);
  return OidIsValid(nsp) && OidIsValid(get_relname_relid(name, nsp));
}

// The primary key, unique keys and secondary indexes of a table the sync created, built after
// its data (faster than maintaining them row by row).
}  // namespace

void add_keys(int index) {
  const SyncTable& table = worker_task.runtime->tables[index];
  const char* qualified = qualified_target(table);
  StringInfoData sql;
  initStringInfo(&sql);
  List* pk = quoted_target_columns(table, table.primary_key);
  char pk_name[NAMEDATALEN] = "";  // the DDL replay drops it by this name (ddl/dialect.h)
  MYSQL_SYNC_CXX(worker_task.label,
                 snprintf(pk_name, sizeof pk_name, "%s",
                          mysql_sync::explicit_constraint_name(table.target_name, "pkey").c_str()));
  appendStringInfo(&sql, "ALTER TABLE %s ADD ", qualified);
  if (pk_name[0]) appendStringInfo(&sql, "CONSTRAINT %s ", quote_identifier(pk_name));
  appendStringInfoString(&sql, "PRIMARY KEY (");
  ListCell* lc;
  bool first = true;
  foreach (lc, pk) {
    appendStringInfo(&sql, "%s%s", first ? "" : ", ", static_cast<char*>(lfirst(lc)));
    first = false;
  }
  appendStringInfoChar(&sql, ')');
  spi_exec_text(sql.data, 0, nullptr);

  // A Citus reference or local table has no distribution key to keep in unique indexes.
  const bool one_shard = dialect == mysql_sync::Dialect::citus &&
                         citus_table_kind(target_relid(index, false), nullptr) == CitusKind::single_shard;
  for (size_t i = 0; i < table.source.indexes.size(); i++) {
    const mysql_sync::SourceIndex& idx = table.source.indexes[i];
    const char* skip = nullptr;
    if (idx.on_expression)
      skip = "a functional key part";
    else if (idx.type == "FULLTEXT" || idx.type == "SPATIAL")
      skip = "a FULLTEXT or SPATIAL index";
    bool long_prefix = false;
    for (const std::string& name : idx.columns)
      for (size_t c = 0; c < table.source.columns.size(); c++)
        if (table.source.columns[c].name == name &&
            (table.pg_types[c] == "text" || table.pg_types[c] == "bytea"))
          long_prefix = long_prefix || idx.on_prefix;
    if (!skip && long_prefix) skip = "a prefix of a TEXT or BLOB column (values may exceed a btree entry)";
    if (skip) {
      elog(LOG, "mysql_sync task \"%s\": index \"%s\" of %s not created: %s", worker_task.name,
           idx.name.c_str(), table.source_table().c_str(), skip);
      continue;
    }
    List* cols = quoted_target_columns(table, idx.columns);
    std::string name;
    bool unique = idx.unique;
    std::string statement;
    MYSQL_SYNC_CXX(worker_task.label, {
      name = mysql_sync::object_name(table.target_name, idx.name);
      if (unique && !one_shard &&
          !mysql_sync::unique_index_allowed(dialect, table.distribution_key, idx.columns))
        unique = false;
    });
    if (unique != idx.unique)
      elog(LOG,
           "mysql_sync task \"%s\": unique index \"%s\" of %s created as non-unique: %s cannot enforce it "
           "without the distribution key",
           worker_task.name, idx.name.c_str(), table.source_table().c_str(),
           mysql_sync::dialect_name(dialect));
    const char* quoted_name = relation_name_taken(table.target_schema.c_str(), name.c_str())
                                  ? ""  // the server picks a free name
                                  : quote_identifier(name.c_str());
    MYSQL_SYNC_CXX(worker_task.label, {
      std::vector<std::string> quoted;
      ListCell* c;
      foreach (c, cols) quoted.push_back(static_cast<char*>(lfirst(c)));
      statement = mysql_sync::create_index_sql(quoted_name, qualified, quoted, unique);
    });
    spi_exec_text(statement.c_str(), 0, nullptr);
  }
}

namespace {

// Identity sequences past the copied maximum and the source's AUTO_INCREMENT counter.
void set_identities(int index) {
  const SyncTable& table = worker_task.runtime->tables[index];
  for (size_t c = 0; c < table.source.columns.size(); c++) {
    // A column without a target column (its ADD COLUMN was ignored) has no sequence there.
    if (!table.source.columns[c].auto_increment || table.target_columns[c].empty()) continue;
    const char* column = quote_identifier(table.target_columns[c].c_str());
    char* qualified = pstrdup(qualified_target(table));
    char* auto_increment = psprintf("%llu", (unsigned long long)table.source.auto_increment);
    const char* args[3] = {qualified, table.target_columns[c].c_str(), auto_increment};
    // The maximum in a subquery: Citus computes it over the shards, setval runs here.
    char* sql = psprintf(
        "SELECT setval(s, GREATEST(COALESCE((SELECT max(%s) FROM %s), 0) + 1, $3::numeric, 1)::bigint, "
        "false) "
        "  FROM pg_get_serial_sequence($1, $2) s WHERE s IS NOT NULL",
        column, qualified);
    spi_exec_text(sql, 3, args);
  }
}

// Foreign keys between tables of the task, NOT VALID (options.foreign_keys).
void add_foreign_keys(void) {
  mysql_sync::TaskRuntime* runtime = worker_task.runtime;
  for (size_t i = 0; i < runtime->tables.size(); i++) {
    const SyncTable& table = runtime->tables[i];
    if (!table.created_target) continue;
    for (const mysql_sync::SourceForeignKey& fk : table.source.foreign_keys) {
      int ref = -1;
      for (size_t j = 0; j < runtime->tables.size(); j++)
        if (runtime->tables[j].source_schema == fk.ref_schema &&
            runtime->tables[j].source_name == fk.ref_table)
          ref = (int)j;
      const SyncTable* referenced = ref >= 0 ? &runtime->tables[ref] : nullptr;
      bool keyed = false;
      if (referenced) {
        keyed = referenced->primary_key == fk.ref_columns;
        for (const mysql_sync::SourceIndex& idx : referenced->source.indexes)
          keyed = keyed || (idx.unique && !idx.on_prefix && idx.columns == fk.ref_columns);
      }
      if (!keyed) {
        elog(LOG, "mysql_sync task \"%s\": foreign key \"%s\" of %s not created: %s", worker_task.name,
             fk.name.c_str(), table.source_table().c_str(),
             referenced ? "the referenced columns are not a primary or unique key"
                        : "the referenced table is not synced by this task");
        continue;
      }
      char* qualified = pstrdup(qualified_target(table));
      const char* args[2] = {qualified, fk.name.c_str()};
      spi_exec_text("SELECT FROM pg_constraint WHERE conrelid = $1::regclass AND conname = $2", 2, args);
      if (SPI_processed > 0) continue;  // a resumed run made it already
      List* cols = quoted_target_columns(table, fk.columns);
      List* ref_cols = quoted_target_columns(*referenced, fk.ref_columns);
      const char* ref_qualified = qualified_target(*referenced);
      const char* name = quote_identifier(fk.name.c_str());
      std::string statement;
      MYSQL_SYNC_CXX(worker_task.label, {
        std::vector<std::string> a, b;
        ListCell* c;
        foreach (c, cols) a.push_back(static_cast<char*>(lfirst(c)));
        foreach (c, ref_cols) b.push_back(static_cast<char*>(lfirst(c)));
        statement =
            mysql_sync::foreign_key_sql(qualified, name, a, ref_qualified, b, fk.on_update, fk.on_delete);
      });
      spi_exec_text(statement.c_str(), 0, nullptr);
    }
  }
}

// Creates, clears or checks the target table as initial_sync and existing_tables say, for a
// table without a table_state row yet. Returns whether it created the table.
bool prepare_target_table(int index) {
  mysql_sync::TaskRuntime* runtime = worker_task.runtime;
  const SyncTable& table = runtime->tables[index];
  const char* qualified = qualified_target(table);
  // Another source table of this task maps to the same target (many-to-one).
  int merged_with = -1;
  for (int j = 0; j < index; j++)
    if (runtime->tables[j].target_schema == table.target_schema &&
        runtime->tables[j].target_name == table.target_name)
      merged_with = j;
  bool append = strcmp(worker_task.existing_tables, "append") == 0;
  if (merged_with >= 0 && !append)
    ereport(
        ERROR,
        (errcode(ERRCODE_DUPLICATE_TABLE),
         errmsg("mysql_sync task \"%s\": %s and %s both map to the target table %s", worker_task.name,
                runtime->tables[merged_with].source_table().c_str(), table.source_table().c_str(), qualified),
         errhint(
             "Merge them with existing_tables => 'append', or map them to separate tables in name_map.")));
  if (merged_with >= 0) return false;  // the first of them prepared the target
  if (!target_exists(table)) {
    if (!worker_task.sync_schema) target_relid(index, false);  // ERROR naming the table
    create_target_table(index);
    return true;
  }
  if (worker_task.sync_schema && strcmp(worker_task.existing_tables, "fail") == 0)
    ereport(ERROR,
            (errcode(ERRCODE_DUPLICATE_TABLE),
             errmsg("mysql_sync task \"%s\": target table %s already exists", worker_task.name, qualified),
             errhint("Drop it, or start the task with existing_tables => 'clear' or 'append'.")));
  if (worker_task.sync_data && strcmp(worker_task.existing_tables, "clear") == 0) {
    exec_on_target(qualified, psprintf("TRUNCATE %s", qualified));
  }
  return false;
}

}  // namespace

namespace {

// The in-process COPY: writes the relation itself.
uint64 copy_into_relation(int index, Oid relid, copy_data_source_cb read) {
  const SyncTable& table = worker_task.runtime->tables[index];
  // The fields of the feed's COPY text: the columns with a target column, as CopyFeed reads them.
  int* copied = static_cast<int*>(palloc(sizeof(int) * (table.target_columns.size() + 1)));
  int count = 0;
  MYSQL_SYNC_CXX(worker_task.label, {
    for (size_t c : mysql_sync::copied_columns(table.target_columns)) copied[count++] = (int)c;
  });
  List* columns = NIL;
  for (int i = 0; i < count; i++)
    columns = lappend(columns, makeString(pstrdup(table.target_columns[copied[i]].c_str())));
  Relation rel = table_open(relid, RowExclusiveLock);
  ParseState* pstate = make_parsestate(nullptr);
  // CopyFrom takes the target from the range table, as COPY's own DoCopy sets it up.
  ParseNamespaceItem* item =
      addRangeTableEntryForRelation(pstate, rel, RowExclusiveLock, nullptr, false, false);
  item->p_rte->requiredPerms = ACL_INSERT;
  CopyFromState cstate = BeginCopyFrom(pstate, rel, nullptr, nullptr, false, read, columns, NIL);
  uint64 processed = CopyFrom(cstate);
  EndCopyFrom(cstate);
  free_parsestate(pstate);
  table_close(rel, NoLock);
  return processed;
}

}  // namespace

uint64 copy_rows_into(int index, Oid relid, copy_data_source_cb read) {
  // The coordinator's relation of a Citus table is an empty shell: its rows go through Citus.
  if (is_citus_table(relid)) return copy_callback_via_citus(index, relid, read);
  return copy_into_relation(index, relid, read);
}

uint64 copy_feed_into(int index, Oid relid, mysql_sync::CopyFeed* feed) {
  mysql_sync::TaskRuntime* runtime = worker_task.runtime;
  MYSQL_SYNC_CXX(worker_task.label,
                 publish_copy_table(worker_task.slot, runtime->tables[index].source_table().c_str()));
  // A Citus table's COPY reads the feed on the pipe's thread (no callback in between).
  if (is_citus_table(relid)) return copy_source_via_citus(index, relid, feed);
  runtime->copy_reading = feed;
  uint64 processed = copy_rows_into(index, relid, copy_read);
  runtime->copy_reading = nullptr;
  return processed;
}

void set_copy_base(int64 rows) {
  copy_base = rows;
  publish_rows_copied(worker_task.slot, copy_base, 0);
}

void show_copy_progress(uint64 rows) {
  publish_rows_copied(worker_task.slot, copy_base + (int64)rows, (int64)rows);
}

namespace {

// COPY of one table into `relid` inside the current transaction; returns the rows.
uint64 copy_table_into(int index, Oid relid, int64* invalid_out) {
  mysql_sync::TaskRuntime* runtime = worker_task.runtime;
  const SyncTable& table = runtime->tables[index];
  MYSQL_SYNC_CXX(worker_task.label, {
    runtime->copy = std::make_unique<mysql_sync::CopyFeed>(
        *runtime->snapshot_client, table.copy_source(), runtime->invalid_dates, runtime->max_rows_per_second);
  });
  uint64 processed = copy_feed_into(index, relid, runtime->copy.get());
  uint64 invalid = 0;
  MYSQL_SYNC_CXX(worker_task.label, {
    invalid = runtime->copy->invalid_values();
    runtime->copy.reset();
  });
  *invalid_out = (int64)invalid;
  return processed;
}

// Brings the tables copied from older snapshots (a resumed load) up to `target`: their changes
// after their own copy position are applied, in transactions that also advance those positions.

// Applies the changes of a catch-up transaction to the tables whose copy does not hold them yet.
int64 catch_up_changes(const std::vector<mysql_sync::TableChange>& list, const mysql_sync::SourceItem* item) {
  mysql_sync::TaskRuntime* runtime = worker_task.runtime;
  int64 applied = 0;
  for (size_t i = 0; i < list.size(); i++) {
    const mysql_sync::TableChange& change = list[i];
    const SyncTable& table = runtime->tables[change.table];
    if (!table.copy_regions.regions.empty()) {  // resumed ranged copy: each key has its own position
      if (operation_enabled(change.op) && catch_up_split_change(change, item->end)) applied++;
      continue;
    }
    // In the table's copy already?
    if (mysql_sync::compare_positions(item->end, table.copied_at) <= 0) continue;
    if (!operation_enabled(change.op)) continue;
    apply_change(change, item->end);
    applied++;
  }
  return applied;
}

// The newest position of any part of the table's copy.
const mysql_sync::BinlogPosition& newest_copy_position(const SyncTable& table) {
  return table.copy_regions.regions.empty() ? table.copied_at : table.copy_regions.rest;
}

// A resumed load: a table keeps the definition this task recorded for it, since the catch-up
// replays the DDL after its copy on that definition. A table whose rows changed shape on the
// source since then (a DDL while the load was interrupted, or one that broke the copy: a snapshot
// cannot read a table rebuilt after it began) is copied again from scratch under its definition
// of now: its copy, whole or in part, has the old shape. Only a target this task created is
// dropped for it; another stops the task. Runs in the caller's catalog transaction; lowers
// *committed_rows by what the dropped copies had counted.
void restart_reshaped_tables(int64* committed_rows) {
  mysql_sync::TaskRuntime* runtime = worker_task.runtime;
  char** cells = nullptr;
  const int versions = newest_schema_versions(&cells);
  for (int r = 0; r < versions; r++) {
    int index = -1;
    char* difference = nullptr;
    MYSQL_SYNC_CXX(worker_task.label, {
      for (size_t i = 0; i < runtime->tables.size(); i++)
        if (runtime->tables[i].known && runtime->tables[i].source_table() == cells[r * 2]) index = (int)i;
      if (index >= 0) {
        SyncTable& table = runtime->tables[index];
        mysql_sync::SourceTable recorded = mysql_sync::source_table_from_json(cells[r * 2 + 1]);
        std::string d = mysql_sync::row_shape_difference(recorded, table.source);
        if (!d.empty()) {
          difference = pstrdup(d.c_str());
        } else {
          // Same rows; the catch-up from its copy position replays the DDL since (an index, a
          // comment) on the definition it was copied with, not on today's.
          recorded.rows_estimate = table.source.rows_estimate;
          recorded.auto_increment = table.source.auto_increment;
          table.source = std::move(recorded);
        }
      }
    });
    if (difference == nullptr) continue;
    SyncTable& table = runtime->tables[index];
    const char* qualified = qualified_target(table);
    if (!table.created_target)
      ereport(
          ERROR,
          (errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
           errmsg(
               "mysql_sync task \"%s\": source table %s changed while the initial load was interrupted (%s), "
               "and its target %s was not created by this task",
               worker_task.name, cells[r * 2], difference, qualified),
           errhint("Make %s match the source's table (or empty it), then drop_sync and start_sync the task "
                   "again: a copy never mixes two shapes of a table.",
                   qualified)));
    elog(LOG,
         "mysql_sync task \"%s\": source table %s changed while the initial load was interrupted (%s): "
         "copying it again into a new %s",
         worker_task.name, cells[r * 2], difference, qualified);
    exec_on_target(qualified, psprintf("DROP TABLE IF EXISTS %s", qualified));
    const char* table_args[2] = {worker_task.name, cells[r * 2]};
    spi_exec_text("DELETE FROM mysql_sync.schema_history WHERE task = $1 AND source_table = $2", 2,
                  table_args);
    delete_table_state(cells[r * 2]);
    // The task's total counted the dropped copy's rows; the new copy counts its own.
    char* dropped_rows = psprintf("%lld", (long long)table.rows_copied);
    const char* total_args[2] = {worker_task.name, dropped_rows};
    spi_exec_text("UPDATE mysql_sync.task_state SET rows_copied = rows_copied - $2::bigint WHERE task = $1",
                  2, total_args);
    *committed_rows -= table.rows_copied;
    MYSQL_SYNC_CXX(worker_task.label, {
      table.known = false;
      table.created_target = false;
      table.copy_done = false;
      table.rows_copied = 0;
      table.copied_at = mysql_sync::BinlogPosition();
      table.copy_regions = mysql_sync::CopyRegions();
    });
  }
}

void catch_up(const mysql_sync::BinlogPosition& target) {
  mysql_sync::TaskRuntime* runtime = worker_task.runtime;
  mysql_sync::BinlogPosition* from = nullptr;
  bool behind = false;
  for (size_t i = 0; i < runtime->tables.size(); i++) {
    if (mysql_sync::compare_positions(runtime->tables[i].copied_at, target) >= 0) continue;
    behind = true;
    if (!from || mysql_sync::compare_positions(runtime->tables[i].copied_at, *from) < 0)
      from = &runtime->tables[i].copied_at;
  }
  if (!behind) return;
  set_live_state("catching_up");
  elog(LOG, "mysql_sync task \"%s\": tables copied from an older snapshot catch up from %s:%llu to %s:%llu",
       worker_task.name, from->file.c_str(), (unsigned long long)from->pos, target.file.c_str(),
       (unsigned long long)target.pos);
  start_reader(*from);

  bool open = false;
  int64 changes = 0;
  bool done = false;
  mysql_sync::BinlogPosition* last = nullptr;  // the newest boundary applied in the open transaction
  auto commit = [&]() {
    if (!open) return;
    apply_batch_end();  // Citus tables: their changes are written now
    for (size_t i = 0; last && i < runtime->tables.size(); i++) {
      if (!runtime->tables[i].copy_regions.regions.empty()) {
        advance_copy_regions((int)i, *last);
      } else if (mysql_sync::compare_positions(runtime->tables[i].copied_at, *last) < 0) {
        set_table_copy_position((int)i, *last);
        MYSQL_SYNC_CXX(worker_task.label, runtime->tables[i].copied_at = *last);
      }
    }
    end_catalog_transaction();
    open = false;
    changes = 0;
  };
  while (!done) {
    CHECK_FOR_INTERRUPTS();
    mysql_sync::SourceItem* item = next_source_item();
    if (item == nullptr) {
      commit();
      wait_for_source(1000);
      continue;
    }
    if (item->kind == mysql_sync::SourceItem::Kind::failure) {
      commit();
      raise_source_failure(item);
    }
    int order = mysql_sync::compare_positions(item->end, target);
    if (item->kind != mysql_sync::SourceItem::Kind::transaction) {
      done = order >= 0;  // everything up to the target was seen
      continue;
    }
    if (order > 0) break;  // past the target: streaming applies it
    // A DDL on a table whose copy is older than it (the reader drops those of tables whose copy
    // holds them): applied as the stream applies one, in a transaction of its own with its rows.
    const bool ddl = !item->ddl.empty();
    if (ddl) {
      commit();
      stop_at_ddl_if_asked(item);
    }
    if (!open) {
      begin_catalog_transaction();
      open = true;
    }
    if (ddl) apply_ddl_effects(item);
    changes += catch_up_changes(item->changes, item);
    if (item->spill) {
      // Larger than max_memory: read back a chunk at a time, as the streaming apply does.
      for (;;) {
        bool more = false;
        MYSQL_SYNC_CXX(worker_task.label,
                       more = item->spill->read_chunk(runtime->spill_chunk, spill_chunk_bytes()));
        if (!more) break;
        changes += catch_up_changes(runtime->spill_chunk, item);
        CHECK_FOR_INTERRUPTS();
      }
    }
    MYSQL_SYNC_CXX(worker_task.label, {
      runtime->last_end = item->end;
      last = &runtime->last_end;
    });
    if (order == 0) done = true;
    if (ddl || changes >= mysql_sync_apply_batch_rows) commit();
  }
  commit();
  // Every change up to the target is applied: no part of a resumed table is older any more.
  bool split = false;
  for (size_t i = 0; i < runtime->tables.size(); i++)
    split = split || !runtime->tables[i].copy_regions.regions.empty();
  if (split) {
    begin_catalog_transaction();
    for (size_t i = 0; i < runtime->tables.size(); i++)
      if (!runtime->tables[i].copy_regions.regions.empty()) advance_copy_regions((int)i, target);
    end_catalog_transaction();
  }
  MYSQL_SYNC_CXX(worker_task.label, {
    runtime->reader->stop();
    runtime->reader.reset();
  });
}

}  // namespace

void register_tables(void) {
  mysql_sync::TaskRuntime* runtime = worker_task.runtime;
  set_live_state("schema");
  MYSQL_SYNC_CXX(worker_task.label, runtime->describe_source());
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
  MYSQL_SYNC_CXX(worker_task.label, runtime->describe_source());
  reset_appliers();
  const int count = (int)runtime->tables.size();

  // 1. Schema: the tables without a table_state row (all of them, unless resuming).
  begin_catalog_transaction();
  detect_target_dialect();
  int64 committed_rows = 0;
  int known = load_copy_progress(&committed_rows);
  if (known > 0) restart_reshaped_tables(&committed_rows);
  for (int i = 0; i < count; i++) {
    if (runtime->tables[i].known) continue;
    bool created = prepare_target_table(i);
    MYSQL_SYNC_CXX(worker_task.label, runtime->tables[i].created_target = created);
    if (created && !worker_task.sync_data) add_keys(i);
    write_table_state(i, worker_task.sync_data ? "pending" : "synced", created);
  }
  end_catalog_transaction();
  if (known > 0)
    elog(LOG, "mysql_sync task \"%s\": resuming an interrupted initial sync (%d tables known)",
         worker_task.name, known);

  // 2. One snapshot for every table still to copy; each copy commits on its own.
  int pending = 0;
  int64 estimate = 0;
  for (int i = 0; i < count; i++) {
    estimate += runtime->tables[i].source.rows_estimate;
    if (!runtime->tables[i].copy_done) pending++;
  }
  const bool copying = worker_task.sync_data && pending > 0;
  mysql_sync::BinlogPosition* snapshot = nullptr;
  MYSQL_SYNC_CXX(worker_task.label, {
    runtime->current = std::make_unique<mysql_sync::SourceItem>();
    if (!copying) {
      mysql_sync::MysqlClient client(runtime->uri);
      runtime->current->end = current_binlog_position(client);
    }
    snapshot = &runtime->current->end;
  });
  // The copy's snapshots (one per source connection, options.parallel) begin in copy_load.
  if (copying) open_copy_snapshots(pending, snapshot);

  if (worker_task.sync_data && pending > 0) {
    set_live_state("full_load");
    char* detail = psprintf("copying %d of %d tables", pending, count);
    save_task_state("full_load", detail);
    char estimate_text[32];
    snprintf(estimate_text, sizeof estimate_text, "%lld", (long long)estimate);
    const char* args[2] = {worker_task.name, estimate_text};
    begin_catalog_transaction();
    spi_exec_text("UPDATE mysql_sync.task_state SET rows_estimate = $2::bigint WHERE task = $1", 2, args);
    end_catalog_transaction();
  }
  set_copy_base(committed_rows);
  if (copying) {
    copy_base = copy_pending_tables(committed_rows);
  } else {
    for (int i = 0; i < count; i++) {
      if (runtime->tables[i].copy_done) continue;
      begin_catalog_transaction();
      mark_table_copied(i, *snapshot, 0, 0);
      end_catalog_transaction();
      MYSQL_SYNC_CXX(worker_task.label, {
        runtime->tables[i].copy_done = true;
        runtime->tables[i].copied_at = *snapshot;
        runtime->tables[i].copy_regions = mysql_sync::CopyRegions();
        runtime->tables[i].copy_regions.rest = *snapshot;
      });
    }
  }

  // 3. Tables copied by an earlier run (or by another connection of this one) catch up to the
  // newest copy position.
  const mysql_sync::BinlogPosition* target = snapshot;
  for (int i = 0; i < count; i++)
    if (mysql_sync::compare_positions(newest_copy_position(runtime->tables[i]), *target) > 0)
      target = &newest_copy_position(runtime->tables[i]);
  MYSQL_SYNC_CXX(worker_task.label, runtime->copy_target = *target);
  catch_up(runtime->copy_target);
  MYSQL_SYNC_CXX(worker_task.label, {
    runtime->last_end = runtime->copy_target;
    runtime->current = std::make_unique<mysql_sync::SourceItem>();
    runtime->current->end = runtime->copy_target;  // the worker streams from here
  });

  // 4. Sequences, foreign keys, and the task's position: streaming starts there.
  begin_catalog_transaction();
  for (int i = 0; i < count; i++)
    if (runtime->tables[i].created_target) set_identities(i);
  if (runtime->foreign_keys) add_foreign_keys();
  store_position("catching_up", runtime->last_end, 0, 0, 0, 0);
  end_catalog_transaction();
  elog(LOG, "mysql_sync task \"%s\": initial sync done (%lld rows), streaming from %s:%llu", worker_task.name,
       (long long)copy_base, runtime->last_end.file.c_str(), (unsigned long long)runtime->last_end.pos);
}

bool prepare_added_table(int index) {
  return prepare_target_table(index);
}

void set_target_identities(int index) {
  set_identities(index);
}

uint64 copy_source_rows(int index, Oid relid, int64 rows_before, int64* invalid) {
  copy_base = rows_before;
  publish_rows_copied(worker_task.slot, copy_base, 0);
  return copy_table_into(index, relid, invalid);
}
