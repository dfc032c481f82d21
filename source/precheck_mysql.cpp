#include "source/precheck_mysql.h"

#include <algorithm>
#include <cctype>
#include <cstdlib>

namespace mysql_sync {

namespace {

std::string upper(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::toupper(c); });
  return s;
}

std::string value_of(const ServerVariables& variables, const std::string& name) {
  auto it = variables.find(name);
  return it == variables.end() ? "" : it->second;
}

constexpr double kRdsMinimumHours = 24;
constexpr double kRdsSuggestedHours = 168;  // 7 days, RDS's maximum

}  // namespace

std::string gtid_mode_note(const ServerVersion& version, const ServerVariables& variables) {
  if (version.mariadb) return "";
  std::string mode = upper(value_of(variables, "gtid_mode"));
  if (mode.empty()) return "no GTIDs before MySQL 5.6: positions are binlog file offsets";
  if (mode == "ON")
    return "gtid_mode is ON: positions are GTID sets, so set_source can point the task at another server of "
           "the topology after a failover";
  return "gtid_mode is " + mode +
         ": positions are binlog file offsets of this server only; for source failover (set_source) set "
         "gtid_mode = ON (SET PERSIST gtid_mode through OFF_PERMISSIVE and ON_PERMISSIVE, with "
         "enforce_gtid_consistency = ON)";
}

PrecheckFinding row_value_finding(const ServerVariables& variables, const std::string& row_image) {
  PrecheckFinding out;
  std::string compression = upper(value_of(variables, "binlog_transaction_compression"));
  std::string value_options = upper(value_of(variables, "binlog_row_value_options"));
  if (compression == "ON" || compression == "1")
    out.detail = "binlog_transaction_compression is ON: compressed transactions (zstd) are read as they come";
  if (value_options.find("PARTIAL_JSON") != std::string::npos) {
    if (!out.detail.empty()) out.detail += "; ";
    if (upper(row_image) == "FULL") {
      out.detail +=
          "binlog_row_value_options is PARTIAL_JSON: JSON updates are logged as diffs, applied to the "
          "full before image";
    } else {
      out.status = "warning";
      out.detail += "binlog_row_value_options is PARTIAL_JSON with binlog_row_image " + upper(row_image) +
                    ": a JSON diff whose column is missing from the before image cannot be applied";
      out.hint = "SET PERSIST binlog_row_value_options = '' -- or binlog_row_image = FULL";
    }
  }
  return out;
}

std::string persistent_setting_hint(const ServerVersion& version, const std::string& variable,
                                    const std::string& value) {
  if (!version.mariadb && version.major >= 8) return "SET PERSIST " + variable + " = '" + value + "'";
  return "SET GLOBAL " + variable + " = '" + value + "' -- and " + variable + " = " + value +
         " under [mysqld] in my.cnf";
}

ManagedService managed_service(const ServerVariables& variables) {
  if (!value_of(variables, "aurora_version").empty()) return ManagedService::aurora;
  if (value_of(variables, "basedir").rfind("/rdsdbbin/", 0) == 0) return ManagedService::rds;
  return ManagedService::none;
}

const char* managed_service_name(ManagedService service) {
  return service == ManagedService::aurora ? "Amazon Aurora"
         : service == ManagedService::rds  ? "Amazon RDS"
                                           : "";
}

PrecheckFinding rds_retention_finding(ManagedService service, bool found,
                                      const std::optional<std::string>& hours) {
  PrecheckFinding out;
  const std::string name = managed_service_name(service);
  const std::string fix = "CALL mysql.rds_set_configuration('binlog retention hours', 168);";
  if (!found) {
    out.status = "warning";
    out.detail = name + ": CALL mysql.rds_show_configuration did not list 'binlog retention hours'";
    out.hint = fix;
    return out;
  }
  if (!hours) {
    out.status = "failed";
    out.detail = name +
                 " keeps binlogs only until it no longer needs them itself ('binlog retention hours' is "
                 "NULL): a task stopped for minutes loses its position";
    out.hint = fix;
    return out;
  }
  double h = std::atof(hours->c_str());
  out.detail = name + " keeps binlogs for " + *hours + " hours ('binlog retention hours')";
  if (h < kRdsMinimumHours) {
    out.status = "failed";
    out.detail += ": under 1 day, a stop of a few hours loses the task";
    out.hint = fix;
  } else if (h < kRdsSuggestedHours) {
    out.status = "warning";
    out.detail += ": under 7 days";
    out.hint = fix;
  }
  return out;
}

std::string copy_method_note(const ServerVersion& version, const std::string& consistency) {
  const bool exact = consistency == "snapshot" || (version.mariadb && consistency != "watermark");
  return std::string("the copies read the tables in key order in short chunks, each in a source transaction of its "
                     "own, with no lock and nothing written (options.consistency ") +
         (exact ? "snapshot: each chunk at its exact snapshot position, MariaDB's binlog_snapshot_file/position)"
                : "watermark: each chunk reconciled with the binlog between its low and high watermarks, the "
                  "positions before and after its SELECT)");
}

}  // namespace mysql_sync
