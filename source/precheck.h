// The source-side items of the precheck (the interface contract's fixed names and order); the
// target-side items are checked by the PostgreSQL zone.
#pragma once
#include "common/cxx_zone.h"

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "source/object_patterns.h"
#include "source/source_catalog.h"
#include "source/source_uri.h"

namespace mysql_sync {

struct PrecheckRow {
  std::string item;
  std::string status;  // passed | warning | failed
  std::string detail;
  std::string hint;
};

// A primary or unique key of a source table (information_schema.STATISTICS, NON_UNIQUE = 0).
struct UniqueKey {
  std::string name;                  // PRIMARY for the primary key
  std::vector<std::string> columns;  // in key order
  bool on_prefix = false;            // some column is indexed by a prefix only (SUB_PART)
  bool not_null = true;              // every column is NOT NULL (a primary key candidate)
};

struct PrecheckOptions {
  uint32_t server_id = 0;  // the task's replica id; 0 = not known yet (precheck() without options)
  bool full_load = false;  // initial_sync has data
  std::string consistency = "auto";  // options.consistency: how the copies' chunks stand in the binlog
  // options.start_position (only with initial_sync '{}'): the file must still be on the source.
  std::string start_file;
  uint64_t start_pos = 0;
  // options.start_position's GTID set (MySQL) or position (MariaDB): the source must hold every
  // transaction of it and still have every later one (set_source checks a new source so).
  std::string start_gtid;
  // How the task's own replica connection is listed (replica_report_host), when the task is known:
  // a replica with the task's server_id listed so is the task's earlier connection, no clash.
  std::string own_report_host;
  uint16_t own_report_port = 0;
  // table_keys' primary_key entries: "db.table" -> columns (a table without its own primary key
  // passes primary_keys with one).
  std::map<std::string, std::vector<std::string>> primary_keys;
};

struct SourcePrecheck {
  std::vector<PrecheckRow> rows;    // connection .. prefix_indexes, in contract order
  std::vector<SourceTable> tables;  // the matched tables (empty when the connection failed)
  std::vector<std::vector<UniqueKey>> unique_keys;  // per table of `tables`, primary key first
};

// The estimated full-load speed used for load-time estimates in warnings (rows per second).
constexpr double kPrecheckLoadRowsPerSecond = 400000;

// Never throws for source problems: each becomes a failed row with a hint.
SourcePrecheck precheck_source(const SourceUri& uri, const ObjectPatterns& patterns, const PrecheckOptions& options);

// "cannot reach 127.0.0.1:1 (connection refused)", "access denied for user 'x' ...", "TLS required
// but the server does not offer it": the connection row's detail and hint for a failed connect.
std::pair<std::string, std::string> describe_connection_failure(const SourceUri& uri, const std::string& sqlstate,
                                                               unsigned mysql_errno, const std::string& message);

}  // namespace mysql_sync
