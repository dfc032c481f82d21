#include "source/binlog_stream.h"

#include <mysql.h>
#include <mariadb_rpl.h>
#include <mysqld_error.h>
#include <sys/socket.h>

#include <algorithm>
#include <atomic>
#include <cmath>

#include "common/errors.h"
#include "source/mysql_connection.h"

namespace mysql_sync {

namespace {

// <task> is replaced by the task's name where the task is known (the worker's report).
constexpr const char* kPurgedHint =
    "The changes in the purged binlog are lost to this task; start from a fresh copy: "
    "SELECT mysql_sync.drop_sync('<task>'); then start_sync again with the same arguments and "
    "existing_tables => 'clear' (resync_table cannot cross a gap in the binlog).";

struct RplCloser {
  void operator()(MARIADB_RPL* rpl) const { mariadb_rpl_close(rpl); }
};

bool contains(const std::string& text, const char* part) { return text.find(part) != std::string::npos; }

std::string describe_start(const StreamStart& start) {
  if (start.position.file.empty()) return "GTID " + start.position.gtid;
  return start.position.file + ":" + std::to_string(start.position.pos);
}

}  // namespace

struct BinlogStream::Impl {
  SourceUri uri;
  StreamStart start;
  MysqlHandle mysql;
  std::unique_ptr<MARIADB_RPL, RplCloser> rpl;
  // Reused by every fetch. libmariadb frees it itself when a fetch returns NULL (3.3.20).
  MARIADB_RPL_EVENT* event = nullptr;
  std::atomic<int> socket{-1};
  std::atomic<bool> interrupted{false};
  bool ended = false;

  ~Impl() {
    if (event) mariadb_free_rpl_event(event);
  }

  void run(const std::string& sql) { run_statement(mysql.get(), uri, sql); }

  [[noreturn]] void throw_stream_error() {
    MYSQL* m = mysql.get();
    unsigned code = mysql_errno(m);
    std::string server_message = mysql_error(m);
    std::string where = " (binlog stream from " + source_endpoint(uri) + " at " + describe_start(start) + ")";
    if (interrupted)
      throw SourceError("08006", "binlog stream interrupted" + where, "", code, true);
    if (code == 0 && rpl && mariadb_rpl_errno(rpl.get()) != 0)
      throw SourceError("XX000", std::string("libmariadb could not read a binlog event: ") + mariadb_rpl_error(rpl.get()) + where,
                        "", mariadb_rpl_errno(rpl.get()), false);
    if (code == 0)
      throw SourceError("08006", "the source ended the binlog stream" + where, "", 0, true);
    if (code == ER_MASTER_FATAL_ERROR_READING_BINLOG) {
      if (contains(server_message, "Could not find first log file"))
        throw SourceError("55000",
                          "binlog file '" + start.position.file + "' is no longer on the source " +
                              source_endpoint(uri) + " (purged): " + server_message,
                          kPurgedHint, code, false);
      if (contains(server_message, "Could not find GTID state"))
        throw SourceError("55000",
                          "the binlog holding GTID " + start.position.gtid + " is no longer on the source " +
                              source_endpoint(uri) + " (purged): " + server_message,
                          kPurgedHint, code, false);
    }
    if (code == ER_SLAVE_SAME_ID || contains(server_message, "same server_uuid/server_id"))
      throw SourceError("55000", "another replica connected to " + source_endpoint(uri) + " with server_id " +
                                     std::to_string(start.server_id) + ": " + server_message,
                        "Give each task a server_id of its own (options.server_id), unused by any replica.", code,
                        false);
    if (code == ER_MASTER_FATAL_ERROR_READING_BINLOG)
      throw SourceError("55000", "the source refused the binlog stream" + where + ": " + server_message, "", code,
                        false);
    SourceError error = last_mysql_error(m, uri, "reading the binlog at " + describe_start(start));
    std::string hint = error.hint();
    if (std::string(error.sqlstate()) == "42501")
      hint = "GRANT REPLICATION SLAVE, REPLICATION CLIENT ON *.* TO the sync user.";
    throw SourceError(error.sqlstate(), error.what(), hint, code, error.transient());
  }
};

BinlogStream::BinlogStream(const SourceUri& uri, const StreamStart& start) : impl_(new Impl) {
  impl_->uri = uri;
  impl_->start = start;
  ConnectOptions options;
  // Heartbeats arrive every heartbeat_seconds, so a longer silence means a dead connection.
  if (start.heartbeat_seconds > 0)
    options.read_timeout_seconds = static_cast<unsigned>(std::max(30.0, std::ceil(start.heartbeat_seconds * 4)));
  impl_->mysql = connect_mysql(uri, options);
  MYSQL* m = impl_->mysql.get();
  impl_->socket = static_cast<int>(mysql_get_socket(m));

  // Without the checksum variable a CRC32 server refuses the dump; without capability 4 MariaDB
  // rewrites GTID events for an "old slave". The @source_ names are MySQL 8.0.26+.
  impl_->run("SET @master_binlog_checksum = @@global.binlog_checksum, "
             "@source_binlog_checksum = @@global.binlog_checksum, @mariadb_slave_capability = 4");
  if (start.heartbeat_seconds > 0) {
    std::string period = std::to_string(static_cast<uint64_t>(start.heartbeat_seconds * 1e9));
    impl_->run("SET @master_heartbeat_period = " + period + ", @source_heartbeat_period = " + period);
  }
  const bool from_gtid = start.position.file.empty();
  if (from_gtid) {
    if (start.position.gtid.empty())
      throw SyncError("22023", "a binlog stream needs a start file or a GTID position");
    if (!contains(mysql_get_server_info(m), "MariaDB"))
      throw SyncError("0A000", "starting a MySQL stream from a GTID set is not supported",
                      "Give start_position as {\"file\": ..., \"pos\": ...}.");
    // The connect state means "last applied": the server starts with the next transaction.
    std::string escaped(start.position.gtid.size() * 2 + 1, '\0');
    escaped.resize(mysql_real_escape_string(m, &escaped[0], start.position.gtid.data(), start.position.gtid.size()));
    impl_->run("SET @slave_connect_state = '" + escaped + "'");
  }

  impl_->rpl.reset(mariadb_rpl_init(m));
  if (!impl_->rpl) impl_->throw_stream_error();
  MARIADB_RPL* rpl = impl_->rpl.get();
  const std::string& file = start.position.file;
  unsigned int flags = start.stop_at_end ? MARIADB_RPL_BINLOG_DUMP_NON_BLOCK : 0;  // no ANNOTATE_ROWS
  mariadb_rpl_optionsv(rpl, MARIADB_RPL_FILENAME, file.c_str(), file.size());
  mariadb_rpl_optionsv(rpl, MARIADB_RPL_START, static_cast<unsigned long>(from_gtid ? 4 : start.position.pos));
  mariadb_rpl_optionsv(rpl, MARIADB_RPL_SERVER_ID, static_cast<unsigned int>(start.server_id));
  mariadb_rpl_optionsv(rpl, MARIADB_RPL_FLAGS, flags);
  // A report host makes libmariadb send COM_REGISTER_SLAVE: the task shows in SHOW SLAVE HOSTS.
  mariadb_rpl_optionsv(rpl, MARIADB_RPL_HOST, "mysql_sync");
  mariadb_rpl_optionsv(rpl, MARIADB_RPL_PORT, static_cast<uint32_t>(0));
  if (mariadb_rpl_open(rpl) != 0) impl_->throw_stream_error();
}

BinlogStream::~BinlogStream() = default;

bool BinlogStream::next(const uint8_t*& data, size_t& size) {
  if (impl_->ended) return false;
  if (impl_->interrupted) impl_->throw_stream_error();
  MARIADB_RPL_EVENT* event = mariadb_rpl_fetch(impl_->rpl.get(), impl_->event);
  if (!event) {
    impl_->event = nullptr;  // already freed by the library
    if (!impl_->interrupted && impl_->start.stop_at_end && mysql_errno(impl_->mysql.get()) == 0 &&
        mariadb_rpl_errno(impl_->rpl.get()) == 0) {
      impl_->ended = true;  // NON_BLOCK: the server sent EOF at the end of the binlog
      return false;
    }
    impl_->throw_stream_error();
  }
  impl_->event = event;
  // raw_data starts with the OK byte (and semi-sync bytes); raw_data_ofs skips them.
  data = event->raw_data + event->raw_data_ofs;
  size = event->raw_data_size - event->raw_data_ofs;
  return true;
}

void BinlogStream::interrupt() {
  impl_->interrupted = true;
  int socket = impl_->socket.load();
  if (socket >= 0) shutdown(socket, SHUT_RDWR);
}

}  // namespace mysql_sync
