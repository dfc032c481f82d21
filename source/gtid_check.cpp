#include "source/gtid_check.h"

#include "common/errors.h"
#include "source/dump_errors.h"

namespace mysql_sync {

namespace {

std::string first_cell(const std::vector<std::vector<std::optional<std::string>>>& rows) {
  if (rows.empty() || rows[0].empty() || !rows[0][0]) return "";
  return *rows[0][0];
}

std::string quoted(const std::string& text) {
  std::string out = "'";
  for (char c : text) {
    if (c == '\'' || c == '\\') out += '\\';
    out += c;
  }
  return out + "'";
}

}  // namespace

std::string gtid_list_of_event_info(const std::string& info) {
  size_t open = info.find('['), close = info.rfind(']');
  if (open == std::string::npos || close == std::string::npos || close < open) return "";
  return info.substr(open + 1, close - open - 1);
}

ServerGtids read_server_gtids(bool mariadb, const QueryRows& query) {
  ServerGtids out;
  out.mariadb = mariadb;
  if (!mariadb) {
    out.executed = GtidSet::parse(first_cell(query("SELECT @@global.gtid_executed")));
    out.purged = GtidSet::parse(first_cell(query("SELECT @@global.gtid_purged")));
    return out;
  }
  out.executed = GtidSet::parse(first_cell(query("SELECT @@global.gtid_binlog_pos")));
  try {
    std::string oldest = first_cell(query("SHOW BINARY LOGS"));
    if (oldest.empty()) return out;
    for (const auto& row : query("SHOW BINLOG EVENTS IN " + quoted(oldest) + " LIMIT 4"))
      if (row.size() > 5 && row[2] && *row[2] == "Gtid_list" && row[5])
        out.purged = GtidSet::parse(gtid_list_of_event_info(*row[5]));
  } catch (const SyncError&) {
    // Not allowed to read it: the server's own check at the dump is the only one.
  }
  return out;
}

void check_gtid_start(const GtidSet& task, const ServerGtids& server, const std::string& endpoint) {
  const char* kind = server.mariadb ? "GTID position" : "GTID set";
  GtidSet ahead = task.minus(server.executed);
  if (!ahead.empty())
    throw SourceError(
        "55000",
        "the task applied transactions that the source " + endpoint + " does not have: " + ahead.to_string() +
            " (the task's " + kind + " is " + task.to_string() + ", the source's is " +
            (server.executed.empty() ? "empty" : server.executed.to_string()) +
            "); the task is ahead of the source: transactions lost in a failover, or another history",
        kTaskAheadHint, 0, false);
  if (!server.purged) return;
  GtidSet missing = server.purged->minus(task);
  if (!missing.empty())
    throw SourceError("55000",
                      "the source " + endpoint + " no longer has transactions the task has not applied: " +
                          missing.to_string() + " (purged from its binlogs; the task's " + kind + " is " +
                          (task.empty() ? "empty" : task.to_string()) + ")",
                      kPurgedBinlogHint, 0, false);
}

}  // namespace mysql_sync
