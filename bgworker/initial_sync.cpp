#include "bgworker/initial_sync.h"

#include "source/snapshot.h"
#include "bgworker/apply.h"
#include "bgworker/backfill.h"
#include "bgworker/catalog.h"
#include "bgworker/citus.h"
#include "bgworker/citus_load.h"
#include "ddl/dialect.h"
#include "extension/bridge.h"

extern "C" {
#include "access/table.h"
#include "catalog/pg_am_d.h"
#include "commands/defrem.h"
#include "access/xact.h"
#include "catalog/index.h"
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

Oid relation_named(const char* schema, const char* name) {
  Oid nsp = get_namespace_oid(schema, true);
  return OidIsValid(nsp) ? get_relname_relid(name, nsp) : InvalidOid;
}

// The primary key, unique keys and secondary indexes of a table the sync created, built after
// its data (faster than maintaining them row by row).
}  // namespace

void add_primary_key(int index) {
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
}

void add_keys(int index) {
  add_primary_key(index);
  add_indexes(index, false);
}

void add_indexes(int index, bool missing_only) {
  const SyncTable& table = worker_task.runtime->tables[index];
  const char* qualified = qualified_target(table);
  Oid relid = target_relid(index, false);
  // A Citus reference or local table has no distribution key to keep in unique indexes.
  const bool one_shard =
      dialect == mysql_sync::Dialect::citus && citus_table_kind(relid, nullptr) == CitusKind::single_shard;
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
    Oid taken = relation_named(table.target_schema.c_str(), name.c_str());
    // Built already (a DDL during the load made it): kept.
    if (missing_only && OidIsValid(taken) && IndexGetRelation(taken, true) == relid) continue;
    const char* quoted_name = OidIsValid(taken) ? ""  // the server picks a free name
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

// The in-process COPY: writes the relation itself.
uint64 copy_into_relation(int index, Oid relid, copy_data_source_cb read) {
  const SyncTable& table = worker_task.runtime->tables[index];
  // The fields of the COPY text: the columns with a target column, as CopyTextWriter writes them.
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

// COPY's data-source callback has no argument: the text being copied in process.
const char* copy_text = nullptr;
size_t copy_text_size = 0;
size_t copy_text_offset = 0;

int read_copy_text(void* outbuf, int, int maxread) {
  size_t n = Min((size_t)maxread, copy_text_size - copy_text_offset);
  memcpy(outbuf, copy_text + copy_text_offset, n);
  copy_text_offset += n;
  return (int)n;
}

}  // namespace

uint64 copy_text_into(int index, Oid relid, const char* text, size_t size) {
  // The coordinator's relation of a Citus table is an empty shell: its rows go through Citus.
  if (is_citus_table(relid)) return copy_text_via_citus(index, relid, text, size);
  copy_text = text;
  copy_text_size = size;
  copy_text_offset = 0;
  uint64 rows = copy_into_relation(index, relid, read_copy_text);
  copy_text = nullptr;
  return rows;
}

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
  // The stream starts here; the backfills read the tables after it (bgworker/backfill.h).
  MYSQL_SYNC_CXX(worker_task.label, {
    mysql_sync::MysqlClient client(runtime->uri);
    runtime->last_end = mysql_sync::stream_start_position(client);
    runtime->current = std::make_unique<mysql_sync::SourceItem>();
    runtime->current->end = runtime->last_end;
  });

  // One transaction: the target tables, their table_state rows (with the backfills' state), and
  // the stream's start. A worker that dies before it commits starts from scratch.
  int64 estimate = 0;
  begin_catalog_transaction();
  const char* args[1] = {worker_task.name};
  spi_exec_text("SELECT count(*) FROM mysql_sync.table_state WHERE task = $1", 1, args);
  if (strcmp(SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1), "0") != 0)
    ereport(ERROR,
            (errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
             errmsg("mysql_sync task \"%s\": an initial load interrupted under an older version cannot be "
                    "resumed",
                    worker_task.name),
             errhint("SELECT mysql_sync.drop_sync('%s', drop_tables => true); then start_sync the task "
                     "again.",
                     worker_task.name)));
  detect_target_dialect();
  for (int i = 0; i < count; i++) {
    bool created = prepare_target_table(i);
    MYSQL_SYNC_CXX(worker_task.label, runtime->tables[i].created_target = created);
    if (created && !worker_task.sync_data) add_keys(i);
    write_table_state(i, worker_task.sync_data ? "pending" : "synced", created);
    if (worker_task.sync_data) backfill_begin(i, mysql_sync::BackfillKind::load, created);
    estimate += runtime->tables[i].source.rows_estimate;
  }
  char estimate_text[32];
  snprintf(estimate_text, sizeof estimate_text, "%lld", (long long)estimate);
  const char* estimate_args[2] = {worker_task.name, estimate_text};
  spi_exec_text("UPDATE mysql_sync.task_state SET rows_estimate = $2::bigint WHERE task = $1", 2,
                estimate_args);
  store_position(worker_task.sync_data ? "full_load" : "catching_up", runtime->last_end, 0, 0, 0, 0);
  if (!worker_task.sync_data) {
    for (int i = 0; i < count; i++)
      if (runtime->tables[i].created_target) set_identities(i);
    if (runtime->foreign_keys) add_foreign_keys();
  }
  end_catalog_transaction();
  if (worker_task.sync_data) {
    set_live_state("full_load");
    elog(LOG,
         "mysql_sync task \"%s\": copying %d tables in chunks over %d source connections, streaming from "
         "%s:%llu",
         worker_task.name, count, runtime->parallel, runtime->last_end.file.c_str(),
         (unsigned long long)runtime->last_end.pos);
  } else {
    elog(LOG, "mysql_sync task \"%s\": initial sync done (0 rows), streaming from %s:%llu", worker_task.name,
         runtime->last_end.file.c_str(), (unsigned long long)runtime->last_end.pos);
  }
}

void finish_loaded_table(int index, bool keys_pending) {
  mysql_sync::TaskRuntime* runtime = worker_task.runtime;
  const SyncTable& table = runtime->tables[index];
  const char* source_table = psprintf("%s.%s", table.source_schema.c_str(), table.source_name.c_str());
  begin_catalog_transaction();
  if (table.created_target) {
    if (keys_pending) add_primary_key(index);
    add_indexes(index, true);
    set_identities(index);
  }
  mark_copied_table_synced(source_table, "copied");
}

void finish_initial_load(void) {
  mysql_sync::TaskRuntime* runtime = worker_task.runtime;
  const char* args[1] = {worker_task.name};
  begin_catalog_transaction();
  if (runtime->foreign_keys) add_foreign_keys();
  spi_exec_text("UPDATE mysql_sync.task_state SET state = 'catching_up', detail = NULL WHERE task = $1", 1,
                args);
  spi_exec_text("SELECT rows_copied FROM mysql_sync.task_state WHERE task = $1", 1, args);
  char* rows = SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1);
  end_catalog_transaction();
  set_live_state("catching_up");
  elog(LOG, "mysql_sync task \"%s\": initial sync done (%s rows), streaming from %s:%llu", worker_task.name,
       rows, runtime->last_end.file.c_str(), (unsigned long long)runtime->last_end.pos);
}

bool prepare_added_table(int index) {
  return prepare_target_table(index);
}

void set_target_identities(int index) {
  set_identities(index);
}
