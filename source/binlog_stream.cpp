#include "source/binlog_stream.h"

#include <mysql.h>
#include <sys/socket.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstdio>
#include <optional>

#include "common/errors.h"
#include "source/dump_errors.h"
#include "source/gtid_check.h"
#include "source/gtid_set.h"
#include "source/mysql_connection.h"
#include "source/replication_packets.h"

namespace mysql_sync {

namespace {

bool contains(const std::string& text, const char* part) {
  return text.find(part) != std::string::npos;
}

// FNV-1a: a stable hash for names (std::hash may differ between builds).
uint64_t stable_hash(const std::string& text, uint64_t seed) {
  uint64_t h = 1469598103934665603ull ^ seed;
  for (unsigned char c : text) h = (h ^ c) * 1099511628211ull;
  return h;
}

std::optional<std::string> single_value(MYSQL* m, const SourceUri& uri, const std::string& sql) {
  QueryResultRows rows = query_rows(m, uri, sql);
  if (rows.empty() || rows[0].empty()) return std::nullopt;
  return rows[0][0];
}

std::string escaped(MYSQL* m, const std::string& text) {
  std::string out(text.size() * 2 + 1, '\0');
  out.resize(mysql_real_escape_string(m, &out[0], text.data(), text.size()));
  return out;
}

}  // namespace

std::string replica_report_host(const std::string& task, uint64_t system_identifier) {
  char id[17];
  std::snprintf(id, sizeof id, "%016llx", static_cast<unsigned long long>(system_identifier));
  std::string host = "mysql_sync:" + task + "@" + id;
  constexpr size_t kMax = 60;
  if (host.size() <= kMax) return host;
  char hash[9];
  std::snprintf(hash, sizeof hash, "%08llx",
                static_cast<unsigned long long>(stable_hash(task, 0) & 0xffffffffu));
  // mysql_sync:<start of the name>~<hash of the whole name>@<id>
  size_t keep = kMax - (11 + 1 + 8 + 1 + 16);
  return "mysql_sync:" + task.substr(0, keep) + "~" + hash + "@" + id;
}

std::string replica_uuid_of(const std::string& task, uint64_t system_identifier) {
  uint64_t a = stable_hash(task, system_identifier), b = stable_hash(task, ~system_identifier);
  char out[37];
  // Version 4 layout (the variant and version nibbles set), from the two hashes.
  std::snprintf(out, sizeof out, "%08x-%04x-4%03x-%04x-%012llx", unsigned(a >> 32),
                unsigned((a >> 16) & 0xffff), unsigned(a & 0xfff), unsigned(0x8000 | ((b >> 48) & 0x3fff)),
                static_cast<unsigned long long>(b & 0xffffffffffffull));
  return out;
}

struct BinlogStream::Impl {
  SourceUri uri;
  StreamStart start;
  StreamPlan plan;
  MysqlHandle mysql;
  std::atomic<int> socket{-1};
  std::atomic<bool> interrupted{false};
  bool ended = false;
  // The event that asked for a semi-sync acknowledgement ends here: acknowledged before the next
  // read (the packet buffer holds the event until then, and a command overwrites it).
  std::optional<uint64_t> ack_due;
  std::string file;    // the file being read (from ROTATE), for semi-sync acknowledgements
  bool crc32 = false;  // events end with a CRC32 (binlog_checksum)
  DumpRequest request;

  void run(const std::string& sql) { run_statement(mysql.get(), uri, sql); }

  [[noreturn]] void throw_stream_error() {
    MYSQL* m = mysql.get();
    unsigned code = mysql_errno(m);
    if (interrupted)
      throw SourceError(
          "08006",
          "binlog stream interrupted (binlog stream from " + request.endpoint + " at " + request.start + ")",
          "", code, true);
    if (code == 0)
      throw SourceError("08006",
                        "the source ended the binlog stream (binlog stream from " + request.endpoint +
                            " at " + request.start + ")",
                        "", 0, true);
    ErrorClass error_class = classify_mysql_error(code);
    throw dump_error(code, mysql_error(m), error_class.sqlstate, error_class.transient, request);
  }

  void command(uint8_t code, const std::string& arguments, bool read_reply) {
    MYSQL* m = mysql.get();
    if (m->methods->db_command(m, static_cast<enum_server_command>(code), arguments.data(), arguments.size(),
                               read_reply ? 0 : 1, nullptr) != 0)
      throw_stream_error();
  }

  void decide(const BinlogPosition& position) {
    MYSQL* m = mysql.get();
    plan.mariadb = contains(mysql_get_server_info(m), "MariaDB");
    GtidSet set = GtidSet::parse(position.gtid);
    bool gtid_on = plan.mariadb;
    if (!plan.mariadb) {
      try {
        gtid_on = single_value(m, uri, "SELECT @@global.gtid_mode").value_or("") == "ON";
      } catch (const SourceError&) {
        gtid_on = false;  // before MySQL 5.6: no GTIDs
      }
    }
    GtidFlavor flavor = plan.mariadb ? GtidFlavor::mariadb : GtidFlavor::mysql;
    plan.by_gtid = gtid_on && set.flavor() == flavor;
    if (position.file.empty() && !plan.by_gtid) {
      if (position.gtid.empty())
        throw SyncError("22023", "a binlog stream needs a start file or a GTID position");
      throw SyncError(
          "55000",
          "the source " + source_endpoint(uri) + " cannot start from the GTID " +
              (set.flavor() == GtidFlavor::mariadb ? "position " : "set ") + position.gtid + ": " +
              (gtid_on ? "it is a " + std::string(plan.mariadb ? "MariaDB" : "MySQL") +
                             " server, the GTIDs are of the other kind"
                       : "gtid_mode is not ON"),
          plan.mariadb || gtid_on ? "Give the task a source of the same kind as its GTID position."
                                  : "SET PERSIST gtid_mode = ON on the source (through OFF_PERMISSIVE and "
                                    "ON_PERMISSIVE), or start from a file position.");
    }
    if (plan.by_gtid) {
      // MariaDB would start a domain it does not know from its first binlog, and MySQL ignores
      // transactions of other servers it lacks: both are checked here.
      ServerGtids server =
          read_server_gtids(plan.mariadb, [&](const std::string& sql) { return query_rows(m, uri, sql); });
      check_gtid_start(set, server, source_endpoint(uri));
    }
    request.gtid = plan.by_gtid ? set.to_string() : "";
    request.file = plan.by_gtid ? "" : position.file;
    request.start =
        plan.by_gtid ? "GTID " + request.gtid : position.file + ":" + std::to_string(position.pos);
    if (!plan.by_gtid && position.gtid.empty() && gtid_on) {
      if (plan.mariadb) {
        plan.start_gtid = single_value(m, uri,
                                       "SELECT BINLOG_GTID_POS('" + escaped(m, position.file) + "', " +
                                           std::to_string(position.pos) + ")")
                              .value_or("");
      } else if (position.pos > 4) {
        plan.learn_gtids_before = position.pos;
      }
    }
  }

  void send_dump(const BinlogPosition& position) {
    MYSQL* m = mysql.get();
    uint16_t flags = start.stop_at_end ? replication::kDumpNonBlock : 0;  // no ANNOTATE_ROWS
    if (plan.by_gtid && !plan.mariadb) {
      command(replication::kComBinlogDumpGtid,
              replication::binlog_dump_gtid(GtidSet::parse(position.gtid).mysql_encoded(), flags,
                                            start.server_id),
              false);
      return;
    }
    if (plan.by_gtid) {
      // The connect state means "last applied": the server starts with the next transaction. Strict
      // mode makes it refuse a position its binlog does not hold instead of starting nearby.
      run("SET @slave_connect_state = '" + escaped(m, request.gtid) +
          "', @slave_gtid_strict_mode = 1, @slave_gtid_ignore_duplicates = 0");
      command(replication::kComBinlogDump, replication::binlog_dump("", 4, flags, start.server_id), false);
      return;
    }
    uint64_t pos = plan.learn_gtids_before ? 4 : position.pos;
    command(replication::kComBinlogDump, replication::binlog_dump(position.file, pos, flags, start.server_id),
            false);
  }

  void acknowledge() {
    if (!ack_due) return;
    command(replication::kSemiSyncIndicator, replication::semi_sync_ack(*ack_due, file), false);
    ack_due.reset();
  }
};

BinlogStream::BinlogStream(const SourceUri& uri, const StreamStart& start) : impl_(new Impl) {
  impl_->uri = uri;
  impl_->start = start;
  impl_->request.endpoint = source_endpoint(uri);
  impl_->request.server_id = start.server_id;
  impl_->file = start.position.file;
  ConnectOptions options;
  // Heartbeats arrive every heartbeat_seconds, so a longer silence means a dead connection.
  if (start.heartbeat_seconds > 0)
    options.read_timeout_seconds =
        static_cast<unsigned>(std::max(30.0, std::ceil(start.heartbeat_seconds * 4)));
  impl_->mysql = connect_mysql(uri, options);
  MYSQL* m = impl_->mysql.get();
  impl_->socket = static_cast<int>(mysql_get_socket(m));

  // Without the checksum variable a CRC32 server refuses the dump; without capability 4 MariaDB
  // rewrites GTID events for an "old slave". The @source_ names are MySQL 8.0.26+.
  impl_->run(
      "SET @master_binlog_checksum = @@global.binlog_checksum, "
      "@source_binlog_checksum = @@global.binlog_checksum, @mariadb_slave_capability = 4");
  if (start.heartbeat_seconds > 0) {
    std::string period = std::to_string(static_cast<uint64_t>(start.heartbeat_seconds * 1e9));
    impl_->run("SET @master_heartbeat_period = " + period + ", @source_heartbeat_period = " + period);
  }
  impl_->decide(start.position);
  if (!impl_->plan.mariadb && !start.replica_uuid.empty())
    impl_->run("SET @slave_uuid = '" + escaped(m, start.replica_uuid) + "', @replica_uuid = '" +
               escaped(m, start.replica_uuid) + "'");
  if (start.semi_sync) {
    impl_->run("SET @rpl_semi_sync_slave = 1");
    impl_->crc32 = single_value(m, uri, "SELECT @@global.binlog_checksum").value_or("") == "CRC32";
  }
  impl_->command(replication::kComRegisterSlave,
                 replication::register_replica(start.server_id, start.report_host, start.report_port), true);
  impl_->send_dump(start.position);
}

BinlogStream::~BinlogStream() = default;

const StreamPlan& BinlogStream::plan() const {
  return impl_->plan;
}

bool BinlogStream::next(const uint8_t*& data, size_t& size) {
  if (impl_->ended) return false;
  if (impl_->interrupted) impl_->throw_stream_error();
  impl_->acknowledge();
  MYSQL* m = impl_->mysql.get();
  unsigned long length = mysql_net_read_packet(m);
  if (length == packet_error) impl_->throw_stream_error();  // error packets and lost connections
  replication::DumpPacket packet =
      replication::parse_dump_packet(m->net.read_pos, length, impl_->start.semi_sync);
  if (packet.kind == replication::DumpPacket::Kind::end_of_stream) {
    if (!impl_->start.stop_at_end) impl_->throw_stream_error();
    impl_->ended = true;  // NON_BLOCK: the server sent EOF at the end of the binlog
    return false;
  }
  data = packet.event;
  size = packet.size;
  // A ROTATE names the file the next acknowledgements are about.
  const size_t rotate_name_at = 19 + 8, crc = impl_->crc32 ? 4 : 0;
  if (impl_->start.semi_sync && data[4] == 4 && size > rotate_name_at + crc)
    impl_->file.assign(reinterpret_cast<const char*>(data) + rotate_name_at, size - rotate_name_at - crc);
  // The acknowledged position is the event's end (its header's next position).
  if (packet.ack_requested)
    impl_->ack_due =
        uint64_t(data[13]) | uint64_t(data[14]) << 8 | uint64_t(data[15]) << 16 | uint64_t(data[16]) << 24;
  return true;
}

void BinlogStream::interrupt() {
  impl_->interrupted = true;
  int socket = impl_->socket.load();
  if (socket >= 0) shutdown(socket, SHUT_RDWR);
}

}  // namespace mysql_sync
