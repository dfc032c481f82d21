// What a source's refusal of a binlog dump means for the task: the server's error number and
// words in, the task's SQLSTATE, message and hint out. Pure, so that the answers of MySQL servers
// (which the tests cannot run) are unit-tested as well as MariaDB's.
#pragma once
#include "common/cxx_zone.h"

#include <string>

#include "common/errors.h"

namespace mysql_sync {

struct DumpRequest {
  std::string endpoint;  // host:port
  std::string start;     // "binlog.000042:4" or "GTID 0-1-100"
  std::string file;      // the requested file ("" for a GTID dump)
  std::string gtid;      // the GTID set or position sent ("" for a file dump)
  unsigned server_id = 0;
};

// Purged binlog or GTIDs, a task ahead of the source (errant or lost transactions), another
// replica with the task's server_id: 55000 (the task stops); anything else as the connection's
// errors are classified (lost connection: 08006, retried).
SourceError dump_error(unsigned mysql_errno, const std::string& server_message, const std::string& sqlstate,
                       bool transient, const DumpRequest& request);

// "<task>" in these hints is replaced by the task's name where the task is known.
extern const char* const kPurgedBinlogHint;
extern const char* const kTaskAheadHint;

}  // namespace mysql_sync
