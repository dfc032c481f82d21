#include "source/server_version.h"

#include <cstdio>

namespace mysql_sync {

ServerVersion parse_server_version(const std::string& text) {
  ServerVersion v;
  v.text = text;
  v.mariadb = text.find("MariaDB") != std::string::npos;
  std::sscanf(text.c_str(), "%d.%d.%d", &v.major, &v.minor, &v.patch);
  return v;
}

const char* binlog_status_statement(const ServerVersion& v) {
  return !v.mariadb && v.at_least(8, 2) ? "SHOW BINARY LOG STATUS" : "SHOW MASTER STATUS";
}

const char* replicas_statement(const ServerVersion& v) {
  return !v.mariadb && v.at_least(8, 0, 22) ? "SHOW REPLICAS" : "SHOW SLAVE HOSTS";
}

}  // namespace mysql_sync
