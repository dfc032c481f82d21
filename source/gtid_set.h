// GTID positions of both flavours, as a task stores them and a source compares them:
//  - MySQL: a GTID set, per source UUID (and, from 8.3, per tag) a list of transaction number
//    intervals: "3e11fa47-71ca-11e1-9e33-c80aa9429562:1-5:7,3e11...:tag_a:1-2";
//  - MariaDB: a GTID position, the last GTID of each replication domain: "0-1-100,1-2-7"
//    (domain-server-sequence).
// Pure C++: the reader thread adds each transaction's GTID, the stream sends the set in its dump
// request, and source failover compares the task's set with the new server's.
#pragma once
#include "common/cxx_zone.h"

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace mysql_sync {

enum class GtidFlavor : uint8_t { none, mysql, mariadb };

class GtidSet {
 public:
  GtidSet() = default;

  // Parses either flavour (MySQL sets hold ':', MariaDB positions do not). Whitespace and newlines
  // (SHOW MASTER STATUS breaks long sets) are ignored; UUIDs and tags are folded to lower case.
  // Throws SyncError 22023 naming the bad part.
  static GtidSet parse(std::string_view text);

  GtidFlavor flavor() const { return flavor_; }
  // The flavour of one GTID or set text ("" is none).
  static GtidFlavor flavor_of(std::string_view text);
  bool empty() const { return flavor_ == GtidFlavor::none; }

  // One transaction's GTID as the decoder gives it: "uuid:17", "uuid:tag:17" or "0-1-17".
  // MySQL: the number joins the set; MariaDB: it becomes the domain's position. Throws SyncError
  // 22023 when the GTID is malformed or of the other flavour.
  void add(std::string_view gtid);

  // MySQL: the union. MariaDB: per domain, the GTID with the higher sequence number.
  void merge(const GtidSet& other);

  // The transactions of this set that `other` does not hold. MySQL: the set difference.
  // MariaDB: the domains where this position is ahead of `other` (a higher sequence number, a
  // domain `other` lacks, or the same sequence number written by another server: a different
  // transaction). Empty when `other` holds all of this set.
  GtidSet minus(const GtidSet& other) const;

  bool contains(const GtidSet& other) const { return other.minus(*this).empty(); }

  // MySQL's text form (SHOW MASTER STATUS, gtid_executed) or MariaDB's (gtid_binlog_pos).
  std::string to_string() const;

  // MySQL only: the binary form of COM_BINLOG_DUMP_GTID and PREVIOUS_GTIDS (MySQL's
  // Gtid_set::encode): the classic layout, or the tagged one (MySQL 8.3+) when a tag is present.
  std::string mysql_encoded() const;

  bool operator==(const GtidSet& other) const;

 private:
  struct Interval {
    uint64_t first;
    uint64_t last;  // inclusive
  };
  struct MariadbGtid {
    uint32_t server = 0;
    uint64_t seq = 0;
  };
  using SourceKey = std::pair<std::string, std::string>;  // uuid, tag ("" when untagged)

  void set_flavor(GtidFlavor flavor, std::string_view context);
  void add_interval(const SourceKey& source, Interval interval);
  void parse_mysql_group(std::string_view group);
  void parse_mariadb_gtid(std::string_view gtid, bool keep_higher);

  GtidFlavor flavor_ = GtidFlavor::none;
  std::map<SourceKey, std::vector<Interval>> mysql_;  // intervals sorted, disjoint, not adjacent
  std::map<uint32_t, MariadbGtid> mariadb_;           // domain -> its last GTID
  // MySQL: the source of the last add() and its GTID's text up to the number ("uuid:", "uuid:tag:").
  SourceKey last_source_;
  std::string last_prefix_;
};

}  // namespace mysql_sync
