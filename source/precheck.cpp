#include "source/precheck.h"

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <map>
#include <memory>
#include <regex>
#include <set>
#include <thread>

#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>
#include <tuple>

#include "common/errors.h"
#include "source/mysql_connection.h"
#include "source/gtid_check.h"
#include "source/precheck_mysql.h"
#include "source/precheck_privileges.h"
#include "source/server_version.h"

namespace mysql_sync {
namespace {

const char* const kItems[] = {"connection",       "version",          "binlog_enabled", "binlog_format",
                              "binlog_row_image", "binlog_row_metadata", "binlog_retention", "server_id",
                              "privileges",       "objects_exist",    "primary_keys",   "column_types",
                              "prefix_indexes"};
const std::set<std::string> kSystemSchemas = {"mysql", "information_schema", "performance_schema", "sys"};

// Warnings about the size of the work (see README "Precheck items").
constexpr int64_t kLargeTableRows = 10'000'000;   // objects_exist warns about a table this large
constexpr int64_t kBusyCheckRows = 1'000'000;     // the busy-source sample runs for a load this large
constexpr double kBusyWritesPerSecond = 1000;     // write statements per second that make a source busy
constexpr int64_t kSuggestedServerId = 1001;      // first server_id suggested by a hint
constexpr int64_t kMaxRetentionDays = 99;         // expire_logs_days' maximum (MariaDB: also the seconds')

std::string upper(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::toupper(c); });
  return s;
}

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
  return s;
}

std::string join(const std::vector<std::string>& items, const std::string& sep) {
  std::string out;
  for (const std::string& i : items) out += (out.empty() ? "" : sep) + i;
  return out;
}

std::string bq(const std::string& name) { return MysqlClient::quote_identifier(name); }

std::string qualified(const std::string& db, const std::string& table) { return bq(db) + "." + bq(table); }

// 12345678 -> "12,345,678"
std::string grouped(int64_t n) {
  std::string digits = std::to_string(n < 0 ? -n : n), out;
  for (size_t i = 0; i < digits.size(); i++) {
    if (i && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return (n < 0 ? "-" : "") + out;
}

std::string duration_text(double seconds) {
  char buf[64];
  if (seconds < 90)
    std::snprintf(buf, sizeof buf, "%.0f s", std::max(1.0, seconds));
  else if (seconds < 5400)
    std::snprintf(buf, sizeof buf, "%.0f min", seconds / 60);
  else if (seconds < 2 * 86400)
    std::snprintf(buf, sizeof buf, "%.1f h", seconds / 3600);
  else
    std::snprintf(buf, sizeof buf, "%.1f days", seconds / 86400);
  return buf;
}

std::string days_text(double seconds) {
  char buf[64];
  double days = seconds / 86400;
  if (std::fabs(days - std::round(days)) < 1e-9)
    std::snprintf(buf, sizeof buf, "%.0f %s", days, std::round(days) == 1 ? "day" : "days");
  else if (days < 1)
    std::snprintf(buf, sizeof buf, "%.1f hours", seconds / 3600);
  else
    std::snprintf(buf, sizeof buf, "%.1f days", days);
  return buf;
}

PrecheckRow row(const char* item, const char* status, std::string detail, std::string hint = "") {
  return PrecheckRow{item, status, std::move(detail), std::move(hint)};
}

std::string single(MysqlClient& client, const std::string& sql) {
  QueryResult r = client.query(sql);
  if (r.rows.empty() || r.rows[0].empty() || !r.rows[0][0]) return "";
  return *r.rows[0][0];
}

// SHOW GLOBAL VARIABLES/STATUS ... as name (lower case) -> value.
std::map<std::string, std::string> name_values(MysqlClient& client, const std::string& sql) {
  std::map<std::string, std::string> out;
  for (const auto& r : client.query(sql).rows)
    if (r.size() >= 2 && r[0] && r[1]) out[lower(*r[0])] = *r[1];
  return out;
}

bool access_denied(const SyncError& e) { return e.sqlstate() == "42501"; }

// ------------------------------------------------------------------------------------------------
// Individual items.

PrecheckRow check_version(const ServerVersion& v, const PrecheckOptions& options) {
  std::string name = std::string(v.mariadb ? "MariaDB " : "MySQL ") + v.text;
  // The copies' exact snapshot positions are MariaDB's (the privileges item names the method).
  if (options.full_load && !v.mariadb && options.consistency == "snapshot")
    return row("version", "failed",
               name + ": options.consistency \"snapshot\" needs MariaDB (MySQL reports no binlog position of a "
                      "consistent snapshot)",
               "options => '{\"consistency\": \"watermark\"}' (or leave it out: \"auto\")");
  bool ok = v.mariadb ? v.major >= 10 : (v.major == 5 && v.minor >= 1) || v.major == 8 || v.major == 9;
  if (!ok)
    return row("version", "failed", name + " is not supported (MySQL 5.1 to 9.x, MariaDB 10.0 and later)",
               "Upgrade the source to MySQL 8.0+ or MariaDB 10.5+ (older supported versions work too).");
  bool has_metadata = v.mariadb ? v.at_least(10, 5) : v.major >= 8;
  if (!has_metadata)
    return row("version", "warning",
               name + " has no binlog_row_metadata: column names and types come from the schema read at the "
                      "start, so a column changed on the source while the task is stopped is misread",
               std::string("Upgrade to ") + (v.mariadb ? "MariaDB 10.5+" : "MySQL 8.0+") +
                   " for binlogs that name their columns.");
  return row("version", "passed", name);
}

PrecheckRow check_binlog_enabled(MysqlClient& client, const ServerVersion& version) {
  std::string value = upper(single(client, "SELECT @@global.log_bin"));
  if (value == "1" || value == "ON") {
    std::string note = gtid_mode_note(
        version, version.mariadb ? ServerVariables{}
                                 : name_values(client, "SHOW GLOBAL VARIABLES LIKE 'gtid\\_mode'"));
    return row("binlog_enabled", "passed", "log_bin is ON" + (note.empty() ? "" : "; " + note));
  }
  return row("binlog_enabled", "failed", "the binary log is disabled (log_bin is OFF): there are no changes to read",
             "Add log_bin = binlog under [mysqld] in my.cnf (mariadbd/mysqld --log-bin=binlog) and restart the "
             "server; log_bin cannot be changed while it runs.");
}

PrecheckRow check_binlog_format(MysqlClient& client) {
  std::string format = upper(single(client, "SELECT @@global.binlog_format"));
  if (format == "ROW") return row("binlog_format", "passed", "binlog_format is ROW");
  return row("binlog_format", "failed",
             "binlog_format is " + format + ", not ROW: " +
                 (format == "MIXED" ? "some changes would be logged as SQL statements, not rows"
                                    : "changes are logged as SQL statements, not rows"),
             "SET GLOBAL binlog_format = 'ROW' -- and binlog_format = ROW under [mysqld] in my.cnf; sessions "
             "already open keep the old format until they reconnect");
}

PrecheckRow check_row_image(MysqlClient& client, const ServerVersion& version) {
  auto vars = name_values(client,
                          "SHOW GLOBAL VARIABLES WHERE Variable_name IN ('binlog_row_image', "
                          "'binlog_transaction_compression', 'binlog_row_value_options')");
  const std::string hint = persistent_setting_hint(version, "binlog_row_image", "FULL");
  if (!vars.count("binlog_row_image"))
    return row("binlog_row_image", "passed",
               "rows are logged in full (no binlog_row_image before MySQL 5.6)");
  std::string image = upper(vars["binlog_row_image"]);
  if (image == "FULL") {
    // MySQL 8: compressed transactions and partial JSON come along with full images.
    PrecheckFinding values = row_value_finding(vars, image);
    return row("binlog_row_image", values.status.c_str(),
               "binlog_row_image is FULL" + (values.detail.empty() ? "" : "; " + values.detail), values.hint);
  }
  if (image == "NOBLOB")
    return row("binlog_row_image", "warning",
               "binlog_row_image is NOBLOB: an UPDATE that leaves a BLOB/TEXT column unchanged does not log it, "
               "so that column keeps its old target value only if the target already has it",
               hint);
  return row("binlog_row_image", "failed",
             "binlog_row_image is " + image + ", not FULL: updates and deletes log only some columns", hint);
}

PrecheckRow check_row_metadata(MysqlClient& client, const ServerVersion& version) {
  auto vars = name_values(client, "SHOW GLOBAL VARIABLES LIKE 'binlog\\_row\\_metadata'");
  if (vars.empty())
    return row("binlog_row_metadata", "warning",
               "the server has no binlog_row_metadata (MySQL before 8.0, MariaDB before 10.5): column names come "
               "from the schema read at the start",
               "Upgrade to MySQL 8.0+ or MariaDB 10.5+ for binlogs that name their columns.");
  std::string value = upper(vars.begin()->second);
  if (value == "FULL") return row("binlog_row_metadata", "passed", "binlog_row_metadata is FULL");
  return row("binlog_row_metadata", "warning",
             "binlog_row_metadata is " + value + ": column names come from the schema read at the start",
             persistent_setting_hint(version, "binlog_row_metadata", "FULL"));
}

struct RetentionInput {
  const PrecheckOptions* options;
  const ServerVersion* version;
  int64_t load_rows = 0;  // rows of the full load (0: none)
  std::string account;
  ManagedService service = ManagedService::none;
};

// The binlog retention of Amazon RDS / Aurora: 'binlog retention hours', not the expiry variables
// (RDS purges by its own setting). Its seconds (0: unknown or purged at once) for the load-time
// comparison.
PrecheckFinding managed_retention(MysqlClient& client, ManagedService service, double& seconds) {
  bool found = false;
  std::optional<std::string> hours;
  // A procedure's result comes with a second one (its status): on a connection of its own.
  MysqlClient rds(client.uri());
  for (const auto& r : rds.query("CALL mysql.rds_show_configuration").rows)
    if (r.size() >= 2 && r[0] && lower(*r[0]) == "binlog retention hours") {
      found = true;
      hours = r[1];
    }
  seconds = hours ? std::atof(hours->c_str()) * 3600 : 0;
  return rds_retention_finding(service, found, hours);
}

// options.start_position's GTID set / position against the source's GTIDs (what set_source checks
// a new source with): "" when it can start there, else the failure.
std::pair<std::string, std::string> gtid_start_problem(MysqlClient& client, const ServerVersion& version,
                                                       const std::string& start_gtid) {
  GtidSet set = GtidSet::parse(start_gtid);
  if ((set.flavor() == GtidFlavor::mariadb) != version.mariadb)
    return {"start_position " + start_gtid + " is a " +
                (version.mariadb ? "MySQL GTID set" : "MariaDB GTID position") + ", but the source is " +
                (version.mariadb ? "MariaDB" : "MySQL"),
            "Give a GTID of the source's kind, or a source of the position's kind."};
  if (!version.mariadb && upper(single(client, "SELECT @@global.gtid_mode")) != "ON")
    return {"start_position is a GTID set, but the source's gtid_mode is not ON",
            "SET PERSIST gtid_mode = ON (through OFF_PERMISSIVE and ON_PERMISSIVE, with "
            "enforce_gtid_consistency = ON), "
            "or start from a file position."};
  try {
    ServerGtids server =
        read_server_gtids(version.mariadb, [&](const std::string& sql) { return client.query(sql).rows; });
    check_gtid_start(set, server, source_endpoint(client.uri()));
  } catch (const SourceError& e) {
    return {e.what(), e.hint()};
  }
  return {"", ""};
}

PrecheckRow check_retention(MysqlClient& client, const RetentionInput& in) {
  auto vars = name_values(client,
                          "SHOW GLOBAL VARIABLES WHERE Variable_name IN ('binlog_expire_logs_seconds', "
                          "'expire_logs_days', 'max_binlog_total_size')");
  bool has_seconds = vars.count("binlog_expire_logs_seconds") > 0;
  double expire_seconds = has_seconds ? std::atof(vars["binlog_expire_logs_seconds"].c_str()) : 0;
  double expire_days = vars.count("expire_logs_days") ? std::atof(vars["expire_logs_days"].c_str()) : 0;
  double seconds = 0;
  std::string setting;
  if (expire_seconds > 0) {
    seconds = expire_seconds;
    setting = "binlog_expire_logs_seconds";
  } else if (expire_days > 0) {
    seconds = expire_days * 86400;
    setting = "expire_logs_days";
  }
  // The statement that keeps binlogs for `days` (0: never expire).
  auto retention_hint = [&](int64_t days) {
    std::string secs = std::to_string(days * 86400), d = std::to_string(days);
    if (!has_seconds)
      return "SET GLOBAL expire_logs_days = " + d + " -- and expire_logs_days = " + d + " under [mysqld] in my.cnf";
    if (!in.version->mariadb) return "SET PERSIST binlog_expire_logs_seconds = " + secs;
    return "SET GLOBAL binlog_expire_logs_seconds = " + secs + " -- and binlog_expire_logs_seconds = " + secs +
           " under [mysqld] in my.cnf";
  };
  std::string fix_hint = retention_hint(7);

  std::string status = "passed";
  std::vector<std::string> details, hints;
  auto raise = [&](const std::string& s) {
    if (s == "failed" || (s == "warning" && status == "passed")) status = s;
  };
  if (in.service != ManagedService::none) {
    PrecheckFinding managed = managed_retention(client, in.service, seconds);
    raise(managed.status);
    details.push_back(managed.detail);
    if (!managed.hint.empty()) hints.push_back(managed.hint);
    fix_hint = managed.hint;
  } else if (seconds <= 0) {
    details.push_back("binlogs never expire");
  } else {
    std::string kept = setting + " keeps binlogs for " + days_text(seconds);
    if (seconds < 86400) {
      raise("failed");
      details.push_back(kept + ": under 1 day, a stop of a few hours loses the task");
      hints.push_back(fix_hint);
    } else if (seconds < 7 * 86400) {
      raise("warning");
      details.push_back(kept + ": under 7 days");
      hints.push_back(fix_hint);
    } else {
      details.push_back(kept);
    }
  }
  if (vars.count("max_binlog_total_size") && std::atof(vars["max_binlog_total_size"].c_str()) > 0) {
    raise("warning");
    details.push_back("max_binlog_total_size = " + vars["max_binlog_total_size"] +
                      " also purges binlogs by size, whatever their age");
    hints.push_back("SET GLOBAL max_binlog_total_size = 0 -- or large enough for a week of binlogs");
  }

  // options.start_position: the named binlog must still be there.
  const PrecheckOptions& o = *in.options;
  if (!o.start_file.empty()) {
    try {
      QueryResult logs = client.query("SHOW BINARY LOGS");
      const std::optional<std::string>* size = nullptr;
      std::string oldest;
      for (const auto& r : logs.rows) {
        if (r.empty() || !r[0]) continue;
        if (oldest.empty()) oldest = *r[0];
        if (*r[0] == o.start_file) size = r.size() > 1 ? &r[1] : nullptr;
      }
      const std::string restart_hint =
          "The changes since then are gone from the source: start from a fresh copy instead, "
          "initial_sync => '{schema,data}', existing_tables => 'clear' (and no start_position).";
      if (logs.rows.empty()) {
        raise("failed");
        details.push_back("start_position names " + o.start_file + ", but the source has no binlogs");
        hints.push_back(restart_hint);
      } else if (!size && !(o.start_file > logs.rows.back()[0].value_or(""))) {
        raise("failed");
        details.push_back("start_position names " + o.start_file + ", which is purged (the oldest binlog is " +
                          oldest + ")");
        hints.push_back(restart_hint);
      } else if (!size) {
        raise("failed");
        details.push_back("start_position names " + o.start_file + ", which the source does not have (newest: " +
                          logs.rows.back()[0].value_or("") + ")");
        hints.push_back("Give a file listed by SHOW BINARY LOGS in options.start_position.");
      } else if (size && *size && (o.start_pos < 4 || o.start_pos > std::strtoull((*size)->c_str(), nullptr, 10))) {
        raise("failed");
        details.push_back("start_position " + o.start_file + ":" + std::to_string(o.start_pos) +
                          " is outside the file (4 to " + **size + ")");
        hints.push_back("Give a position from SHOW BINLOG EVENTS IN '" + o.start_file + "' in options.start_position.");
      } else {
        details.push_back("start_position " + o.start_file + ":" + std::to_string(o.start_pos) +
                          " is still on the source");
      }
    } catch (const SyncError& e) {
      raise("warning");
      details.push_back("could not check that " + o.start_file + " is still on the source: " + e.what());
      if (access_denied(e)) hints.push_back("See the privileges item (SHOW BINARY LOGS needs it).");
    }
  }

  if (!o.start_gtid.empty()) {
    auto [problem, hint] = gtid_start_problem(client, *in.version, o.start_gtid);
    if (problem.empty()) {
      details.push_back("start_position " + o.start_gtid +
                        ": the source has every transaction of it and keeps the later ones");
    } else {
      raise("failed");
      details.push_back(problem);
      hints.push_back(hint);
    }
  }

  // A long full load: the binlog written meanwhile must still be there when it ends.
  if (in.load_rows > 0) {
    double load_seconds = in.load_rows / kPrecheckLoadRowsPerSecond;
    if (seconds > 0 && load_seconds > seconds / 2) {
      raise("warning");
      details.push_back("the full load of ~" + grouped(in.load_rows) + " rows takes ~" + duration_text(load_seconds) +
                        " at ~400k rows/s, close to or beyond the binlog retention");
      // Twice the load time (the catch-up after it reads what was written meanwhile), at least
      // the 7 days above; beyond the servers' maximum of 99 days, binlogs that never expire.
      int64_t days = std::max<int64_t>(7, static_cast<int64_t>(std::ceil(2 * load_seconds / 86400)));
      std::string load_hint = days > kMaxRetentionDays
                                  ? retention_hint(0) + " (never expire: the load outlasts the " +
                                        std::to_string(kMaxRetentionDays) + " days a server can keep binlogs)"
                                  : retention_hint(days);
      // It replaces the 7-day hint of a short retention, which would not be enough.
      auto same = std::find(hints.begin(), hints.end(), fix_hint);
      if (same != hints.end())
        *same = load_hint;
      else
        hints.push_back(load_hint);
    }
    if (in.load_rows >= kBusyCheckRows) {
      const std::string sql =
          "SHOW GLOBAL STATUS WHERE Variable_name IN ('Com_insert', 'Com_update', 'Com_delete', 'Com_replace', "
          "'Com_insert_select', 'Com_replace_select', 'Com_update_multi', 'Com_delete_multi')";
      auto sum = [&]() {
        double total = 0;
        for (const auto& [name, value] : name_values(client, sql)) total += std::atof(value.c_str());
        return total;
      };
      auto t0 = std::chrono::steady_clock::now();
      double before = sum();
      std::this_thread::sleep_for(std::chrono::seconds(1));
      double after = sum();
      double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
      double rate = (after - before) / std::max(elapsed, 0.001);
      if (rate >= kBusyWritesPerSecond) {
        raise("warning");
        char buf[64];
        std::snprintf(buf, sizeof buf, "%.0f", rate);
        details.push_back(std::string("busy source: ~") + buf + " write statements/s while the full load of ~" +
                          grouped(in.load_rows) + " rows takes ~" + duration_text(load_seconds) +
                          "; the changes made meanwhile are applied after it, so the task lags until then");
        hints.push_back("Start the task at a quiet time, or keep binlogs long enough for the load and the catch-up.");
      }
    }
  }
  return row("binlog_retention", status.c_str(), join(details, "; "), join(hints, "; "));
}

PrecheckRow check_server_id(MysqlClient& client, const ServerVersion& v, const PrecheckOptions& options,
                            const std::string& account) {
  const uint32_t task_id = options.server_id;
  std::string id = single(client, "SELECT @@global.server_id");
  if (id.empty() || id == "0")
    return row("server_id", "failed", "the source has server_id 0, so it refuses replicas",
               "SET GLOBAL server_id = 1 -- and server_id = 1 under [mysqld] in my.cnf");
  // The replicas that registered (each replica's server_id must be unique among them).
  std::set<std::string> used = {id};
  struct Replica {
    std::string id, host, port;
  };
  std::vector<Replica> replicas;
  std::string list_error;
  bool denied = false;
  try {
    for (const auto& r : client.query(replicas_statement(v)).rows) {
      if (r.empty() || !r[0]) continue;
      replicas.push_back(
          Replica{*r[0], r.size() > 1 ? r[1].value_or("") : "", r.size() > 2 ? r[2].value_or("") : ""});
      used.insert(*r[0]);
    }
  } catch (const SyncError& e) {
    list_error = e.what();
    denied = access_denied(e) || std::string(e.what()).find("ccess denied") != std::string::npos;
    if (denied) list_error = std::string(replicas_statement(v)) + " is not allowed";
  }
  int64_t suggestion = kSuggestedServerId;
  while (used.count(std::to_string(suggestion))) suggestion++;
  const std::string fix = "options => '{\"server_id\": " + std::to_string(suggestion) +
                          "}' (any number from 1 to 4294967295 that no other replica of the source uses)";
  std::string task = std::to_string(task_id);
  if (task_id != 0 && task == id)
    return row("server_id", "failed", "the task's server_id " + task + " is the source's own server_id", fix);
  std::string own_note;
  for (const Replica& r : replicas) {
    if (task_id == 0 || r.id != task) continue;
    // The task's own earlier connection (drop_sync and start_sync again, a restart): the source
    // replaces it when the task connects with the same server_id.
    if (!options.own_report_host.empty() && r.host == options.own_report_host &&
        r.port == std::to_string(options.own_report_port)) {
      own_note = "; the replica listed with server_id " + task + " is this task's earlier connection (" +
                 r.host + ":" + r.port + "), which the source replaces when the task connects";
      continue;
    }
    return row("server_id", "failed",
               "the replica at " + r.host + ":" + r.port + " already uses server_id " + task +
                   "; two replicas with one server_id disconnect each other",
               fix);
  }
  std::string detail = "source server_id " + id;
  if (task_id != 0)
    detail += ", task server_id " + task;
  else
    detail += "; the task's server_id is chosen by start_sync (options.server_id) and checked there";
  if (!list_error.empty()) {
    std::string hint = denied && v.mariadb
                           ? "GRANT REPLICATION MASTER ADMIN ON *.* TO " + account +
                                 " -- lets the precheck list the replicas (SHOW SLAVE HOSTS); or make sure "
                                 "no replica uses the task's server_id"
                           : "Make sure no replica of the source uses the task's server_id.";
    return row("server_id", "warning",
               detail + "; could not list the source's replicas to compare (" + list_error + ")", hint);
  }
  detail += "; " + std::to_string(replicas.size()) + (replicas.size() == 1 ? " registered replica" : " registered replicas");
  return row("server_id", "passed", detail + own_note);
}

// gh-ost (_t_gho, _t_ghc, _t_del) and pt-online-schema-change (_t_new, _t_old) tables: the
// base table name and the tool, or empty.
std::pair<std::string, std::string> ghost_of(const std::string& name) {
  static const std::regex gh("^_(.+)_(gho|ghc|del)$"), pt("^_(.+)_(new|old)$");
  std::smatch m;
  if (std::regex_match(name, m, gh)) return {m[1].str(), "gh-ost"};
  if (std::regex_match(name, m, pt)) return {m[1].str(), "pt-online-schema-change"};
  return {"", ""};
}

bool is_text_or_blob(const std::string& data_type) {
  return data_type.find("text") != std::string::npos || data_type.find("blob") != std::string::npos;
}

// Why a TCP connection to host:port fails, from a connect of our own (libmariadb reports the
// errno of its non-blocking connect, often EINPROGRESS, not the reason): "connection refused",
// "connection timed out", ... or "" when it connects.
std::string tcp_probe(const std::string& host, unsigned port) {
  addrinfo hints{};
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* found = nullptr;
  if (getaddrinfo(host.c_str(), std::to_string(port).c_str(), &hints, &found) != 0 || !found)
    return "cannot resolve the host name";
  std::string reason = "connection refused";
  for (addrinfo* a = found; a; a = a->ai_next) {
    int fd = socket(a->ai_family, a->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, a->ai_protocol);
    if (fd < 0) continue;
    int rc = connect(fd, a->ai_addr, a->ai_addrlen);
    int err = rc == 0 ? 0 : errno;
    if (rc != 0 && err == EINPROGRESS) {
      pollfd p{fd, POLLOUT, 0};
      int ready = poll(&p, 1, 3000);
      if (ready == 0) {
        err = ETIMEDOUT;
      } else {
        socklen_t len = sizeof err;
        getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len);
      }
    }
    close(fd);
    if (err == 0) {
      reason.clear();
      break;
    }
    reason = err == ECONNREFUSED ? "connection refused"
             : err == ETIMEDOUT  ? "connection timed out"
             : err == EHOSTUNREACH ? "no route to host"
             : err == ENETUNREACH  ? "network unreachable"
                                   : std::strerror(err);
  }
  freeaddrinfo(found);
  return reason;
}

}  // namespace

std::pair<std::string, std::string> describe_connection_failure(const SourceUri& uri, const std::string& sqlstate,
                                                               unsigned mysql_errno, const std::string& message) {
  const std::string endpoint = source_endpoint(uri);
  // The server's or library's own words: what follows "host:port: " in our message, without
  // the trailing "(MySQL error N)".
  std::string words = message;
  size_t at = message.rfind(endpoint + ": ");
  if (at != std::string::npos) words = message.substr(at + endpoint.size() + 2);
  size_t code = words.rfind(" (MySQL error ");
  if (code != std::string::npos) words = words.substr(0, code);

  // caching_sha2_password (MySQL 8's default) without TLS sends the password RSA-encrypted with
  // the server's public key: from server_public_key, else asked of the server.
  if (mysql_errno == 2061 && words.find("RSA public key") != std::string::npos)
    return {"caching_sha2_password login of '" + uri.user + "' at " + endpoint +
                " without TLS needs the server's RSA public key, which could not be read: " + words,
            uri.server_public_key.empty()
                ? "Use TLS (?ssl_mode=require), or give the server's key as "
                  "?server_public_key=/path/public_key.pem "
                  "(SHOW STATUS LIKE 'Caching_sha2_password_rsa_public_key' on the source prints it; "
                  "libmariadb asks "
                  "the server for it otherwise, as get-server-public-key does, which needs the server's "
                  "caching_sha2_password_auto_generate_rsa_keys)"
                : "Check that " + uri.server_public_key +
                      " is readable by PostgreSQL and holds the server's key (SHOW STATUS LIKE "
                      "'Caching_sha2_password_rsa_public_key'), or use TLS (?ssl_mode=require)."};
  if (mysql_errno == 2059)
    return {"the client library cannot load the authentication plugin the account of '" + uri.user + "' at " +
                endpoint + " uses: " + words,
            "Install libmariadb's plugins (Debian: libmariadb3 ships caching_sha2_password.so), or give the "
            "account "
            "a plugin the client has: ALTER USER ... IDENTIFIED WITH caching_sha2_password BY '...'."};
  if (sqlstate == "28000") {
    if (mysql_errno == 1130)
      return {"user '" + uri.user + "' may not connect to " + endpoint + " from this host: " + words,
              "Create an account for this host on the source, e.g. CREATE USER '" + uri.user +
                  "'@'%' IDENTIFIED BY '...', with the grants of the privileges item."};
    return {"access denied for user '" + uri.user + "' at " + endpoint + ": " + words,
            "Check the user and password in the source URI, and that the account may log in from this host, "
            "e.g. CREATE USER '" + uri.user + "'@'%' IDENTIFIED BY '...'."};
  }
  if (sqlstate == "08P01") {
    if (mysql_errno == 0)
      return {"TLS required (ssl_mode=" + uri.ssl_mode + ") but the server at " + endpoint + " does not offer it",
              "Enable TLS on the server (ssl_cert and ssl_key under [mysqld] in my.cnf, then restart it), or "
              "use ssl_mode=disable in the source URI."};
    return {"TLS handshake with " + endpoint + " failed (ssl_mode=" + uri.ssl_mode + "): " + words,
            "Check ssl_mode and ssl_ca in the source URI against the server's certificate (verify_identity also "
            "checks the host name)."};
  }
  if (mysql_errno == 2005)
    return {"cannot resolve the host name '" + uri.host + "'", "Check the host in the source URI."};
  if (mysql_errno == 1129)
    return {"the server at " + endpoint + " blocks this host after too many connection errors",
            "FLUSH HOSTS -- on the source, or raise max_connect_errors"};
  if (mysql_errno == 1040)
    return {"the server at " + endpoint + " has too many connections", "Raise max_connections on the source, or retry later."};
  std::string reason = words;
  if (mysql_errno == 2002 || mysql_errno == 2003) {
    std::string probed = tcp_probe(uri.host, uri.port);
    if (!probed.empty()) reason = probed;
  }
  return {"cannot reach " + endpoint + " (" + reason + ")",
          "Check that the server runs and listens there (port, bind_address, firewall), and the host and port in "
          "the source URI."};
}

SourcePrecheck precheck_source(const SourceUri& uri, const ObjectPatterns& patterns, const PrecheckOptions& options) {
  SourcePrecheck out;
  std::unique_ptr<MysqlClient> client;
  try {
    client = std::make_unique<MysqlClient>(uri);
    out.rows.push_back(row("connection", "passed",
                           "connected to " + source_endpoint(uri) + " as '" + uri.user + "'" +
                               (uri.ssl_mode.empty() || uri.ssl_mode == "disable" ? "" : " over TLS")));
  } catch (const SyncError& e) {
    const SourceError* se = dynamic_cast<const SourceError*>(&e);
    auto [detail, hint] = describe_connection_failure(uri, e.sqlstate(), se ? se->mysql_errno() : 0, e.what());
    out.rows.push_back(row("connection", "failed", detail, hint));
    for (size_t i = 1; i < sizeof kItems / sizeof kItems[0]; i++)
      out.rows.push_back(row(kItems[i], "warning", "not checked: no connection"));
    return out;
  }

  auto guarded = [&](const char* item, auto&& check) {
    try {
      out.rows.push_back(check());
    } catch (const SyncError& e) {
      out.rows.push_back(row(item, "failed", std::string("could not check: ") + e.what(), e.hint()));
    }
  };
  ServerVersion version = parse_server_version(client->server_version());
  std::string account = "'sync'@'%'";
  try {
    account = quoted_account(single(*client, "SELECT CURRENT_USER()"));
  } catch (const SyncError&) {
  }

  // The tables first: several items before objects_exist depend on them.
  std::string describe_error, describe_hint;
  try {
    out.tables = describe_tables(*client, patterns);
  } catch (const SyncError& e) {
    describe_error = e.what();
    describe_hint = e.hint();
  }
  int64_t load_rows = 0;
  for (const SourceTable& t : out.tables) load_rows += std::max<int64_t>(t.rows_estimate, 0);
  std::vector<std::string> unmatched;
  if (describe_error.empty())
    for (const std::string& pattern : patterns.patterns()) {
      ObjectPatterns one({pattern});
      if (std::none_of(out.tables.begin(), out.tables.end(),
                       [&](const SourceTable& t) { return one.matches(t.schema, t.name); }))
        unmatched.push_back(pattern);
    }

  guarded("version", [&] { return check_version(version, options); });
  ManagedService service = ManagedService::none;
  if (!version.mariadb) {
    try {
      service = managed_service(
          name_values(*client, "SHOW GLOBAL VARIABLES WHERE Variable_name IN ('basedir', 'aurora_version')"));
    } catch (const SyncError&) {
    }
  }
  guarded("binlog_enabled", [&] { return check_binlog_enabled(*client, version); });
  guarded("binlog_format", [&] { return check_binlog_format(*client); });
  guarded("binlog_row_image", [&] { return check_row_image(*client, version); });
  guarded("binlog_row_metadata", [&] { return check_row_metadata(*client, version); });
  guarded("binlog_retention", [&] {
    RetentionInput in{&options, &version, options.full_load ? load_rows : 0, account, service};
    return check_retention(*client, in);
  });
  guarded("server_id", [&] { return check_server_id(*client, version, options, account); });
  std::vector<std::string> invisible;
  guarded("privileges", [&] {
    PrivilegeNeeds needs;
    needs.mariadb = version.mariadb;
    needs.binlog_monitor_name = version.mariadb && version.at_least(10, 5, 2);
    if (options.full_load) needs.copy_note = copy_method_note(version, options.consistency);
    return check_privileges(*client, needs, patterns, out.tables, unmatched, &invisible);
  });

  if (!describe_error.empty()) {
    out.rows.push_back(row("objects_exist", "failed", "could not list tables: " + describe_error, describe_hint));
    out.rows.push_back(row("primary_keys", "warning", "not checked: the tables could not be listed"));
    out.rows.push_back(row("column_types", "warning", "not checked: the tables could not be listed"));
    out.rows.push_back(row("prefix_indexes", "warning", "not checked: the tables could not be listed"));
    return out;
  }

  // Primary and unique keys of the matched tables.
  out.unique_keys.resize(out.tables.size());
  std::set<std::string> schemas;
  for (const SourceTable& t : out.tables) schemas.insert(t.schema);
  std::string key_error;
  if (!schemas.empty()) {
    try {
      std::vector<std::string> quoted;
      for (const std::string& s : schemas) quoted.push_back(client->quote_string(s));
      std::map<std::pair<std::string, std::string>, size_t> index;
      for (size_t i = 0; i < out.tables.size(); i++) index[{out.tables[i].schema, out.tables[i].name}] = i;
      QueryResult keys = client->query(
          "SELECT TABLE_SCHEMA, TABLE_NAME, INDEX_NAME, COLUMN_NAME, SUB_PART, NULLABLE "
          "FROM information_schema.STATISTICS WHERE NON_UNIQUE = 0 AND TABLE_SCHEMA IN (" +
          join(quoted, ", ") + ") ORDER BY TABLE_SCHEMA, TABLE_NAME, INDEX_NAME <> 'PRIMARY', INDEX_NAME, SEQ_IN_INDEX");
      for (const auto& r : keys.rows) {
        if (r.size() < 6 || !r[0] || !r[1] || !r[2] || !r[3]) continue;
        auto found = index.find({*r[0], *r[1]});
        if (found == index.end()) continue;
        auto& list = out.unique_keys[found->second];
        if (list.empty() || list.back().name != *r[2]) list.push_back(UniqueKey{*r[2], {}, false, true});
        list.back().columns.push_back(*r[3]);
        if (r[4]) list.back().on_prefix = true;
        if (r[5] && upper(*r[5]) == "YES") list.back().not_null = false;
      }
    } catch (const SyncError& e) {
      key_error = e.what();
    }
  }

  // objects_exist: unmatched patterns, skipped non-tables, ghost tables of online schema
  // changes, very large tables.
  {
    std::string status = "passed";
    std::vector<std::string> details, hints;
    auto raise = [&](const char* s) {
      if (std::strcmp(s, "failed") == 0 || (std::strcmp(s, "warning") == 0 && status == "passed")) status = s;
    };
    std::vector<std::tuple<std::string, std::string, std::string>> all;  // schema, name, type
    try {
      // Ordered, so that the details list the names alike on every run.
      const char* const sql =
          "SELECT TABLE_SCHEMA, TABLE_NAME, TABLE_TYPE FROM information_schema.TABLES ORDER BY TABLE_SCHEMA, TABLE_NAME";
      for (const auto& r : client->query(sql).rows)
        if (r.size() >= 3 && r[0] && r[1] && r[2]) all.emplace_back(*r[0], *r[1], *r[2]);
    } catch (const SyncError&) {
    }
    // System databases count only where a pattern names them, as in describe_tables.
    auto pattern_matches = [&](const ObjectPatterns& p, const std::string& schema, const std::string& name) {
      if (kSystemSchemas.count(schema)) {
        bool named = false;
        for (const std::string& pat : p.patterns()) named = named || pat.substr(0, pat.find('.')) == schema;
        if (!named) return false;
      }
      return p.matches(schema, name);
    };

    for (const std::string& pattern : unmatched) {
      if (std::find(invisible.begin(), invisible.end(), pattern) != invisible.end()) {
        raise("warning");
        details.push_back(pattern + " matches no table that the user can see (see privileges)");
        continue;
      }
      raise("failed");
      ObjectPatterns one({pattern}), folded({lower(pattern)});
      std::vector<std::string> others, similar;
      for (const auto& [schema, name, type] : all) {
        if (pattern_matches(one, schema, name)) others.push_back(schema + "." + name + " (" + lower(type) + ")");
        if (type == "BASE TABLE" && !kSystemSchemas.count(schema) && folded.matches(lower(schema), lower(name)))
          similar.push_back(schema + "." + name);
      }
      std::string d = "no table matches " + pattern;
      if (!others.empty()) d += " (only " + join(others, ", ") + ", which " + (others.size() == 1 ? "is" : "are") + " not a table)";
      details.push_back(d);
      size_t dot = pattern.find('.');
      std::string h = "Correct the pattern " + pattern + ": names are case-sensitive, * and % match any characters";
      if (!similar.empty())
        h += "; did you mean " + join(similar, ", ") + "?";
      else
        h += "; SHOW TABLES FROM " + bq(pattern.substr(0, dot)) + " lists the tables";
      hints.push_back(h);
    }

    // Views, sequences and other non-tables that match are skipped.
    std::vector<std::string> skipped;
    for (const auto& [schema, name, type] : all)
      if (type != "BASE TABLE" && pattern_matches(patterns, schema, name))
        skipped.push_back(schema + "." + name + " (" + lower(type) + ")");
    if (!skipped.empty()) {
      raise("warning");
      details.push_back("skipped, not base tables: " + join(skipped, ", "));
      hints.push_back("Only base tables are synced; name the tables explicitly in objects to leave these out.");
    }

    // Online schema change tools: their ghost tables, and the cut-over RENAME of a synced table.
    std::set<std::pair<std::string, std::string>> matched;
    for (const SourceTable& t : out.tables) matched.insert({t.schema, t.name});
    std::vector<std::string> ghosts;
    for (const auto& [schema, name, type] : all) {
      if (type != "BASE TABLE" || !schemas.count(schema)) continue;
      auto [base, tool] = ghost_of(name);
      if (base.empty()) continue;
      bool synced_ghost = matched.count({schema, name}) > 0;
      bool synced_base = matched.count({schema, base}) > 0;
      if (!synced_ghost && !synced_base) continue;
      ghosts.push_back(schema + "." + name + " (" + tool + (synced_ghost ? ", matched by objects" : "") + ")");
    }
    if (!ghosts.empty()) {
      raise("warning");
      details.push_back("online schema change tables present: " + join(ghosts, ", ") +
                        "; the migration's cut-over renames a synced table, a DDL the task stops on");
      hints.push_back("Let the migration finish (and drop its leftover tables) before starting, and keep ghost "
                      "tables out of the objects patterns.");
    }

    // Very large tables: an estimate of the load time.
    if (options.full_load) {
      std::vector<std::string> large;
      for (const SourceTable& t : out.tables)
        if (t.rows_estimate >= kLargeTableRows)
          large.push_back(t.schema + "." + t.name + " (~" + grouped(t.rows_estimate) + " rows, ~" +
                          duration_text(t.rows_estimate / kPrecheckLoadRowsPerSecond) + ")");
      if (!large.empty()) {
        raise("warning");
        details.push_back("large tables, full load at ~400k rows/s: " + join(large, ", ") + "; ~" +
                          duration_text(load_rows / kPrecheckLoadRowsPerSecond) + " in all");
        hints.push_back("Expect the load to take that long; the binlog must be kept until it is done (see "
                        "binlog_retention).");
      }
    }
    if (status != "failed") {
      std::string n = std::to_string(out.tables.size()) + (out.tables.size() == 1 ? " table matches" : " tables match");
      details.insert(details.begin(), n);
    }
    out.rows.push_back(row("objects_exist", status.c_str(), join(details, "; "), join(hints, "; ")));
  }

  // primary_keys
  {
    std::vector<std::string> missing, hints, via_keys;
    for (size_t i = 0; i < out.tables.size(); i++) {
      const SourceTable& t = out.tables[i];
      if (!t.primary_key.empty()) continue;
      std::string name = t.schema + "." + t.name;
      auto given = options.primary_keys.find(name);
      if (given != options.primary_keys.end() && !given->second.empty()) {
        std::vector<std::string> unknown;
        for (const std::string& c : given->second)
          if (std::none_of(t.columns.begin(), t.columns.end(), [&](const SourceColumn& sc) { return sc.name == c; }))
            unknown.push_back(c);
        if (unknown.empty()) {
          via_keys.push_back(name);
          continue;
        }
        missing.push_back(name + " (table_keys names unknown columns: " + join(unknown, ", ") + ")");
        hints.push_back("Name columns of " + name + " in table_keys.");
        continue;
      }
      missing.push_back(name);
      const UniqueKey* candidate = nullptr;
      for (const UniqueKey& k : out.unique_keys[i])
        if (k.not_null && !k.on_prefix) {
          candidate = &k;
          break;
        }
      if (candidate) {
        std::vector<std::string> cols;
        for (const std::string& c : candidate->columns) cols.push_back(bq(c));
        hints.push_back("ALTER TABLE " + qualified(t.schema, t.name) + " ADD PRIMARY KEY (" + join(cols, ", ") + ")");
      } else {
        hints.push_back("ALTER TABLE " + qualified(t.schema, t.name) +
                        " ADD PRIMARY KEY (<the columns that identify a row>)");
      }
    }
    if (!missing.empty())
      out.rows.push_back(row("primary_keys", "failed",
                             "no primary key (updates and deletes could not find their rows): " + join(missing, ", "),
                             join(hints, "; ") + " -- on the source; or leave the table out of objects"));
    else if (out.tables.empty())
      out.rows.push_back(row("primary_keys", "passed", "no table to check"));
    else
      out.rows.push_back(row("primary_keys", "passed",
                             via_keys.empty() ? "every table has a primary key"
                                              : "every table has a primary key (from table_keys: " + join(via_keys, ", ") + ")"));
  }

  // column_types
  {
    std::vector<std::string> bad;
    for (const SourceTable& t : out.tables)
      for (const SourceColumn& c : t.columns) {
        try {
          pg_type_of(c);
        } catch (const SyncError&) {
          bad.push_back(t.schema + "." + t.name + "." + c.name + " (" + c.column_type + ")");
        }
      }
    out.rows.push_back(bad.empty() ? row("column_types", "passed",
                                         out.tables.empty() ? "no table to check" : "every column type maps")
                                   : row("column_types", "failed", "no PostgreSQL type for " + join(bad, ", "),
                                         "Leave these tables out of objects, or change the column types on the "
                                         "source (ALTER TABLE ... MODIFY)."));
  }

  // prefix_indexes
  if (!key_error.empty()) {
    out.rows.push_back(row("prefix_indexes", "failed", "could not check: " + key_error));
  } else {
    std::vector<std::string> found, hints;
    for (size_t i = 0; i < out.tables.size(); i++) {
      const SourceTable& t = out.tables[i];
      for (const UniqueKey& k : out.unique_keys[i]) {
        if (!k.on_prefix) continue;
        bool primary = k.name == "PRIMARY";
        found.push_back(t.schema + "." + t.name + (primary ? " primary key" : " unique key " + k.name) + " (" +
                        join(k.columns, ", ") + ") indexes a column prefix");
        bool lob = false;
        std::vector<std::string> cols;
        for (const std::string& c : k.columns) {
          cols.push_back(bq(c));
          for (const SourceColumn& sc : t.columns)
            if (sc.name == c && is_text_or_blob(sc.data_type)) lob = true;
        }
        if (lob)
          hints.push_back("Key " + t.schema + "." + t.name + " on other columns (a TEXT/BLOB key needs a prefix), or "
                          "leave the table out of objects");
        else if (primary)
          hints.push_back("ALTER TABLE " + qualified(t.schema, t.name) + " DROP PRIMARY KEY, ADD PRIMARY KEY (" +
                          join(cols, ", ") + ")");
        else
          hints.push_back("ALTER TABLE " + qualified(t.schema, t.name) + " DROP INDEX " + bq(k.name) +
                          ", ADD UNIQUE KEY " + bq(k.name) + " (" + join(cols, ", ") + ")");
      }
    }
    out.rows.push_back(found.empty()
                           ? row("prefix_indexes", "passed", "no primary or unique key on a column prefix")
                           : row("prefix_indexes", "failed",
                                 join(found, "; ") + ": PostgreSQL cannot enforce a key on a prefix, so rows unique "
                                                     "in MySQL could clash or be matched wrongly",
                                 join(hints, "; ")));
  }
  return out;
}

}  // namespace mysql_sync
