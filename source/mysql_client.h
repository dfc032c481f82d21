// A client connection to the MySQL/MariaDB source (libmariadb behind a pimpl: mysql.h and
// PostgreSQL headers cannot share a translation unit).
#pragma once
#include "common/cxx_zone.h"

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "binlog/row.h"
#include "source/source_uri.h"

namespace mysql_sync {

struct QueryResult {
  std::vector<std::string> columns;
  std::vector<std::vector<std::optional<std::string>>> rows;
};

// One row of a streamed result: raw bytes as the text protocol returns them (NULL = data nullptr).
struct RawRow {
  const char* const* data;
  const unsigned long* lengths;
  size_t count;
};

class MysqlClient {
 public:
  // Connects (TCP), sets utf8mb4, time_zone '+00:00' and sql_mode ''. Throws SourceError:
  // 08001 unreachable/refused, 28000 access denied, 08P01 TLS failure; the message names host:port.
  explicit MysqlClient(const SourceUri& uri, unsigned connect_timeout_seconds = 10);
  ~MysqlClient();
  MysqlClient(const MysqlClient&) = delete;
  MysqlClient& operator=(const MysqlClient&) = delete;

  void execute(const std::string& sql);
  QueryResult query(const std::string& sql);
  // Streams a large result row by row (mysql_use_result): never buffered whole.
  void stream(const std::string& sql, const std::function<void(const RawRow&)>& on_row);
  std::string quote_string(const std::string& value);  // 'escaped'
  static std::string quote_identifier(const std::string& name);  // `name`

  std::string server_version();  // SELECT VERSION()
  bool is_mariadb();
  const SourceUri& uri() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace mysql_sync
