// The precheck's decisions about what MySQL 8.x servers (and Amazon RDS / Aurora) do differently:
// GTID mode, compressed transactions, partial JSON, row metadata, RDS binlog retention and how
// the copies read. Pure: the server's answers in, the finding out, so that the answers of
// servers the tests cannot run are unit-tested.
#pragma once
#include "common/cxx_zone.h"

#include <map>
#include <optional>
#include <string>

#include "source/server_version.h"

namespace mysql_sync {

struct PrecheckFinding {
  std::string status = "passed";  // passed | warning | failed
  std::string detail;
  std::string hint;
};

// Lower-case variable name -> value, as SHOW GLOBAL VARIABLES gives them.
using ServerVariables = std::map<std::string, std::string>;

// gtid_mode (MySQL 5.6+): how positions are kept, and what source failover needs. Appended to
// the binlog_enabled item's detail; "" for MariaDB (GTIDs always on).
std::string gtid_mode_note(const ServerVersion& version, const ServerVariables& variables);

// binlog_transaction_compression (8.0.20+) and binlog_row_value_options (8.0.3+) beside a
// binlog_row_image of `row_image`: what the stream will hold, and whether it can be applied.
PrecheckFinding row_value_finding(const ServerVariables& variables, const std::string& row_image);

// The statement that sets a global variable for good: SET PERSIST on MySQL 8+, else SET GLOBAL
// and the my.cnf line.
std::string persistent_setting_hint(const ServerVersion& version, const std::string& variable,
                                    const std::string& value);

// Amazon RDS or Aurora MySQL: from @@basedir (/rdsdbbin/...), @@aurora_version.
enum class ManagedService { none, rds, aurora };
ManagedService managed_service(const ServerVariables& variables);
const char* managed_service_name(ManagedService service);

// RDS / Aurora keep binlogs as long as 'binlog retention hours' says (CALL
// mysql.rds_show_configuration); NULL (nullopt) = purged as soon as RDS no longer needs them.
// `found` = the procedure listed the setting.
PrecheckFinding rds_retention_finding(ManagedService service, bool found,
                                      const std::optional<std::string>& hours);

// How the copies read their chunks on this server with options.consistency `consistency` (auto,
// snapshot, watermark), without a lock either way (the privileges item says it).
std::string copy_method_note(const ServerVersion& version, const std::string& consistency);

}  // namespace mysql_sync
