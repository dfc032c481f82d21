// The source server's version and the statements whose names changed between versions
// (MySQL 8.0.22 SHOW REPLICAS, 8.2 SHOW BINARY LOG STATUS; 8.4 removed the old names).
#pragma once
#include "common/cxx_zone.h"

#include <string>

namespace mysql_sync {

struct ServerVersion {
  std::string text;  // SELECT VERSION(): "8.4.3", "10.11.19-MariaDB-0+deb12u1-log"
  bool mariadb = false;
  int major = 0, minor = 0, patch = 0;
  bool at_least(int a, int b, int c = 0) const {
    return major != a ? major > a : minor != b ? minor > b : patch >= c;
  }
};

ServerVersion parse_server_version(const std::string& text);

// SHOW MASTER STATUS, or SHOW BINARY LOG STATUS from MySQL 8.2 on.
const char* binlog_status_statement(const ServerVersion& version);
// SHOW SLAVE HOSTS, or SHOW REPLICAS from MySQL 8.0.22 on.
const char* replicas_statement(const ServerVersion& version);

}  // namespace mysql_sync
