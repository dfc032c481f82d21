// mysql_sync._precheck(): the source-side items come from source/precheck, the target-side items
// (target_conflict, target_privileges, distribution_keys) from task/target_precheck, both C++;
// this file reads the arguments and the target's catalog as plain data for them and returns the rows.
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "source/binlog_stream.h"
#include "source/object_patterns.h"
#include "source/precheck.h"
#include "source/source_uri.h"
#include "ddl/name_map.h"
#include "ddl/target_names.h"
#include "task/target_precheck.h"

#include "extension/bridge.h"
#include "extension/sql_args.h"

extern "C" {
#include "access/xlog.h"
#include "catalog/namespace.h"
#include "catalog/pg_type.h"
#include "commands/dbcommands.h"
#include "executor/spi.h"
#include "funcapi.h"
#include "lib/stringinfo.h"
#include "nodes/makefuncs.h"
#include "postmaster/postmaster.h"
#include "utils/acl.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/jsonb.h"
#include "utils/lsyscache.h"

PG_FUNCTION_INFO_V1(mysql_sync_precheck);
}

namespace {

// What the C++ zone found, read by the PostgreSQL code below through plain pointers. Owned by
// the function's memory context (deleted when it is reset, also after an ERROR).
struct PrecheckData {
  std::vector<mysql_sync::PrecheckRow> rows;
  std::vector<mysql_sync::TargetTable> tables;
  mysql_sync::NameFindings names;  // target names PostgreSQL cannot hold (ddl/target_names.h)
};

MYSQL_SYNC_VOID_ENTRY(delete_precheck_data, (void* data), (data)) {
  MYSQL_SYNC_CXX("precheck", delete static_cast<PrecheckData*>(data));
}

struct TableKeysEntry {
  std::vector<std::string> primary_key, distribution_key;
};

// The string members of a jsonb object, as parallel key/value arrays.
int jsonb_object_strings(Jsonb* jb, char*** keys, char*** values) {
  int capacity = JB_ROOT_COUNT(jb) + 1;
  *keys = static_cast<char**>(palloc0(sizeof(char*) * capacity));
  *values = static_cast<char**>(palloc0(sizeof(char*) * capacity));
  int n = 0;
  JsonbIterator* it = JsonbIteratorInit(&jb->root);
  JsonbValue v;
  JsonbIteratorToken token;
  char* key = nullptr;
  while ((token = JsonbIteratorNext(&it, &v, true)) != WJB_DONE) {
    if (token == WJB_KEY) {
      key = pnstrdup(v.val.string.val, v.val.string.len);
    } else if (token == WJB_VALUE && key != nullptr && v.type == jbvString && n < capacity) {
      (*keys)[n] = key;
      (*values)[n] = pnstrdup(v.val.string.val, v.val.string.len);
      n++;
    }
  }
  return n;
}

void put_row(ReturnSetInfo* rsinfo, const char* item, const char* status, const char* detail,
             const char* hint) {
  Datum values[4];
  bool nulls[4] = {false, false, false, false};
  values[0] = CStringGetTextDatum(item);
  values[1] = CStringGetTextDatum(status);
  values[2] = CStringGetTextDatum(detail ? detail : "");
  if (hint && hint[0])
    values[3] = CStringGetTextDatum(hint);
  else
    nulls[3] = true;
  tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
}

// Runs a read-only query with up to three text arguments (NULL pointers are SQL NULL).
int spi_query(const char* sql, int nargs, const char* a = nullptr, const char* b = nullptr,
              const char* c = nullptr) {
  Oid types[3] = {TEXTOID, TEXTOID, TEXTOID};
  const char* args[3] = {a, b, c};
  Datum values[3];
  char nulls[3];
  for (int i = 0; i < 3; i++) {
    values[i] = args[i] ? CStringGetTextDatum(args[i]) : (Datum)0;
    nulls[i] = args[i] ? ' ' : 'n';
  }
  if (SPI_execute_with_args(sql, nargs, types, values, nulls, true, 0) != SPI_OK_SELECT)
    elog(ERROR, "mysql_sync precheck: query failed: %s", sql);
  return (int)SPI_processed;
}

// Column `col` (1-based) of result row `row` as text, or nullptr.
const char* spi_text(int row, int col) {
  return SPI_getvalue(SPI_tuptable->vals[row], SPI_tuptable->tupdesc, col);
}

bool spi_bool(const char* sql, const char* a = nullptr, const char* b = nullptr) {
  int nargs = b ? 2 : a ? 1 : 0;
  if (spi_query(sql, nargs, a, b) != 1) return false;
  const char* v = spi_text(0, 1);
  return v && v[0] == 't';
}

// A text[] result cell "{a,b}" -> strings (simple names; quoted elements are unquoted).
std::vector<std::string> text_array_cell(const char* cell) {
  std::vector<std::string> out;
  if (!cell) return out;
  std::string s(cell);
  if (s.size() < 2) return out;
  std::string cur;
  bool quoted = false, any = false;
  for (size_t i = 1; i + 1 < s.size(); i++) {
    char ch = s[i];
    if (quoted) {
      if (ch == '\\' && i + 2 < s.size()) {
        cur += s[++i];
      } else if (ch == '"') {
        quoted = false;
      } else {
        cur += ch;
      }
    } else if (ch == '"') {
      quoted = true;
      any = true;
    } else if (ch == ',') {
      out.push_back(cur);
      cur.clear();
      any = false;
    } else {
      cur += ch;
      any = true;
    }
  }
  if (any || !cur.empty()) out.push_back(cur);
  return out;
}

// A palloc'd array of the first `count` text cells of column `col` of the SPI result.
const char** spi_column(int count, int col) {
  const char** out = static_cast<const char**>(palloc0(sizeof(char*) * (count + 1)));
  for (int i = 0; i < count; i++) out[i] = spi_text(i, col);
  return out;
}

const char* qualified(const char* schema, const char* name) {
  return quote_qualified_identifier(schema, name);
}

// What PostgreSQL says about each table the task would create or write (plain data).
mysql_sync::TargetTableFacts* gather_table_facts(const std::vector<mysql_sync::TargetTable>& tables,
                                                 const mysql_sync::TargetMode& mode, bool clear_and_load) {
  int count = (int)tables.size();
  auto* facts =
      static_cast<mysql_sync::TargetTableFacts*>(palloc0(sizeof(mysql_sync::TargetTableFacts) * (count + 1)));
  for (int i = 0; i < count; i++) {
    const char* schema = tables[i].schema.c_str();
    const char* name = tables[i].name.c_str();
    mysql_sync::TargetTableFacts& f = facts[i];
    f.exists = OidIsValid(RangeVarGetRelid(makeRangeVar(pstrdup(schema), pstrdup(name), -1), NoLock, true));
    f.qualified_name = qualified(schema, name);
    f.quoted_schema = quote_identifier(schema);
    int columns = (int)tables[i].columns.size();
    f.quoted_columns = static_cast<const char**>(palloc0(sizeof(char*) * (columns + 1)));
    for (int c = 0; c < columns; c++)
      f.quoted_columns[c] = quote_identifier(tables[i].columns[c].name.c_str());
    if (mode.schema) {
      f.schema_exists = OidIsValid(get_namespace_oid(schema, true));
      f.may_create_in_schema =
          f.schema_exists && spi_bool("SELECT has_schema_privilege(session_user, $1, 'CREATE')", schema);
    }
    if (!mysql_sync::writes_existing(mode, f.exists)) continue;
    int n = spi_query(
        "SELECT a.attname, format_type(a.atttypid, a.atttypmod), a.attnotnull AND NOT a.atthasdef "
        "AND a.attidentity = '' AND a.attgenerated = '' FROM pg_attribute a "
        "WHERE a.attrelid = format('%I.%I', $1, $2)::regclass AND a.attnum > 0 AND NOT a.attisdropped",
        2, schema, name);
    auto* existing = static_cast<mysql_sync::ExistingColumnFact*>(
        palloc0(sizeof(mysql_sync::ExistingColumnFact) * (n + 1)));
    for (int r = 0; r < n; r++) {
      const char* required = spi_text(r, 3);
      existing[r].name = spi_text(r, 1);
      existing[r].quoted_name = quote_identifier(existing[r].name ? existing[r].name : "");
      existing[r].type = spi_text(r, 2);
      existing[r].required = required && required[0] == 't';
    }
    f.existing_columns = existing;
    f.existing_column_count = n;
    const char* sql = clear_and_load
                          ? "SELECT has_table_privilege(session_user, format('%I.%I', $1, $2), 'INSERT') AND "
                            "has_table_privilege(session_user, format('%I.%I', $1, $2), 'TRUNCATE')"
                          : "SELECT has_table_privilege(session_user, format('%I.%I', $1, $2), 'INSERT') AND "
                            "has_table_privilege(session_user, format('%I.%I', $1, $2), 'UPDATE') AND "
                            "has_table_privilege(session_user, format('%I.%I', $1, $2), 'DELETE')";
    f.may_write = spi_bool(sql, schema, name);
  }
  return facts;
}

// The Citus cluster's state: its preload order, the nodes that hold shards, the worker nodes
// that do not answer (an unreachable node fails at once when refused; a silent one within the
// timeout), and options.reference_tables.
void gather_citus_facts(mysql_sync::TargetFacts& facts, const char* options_text) {
  spi_query("SELECT current_setting('shared_preload_libraries')", 0);
  facts.preload = spi_text(0, 1);
  facts.shard_holder_count = spi_query(
      "SELECT format('%s:%s', nodename, nodeport) FROM pg_catalog.pg_dist_node "
      " WHERE isactive AND noderole = 'primary' AND shouldhaveshards ORDER BY nodeid",
      0);
  facts.shard_holders = spi_column(facts.shard_holder_count, 1);
  spi_query("SELECT set_config('citus.node_connection_timeout', '5000', true)", 0);
  facts.unreachable_count = spi_query(
      "SELECT format('%s:%s (%s)', nodename, nodeport, result) FROM "
      "pg_catalog.run_command_on_workers('SELECT 1') "
      " WHERE NOT success ORDER BY nodename, nodeport",
      0);
  facts.unreachable = spi_column(facts.unreachable_count, 1);
  facts.reference_pattern_count = spi_query(
      "SELECT jsonb_array_elements_text(CASE WHEN jsonb_typeof($1::jsonb -> 'reference_tables') = 'array' "
      "THEN $1::jsonb -> 'reference_tables' ELSE '[]' END)",
      1, options_text);
  facts.reference_patterns = spi_column(facts.reference_pattern_count, 1);
}

}  // namespace

MYSQL_SYNC_FUNCTION(mysql_sync_precheck) {
  ReturnSetInfo* rsinfo = (ReturnSetInfo*)fcinfo->resultinfo;
  InitMaterializedSRF(fcinfo, 0);
  char* source = text_to_cstring(PG_GETARG_TEXT_PP(0));
  int object_count = 0, initial_count = 0;
  char** objects = text_array_strings(PG_GETARG_ARRAYTYPE_P(1), &object_count, "objects");
  char** initial = text_array_strings(PG_GETARG_ARRAYTYPE_P(2), &initial_count, "initial_sync");
  char* existing = text_to_cstring(PG_GETARG_TEXT_PP(3));
  char **map_keys, **map_values;
  int map_count = jsonb_object_strings(PG_GETARG_JSONB_P(5), &map_keys, &map_values);
  char* table_keys_text = JsonbToCString(nullptr, &PG_GETARG_JSONB_P(6)->root, VARSIZE(PG_GETARG_JSONB_P(6)));
  char* options_text = JsonbToCString(nullptr, &PG_GETARG_JSONB_P(7)->root, VARSIZE(PG_GETARG_JSONB_P(7)));
  bool schema = false, data = false;
  for (int i = 0; i < initial_count; i++) {
    schema = schema || strcmp(initial[i], "schema") == 0;
    data = data || strcmp(initial[i], "data") == 0;
  }

  MemoryContext function_context = CurrentMemoryContext;  // SPI_finish frees SPI's, not this one
  SPI_connect();
  // options: server_id and start_position (validated by _validate_arguments).
  int64 server_id = 0;
  char* start_file = nullptr;
  int64 start_pos = 0;
  const char* consistency = "auto";
  char* start_gtid = nullptr;
  char* task_name = nullptr;  // '_task': start_sync and set_source name the task
  if (spi_query(
          "SELECT ($1::jsonb ->> 'server_id')::numeric::bigint, $1::jsonb -> 'start_position' ->> 'file', "
          "($1::jsonb -> 'start_position' ->> 'pos')::numeric::bigint, "
          "$1::jsonb -> 'start_position' ->> 'gtid', $1::jsonb ->> '_task', $1::jsonb ->> 'consistency'",
          1, options_text) == 1) {
    const char* sid = spi_text(0, 1);
    const char* file = spi_text(0, 2);
    const char* pos = spi_text(0, 3);
    const char* gtid = spi_text(0, 4);
    const char* task = spi_text(0, 5);
    if (sid) server_id = strtoll(sid, nullptr, 10);
    if (file) start_file = pstrdup(file);
    if (pos) start_pos = strtoll(pos, nullptr, 10);
    if (gtid) start_gtid = pstrdup(gtid);
    if (task) task_name = pstrdup(task);
    if (spi_text(0, 6)) consistency = pstrdup(spi_text(0, 6));
  }
  const uint64 system_identifier = GetSystemIdentifier();
  const uint16 pg_port = (uint16)PostPortNumber;
  // table_keys: {"db.table": {"primary_key": [...], "distribution_key": [...]}}
  int key_count = spi_query(
      "SELECT key, ARRAY(SELECT jsonb_array_elements_text(CASE WHEN jsonb_typeof(value -> 'primary_key') = "
      "'array' "
      "THEN value -> 'primary_key' ELSE '[]' END)), "
      "ARRAY(SELECT jsonb_array_elements_text(CASE WHEN jsonb_typeof(value -> 'distribution_key') = 'array' "
      "THEN value -> 'distribution_key' ELSE '[]' END)) "
      "FROM jsonb_each($1::jsonb) WHERE jsonb_typeof(value) = 'object'",
      1, table_keys_text);
  const char** tk_name = static_cast<const char**>(palloc0(sizeof(char*) * (key_count + 1)));
  const char** tk_pk = static_cast<const char**>(palloc0(sizeof(char*) * (key_count + 1)));
  const char** tk_dk = static_cast<const char**>(palloc0(sizeof(char*) * (key_count + 1)));
  for (int i = 0; i < key_count; i++) {
    tk_name[i] = spi_text(i, 1);
    tk_pk[i] = spi_text(i, 2);
    tk_dk[i] = spi_text(i, 3);
  }

  PrecheckData* found = nullptr;
  MYSQL_SYNC_CXX("precheck", {
    auto result_data = std::make_unique<PrecheckData>();
    auto keys = std::make_unique<std::map<std::string, TableKeysEntry>>();
    for (int i = 0; i < key_count; i++)
      if (tk_name[i])
        (*keys)[tk_name[i]] = TableKeysEntry{text_array_cell(tk_pk[i]), text_array_cell(tk_dk[i])};
    mysql_sync::SourceUri uri = mysql_sync::SourceUri::parse(source);
    mysql_sync::ObjectPatterns patterns(std::vector<std::string>(objects, objects + object_count));
    mysql_sync::NameMap names;
    for (int i = 0; i < map_count; i++) names.add(map_keys[i], map_values[i]);
    mysql_sync::PrecheckOptions options;
    options.server_id = (uint32_t)server_id;
    options.full_load = data;
    options.consistency = consistency;
    if (start_file) {
      options.start_file = start_file;
      options.start_pos = (uint64_t)start_pos;
    }
    if (start_gtid) options.start_gtid = start_gtid;
    if (task_name) {
      options.own_report_host = mysql_sync::replica_report_host(task_name, system_identifier);
      options.own_report_port = pg_port;
    }
    for (const auto& [name, entry] : *keys)
      if (!entry.primary_key.empty()) options.primary_keys[name] = entry.primary_key;
    mysql_sync::SourcePrecheck result = mysql_sync::precheck_source(uri, patterns, options);
    result_data->rows = result.rows;
    std::vector<mysql_sync::PlannedTable> planned;
    for (const mysql_sync::SourceTable& st : result.tables)
      planned.push_back(mysql_sync::planned_table(st, names));
    result_data->names = mysql_sync::check_target_names(planned);
    for (size_t i = 0; i < result.tables.size(); i++) {
      const mysql_sync::SourceTable& st = result.tables[i];
      mysql_sync::TargetTable t;
      t.source = st.schema + "." + st.name;
      auto target = names.table_of(st.schema, st.name);
      t.schema = target.first;
      t.name = target.second;
      for (const mysql_sync::SourceColumn& c : st.columns) {
        std::string type;
        try {
          type = mysql_sync::pg_type_of(c);
        } catch (const mysql_sync::SyncError&) {
          // column_types reports it
        }
        t.columns.push_back(mysql_sync::TargetColumn{names.column_of(st.schema, st.name, c.name), type});
      }
      t.primary_key = st.primary_key;
      auto entry = keys->find(t.source);
      if (entry != keys->end()) {
        if (!entry->second.primary_key.empty()) t.primary_key = entry->second.primary_key;
        t.distribution_key = entry->second.distribution_key;
      }
      if (!t.primary_key.empty()) t.unique_keys.push_back(t.primary_key);
      if (i < result.unique_keys.size())
        for (const mysql_sync::UniqueKey& k : result.unique_keys[i])
          if (k.name != "PRIMARY" || entry == keys->end() || entry->second.primary_key.empty())
            if (k.name != "PRIMARY" || t.unique_keys.empty() || t.unique_keys[0] != k.columns)
              t.unique_keys.push_back(k.columns);
      result_data->tables.push_back(std::move(t));
    }
    found = result_data.release();
  });

  // From here on the C++ results are read in place and freed with this memory context.
  MemoryContextCallback* owner = static_cast<MemoryContextCallback*>(palloc0(sizeof(MemoryContextCallback)));
  owner->func = delete_precheck_data;
  owner->arg = found;
  MemoryContextRegisterResetCallback(function_context, owner);

  mysql_sync::TargetMode mode{schema, data, strcmp(existing, "clear") == 0, strcmp(existing, "append") == 0};
  mysql_sync::TargetFacts facts{};
  facts.tables = gather_table_facts(found->tables, mode, mode.clear && data);
  facts.role = quote_identifier(GetUserNameFromId(GetSessionUserId(), false));
  facts.database = quote_identifier(get_database_name(MyDatabaseId));
  facts.may_create_schemas =
      mode.schema && spi_bool("SELECT has_database_privilege(session_user, current_database(), 'CREATE')");
  facts.greenplum = spi_bool("SELECT version() ~* 'greenplum'");
  facts.citus =
      !facts.greenplum && spi_bool("SELECT EXISTS (SELECT FROM pg_extension WHERE extname = 'citus')");
  if (facts.citus) gather_citus_facts(facts, options_text);

  MYSQL_SYNC_CXX("precheck", {
    std::vector<mysql_sync::PrecheckRow> target =
        mysql_sync::check_target(found->tables, found->names, facts, mode);
    found->rows.insert(found->rows.end(), target.begin(), target.end());
  });
  for (size_t i = 0; i < found->rows.size(); i++) {
    const mysql_sync::PrecheckRow& r = found->rows[i];
    put_row(rsinfo, r.item.c_str(), r.status.c_str(), r.detail.c_str(), r.hint.c_str());
  }
  SPI_finish();  // the facts' text lived in SPI's memory
  return (Datum)0;
}
