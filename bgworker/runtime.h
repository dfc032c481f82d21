// The worker-level owner of every long-lived C++ object of a task (connections, threads,
// decoder, the table model). One per worker process, created with new and never on a stack that
// PostgreSQL may longjmp over; the PostgreSQL zone reaches it through plain pointers.
#pragma once
#include "binlog/cxx_zone.h"

#include <memory>
#include <string>
#include <vector>

#include "binlog/mysql_client.h"
#include "binlog/object_patterns.h"
#include "binlog/source_catalog.h"
#include "binlog/source_uri.h"
#include "bgworker/copy_feed.h"
#include "bgworker/name_map.h"
#include "bgworker/reader.h"

namespace mysql_sync {

struct SyncTable {
  std::string source_schema;
  std::string source_name;
  std::string target_schema;
  std::string target_name;
  std::vector<std::string> target_columns;  // per source column, in source order
  std::vector<std::string> pg_types;        // per source column (schema sync only)
  std::vector<std::string> primary_key;     // source column names
  TableShape shape;
  SourceTable source;  // as described at the start (initial sync only)

  std::string source_table() const { return source_schema + "." + source_name; }
};

struct TaskRuntime {
  std::string task;
  SourceUri uri;
  std::unique_ptr<ObjectPatterns> patterns;
  NameMap names;
  InvalidDates invalid_dates = InvalidDates::to_null;
  uint32_t server_id = 0;
  std::vector<SyncTable> tables;

  std::unique_ptr<MysqlClient> snapshot_client;  // holds the consistent snapshot during the copy
  std::unique_ptr<CopyFeed> copy;
  std::unique_ptr<Reader> reader;
  std::unique_ptr<SourceItem> current;  // the item being applied
  BinlogPosition last_end;              // the newest transaction boundary seen by the apply

  // Describes the source tables matching the patterns and maps them to targets. Throws
  // SyncError 42P01 when nothing matches, 0A000 for a column type that cannot be mapped,
  // 42P16 for a table without a primary key.
  void describe_source();

  // A new reader from `start`, not yet started.
  void make_reader(const BinlogPosition& start, size_t queue_capacity);

  // Stops the threads and closes the connections (idempotent).
  void shut_down();
};

}  // namespace mysql_sync
