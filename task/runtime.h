// The worker-level owner of every long-lived C++ object of a task (connections, threads,
// decoder, the table model). One per worker process, created with new and never on a stack that
// PostgreSQL may longjmp over; the PostgreSQL zone reaches it through plain pointers.
#pragma once
#include "common/cxx_zone.h"

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "source/mysql_client.h"
#include "source/object_patterns.h"
#include "source/source_catalog.h"
#include "source/source_uri.h"
#include "task/copy_columns.h"
#include "task/backfill_plan.h"
#include "task/copy_pipe.h"
#include "task/net_changes.h"
#include "ddl/ddl_plan.h"
#include "ddl/name_map.h"
#include "task/reader.h"
#include "task/source_monitor.h"
#include "task/spill.h"

namespace mysql_sync {

struct SyncTable {
  std::string source_schema;
  std::string source_name;
  std::string target_schema;
  std::string target_name;
  std::vector<std::string> target_columns;  // per source column, in source order
  std::vector<std::string> pg_types;        // per source column (schema sync only)
  std::vector<std::string> primary_key;     // source column names (table_keys' when given)
  std::vector<std::string> distribution_key;  // source column names (table_keys', else the key's first)
  TableShape shape;
  SourceTable source;  // its definition as of the applied position

  bool created_target = false;  // the initial sync created the target (keys and indexes follow the data)
  bool active = true;  // false once a DDL dropped it or renamed it out of the task
  // resync_table: the shadow table its backfill fills (bgworker/table_requests.h).
  std::string shadow_name;
  // Its rows changed on the source without row events (options.ddl unlogged_rows): the target is
  // stale until a copy replaces it, so none of the table's changes are applied to it meanwhile
  // (the repair's shadow gets them). Set by the repair request and by a failed repair.
  bool awaits_repair = false;

  std::string source_table() const { return source_schema + "." + source_name; }
  // What a copy of it reads (task/copy_columns.h): the source columns that have a target
  // column; their target names are the entries copied_columns(target_columns) lists.
  SourceTable copy_source() const { return copied_source(source, target_columns); }
  // The DDL planner's view of it, and back after a DDL (names, target, columns, types, keys).
  TrackedTable tracked() const;
  void follow(const TrackedTable& after);
};

// table_keys' entry of one source table.
struct TableKeys {
  std::vector<std::string> primary_key;
  std::vector<std::string> distribution_key;
};

// Orders binlog positions: by the file's number (binlog.000009 < binlog.000010), then offset.
// -1, 0 or 1.
int compare_positions(const BinlogPosition& a, const BinlogPosition& b) noexcept;

struct TaskRuntime {
  std::string task;
  SourceUri uri;
  std::unique_ptr<ObjectPatterns> patterns;
  NameMap names;
  InvalidDates invalid_dates = InvalidDates::to_null;
  uint32_t server_id = 0;
  // How the source lists the task's replica connection (identify()).
  std::string report_host = "mysql_sync";
  uint16_t report_port = 0;
  std::string replica_uuid;
  std::map<std::string, TableKeys> table_keys;  // "db.table" -> keys
  bool foreign_keys = false;                     // options.foreign_keys
  int64_t max_rows_per_second = 0;               // options.max_rows_per_second, 0 = unlimited
  int parallel = 2;  // options.parallel: source connections copying at once
  Consistency consistency = Consistency::automatic;  // options.consistency
  // Citus: options.reference_tables (source tables made reference tables) and options.shard_count
  // (0: Citus's citus.shard_count) for the tables the task creates.
  std::unique_ptr<ObjectPatterns> reference_tables;
  int shard_count = 0;
  std::vector<SyncTable> tables;
  DdlPolicies ddl_policies;   // options.ddl and whether operations include alter
  BinlogPosition approved_ddl;  // a DDL that paused the task here; resume_sync approved it

  // The tables being copied (the initial load, alter_sync, resync_table), their readers and
  // chunks (task/backfill_plan.h; bgworker/backfill.h runs them).
  BackfillRun backfills;
  std::string scratch;  // a text handed to the PostgreSQL zone, valid until the next use
  std::unique_ptr<CopyPipe> copy_pipe;  // a Citus target's COPY reads a chunk through it
  std::unique_ptr<Reader> reader;
  std::unique_ptr<SourceMonitor> monitor;  // started with the stream; readers made after it feed it
  std::unique_ptr<SourceItem> current;  // the item being applied
  BinlogPosition last_end;              // the newest transaction boundary seen by the apply
  std::vector<TableChange> spill_chunk;  // the part of a spilled transaction being applied
  std::vector<NetChanges> citus_changes;  // per table: the batch's changes to a Citus target

  // Names the task's replica connection after the task and the PostgreSQL cluster (its system
  // identifier; the port is reported too): source/binlog_stream.h replica_report_host.
  void identify(uint64_t system_identifier, uint16_t pg_port);

  // Describes the source tables matching the patterns and maps them to targets. Throws
  // SyncError 42P01 when nothing matches, 0A000 for a column type that cannot be mapped,
  // 42P16 for a table without a primary key and no table_keys entry, 42703 for table_keys naming
  // a column the table does not have.
  void describe_source();

  // The source tables matching `matching`, described and mapped like describe_source() does,
  // without touching `tables`. Empty when nothing matches; the same errors otherwise.
  std::vector<SyncTable> describe(const ObjectPatterns& matching) const;

  // A new reader from `start`, not yet started. max_memory: bytes for decoded changes (0 = no
  // limit); larger transactions spill to files in spill_dir.
  void make_reader(const BinlogPosition& start, size_t queue_capacity, size_t max_memory = 0,
                   const std::string& spill_dir = "");

  // Starts the source monitor (bytes behind, binlog retention), polling every poll_seconds;
  // `publish` receives its figures on the monitor's thread.
  void start_monitor(double poll_seconds, std::function<void(const MonitorFigures&)> publish);

  // Stops the threads and closes the connections (idempotent).
  void shut_down();
};

}  // namespace mysql_sync
