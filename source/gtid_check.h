// Whether a server can continue a task from its GTID position: it must hold every transaction the
// task applied (else the task is ahead: transactions lost in a failover, or another history), and
// still have in its binlogs every transaction the task has not applied (else they were purged).
// The stream checks this before each GTID dump, set_source before it points a task elsewhere.
#pragma once
#include "common/cxx_zone.h"

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "source/gtid_set.h"

namespace mysql_sync {

struct ServerGtids {
  bool mariadb = false;
  GtidSet executed;  // MySQL @@global.gtid_executed; MariaDB @@global.gtid_binlog_pos
  // MySQL @@global.gtid_purged; MariaDB the GTID_LIST of its oldest binlog (what came before it).
  // Unknown (not readable): the server's own check at the dump decides.
  std::optional<GtidSet> purged;
};

using QueryRows = std::function<std::vector<std::vector<std::optional<std::string>>>(const std::string& sql)>;

// Reads them through `query` (errors of the query propagate, except an unreadable oldest binlog).
ServerGtids read_server_gtids(bool mariadb, const QueryRows& query);

// Throws SourceError 55000 naming the missing transactions: the task ahead of the server, or needed
// transactions purged from it. `endpoint` names the server.
void check_gtid_start(const GtidSet& task, const ServerGtids& server, const std::string& endpoint);

// "[0-1-5,1-2-7]" (MariaDB's SHOW BINLOG EVENTS text of a Gtid_list event) -> "0-1-5,1-2-7".
std::string gtid_list_of_event_info(const std::string& info);

}  // namespace mysql_sync
