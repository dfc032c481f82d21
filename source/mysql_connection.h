// Internal to the source side: opening a libmariadb connection and turning its errors into
// SourceError, shared by MysqlClient and BinlogStream. mysql.h stays in the .cpp files (its
// MYSQL is `struct st_mysql`).
#pragma once
#include "common/cxx_zone.h"

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/errors.h"
#include "source/source_uri.h"

struct st_mysql;

namespace mysql_sync {

struct MysqlCloser {
  void operator()(st_mysql* mysql) const;
};
using MysqlHandle = std::unique_ptr<st_mysql, MysqlCloser>;

struct ConnectOptions {
  unsigned connect_timeout_seconds = 10;
  unsigned read_timeout_seconds = 0;  // 0: wait as long as the server needs (long queries)
  unsigned write_timeout_seconds = 60;
};

// "host:port" for messages.
std::string source_endpoint(const SourceUri& uri);

// Connects over TCP with utf8mb4 and the URI's TLS settings. Throws SourceError: 08001 cannot
// connect, 28000 access denied, 08P01 TLS failure. Messages name user and host:port, never the
// password.
MysqlHandle connect_mysql(const SourceUri& uri, const ConnectOptions& options);

// The SourceError for the connection's last error; `doing` completes "... while <doing>".
SourceError last_mysql_error(st_mysql* mysql, const SourceUri& uri, const std::string& doing);

// SQLSTATE and retry class of a MySQL error number seen after connecting.
struct ErrorClass {
  const char* sqlstate;
  bool transient;
};
ErrorClass classify_mysql_error(unsigned mysql_errno);

// Runs a statement that returns no rows; throws last_mysql_error.
void run_statement(st_mysql* mysql, const SourceUri& uri, const std::string& sql);

// Runs a query and returns its rows (NULL as nullopt); throws last_mysql_error.
using QueryResultRows = std::vector<std::vector<std::optional<std::string>>>;
QueryResultRows query_rows(st_mysql* mysql, const SourceUri& uri, const std::string& sql);

}  // namespace mysql_sync
