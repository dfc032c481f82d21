#include "source/dump_errors.h"

#include <mysqld_error.h>

namespace mysql_sync {

const char* const kPurgedBinlogHint =
    "The changes in the purged binlog are lost to this task; start from a fresh copy: "
    "SELECT mysql_sync.drop_sync('<task>'); then start_sync again with the same arguments and "
    "existing_tables => 'clear' (resync_table cannot cross a gap in the binlog).";

const char* const kTaskAheadHint =
    "The task applied transactions this source does not have (a replica promoted before it received "
    "them, or another history): point the task at a server that has them with "
    "SELECT mysql_sync.set_source('<task>', 'mysql://...'), or start from a fresh copy: "
    "SELECT mysql_sync.drop_sync('<task>'); then start_sync with existing_tables => 'clear'.";

namespace {

bool has(const std::string& text, const char* part) {
  return text.find(part) != std::string::npos;
}

SourceError stop(const std::string& message, const char* hint, unsigned code) {
  return SourceError("55000", message, hint, code, false);
}

}  // namespace

SourceError dump_error(unsigned code, const std::string& words, const std::string& sqlstate, bool transient,
                       const DumpRequest& request) {
  const std::string at = request.endpoint;
  const std::string said = ": " + words;
  // MySQL sends its dump errors as 1236 with its own words; MariaDB also as 1236 (or 4052).
  if (has(words, "Could not find first log file"))
    return stop("binlog file '" + request.file + "' is no longer on the source " + at + " (purged)" + said,
                kPurgedBinlogHint, code);
  if (has(words, "Could not find GTID state") || has(words, "purged required binary logs") ||
      has(words, "purged binary logs containing GTIDs"))
    return stop("the source " + at + " no longer has the binlogs after the task's GTID position " +
                    request.gtid + " (purged)" + said,
                kPurgedBinlogHint, code);
  if (has(words, "which is not in the master's binlog") || has(words, "is missing the GTID") ||
      has(words, "more GTIDs than the"))
    return stop("the task applied transactions that the source " + at + " does not have (its GTID position " +
                    request.gtid + " is ahead of the source or on another history)" + said,
                kTaskAheadHint, code);
  if (code == ER_SLAVE_SAME_ID || has(words, "same server_uuid/server_id"))
    return stop(
        "another replica connected to " + at + " with server_id " + std::to_string(request.server_id) + said,
        "Give each task a server_id of its own (options.server_id), unused by any replica.", code);
  if (code == ER_MASTER_FATAL_ERROR_READING_BINLOG)
    return stop("the source refused the binlog stream (binlog stream from " + at + " at " + request.start +
                    ")" + said,
                "", code);
  if (sqlstate == "42501")
    return SourceError(sqlstate, "the source " + at + " refused the binlog stream" + said,
                       "GRANT REPLICATION SLAVE, REPLICATION CLIENT ON *.* TO the sync user.", code, false);
  return SourceError(sqlstate,
                     "MySQL error " + std::to_string(code) + " at " + at + " while reading the binlog at " +
                         request.start + said,
                     "", code, transient);
}

}  // namespace mysql_sync
