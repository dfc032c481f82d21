#include "precheck.h"

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <memory>

#include "errors.h"

namespace mysql_sync {
namespace {

std::string variable(MysqlClient& client, const std::string& name) {
  QueryResult result = client.query("SELECT @@" + name);
  if (result.rows.empty() || !result.rows[0][0]) return "";
  return *result.rows[0][0];
}

std::string upper(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::toupper(c); });
  return s;
}

PrecheckRow row(const char* item, const char* status, std::string detail, std::string hint = "") {
  return PrecheckRow{item, status, std::move(detail), std::move(hint)};
}

PrecheckRow check_version(MysqlClient& client) {
  std::string version = client.server_version();
  bool mariadb = version.find("MariaDB") != std::string::npos;
  int major = std::atoi(version.c_str());
  int minor = std::atoi(version.c_str() + std::min(version.find('.') + 1, version.size()));
  bool ok = mariadb ? major >= 10 && major <= 11 : (major == 5 && minor >= 1) || (major >= 8 && major <= 9);
  if (!ok)
    return row("version", "failed", "server version " + version + " is not supported",
               "Use MySQL 5.1-9.x or MariaDB 10.x-11.x.");
  bool has_metadata = mariadb ? (major > 10 || minor >= 5) : major >= 8;
  if (!has_metadata)
    return row("version", "warning",
               "server version " + version + " has no binlog_row_metadata; column names come from the schema",
               "Upgrade to MySQL 8.0+ or MariaDB 10.5+ for self-describing binlogs.");
  return row("version", "passed", std::string(mariadb ? "MariaDB " : "MySQL ") + version);
}

PrecheckRow check_retention(MysqlClient& client, bool mariadb) {
  double seconds = 0;
  std::string source;
  QueryResult r = client.query("SHOW GLOBAL VARIABLES WHERE Variable_name IN "
                               "('binlog_expire_logs_seconds', 'expire_logs_days')");
  double expire_seconds = -1, expire_days = -1;
  for (const auto& v : r.rows) {
    if (!v[0] || !v[1]) continue;
    if (*v[0] == "binlog_expire_logs_seconds") expire_seconds = std::atof(v[1]->c_str());
    if (*v[0] == "expire_logs_days") expire_days = std::atof(v[1]->c_str());
  }
  if (expire_seconds > 0) {
    seconds = expire_seconds;
    source = "binlog_expire_logs_seconds";
  } else if (expire_days > 0) {
    seconds = expire_days * 86400;
    source = "expire_logs_days";
  }
  const std::string hint = mariadb ? "SET GLOBAL binlog_expire_logs_seconds = 604800 (and in my.cnf)"
                                   : "SET PERSIST binlog_expire_logs_seconds = 604800";
  if (seconds <= 0) return row("binlog_retention", "passed", "binlogs never expire");
  std::string detail = source + " keeps binlogs for " + std::to_string(seconds / 86400.0).substr(0, 5) + " days";
  if (seconds < 86400) return row("binlog_retention", "failed", detail + " (under 1 day)", hint);
  if (seconds < 7 * 86400) return row("binlog_retention", "warning", detail + " (under 7 days)", hint);
  return row("binlog_retention", "passed", detail);
}

PrecheckRow check_privileges(MysqlClient& client, bool mariadb, bool full_load) {
  QueryResult grants = client.query("SHOW GRANTS");
  std::string all;
  for (const auto& g : grants.rows)
    if (g[0]) all += upper(*g[0]) + "\n";
  bool global_all = all.find("GRANT ALL PRIVILEGES ON *.*") != std::string::npos;
  std::vector<std::string> missing;
  auto need = [&](const std::string& privilege, const std::string& alias = "") {
    if (global_all) return;
    if (all.find(privilege) == std::string::npos && (alias.empty() || all.find(alias) == std::string::npos))
      missing.push_back(privilege);
  };
  need("REPLICATION SLAVE", "REPLICATION REPLICA");
  need("REPLICATION CLIENT", mariadb ? "BINLOG MONITOR" : "");
  need("SELECT");
  if (full_load && !mariadb) need("RELOAD");  // MariaDB snapshots without FLUSH TABLES WITH READ LOCK
  if (missing.empty()) return row("privileges", "passed", "the user has the needed privileges");
  std::string list;
  for (const std::string& m : missing) list += (list.empty() ? "" : ", ") + m;
  QueryResult who = client.query("SELECT CURRENT_USER()");
  std::string user = who.rows.empty() || !who.rows[0][0] ? "'sync'@'%'" : *who.rows[0][0];
  std::string account = user;
  size_t at = user.find('@');
  if (at != std::string::npos) account = "'" + user.substr(0, at) + "'@'" + user.substr(at + 1) + "'";
  return row("privileges", "failed", "missing " + list + " (read from SHOW GRANTS; roles are not expanded)",
             "GRANT " + list + " ON *.* TO " + account);
}

}  // namespace

SourcePrecheck precheck_source(const SourceUri& uri, const ObjectPatterns& patterns, uint32_t server_id,
                               bool full_load) {
  SourcePrecheck out;
  static const char* const items[] = {"connection",    "version",        "binlog_enabled", "binlog_format",
                                      "binlog_row_image", "binlog_row_metadata", "binlog_retention",
                                      "server_id",     "privileges",     "objects_exist",  "primary_keys",
                                      "column_types",  "prefix_indexes"};
  std::unique_ptr<MysqlClient> client;
  try {
    client = std::make_unique<MysqlClient>(uri);
    out.rows.push_back(row("connection", "passed", "connected to " + uri.host + ":" + std::to_string(uri.port)));
  } catch (const SyncError& e) {
    out.rows.push_back(row("connection", "failed", e.what(),
                           e.hint().empty() ? "Check host, port, user and password in the source URI." : e.hint()));
    for (size_t i = 1; i < sizeof items / sizeof items[0]; i++)
      out.rows.push_back(row(items[i], "warning", "not checked: no connection"));
    return out;
  }

  auto guarded = [&](const char* item, auto&& check) {
    try {
      out.rows.push_back(check());
    } catch (const SyncError& e) {
      out.rows.push_back(row(item, "failed", std::string("could not check: ") + e.what(), e.hint()));
    }
  };
  bool mariadb = client->is_mariadb();
  guarded("version", [&] { return check_version(*client); });
  guarded("binlog_enabled", [&] {
    return variable(*client, "log_bin") == "1"
               ? row("binlog_enabled", "passed", "log_bin is ON")
               : row("binlog_enabled", "failed", "the binary log is disabled (log_bin = OFF)",
                     "Start the server with log_bin = binlog (my.cnf [mysqld]) and restart it.");
  });
  guarded("binlog_format", [&] {
    std::string format = upper(variable(*client, "global.binlog_format"));
    return format == "ROW" ? row("binlog_format", "passed", "binlog_format is ROW")
                           : row("binlog_format", "failed", "binlog_format is " + format + ", not ROW",
                                 "SET GLOBAL binlog_format = 'ROW' (and binlog_format = ROW in my.cnf)");
  });
  guarded("binlog_row_image", [&] {
    std::string image = upper(variable(*client, "global.binlog_row_image"));
    const char* hint = "SET GLOBAL binlog_row_image = 'FULL' (and binlog_row_image = FULL in my.cnf)";
    if (image == "FULL") return row("binlog_row_image", "passed", "binlog_row_image is FULL");
    if (image == "NOBLOB")
      return row("binlog_row_image", "warning", "binlog_row_image is NOBLOB: unchanged BLOBs are not logged", hint);
    return row("binlog_row_image", "failed", "binlog_row_image is " + image + ", not FULL", hint);
  });
  guarded("binlog_row_metadata", [&] {
    QueryResult r = client->query("SHOW GLOBAL VARIABLES LIKE 'binlog_row_metadata'");
    if (r.rows.empty() || !r.rows[0][1])
      return row("binlog_row_metadata", "warning", "the server has no binlog_row_metadata",
                 "Column names and ENUM values come from the schema read at the start.");
    std::string value = upper(*r.rows[0][1]);
    return value == "FULL" ? row("binlog_row_metadata", "passed", "binlog_row_metadata is FULL")
                           : row("binlog_row_metadata", "warning", "binlog_row_metadata is " + value,
                                 "SET GLOBAL binlog_row_metadata = 'FULL' (and in my.cnf)");
  });
  guarded("binlog_retention", [&] { return check_retention(*client, mariadb); });
  guarded("server_id", [&] {
    std::string id = variable(*client, "server_id");
    if (id.empty() || id == "0")
      return row("server_id", "failed", "the source has server_id 0", "SET GLOBAL server_id = 1 (and in my.cnf)");
    if (id == std::to_string(server_id))
      return row("server_id", "failed", "the task's server_id " + id + " equals the source's",
                 "Give the task another options.server_id.");
    QueryResult hosts = client->query("SHOW SLAVE HOSTS");
    for (const auto& h : hosts.rows)
      if (!h.empty() && h[0] && *h[0] == std::to_string(server_id))
        return row("server_id", "failed", "another replica already uses server_id " + std::to_string(server_id),
                   "Give the task another options.server_id.");
    return row("server_id", "passed",
               "source server_id " + id + (server_id ? ", task server_id " + std::to_string(server_id) : ""));
  });
  guarded("privileges", [&] { return check_privileges(*client, mariadb, full_load); });

  try {
    out.tables = describe_tables(*client, patterns);
  } catch (const SyncError& e) {
    out.rows.push_back(row("objects_exist", "failed", std::string("could not list tables: ") + e.what(), e.hint()));
    out.rows.push_back(row("primary_keys", "warning", "not checked"));
    out.rows.push_back(row("column_types", "warning", "not checked"));
    out.rows.push_back(row("prefix_indexes", "warning", "not checked"));
    return out;
  }

  std::string unmatched;
  for (const std::string& pattern : patterns.patterns()) {
    ObjectPatterns one({pattern});
    bool any = std::any_of(out.tables.begin(), out.tables.end(),
                           [&](const SourceTable& t) { return one.matches(t.schema, t.name); });
    if (!any) unmatched += (unmatched.empty() ? "" : ", ") + pattern;
  }
  out.rows.push_back(unmatched.empty()
                         ? row("objects_exist", "passed", std::to_string(out.tables.size()) + " tables match")
                         : row("objects_exist", "failed", "no table matches " + unmatched,
                               "Check the names with SHOW TABLES; patterns are db.table with * or %, case-sensitive."));

  std::string no_pk;
  std::string bad_types;
  for (const SourceTable& t : out.tables) {
    if (t.primary_key.empty()) no_pk += (no_pk.empty() ? "" : ", ") + t.schema + "." + t.name;
    for (const SourceColumn& c : t.columns) {
      try {
        pg_type_of(c);
      } catch (const SyncError& e) {
        bad_types += (bad_types.empty() ? "" : ", ") + t.schema + "." + t.name + "." + c.name + " (" +
                     c.column_type + ")";
      }
    }
  }
  out.rows.push_back(no_pk.empty() ? row("primary_keys", "passed", "every table has a primary key")
                                   : row("primary_keys", "failed", "no primary key: " + no_pk,
                                         "ALTER TABLE ... ADD PRIMARY KEY (...) on the source, or leave the table out."));
  out.rows.push_back(bad_types.empty() ? row("column_types", "passed", "every column type maps")
                                       : row("column_types", "failed", "cannot map " + bad_types,
                                             "Leave these tables out, or change the column types on the source."));

  guarded("prefix_indexes", [&] {
    QueryResult r = client->query(
        "SELECT TABLE_SCHEMA, TABLE_NAME, INDEX_NAME, COLUMN_NAME FROM information_schema.STATISTICS "
        "WHERE SUB_PART IS NOT NULL AND NON_UNIQUE = 0");
    std::string found;
    for (const auto& s : r.rows)
      if (s[0] && s[1] && s[2] && s[3] && patterns.matches(*s[0], *s[1]))
        found += (found.empty() ? "" : ", ") + *s[0] + "." + *s[1] + " key " + *s[2] + " on a prefix of " + *s[3];
    return found.empty() ? row("prefix_indexes", "passed", "no unique key on a column prefix")
                         : row("prefix_indexes", "failed", found,
                               "Make the key cover whole columns on the source, or leave the table out.");
  });
  return out;
}

}  // namespace mysql_sync
