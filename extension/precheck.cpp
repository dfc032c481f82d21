// mysql_sync._precheck(): the source-side items come from binlog/precheck (C++ zone), the
// target-side items (target_conflict, target_privileges, distribution_keys) are checked here.
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "source/binlog_stream.h"
#include "source/object_patterns.h"
#include "source/precheck.h"
#include "source/source_uri.h"
#include "ddl/name_map.h"
#include "ddl/target_names.h"

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

// What the C++ zone found, as plain data read by the PostgreSQL code below (allocated by the
// C++ block, deleted at the end; an ERROR in between only leaks it).
struct TargetColumn {
  std::string name;     // after name_map
  std::string pg_type;  // the contract's mapping, "" when it has none
};
struct TargetTable {
  std::string source;  // db.table
  std::string schema, name;
  std::vector<TargetColumn> columns;
  std::vector<std::string> primary_key;  // source column names (table_keys' when given)
  std::vector<std::vector<std::string>> unique_keys;  // source column names, primary key first
  std::vector<std::string> distribution_key;          // table_keys' distribution_key, or empty
};
struct PrecheckData {
  std::vector<mysql_sync::PrecheckRow> rows;
  std::vector<TargetTable> tables;
  mysql_sync::NameFindings names;  // target names PostgreSQL cannot hold (ddl/target_names.h)
};

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

void put_row(ReturnSetInfo* rsinfo, const char* item, const char* status, const char* detail, const char* hint) {
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
int spi_query(const char* sql, int nargs, const char* a = nullptr, const char* b = nullptr, const char* c = nullptr) {
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
const char* spi_text(int row, int col) { return SPI_getvalue(SPI_tuptable->vals[row], SPI_tuptable->tupdesc, col); }

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

std::string joined(const std::vector<std::string>& items, const char* sep) {
  std::string out;
  for (const std::string& i : items) out += (out.empty() ? "" : sep) + i;
  return out;
}

// At most `max` items, then "and N more".
std::string capped(const std::vector<std::string>& items, const char* sep, size_t max = 6) {
  if (items.size() <= max) return joined(items, sep);
  std::vector<std::string> head(items.begin(), items.begin() + max);
  return joined(head, sep) + sep + "and " + std::to_string(items.size() - max) + " more";
}

void push_unique(std::vector<std::string>& list, const std::string& item) {
  for (const std::string& i : list)
    if (i == item) return;
  list.push_back(item);
}

std::string qualified_name(const std::string& schema, const std::string& table) {
  return quote_qualified_identifier(schema.c_str(), table.c_str());
}

// Collects one item's findings: the worst status wins; details and hints are joined.
struct CheckItem {
  std::string status = "passed";
  std::vector<std::string> details, hints;
  void add(const char* s, const std::string& detail, const std::string& hint = "") {
    if (strcmp(s, "failed") == 0 || (strcmp(s, "warning") == 0 && status == "passed")) status = s;
    if (!detail.empty()) details.push_back(detail);
    if (!hint.empty()) hints.push_back(hint);
  }
  void put(ReturnSetInfo* rsinfo, const char* name, const std::string& passed_detail) {
    std::string detail = details.empty() ? passed_detail : joined(details, "; ");
    put_row(rsinfo, name, status.c_str(), detail.c_str(), joined(hints, "; ").c_str());
  }
};

// Types that compare equal for a target column: format_type's spelling against the mapping's.
std::string normalized_type(std::string t) {
  if (t == "int2") return "smallint";
  if (t == "int4" || t == "int") return "integer";
  if (t == "int8") return "bigint";
  if (t == "float4") return "real";
  if (t == "float8") return "double precision";
  if (t == "timestamp") return "timestamp without time zone";
  if (t == "timestamptz") return "timestamp with time zone";
  if (t.rfind("varchar", 0) == 0) return "character varying" + t.substr(7);
  if (t.rfind("char(", 0) == 0) return "character" + t.substr(4);
  if (t == "char") return "character(1)";
  return t;
}

// The Citus cluster can take the tables: citus is loaded first, some node holds shards, every
// worker node answers. Failures go into `item`; returns what was found (inside SPI).
std::string check_citus_cluster(CheckItem& item) {
  spi_query("SELECT current_setting('shared_preload_libraries')", 0);
  std::string preload = spi_text(0, 1) ? spi_text(0, 1) : "";
  std::string first = preload.substr(0, preload.find(','));
  first.erase(0, first.find_first_not_of(" \t\""));
  first.erase(first.find_last_not_of(" \t\"") + 1);
  if (first != "citus")
    item.add("failed", "citus is not the first of shared_preload_libraries ('" + preload + "')",
             "shared_preload_libraries = 'citus,mysql_sync' in postgresql.conf (citus first), then restart "
             "PostgreSQL");

  int holders = spi_query(
      "SELECT format('%s:%s', nodename, nodeport) FROM pg_catalog.pg_dist_node "
      " WHERE isactive AND noderole = 'primary' AND shouldhaveshards ORDER BY nodeid",
      0);
  std::vector<std::string> nodes;
  for (int i = 0; i < holders; i++) nodes.push_back(spi_text(i, 1));
  if (holders == 0)
    item.add(
        "failed",
        "no node of the Citus cluster holds shards (pg_dist_node has no active node that should have shards)",
        "SELECT citus_add_node('<worker host>', <port>) for each worker node; or, to keep the shards on this "
        "node: SELECT citus_set_coordinator_host('<this host>', <port>); SELECT "
        "citus_set_node_property('<this host>', <port>, 'shouldhaveshards', true)");

  // An unreachable node fails at once when refused; a silent one within the timeout.
  spi_query("SELECT set_config('citus.node_connection_timeout', '5000', true)", 0);
  int down = spi_query(
      "SELECT format('%s:%s (%s)', nodename, nodeport, result) FROM "
      "pg_catalog.run_command_on_workers('SELECT 1') "
      " WHERE NOT success ORDER BY nodename, nodeport",
      0);
  std::vector<std::string> unreachable;
  for (int i = 0; i < down; i++) unreachable.push_back(spi_text(i, 1));
  if (down > 0)
    item.add("failed", "Citus worker nodes cannot be reached: " + capped(unreachable, ", "),
             "Start them, or take them out of the cluster: SELECT citus_disable_node('<host>', <port>)");
  return "shards on " + (nodes.empty() ? std::string("no node") : capped(nodes, ", ")) +
         (down == 0 ? ", every worker node answers" : "");
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
  std::map<std::string, TableKeysEntry>* table_keys = nullptr;
  int key_count = spi_query(
      "SELECT key, ARRAY(SELECT jsonb_array_elements_text(CASE WHEN jsonb_typeof(value -> 'primary_key') = 'array' "
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
      if (tk_name[i]) (*keys)[tk_name[i]] = TableKeysEntry{text_array_cell(tk_pk[i]), text_array_cell(tk_dk[i])};
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
      TargetTable t;
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
        t.columns.push_back(TargetColumn{names.column_of(st.schema, st.name, c.name), type});
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
    table_keys = keys.release();
    found = result_data.release();
  });

  for (const auto& r : found->rows)
    put_row(rsinfo, r.item.c_str(), r.status.c_str(), r.detail.c_str(), r.hint.c_str());
  const std::vector<TargetTable>& tables = found->tables;
  const bool clear = strcmp(existing, "clear") == 0;
  const bool append = strcmp(existing, "append") == 0;

  // ---------------------------------------------------------------- target_conflict
  CheckItem conflict;
  std::vector<std::string> exist_fail, missing;
  std::vector<int> used_existing;  // existing tables the task loads into or applies to
  for (size_t i = 0; i < tables.size(); i++) {
    RangeVar* rv = makeRangeVar(pstrdup(tables[i].schema.c_str()), pstrdup(tables[i].name.c_str()), -1);
    bool exists = OidIsValid(RangeVarGetRelid(rv, NoLock, true));
    std::string name = qualified_name(tables[i].schema, tables[i].name);
    if (!exists && !schema) push_unique(missing, name);
    if (exists && schema && !clear && !append) push_unique(exist_fail, name);
    if (exists && (!schema || clear || append)) used_existing.push_back((int)i);
  }
  // Several source tables into one target (many-to-one).
  std::set<size_t> merged_seen;
  std::vector<std::string> merged;  // many-to-one targets with compatible sources (append)
  for (size_t i = 0; i < tables.size(); i++) {
    if (merged_seen.count(i)) continue;
    std::vector<size_t> group = {i};
    for (size_t j = i + 1; j < tables.size(); j++)
      if (tables[j].schema == tables[i].schema && tables[j].name == tables[i].name) group.push_back(j);
    if (group.size() < 2) continue;
    std::vector<std::string> sources, differ, map_entries;
    for (size_t g : group) {
      merged_seen.insert(g);
      sources.push_back(tables[g].source);
    }
    for (size_t k = 1; k < group.size(); k++) {
      const TargetTable& a = tables[group[0]];
      const TargetTable& b = tables[group[k]];
      std::map<std::string, std::string> ca, cb;
      for (const auto& c : a.columns) ca[c.name] = c.pg_type;
      for (const auto& c : b.columns) cb[c.name] = c.pg_type;
      for (const auto& [n, t] : cb)
        if (!ca.count(n))
          differ.push_back(b.source + "." + n + " is not in " + a.source);
        else if (ca[n] != t)
          differ.push_back(n + " is " + ca[n] + " in " + a.source + " but " + t + " in " + b.source);
      for (const auto& [n, t] : ca)
        if (!cb.count(n)) differ.push_back(a.source + "." + n + " is not in " + b.source);
      std::string db = b.source.substr(0, b.source.find('.'));
      std::string tbl = b.source.substr(b.source.find('.') + 1);
      map_entries.push_back("\"" + b.source + "\": \"" + b.schema + "." + db + "_" + tbl + "\"");
    }
    std::string target = qualified_name(tables[i].schema, tables[i].name);
    if (append && differ.empty())
      merged.push_back(target + " <- " + joined(sources, ", "));
    else if (append)
      conflict.add("failed",
                   "several source tables map to " + target + " (" + joined(sources, ", ") +
                       ") but their columns differ: " + capped(differ, ", "),
                   "Give them the same columns and types (name_map can rename columns), or map them to separate "
                   "target tables, e.g. name_map => '{" + joined(map_entries, ", ") + "}'");
    else
      conflict.add("failed",
                   "several source tables map to " + target + ": " + joined(sources, ", ") +
                       (differ.empty() ? " (their columns are compatible)"
                                       : " (their columns also differ: " + capped(differ, ", ") + ")"),
                   differ.empty() ? "Merge them with existing_tables => 'append', or map them to separate target "
                                    "tables, e.g. name_map => '{" + joined(map_entries, ", ") + "}'"
                                  : "Map them to separate target tables, e.g. name_map => '{" +
                                        joined(map_entries, ", ") + "}'");
  }
  // Names PostgreSQL would cut (63 bytes): refused, with the name_map entries that fix them.
  const mysql_sync::NameFindings& long_names = found->names;
  if (long_names.failed()) {
    std::string found_names;
    if (!long_names.too_long.empty())
      found_names =
          "target names longer than PostgreSQL's 63 bytes: " + capped(long_names.too_long, ", ", 10);
    if (!long_names.collisions.empty())
      found_names += (found_names.empty() ? "" : "; ") +
                     std::string("names that PostgreSQL would cut to one: ") +
                     capped(long_names.collisions, "; ", 10);
    conflict.add("failed", found_names, long_names.hint());
  }
  if (!long_names.shortened.empty())
    conflict.add(
        "warning",
        "index and constraint names longer than 63 bytes are shortened to their first bytes and a hash: " +
            capped(long_names.shortened, ", "),
        "Nothing to do: the task makes these names up; shorter table names (name_map) keep them whole.");
  if (!missing.empty())
    conflict.add("failed",
                 "target tables do not exist and initial_sync has no schema: " + joined(missing, ", "),
                 "Add schema to initial_sync (initial_sync => '{schema,data}'), or create the tables first.");
  if (!exist_fail.empty()) {
    std::string drops;
    for (const std::string& n : exist_fail) drops += (drops.empty() ? "DROP TABLE " : ", ") + n;
    conflict.add("failed", "target tables already exist (existing_tables => 'fail'): " + joined(exist_fail, ", "),
                 drops + " -- or start with existing_tables => 'clear' to empty and reload them");
  }
  // Existing target tables the task writes into: every source column must be there, and no
  // other column may demand a value.
  std::vector<std::string> cleared, incompatible, type_differs;
  for (int idx : used_existing) {
    const TargetTable& t = tables[idx];
    std::string name = qualified_name(t.schema, t.name);
    int n = spi_query(
        "SELECT a.attname, format_type(a.atttypid, a.atttypmod), a.attnotnull AND NOT a.atthasdef "
        "AND a.attidentity = '' AND a.attgenerated = '' FROM pg_attribute a "
        "WHERE a.attrelid = format('%I.%I', $1, $2)::regclass AND a.attnum > 0 AND NOT a.attisdropped",
        2, t.schema.c_str(), t.name.c_str());
    std::map<std::string, std::pair<std::string, bool>> target;
    for (int r = 0; r < n; r++) {
      const char* col = spi_text(r, 1);
      const char* type = spi_text(r, 2);
      const char* required = spi_text(r, 3);
      target[col ? col : ""] = {type ? type : "", required && required[0] == 't'};
    }
    std::vector<std::string> lacking, extra;
    for (const TargetColumn& c : t.columns) {
      auto f = target.find(c.name);
      if (f == target.end()) {
        lacking.push_back(quote_identifier(c.name.c_str()));
        continue;
      }
      if (!c.pg_type.empty() && normalized_type(f->second.first) != normalized_type(c.pg_type))
        type_differs.push_back(name + "." + quote_identifier(c.name.c_str()) + " is " + f->second.first +
                               ", the source's maps to " + c.pg_type);
    }
    for (const auto& [col, info] : target) {
      bool from_source = false;
      for (const TargetColumn& c : t.columns) from_source = from_source || c.name == col;
      if (!from_source && info.second) extra.push_back(quote_identifier(col.c_str()));
    }
    if (!lacking.empty())
      incompatible.push_back(name + " lacks the source's column" + (lacking.size() > 1 ? "s " : " ") +
                             capped(lacking, ", "));
    if (!extra.empty())
      incompatible.push_back(name + " has NOT NULL column" + (extra.size() > 1 ? "s " : " ") + capped(extra, ", ") +
                             " without a default, which the source does not fill");
    if (lacking.empty() && extra.empty() && clear && data) cleared.push_back(name);
  }
  if (!incompatible.empty())
    conflict.add("failed", "existing target tables do not fit the source: " + joined(incompatible, "; "),
                 "Drop them and let initial_sync create them (initial_sync => '{schema,data}'), or ALTER TABLE "
                 "them to have the source's columns.");
  if (!type_differs.empty())
    conflict.add("warning", "column types differ from the mapping: " + joined(type_differs, "; "),
                 "Values are converted on the way in; values outside the target type fail the task.");
  if (!merged.empty())
    conflict.add("warning", "source tables are merged into one target (existing_tables => 'append'): " +
                                joined(merged, "; "),
                 "Their primary keys must not collide: a duplicate key stops the task.");
  if (!cleared.empty())
    conflict.add("warning", "target tables exist and will be emptied (existing_tables => 'clear'): " +
                                joined(cleared, ", "));
  conflict.put(rsinfo, "target_conflict",
               tables.empty() ? "no source table to check"
                              : schema ? "no target table exists yet" : "the target tables exist and fit the source");

  // ---------------------------------------------------------------- target_privileges
  // The calling (session) role must be able to create what the task creates (the functions are
  // SECURITY DEFINER, so current_user is the extension's owner).
  CheckItem privileges;
  char* session_name = GetUserNameFromId(GetSessionUserId(), false);
  const char* role = quote_identifier(session_name);
  const char* database = quote_identifier(get_database_name(MyDatabaseId));
  std::set<std::string> no_db_create, no_schema_create;
  std::vector<std::string> no_write;
  if (schema) {
    for (const TargetTable& t : tables) {
      bool schema_exists = OidIsValid(get_namespace_oid(t.schema.c_str(), true));
      if (schema_exists) {
        if (!spi_bool("SELECT has_schema_privilege(session_user, $1, 'CREATE')", t.schema.c_str()))
          no_schema_create.insert(t.schema);
      } else if (!spi_bool("SELECT has_database_privilege(session_user, current_database(), 'CREATE')")) {
        no_db_create.insert(t.schema);
      }
    }
  }
  for (int idx : used_existing) {
    const TargetTable& t = tables[idx];
    const char* sql = clear && data
                          ? "SELECT has_table_privilege(session_user, format('%I.%I', $1, $2), 'INSERT') AND "
                            "has_table_privilege(session_user, format('%I.%I', $1, $2), 'TRUNCATE')"
                          : "SELECT has_table_privilege(session_user, format('%I.%I', $1, $2), 'INSERT') AND "
                            "has_table_privilege(session_user, format('%I.%I', $1, $2), 'UPDATE') AND "
                            "has_table_privilege(session_user, format('%I.%I', $1, $2), 'DELETE')";
    if (!spi_bool(sql, t.schema.c_str(), t.name.c_str())) no_write.push_back(qualified_name(t.schema, t.name));
  }
  if (!no_db_create.empty()) {
    std::vector<std::string> s;
    for (const std::string& n : no_db_create) s.push_back(quote_identifier(n.c_str()));
    privileges.add("failed",
                   "role " + std::string(role) + " may not create the schema" + (s.size() > 1 ? "s " : " ") +
                       joined(s, ", ") + " (no CREATE on database " + database + ")",
                   "GRANT CREATE ON DATABASE " + std::string(database) + " TO " + role);
  }
  if (!no_schema_create.empty()) {
    std::vector<std::string> s, grants;
    for (const std::string& n : no_schema_create) {
      s.push_back(quote_identifier(n.c_str()));
      grants.push_back("GRANT CREATE ON SCHEMA " + std::string(quote_identifier(n.c_str())) + " TO " + role);
    }
    privileges.add("failed",
                   "role " + std::string(role) + " may not create tables in schema" + (s.size() > 1 ? "s " : " ") +
                       joined(s, ", "),
                   joined(grants, "; "));
  }
  if (!no_write.empty()) {
    std::vector<std::string> grants;
    for (const std::string& n : no_write)
      grants.push_back("GRANT SELECT, INSERT, UPDATE, DELETE, TRUNCATE ON " + n + " TO " + role);
    privileges.add("failed", "role " + std::string(role) + " may not write to " + joined(no_write, ", "),
                   joined(grants, "; "));
  }
  privileges.put(rsinfo, "target_privileges",
                 schema ? "role " + std::string(role) + " can create the target schemas and tables"
                        : "role " + std::string(role) + " can write to the target tables (initial_sync has no schema)");

  // ---------------------------------------------------------------- distribution_keys
  CheckItem distribution;
  bool greenplum = spi_bool("SELECT version() ~* 'greenplum'");
  bool citus = spi_bool("SELECT EXISTS (SELECT FROM pg_extension WHERE extname = 'citus')");
  std::string platform = greenplum ? "Greenplum" : citus ? "Citus" : "";
  if (platform.empty()) {
    distribution.put(rsinfo, "distribution_keys", "plain PostgreSQL: distribution keys are recorded only");
  } else {
    std::string cluster;
    if (citus) cluster = check_citus_cluster(distribution) + "; ";  // "shards on ...; "
    // options.reference_tables: reference tables have no distribution key to keep in unique keys.
    int reference_count = spi_query(
        "SELECT jsonb_array_elements_text(CASE WHEN jsonb_typeof($1::jsonb -> 'reference_tables') = 'array' "
        "THEN $1::jsonb -> 'reference_tables' ELSE '[]' END)",
        1, options_text);
    std::vector<std::string> reference_patterns;
    for (int i = 0; i < reference_count; i++) reference_patterns.push_back(spi_text(i, 1));
    mysql_sync::ObjectPatterns references(reference_patterns);
    for (const TargetTable& t : tables) {
      size_t dot = t.source.find('.');
      if (citus && references.matches(t.source.substr(0, dot), t.source.substr(dot + 1))) continue;
      std::vector<std::string> dist = t.distribution_key;
      if (dist.empty() && !t.primary_key.empty()) dist.push_back(t.primary_key[0]);
      if (dist.empty()) {
        distribution.add("failed", t.source + " has no distribution key (no primary key)",
                         "Give " + t.source + " a primary key (see primary_keys).");
        continue;
      }
      std::vector<std::string> broken;
      for (const std::vector<std::string>& key : t.unique_keys) {
        bool covered = true;
        for (const std::string& d : dist) {
          bool in = false;
          for (const std::string& k : key) in = in || k == d;
          covered = covered && in;
        }
        if (!covered) broken.push_back("(" + joined(key, ", ") + ")");
      }
      if (broken.empty()) continue;
      // A column every unique key has would work.
      std::string common;
      for (const std::string& c : t.unique_keys[0]) {
        bool all = true;
        for (const auto& key : t.unique_keys) {
          bool in = false;
          for (const std::string& k : key) in = in || k == c;
          all = all && in;
        }
        if (all) {
          common = c;
          break;
        }
      }
      distribution.add("failed",
                       t.source + ": the distribution key (" + joined(dist, ", ") + ") is not part of the unique key" +
                           (broken.size() > 1 ? "s " : " ") + joined(broken, ", ") + ", which " + platform +
                           " cannot enforce then",
                       common.empty() ? "Drop or widen those unique keys on the source, or leave " + t.source +
                                            " out of objects."
                                      : "table_keys => '{\"" + t.source + "\": {\"distribution_key\": [\"" + common +
                                            "\"]}}'");
    }
    distribution.put(rsinfo, "distribution_keys",
                     platform + ": " + cluster + "every distribution key is part of its table's unique keys");
  }
  SPI_finish();
  delete found;
  delete table_keys;
  return (Datum)0;
}
