// mysql_sync.precheck(): the source-side items come from binlog/precheck (C++ zone), the
// target-side items (target_conflict, target_privileges, distribution_keys) are checked here.
#include "binlog/object_patterns.h"
#include "binlog/precheck.h"
#include "binlog/source_uri.h"
#include "bgworker/name_map.h"

#include "extension/bridge.h"
#include "extension/sql_args.h"

extern "C" {
#include "catalog/namespace.h"
#include "catalog/pg_type.h"
#include "commands/dbcommands.h"
#include "executor/spi.h"
#include "funcapi.h"
#include "lib/stringinfo.h"
#include "nodes/makefuncs.h"
#include "utils/acl.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/jsonb.h"
#include "utils/lsyscache.h"

PG_FUNCTION_INFO_V1(mysql_sync_precheck);
}

namespace {


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

void put_precheck_row(ReturnSetInfo* rsinfo, const char* item, const char* status, const char* detail,
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

bool spi_bool(const char* sql, const char* arg) {
  Oid types[1] = {TEXTOID};
  Datum values[1] = {arg ? CStringGetTextDatum(arg) : (Datum)0};
  char nulls[1] = {arg ? ' ' : 'n'};
  if (SPI_execute_with_args(sql, arg ? 1 : 0, types, values, nulls, true, 1) != SPI_OK_SELECT || SPI_processed != 1)
    return false;
  bool isnull;
  Datum d = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull);
  return !isnull && DatumGetBool(d);
}

}  // namespace

Datum mysql_sync_precheck(PG_FUNCTION_ARGS) {
  ReturnSetInfo* rsinfo = (ReturnSetInfo*)fcinfo->resultinfo;
  InitMaterializedSRF(fcinfo, 0);
  char* source = text_to_cstring(PG_GETARG_TEXT_PP(0));
  int object_count = 0, initial_count = 0;
  char** objects = text_array_strings(PG_GETARG_ARRAYTYPE_P(1), &object_count, "objects");
  char** initial = text_array_strings(PG_GETARG_ARRAYTYPE_P(2), &initial_count, "initial_sync");
  char* existing = text_to_cstring(PG_GETARG_TEXT_PP(3));
  char **map_keys, **map_values;
  int map_count = jsonb_object_strings(PG_GETARG_JSONB_P(5), &map_keys, &map_values);
  char **option_keys, **option_values;
  (void)jsonb_object_strings(PG_GETARG_JSONB_P(7), &option_keys, &option_values);
  Jsonb* options = PG_GETARG_JSONB_P(7);
  bool schema = false, data = false;
  for (int i = 0; i < initial_count; i++) {
    schema = schema || strcmp(initial[i], "schema") == 0;
    data = data || strcmp(initial[i], "data") == 0;
  }
  int64 server_id = 0;
  {
    JsonbValue key, *found;
    key.type = jbvString;
    key.val.string.val = const_cast<char*>("server_id");
    key.val.string.len = 9;
    found = findJsonbValueFromContainer(&options->root, JB_FOBJECT, &key);
    if (found && found->type == jbvNumeric)
      server_id = DatumGetInt64(DirectFunctionCall1(numeric_int8, NumericGetDatum(found->val.numeric)));
  }

  // Source side, then each table's target name.
  struct Row {
    const char* item;
    const char* status;
    const char* detail;
    const char* hint;
  };
  Row* rows = nullptr;
  int row_count = 0;
  int table_count = 0;
  char** target_schema = nullptr;
  char** target_table = nullptr;
  char** source_table = nullptr;
  MYSQL_SYNC_CXX("precheck", {
    mysql_sync::SourceUri uri = mysql_sync::SourceUri::parse(source);
    mysql_sync::ObjectPatterns patterns(std::vector<std::string>(objects, objects + object_count));
    mysql_sync::NameMap names;
    for (int i = 0; i < map_count; i++) names.add(map_keys[i], map_values[i]);
    mysql_sync::SourcePrecheck result = mysql_sync::precheck_source(uri, patterns, (uint32_t)server_id, data);
    auto keep = [](const std::string& s) {
      char* p = static_cast<char*>(malloc(s.size() + 1));
      if (p == nullptr) throw std::bad_alloc();
      memcpy(p, s.c_str(), s.size() + 1);
      return p;
    };
    rows = static_cast<Row*>(calloc(result.rows.size() + 1, sizeof(Row)));
    for (const auto& r : result.rows)
      rows[row_count++] = Row{keep(r.item), keep(r.status), keep(r.detail), keep(r.hint)};
    table_count = (int)result.tables.size();
    target_schema = static_cast<char**>(calloc(table_count + 1, sizeof(char*)));
    target_table = static_cast<char**>(calloc(table_count + 1, sizeof(char*)));
    source_table = static_cast<char**>(calloc(table_count + 1, sizeof(char*)));
    if (!rows || !target_schema || !target_table || !source_table) throw std::bad_alloc();
    for (int i = 0; i < table_count; i++) {
      auto target = names.table_of(result.tables[i].schema, result.tables[i].name);
      target_schema[i] = keep(target.first);
      target_table[i] = keep(target.second);
      source_table[i] = keep(result.tables[i].schema + "." + result.tables[i].name);
    }
  });
  for (int i = 0; i < row_count; i++) {
    put_precheck_row(rsinfo, rows[i].item, rows[i].status, rows[i].detail, rows[i].hint);
    free((void*)rows[i].item);
    free((void*)rows[i].status);
    free((void*)rows[i].detail);
    free((void*)rows[i].hint);
  }
  free(rows);

  // Target side.
  StringInfoData conflicts, missing, merged;
  initStringInfo(&conflicts);
  initStringInfo(&missing);
  initStringInfo(&merged);
  for (int i = 0; i < table_count; i++) {
    RangeVar* rv = makeRangeVar(target_schema[i], target_table[i], -1);
    bool exists = OidIsValid(RangeVarGetRelid(rv, NoLock, true));
    const char* name = quote_qualified_identifier(target_schema[i], target_table[i]);
    if (exists && schema) appendStringInfo(&conflicts, "%s%s", conflicts.len ? ", " : "", name);
    if (!exists && !schema) appendStringInfo(&missing, "%s%s", missing.len ? ", " : "", name);
    for (int j = 0; j < i; j++)
      if (strcmp(target_schema[i], target_schema[j]) == 0 && strcmp(target_table[i], target_table[j]) == 0)
        appendStringInfo(&merged, "%s%s and %s into %s", merged.len ? "; " : "", source_table[j], source_table[i], name);
  }
  if (merged.len)
    put_precheck_row(rsinfo, "target_conflict", "failed", psprintf("several source tables map to one target: %s", merged.data),
                     "Merging tables (existing_tables => 'append') arrives with the initial-sync issue; map them apart with name_map.");
  else if (missing.len)
    put_precheck_row(rsinfo, "target_conflict", "failed", psprintf("target tables do not exist: %s", missing.data),
                     "Add schema to initial_sync, e.g. initial_sync => '{schema,data}', or create them.");
  else if (conflicts.len && strcmp(existing, "fail") == 0)
    put_precheck_row(rsinfo, "target_conflict", "failed", psprintf("target tables already exist: %s", conflicts.data),
                     "Drop them, or use existing_tables => 'clear' to empty and reload them.");
  else if (conflicts.len)
    put_precheck_row(rsinfo, "target_conflict", "warning",
                     psprintf("target tables exist and will be emptied (existing_tables => 'clear'): %s", conflicts.data),
                     nullptr);
  else
    put_precheck_row(rsinfo, "target_conflict", "passed",
                     table_count ? "no target table exists yet" : "no source table to check", nullptr);

  // target_privileges: the calling (session) role can create what the task creates.
  SPI_connect();
  StringInfoData denied;
  initStringInfo(&denied);
  char* session_name = GetUserNameFromId(GetSessionUserId(), false);
  for (int i = 0; schema && i < table_count; i++) {
    bool schema_exists = OidIsValid(get_namespace_oid(target_schema[i], true));
    bool ok = schema_exists
                  ? spi_bool(psprintf("SELECT has_schema_privilege(session_user, %s, 'CREATE')",
                                      quote_literal_cstr(target_schema[i])),
                             nullptr)
                  : spi_bool("SELECT has_database_privilege(session_user, current_database(), 'CREATE')", nullptr);
    if (!ok && !strstr(denied.data, target_schema[i]))
      appendStringInfo(&denied, "%s%s", denied.len ? ", " : "", quote_identifier(target_schema[i]));
  }
  SPI_finish();
  if (denied.len)
    put_precheck_row(rsinfo, "target_privileges", "failed",
                     psprintf("role %s cannot create tables in schema %s", session_name, denied.data),
                     psprintf("GRANT CREATE ON DATABASE %s TO %s (or GRANT CREATE ON SCHEMA ... )",
                              quote_identifier(get_database_name(MyDatabaseId)), quote_identifier(session_name)));
  else
    put_precheck_row(rsinfo, "target_privileges", "passed",
                     schema ? psprintf("role %s can create the target schemas and tables", session_name)
                            : "no table is created (initial_sync has no schema)",
                     nullptr);
  put_precheck_row(rsinfo, "distribution_keys", "passed",
                   "plain PostgreSQL: distribution keys are recorded only", nullptr);
  return (Datum)0;
}

