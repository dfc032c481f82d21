#include "task/target_precheck.h"

#include <cstring>
#include <map>
#include <set>

#include "source/object_patterns.h"

namespace mysql_sync {

namespace {

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

// Collects one item's findings: the worst status wins; details and hints are joined.
struct CheckItem {
  std::string status = "passed";
  std::vector<std::string> details, hints;
  void add(const char* s, const std::string& detail, const std::string& hint = "") {
    if (strcmp(s, "failed") == 0 || (strcmp(s, "warning") == 0 && status == "passed")) status = s;
    if (!detail.empty()) details.push_back(detail);
    if (!hint.empty()) hints.push_back(hint);
  }
  PrecheckRow row(const char* name, const std::string& passed_detail) const {
    return PrecheckRow{name, status, details.empty() ? passed_detail : joined(details, "; "),
                       joined(hints, "; ")};
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

std::vector<std::string> strings(const char* const* items, int count) {
  return std::vector<std::string>(items, items + count);
}

// ---------------------------------------------------------------- target_conflict

// Several source tables into one target (many-to-one).
void check_merged_tables(const std::vector<TargetTable>& tables, const TargetFacts& facts,
                         const TargetMode& mode, CheckItem& conflict, std::vector<std::string>& merged) {
  std::set<size_t> merged_seen;
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
    std::string target = facts.tables[i].qualified_name;
    if (mode.append && differ.empty())
      merged.push_back(target + " <- " + joined(sources, ", "));
    else if (mode.append)
      conflict.add(
          "failed",
          "several source tables map to " + target + " (" + joined(sources, ", ") +
              ") but their columns differ: " + capped(differ, ", "),
          "Give them the same columns and types (name_map can rename columns), or map them to separate "
          "target tables, e.g. name_map => '{" +
              joined(map_entries, ", ") + "}'");
    else
      conflict.add(
          "failed",
          "several source tables map to " + target + ": " + joined(sources, ", ") +
              (differ.empty() ? " (their columns are compatible)"
                              : " (their columns also differ: " + capped(differ, ", ") + ")"),
          differ.empty()
              ? "Merge them with existing_tables => 'append', or map them to separate target "
                "tables, e.g. name_map => '{" +
                    joined(map_entries, ", ") + "}'"
              : "Map them to separate target tables, e.g. name_map => '{" + joined(map_entries, ", ") + "}'");
  }
}

// Names PostgreSQL would cut (63 bytes): refused, with the name_map entries that fix them.
void check_long_names(const NameFindings& long_names, CheckItem& conflict) {
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
}

// An existing target table the task writes into: every source column must be there, and no
// other column may demand a value.
struct ExistingFit {
  std::vector<std::string> cleared, incompatible, type_differs;
};
void check_existing_table(const TargetTable& t, const TargetTableFacts& f, const TargetMode& mode,
                          ExistingFit& fit) {
  const std::string name = f.qualified_name;
  std::map<std::string, std::pair<std::string, bool>> target;
  for (int r = 0; r < f.existing_column_count; r++) {
    const ExistingColumnFact& c = f.existing_columns[r];
    target[c.name ? c.name : ""] = {c.type ? c.type : "", c.required};
  }
  std::vector<std::string> lacking, extra;
  for (size_t i = 0; i < t.columns.size(); i++) {
    const TargetColumn& c = t.columns[i];
    auto found = target.find(c.name);
    if (found == target.end()) {
      lacking.push_back(f.quoted_columns[i]);
      continue;
    }
    if (!c.pg_type.empty() && normalized_type(found->second.first) != normalized_type(c.pg_type))
      fit.type_differs.push_back(name + "." + f.quoted_columns[i] + " is " + found->second.first +
                                 ", the source's maps to " + c.pg_type);
  }
  for (int r = 0; r < f.existing_column_count; r++) {
    const ExistingColumnFact& col = f.existing_columns[r];
    bool from_source = false;
    for (const TargetColumn& c : t.columns) from_source = from_source || c.name == (col.name ? col.name : "");
    if (!from_source && col.required) extra.push_back(col.quoted_name);
  }
  if (!lacking.empty())
    fit.incompatible.push_back(name + " lacks the source's column" + (lacking.size() > 1 ? "s " : " ") +
                               capped(lacking, ", "));
  if (!extra.empty())
    fit.incompatible.push_back(name + " has NOT NULL column" + (extra.size() > 1 ? "s " : " ") +
                               capped(extra, ", ") + " without a default, which the source does not fill");
  if (lacking.empty() && extra.empty() && mode.clear && mode.data) fit.cleared.push_back(name);
}

PrecheckRow target_conflict(const std::vector<TargetTable>& tables, const NameFindings& long_names,
                            const TargetFacts& facts, const TargetMode& mode) {
  CheckItem conflict;
  std::vector<std::string> exist_fail, missing, merged;
  ExistingFit fit;
  for (size_t i = 0; i < tables.size(); i++) {
    const TargetTableFacts& f = facts.tables[i];
    if (!f.exists && !mode.schema) push_unique(missing, f.qualified_name);
    if (f.exists && mode.schema && !mode.clear && !mode.append) push_unique(exist_fail, f.qualified_name);
    if (writes_existing(mode, f.exists)) check_existing_table(tables[i], f, mode, fit);
  }
  check_merged_tables(tables, facts, mode, conflict, merged);
  check_long_names(long_names, conflict);
  if (!missing.empty())
    conflict.add("failed",
                 "target tables do not exist and initial_sync has no schema: " + joined(missing, ", "),
                 "Add schema to initial_sync (initial_sync => '{schema,data}'), or create the tables first.");
  if (!exist_fail.empty()) {
    std::string drops;
    for (const std::string& n : exist_fail) drops += (drops.empty() ? "DROP TABLE " : ", ") + n;
    conflict.add("failed",
                 "target tables already exist (existing_tables => 'fail'): " + joined(exist_fail, ", "),
                 drops + " -- or start with existing_tables => 'clear' to empty and reload them");
  }
  if (!fit.incompatible.empty())
    conflict.add(
        "failed", "existing target tables do not fit the source: " + joined(fit.incompatible, "; "),
        "Drop them and let initial_sync create them (initial_sync => '{schema,data}'), or ALTER TABLE "
        "them to have the source's columns.");
  if (!fit.type_differs.empty())
    conflict.add("warning", "column types differ from the mapping: " + joined(fit.type_differs, "; "),
                 "Values are converted on the way in; values outside the target type fail the task.");
  if (!merged.empty())
    conflict.add(
        "warning",
        "source tables are merged into one target (existing_tables => 'append'): " + joined(merged, "; "),
        "Their primary keys must not collide: a duplicate key stops the task.");
  if (!fit.cleared.empty())
    conflict.add("warning", "target tables exist and will be emptied (existing_tables => 'clear'): " +
                                joined(fit.cleared, ", "));
  return conflict.row("target_conflict", tables.empty() ? "no source table to check"
                                         : mode.schema  ? "no target table exists yet"
                                                        : "the target tables exist and fit the source");
}

// ---------------------------------------------------------------- target_privileges

// The calling (session) role must be able to create what the task creates and write what it writes.
PrecheckRow target_privileges(const std::vector<TargetTable>& tables, const TargetFacts& facts,
                              const TargetMode& mode) {
  CheckItem privileges;
  const std::string role = facts.role, database = facts.database;
  std::map<std::string, std::string> no_db_create, no_schema_create;  // schema -> quoted
  std::vector<std::string> no_write;
  for (size_t i = 0; i < tables.size(); i++) {
    const TargetTableFacts& f = facts.tables[i];
    if (mode.schema && f.schema_exists && !f.may_create_in_schema)
      no_schema_create[tables[i].schema] = f.quoted_schema;
    if (mode.schema && !f.schema_exists && !facts.may_create_schemas)
      no_db_create[tables[i].schema] = f.quoted_schema;
    if (writes_existing(mode, f.exists) && !f.may_write) no_write.push_back(f.qualified_name);
  }
  auto quoted = [](const std::map<std::string, std::string>& schemas) {
    std::vector<std::string> out;
    for (const auto& entry : schemas) out.push_back(entry.second);
    return out;
  };
  if (!no_db_create.empty()) {
    std::vector<std::string> s = quoted(no_db_create);
    privileges.add("failed",
                   "role " + role + " may not create the schema" + (s.size() > 1 ? "s " : " ") +
                       joined(s, ", ") + " (no CREATE on database " + database + ")",
                   "GRANT CREATE ON DATABASE " + database + " TO " + role);
  }
  if (!no_schema_create.empty()) {
    std::vector<std::string> s = quoted(no_schema_create), grants;
    for (const std::string& n : s) grants.push_back("GRANT CREATE ON SCHEMA " + n + " TO " + role);
    privileges.add(
        "failed",
        "role " + role + " may not create tables in schema" + (s.size() > 1 ? "s " : " ") + joined(s, ", "),
        joined(grants, "; "));
  }
  if (!no_write.empty()) {
    std::vector<std::string> grants;
    for (const std::string& n : no_write)
      grants.push_back("GRANT SELECT, INSERT, UPDATE, DELETE, TRUNCATE ON " + n + " TO " + role);
    privileges.add("failed", "role " + role + " may not write to " + joined(no_write, ", "),
                   joined(grants, "; "));
  }
  return privileges.row(
      "target_privileges",
      mode.schema ? "role " + role + " can create the target schemas and tables"
                  : "role " + role + " can write to the target tables (initial_sync has no schema)");
}

// ---------------------------------------------------------------- distribution_keys

// The Citus cluster can take the tables: citus is loaded first, some node holds shards, every
// worker node answers. Returns what was found.
std::string check_citus_cluster(const TargetFacts& facts, CheckItem& item) {
  std::string preload = facts.preload ? facts.preload : "";
  std::string first = preload.substr(0, preload.find(','));
  first.erase(0, first.find_first_not_of(" \t\""));
  first.erase(first.find_last_not_of(" \t\"") + 1);
  if (first != "citus")
    item.add("failed", "citus is not the first of shared_preload_libraries ('" + preload + "')",
             "shared_preload_libraries = 'citus,mysql_sync' in postgresql.conf (citus first), then restart "
             "PostgreSQL");
  std::vector<std::string> nodes = strings(facts.shard_holders, facts.shard_holder_count);
  if (nodes.empty())
    item.add(
        "failed",
        "no node of the Citus cluster holds shards (pg_dist_node has no active node that should have shards)",
        "SELECT citus_add_node('<worker host>', <port>) for each worker node; or, to keep the shards on this "
        "node: SELECT citus_set_coordinator_host('<this host>', <port>); SELECT "
        "citus_set_node_property('<this host>', <port>, 'shouldhaveshards', true)");
  std::vector<std::string> unreachable = strings(facts.unreachable, facts.unreachable_count);
  if (!unreachable.empty())
    item.add("failed", "Citus worker nodes cannot be reached: " + capped(unreachable, ", "),
             "Start them, or take them out of the cluster: SELECT citus_disable_node('<host>', <port>)");
  return "shards on " + (nodes.empty() ? std::string("no node") : capped(nodes, ", ")) +
         (unreachable.empty() ? ", every worker node answers" : "");
}

bool has_column(const std::vector<std::string>& key, const std::string& column) {
  for (const std::string& k : key)
    if (k == column) return true;
  return false;
}

// The distribution key must be part of every unique key (Citus and Greenplum enforce unique
// keys per shard / segment only).
void check_distribution_key(const TargetTable& t, const std::string& platform, CheckItem& distribution) {
  std::vector<std::string> dist = t.distribution_key;
  if (dist.empty() && !t.primary_key.empty()) dist.push_back(t.primary_key[0]);
  if (dist.empty()) {
    distribution.add("failed", t.source + " has no distribution key (no primary key)",
                     "Give " + t.source + " a primary key (see primary_keys).");
    return;
  }
  std::vector<std::string> broken;
  for (const std::vector<std::string>& key : t.unique_keys) {
    bool covered = true;
    for (const std::string& d : dist) covered = covered && has_column(key, d);
    if (!covered) broken.push_back("(" + joined(key, ", ") + ")");
  }
  if (broken.empty()) return;
  // A column every unique key has would work.
  std::string common;
  for (const std::string& c : t.unique_keys[0]) {
    bool all = true;
    for (const auto& key : t.unique_keys) all = all && has_column(key, c);
    if (all) {
      common = c;
      break;
    }
  }
  distribution.add(
      "failed",
      t.source + ": the distribution key (" + joined(dist, ", ") + ") is not part of the unique key" +
          (broken.size() > 1 ? "s " : " ") + joined(broken, ", ") + ", which " + platform +
          " cannot enforce then",
      common.empty()
          ? "Drop or widen those unique keys on the source, or leave " + t.source + " out of objects."
          : "table_keys => '{\"" + t.source + "\": {\"distribution_key\": [\"" + common + "\"]}}'");
}

PrecheckRow distribution_keys(const std::vector<TargetTable>& tables, const TargetFacts& facts) {
  CheckItem distribution;
  const std::string platform = facts.greenplum ? "Greenplum" : facts.citus ? "Citus" : "";
  if (platform.empty())
    return distribution.row("distribution_keys", "plain PostgreSQL: distribution keys are recorded only");
  std::string cluster;
  if (facts.citus) cluster = check_citus_cluster(facts, distribution) + "; ";  // "shards on ...; "
  // options.reference_tables: reference tables have no distribution key to keep in unique keys.
  ObjectPatterns references(strings(facts.reference_patterns, facts.reference_pattern_count));
  for (const TargetTable& t : tables) {
    size_t dot = t.source.find('.');
    if (facts.citus && references.matches(t.source.substr(0, dot), t.source.substr(dot + 1))) continue;
    check_distribution_key(t, platform, distribution);
  }
  return distribution.row(
      "distribution_keys",
      platform + ": " + cluster + "every distribution key is part of its table's unique keys");
}

}  // namespace

bool writes_existing(const TargetMode& mode, bool exists) noexcept {
  return exists && (!mode.schema || mode.clear || mode.append);
}

std::vector<PrecheckRow> check_target(const std::vector<TargetTable>& tables, const NameFindings& long_names,
                                      const TargetFacts& facts, const TargetMode& mode) {
  return {target_conflict(tables, long_names, facts, mode), target_privileges(tables, facts, mode),
          distribution_keys(tables, facts)};
}

}  // namespace mysql_sync
