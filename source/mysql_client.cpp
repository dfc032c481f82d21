#include "source/mysql_client.h"

#include <mysql.h>
#include <sys/socket.h>

#include "source/mysql_connection.h"

namespace mysql_sync {

struct MysqlClient::Impl {
  SourceUri uri;
  MysqlHandle mysql;
  bool broken = false;  // a streamed result was abandoned: the connection cannot be reused
  std::string version;  // cached SELECT VERSION()

  MYSQL* usable() {
    if (broken)
      throw SourceError("08006", "the MySQL connection to " + source_endpoint(uri) +
                                     " was closed after an interrupted result; reconnect",
                        "", 0, true);
    return mysql.get();
  }

  void run_query(const std::string& sql) {
    MYSQL* m = usable();
    if (mysql_real_query(m, sql.data(), sql.size()) != 0) throw last_mysql_error(m, uri, "running " + sql);
  }
};

MysqlClient::MysqlClient(const SourceUri& uri, unsigned connect_timeout_seconds) : impl_(new Impl) {
  impl_->uri = uri;
  ConnectOptions options;
  options.connect_timeout_seconds = connect_timeout_seconds;
  impl_->mysql = connect_mysql(uri, options);
  MYSQL* m = impl_->mysql.get();
  // SET NAMES through the library, so that quote_string escapes for the same charset.
  if (mysql_set_character_set(m, "utf8mb4") != 0) throw last_mysql_error(m, uri, "setting utf8mb4");
  // time_zone: TIMESTAMPs come back in UTC. sql_mode '': no PAD_CHAR_TO_FULL_LENGTH, no
  // NO_BACKSLASH_ESCAPES (quote_string relies on backslashes), no ANSI_QUOTES. net_write_timeout:
  // a streamed copy may pause while PostgreSQL catches up.
  run_statement(m, uri, "SET time_zone = '+00:00', sql_mode = '', net_write_timeout = 3600, net_read_timeout = 3600");
}

MysqlClient::~MysqlClient() = default;

void MysqlClient::execute(const std::string& sql) {
  impl_->run_query(sql);
  if (MYSQL_RES* result = mysql_store_result(impl_->mysql.get())) mysql_free_result(result);
}

QueryResult MysqlClient::query(const std::string& sql) {
  impl_->run_query(sql);
  MYSQL* m = impl_->mysql.get();
  QueryResult out;
  std::unique_ptr<MYSQL_RES, void (*)(MYSQL_RES*)> result(mysql_store_result(m), mysql_free_result);
  if (!result) {
    if (mysql_field_count(m) != 0) throw last_mysql_error(m, impl_->uri, "reading the result of " + sql);
    return out;  // a statement without a result set
  }
  unsigned count = mysql_num_fields(result.get());
  MYSQL_FIELD* fields = mysql_fetch_fields(result.get());
  for (unsigned i = 0; i < count; ++i) out.columns.emplace_back(fields[i].name, fields[i].name_length);
  out.rows.reserve(mysql_num_rows(result.get()));
  while (MYSQL_ROW row = mysql_fetch_row(result.get())) {
    unsigned long* lengths = mysql_fetch_lengths(result.get());
    std::vector<std::optional<std::string>>& values = out.rows.emplace_back();
    values.reserve(count);
    for (unsigned i = 0; i < count; ++i) {
      if (row[i])
        values.emplace_back(std::string(row[i], lengths[i]));
      else
        values.emplace_back(std::nullopt);
    }
  }
  return out;
}

void MysqlClient::stream(const std::string& sql, const std::function<void(const RawRow&)>& on_row) {
  impl_->run_query(sql);
  MYSQL* m = impl_->mysql.get();
  MYSQL_RES* result = mysql_use_result(m);
  if (!result) {
    if (mysql_field_count(m) != 0) throw last_mysql_error(m, impl_->uri, "reading the result of " + sql);
    return;
  }
  const size_t count = mysql_num_fields(result);
  try {
    while (MYSQL_ROW row = mysql_fetch_row(result)) {
      RawRow raw{row, mysql_fetch_lengths(result), count};
      on_row(raw);
    }
  } catch (...) {
    // Freeing an unfinished result would read (and discard) every remaining row first: cut the
    // connection instead, so that a stop during a big table's copy is immediate.
    shutdown(mysql_get_socket(m), SHUT_RDWR);
    mysql_free_result(result);
    impl_->broken = true;
    throw;
  }
  // mysql_fetch_row returns NULL both at the end and on a read error.
  unsigned code = mysql_errno(m);
  mysql_free_result(result);
  if (code != 0) throw last_mysql_error(m, impl_->uri, "reading the rows of " + sql);
}

std::string MysqlClient::quote_string(const std::string& value) {
  std::string out(value.size() * 2 + 3, '\0');
  out[0] = '\'';
  unsigned long length = mysql_real_escape_string(impl_->usable(), &out[1], value.data(), value.size());
  out.resize(length + 1);
  out.push_back('\'');
  return out;
}

std::string MysqlClient::quote_identifier(const std::string& name) {
  std::string out = "`";
  for (char c : name) {
    if (c == '`') out.push_back('`');
    out.push_back(c);
  }
  out.push_back('`');
  return out;
}

std::string MysqlClient::server_version() {
  if (impl_->version.empty()) {
    QueryResult result = query("SELECT VERSION()");
    if (!result.rows.empty() && result.rows[0][0]) impl_->version = *result.rows[0][0];
  }
  return impl_->version;
}

bool MysqlClient::is_mariadb() { return server_version().find("MariaDB") != std::string::npos; }

const SourceUri& MysqlClient::uri() const { return impl_->uri; }

}  // namespace mysql_sync
