#include "source/mysql_connection.h"

#include <errmsg.h>
#include <mysql.h>
#include <mysqld_error.h>

namespace mysql_sync {

namespace {

// Statements in messages are cut: a full copy SELECT or an IN list can be long.
std::string shortened(const std::string& sql) {
  constexpr size_t kMax = 300;
  return sql.size() <= kMax ? sql : sql.substr(0, kMax) + "...";
}

bool is_access_error(unsigned code) {
  switch (code) {
    case ER_ACCESS_DENIED_ERROR:
    case ER_DBACCESS_DENIED_ERROR:
    case ER_ACCESS_DENIED_NO_PASSWORD_ERROR:
    case ER_HOST_NOT_PRIVILEGED:
    case ER_NOT_SUPPORTED_AUTH_MODE:
    case CR_AUTH_PLUGIN_CANNOT_LOAD:
      return true;
    default:
      return false;
  }
}

void set_tls_options(MYSQL* mysql, const SourceUri& uri) {
  if (uri.ssl_mode.empty() || uri.ssl_mode == "disable") return;
  my_bool enforce = 1;
  my_bool verify_identity = uri.ssl_mode == "verify_identity";
  mysql_optionsv(mysql, MYSQL_OPT_SSL_ENFORCE, &enforce);
  mysql_optionsv(mysql, MYSQL_OPT_SSL_VERIFY_SERVER_CERT, &verify_identity);
  // With a CA file libmariadb verifies the chain (SSL_VERIFY_PEER); VERIFY_SERVER_CERT adds the
  // host name check. So verify_ca = CA only, verify_identity = CA + host name.
  if (!uri.ssl_ca.empty()) mysql_optionsv(mysql, MYSQL_OPT_SSL_CA, uri.ssl_ca.c_str());
}

}  // namespace

void MysqlCloser::operator()(st_mysql* mysql) const { mysql_close(mysql); }

std::string source_endpoint(const SourceUri& uri) {
  bool v6 = uri.host.find(':') != std::string::npos;
  return (v6 ? "[" + uri.host + "]" : uri.host) + ":" + std::to_string(uri.port);
}

MysqlHandle connect_mysql(const SourceUri& uri, const ConnectOptions& options) {
  MysqlHandle mysql(mysql_init(nullptr));
  if (!mysql) throw SourceError("53200", "out of memory creating a MySQL connection", "", 0, true);
  MYSQL* m = mysql.get();
  unsigned connect_timeout = options.connect_timeout_seconds;
  unsigned read_timeout = options.read_timeout_seconds;
  unsigned write_timeout = options.write_timeout_seconds;
  unsigned protocol = MYSQL_PROTOCOL_TCP;
  mysql_optionsv(m, MYSQL_OPT_CONNECT_TIMEOUT, &connect_timeout);
  if (read_timeout > 0) mysql_optionsv(m, MYSQL_OPT_READ_TIMEOUT, &read_timeout);
  if (write_timeout > 0) mysql_optionsv(m, MYSQL_OPT_WRITE_TIMEOUT, &write_timeout);
  mysql_optionsv(m, MYSQL_OPT_PROTOCOL, &protocol);
  mysql_optionsv(m, MYSQL_SET_CHARSET_NAME, "utf8mb4");
  set_tls_options(m, uri);
  if (!uri.server_public_key.empty())
    mysql_optionsv(m, MYSQL_SERVER_PUBLIC_KEY, uri.server_public_key.c_str());

  if (!mysql_real_connect(m, uri.host.c_str(), uri.user.c_str(), uri.password.c_str(), nullptr, uri.port,
                          nullptr, 0)) {
    unsigned code = mysql_errno(m);
    std::string where = "'" + uri.user + "' at " + source_endpoint(uri);
    std::string detail = std::string(mysql_error(m)) + " (MySQL error " + std::to_string(code) + ")";
    if (is_access_error(code))
      throw SourceError("28000", "MySQL source refused the login of " + where + ": " + detail,
                        "Check the user and password in the source URI and that the user may connect from "
                        "this host, e.g. CREATE USER 'sync'@'%' IDENTIFIED BY '...'.",
                        code, false);
    if (code == CR_SSL_CONNECTION_ERROR)
      throw SourceError("08P01", "TLS connection to the MySQL source " + where + " failed: " + detail,
                        "Check ssl_mode and ssl_ca in the source URI against the server's certificate.", code,
                        false);
    throw SourceError("08001", "cannot connect to the MySQL source " + where + ": " + detail,
                      "Check that the server runs and that host and port in the source URI reach it.", code,
                      code != ER_HOST_IS_BLOCKED);
  }
  // libmariadb 3.3's MYSQL_OPT_SSL_ENFORCE only asks for TLS: against a server without TLS it
  // silently connects in plain text (seen with MariaDB 10.11, have_ssl=DISABLED). Check it here.
  if (!uri.ssl_mode.empty() && uri.ssl_mode != "disable" && mysql_get_ssl_cipher(m) == nullptr)
    throw SourceError("08P01",
                      "the MySQL source at " + source_endpoint(uri) + " did not accept TLS (ssl_mode=" +
                          uri.ssl_mode + ")",
                      "Enable TLS on the server (ssl_cert, ssl_key), or use ssl_mode=disable.", 0, false);
  return mysql;
}

ErrorClass classify_mysql_error(unsigned code) {
  switch (code) {
    case CR_SERVER_GONE_ERROR:
    case CR_SERVER_LOST:
    case CR_SERVER_LOST_EXTENDED:
    case CR_ERR_NET_READ:
    case CR_ERR_NET_WRITE:
    case ER_SERVER_SHUTDOWN:
    case ER_CONNECTION_KILLED:
    case ER_QUERY_INTERRUPTED:
    case ER_CON_COUNT_ERROR:
    case ER_TOO_MANY_USER_CONNECTIONS:
      return {"08006", true};
    case ER_LOCK_WAIT_TIMEOUT:
    case ER_LOCK_DEADLOCK:
      return {"40001", true};
    case ER_ACCESS_DENIED_ERROR:
    case ER_DBACCESS_DENIED_ERROR:
    case ER_TABLEACCESS_DENIED_ERROR:
    case ER_COLUMNACCESS_DENIED_ERROR:
    case ER_SPECIFIC_ACCESS_DENIED_ERROR:
      return {"42501", false};
    case ER_NO_SUCH_TABLE:
      return {"42P01", false};
    case ER_BAD_DB_ERROR:
      return {"3D000", false};
    case ER_BAD_FIELD_ERROR:
      return {"42703", false};
    default:
      // HV000: PostgreSQL's class for errors of a foreign data source.
      return {"HV000", false};
  }
}

SourceError last_mysql_error(st_mysql* mysql, const SourceUri& uri, const std::string& doing) {
  unsigned code = mysql_errno(mysql);
  ErrorClass error_class = classify_mysql_error(code);
  std::string message = "MySQL error " + std::to_string(code) + " at " + source_endpoint(uri) + " while " +
                        shortened(doing) + ": " + mysql_error(mysql);
  std::string hint;
  if (std::string(error_class.sqlstate) == "42501")
    hint = "Grant the sync user SELECT on the synced tables and REPLICATION SLAVE, REPLICATION CLIENT ON *.*.";
  return SourceError(error_class.sqlstate, message, hint, code, error_class.transient);
}

void run_statement(st_mysql* mysql, const SourceUri& uri, const std::string& sql) {
  if (mysql_real_query(mysql, sql.data(), sql.size()) != 0) throw last_mysql_error(mysql, uri, "running " + sql);
  // A statement may still return a result (SHOW, SELECT): discard it so the connection stays usable.
  if (MYSQL_RES* result = mysql_store_result(mysql)) mysql_free_result(result);
}

QueryResultRows query_rows(st_mysql* m, const SourceUri& uri, const std::string& sql) {
  if (mysql_real_query(m, sql.data(), sql.size()) != 0) throw last_mysql_error(m, uri, "running " + sql);
  std::unique_ptr<MYSQL_RES, void (*)(MYSQL_RES*)> result(mysql_store_result(m), mysql_free_result);
  if (!result) throw last_mysql_error(m, uri, "reading the result of " + sql);
  unsigned count = mysql_num_fields(result.get());
  QueryResultRows rows;
  while (MYSQL_ROW row = mysql_fetch_row(result.get())) {
    unsigned long* lengths = mysql_fetch_lengths(result.get());
    auto& values = rows.emplace_back();
    for (unsigned i = 0; i < count; ++i)
      values.push_back(row[i] ? std::optional<std::string>(std::string(row[i], lengths[i])) : std::nullopt);
  }
  return rows;
}

}  // namespace mysql_sync
