#include "task/runtime.h"

#include "common/errors.h"
#include "ddl/target_names.h"
#include "source/binlog_stream.h"

#include <cstdlib>

namespace mysql_sync {

namespace {

// The number after the file name's last dot, or -1.
long long file_number(const std::string& file) noexcept {
  size_t dot = file.rfind('.');
  if (dot == std::string::npos || dot + 1 >= file.size()) return -1;
  char* end = nullptr;
  long long n = std::strtoll(file.c_str() + dot + 1, &end, 10);
  return *end == '\0' ? n : -1;
}

std::vector<uint16_t> column_indexes(const SourceTable& source, const std::vector<std::string>& names,
                                     const char* what) {
  std::vector<uint16_t> out;
  for (const std::string& name : names) {
    size_t i = 0;
    while (i < source.columns.size() && source.columns[i].name != name) i++;
    if (i == source.columns.size())
      throw SyncError("42703",
                      "table_keys names the " + std::string(what) + " column \"" + name + "\", which " +
                          source.schema + "." + source.name + " does not have",
                      "Name existing columns of " + source.schema + "." + source.name +
                          " in table_keys (case-sensitive).");
    out.push_back(static_cast<uint16_t>(i));
  }
  return out;
}

}  // namespace

int compare_positions(const BinlogPosition& a, const BinlogPosition& b) noexcept {
  if (a.file != b.file) {
    long long na = file_number(a.file), nb = file_number(b.file);
    if (na >= 0 && nb >= 0 && na != nb) return na < nb ? -1 : 1;
    return a.file < b.file ? -1 : 1;
  }
  if (a.pos != b.pos) return a.pos < b.pos ? -1 : 1;
  return 0;
}

void TaskRuntime::identify(uint64_t system_identifier, uint16_t pg_port) {
  report_host = replica_report_host(task, system_identifier);
  report_port = pg_port;
  replica_uuid = replica_uuid_of(task, system_identifier);
}

void TaskRuntime::describe_source() {
  std::vector<SyncTable> described = describe(*patterns);
  if (described.empty()) {
    std::string list;
    for (const std::string& p : patterns->patterns()) list += (list.empty() ? "" : ", ") + p;
    throw SyncError("42P01", "no source table matches the objects " + list,
                    "Check the names with SHOW TABLES on the source; patterns are db.table with * or % "
                    "wildcards and are case-sensitive.");
  }
  tables = std::move(described);
}

std::vector<SyncTable> TaskRuntime::describe(const ObjectPatterns& matching) const {
  MysqlClient client(uri);
  std::vector<SourceTable> described = describe_tables(client, matching);
  // Names PostgreSQL cannot hold are never created cut, whatever the precheck was told to skip.
  std::vector<PlannedTable> planned;
  for (const SourceTable& source : described) planned.push_back(planned_table(source, names));
  require_fitting_names(planned);
  std::vector<SyncTable> tables;
  for (SourceTable& source : described) {
    SyncTable table;
    table.source_schema = source.schema;
    table.source_name = source.name;
    std::tie(table.target_schema, table.target_name) = names.table_of(source.schema, source.name);
    auto keys = table_keys.find(source.schema + "." + source.name);
    if (keys != table_keys.end() && !keys->second.primary_key.empty()) {
      column_indexes(source, keys->second.primary_key, "primary key");
      if (!source.primary_key.empty() && source.primary_key != keys->second.primary_key) {
        // The source's own primary key stays a unique index of the target.
        SourceIndex own;
        own.name = "source_primary";
        own.unique = true;
        own.type = "BTREE";
        own.columns = source.primary_key;
        source.indexes.insert(source.indexes.begin(), own);
      }
      source.primary_key = keys->second.primary_key;
    }
    if (source.primary_key.empty())
      throw SyncError("42P16", "source table " + source.schema + "." + source.name + " has no primary key",
                      "Add a primary key on the source (ALTER TABLE ... ADD PRIMARY KEY), name one with "
                      "table_keys => '{\"" +
                          source.schema + "." + source.name +
                          "\": {\"primary_key\": [\"<column>\"]}}', or leave the table out of objects.");
    if (keys != table_keys.end() && !keys->second.distribution_key.empty()) {
      column_indexes(source, keys->second.distribution_key, "distribution key");
      table.distribution_key = keys->second.distribution_key;
    } else {
      table.distribution_key = {source.primary_key.front()};
    }
    for (const SourceColumn& column : source.columns) {
      table.target_columns.push_back(names.column_of(source.schema, source.name, column.name));
      table.pg_types.push_back(pg_type_of(column));
    }
    table.primary_key = source.primary_key;
    table.shape = source.shape();
    table.source = std::move(source);
    tables.push_back(std::move(table));
  }
  return tables;
}

TrackedTable SyncTable::tracked() const {
  TrackedTable t;
  t.model = source;
  t.model.schema = source_schema;
  t.model.name = source_name;
  t.model.primary_key = primary_key;
  t.target_schema = target_schema;
  t.target_name = target_name;
  t.target_columns = target_columns;
  t.active = active;
  return t;
}

void SyncTable::follow(const TrackedTable& after) {
  source = after.model;
  source_schema = after.model.schema;
  source_name = after.model.name;
  target_schema = after.target_schema;
  target_name = after.target_name;
  target_columns = after.target_columns;
  active = after.active;
  pg_types.clear();
  for (const SourceColumn& column : source.columns) pg_types.push_back(pg_type_of(column));
  primary_key = source.primary_key;
  if (distribution_key.empty() && !primary_key.empty()) distribution_key = {primary_key.front()};
  shape = source.shape();
}

void TaskRuntime::make_reader(const BinlogPosition& start, size_t queue_capacity, size_t max_memory,
                              const std::string& spill_dir) {
  ReaderConfig config;
  config.uri = uri;
  config.server_id = server_id;
  config.report_host = report_host;
  config.report_port = report_port;
  config.replica_uuid = replica_uuid;
  config.start = start;
  config.invalid_dates = invalid_dates;
  config.queue_capacity = queue_capacity;
  config.max_memory = max_memory;
  config.spill_dir = spill_dir;
  for (const SyncTable& table : tables) {
    config.tables.push_back(ReaderTable{table.source_schema, table.source_name, table.shape});
    config.tracked.push_back(table.tracked());
  }
  config.patterns = patterns->patterns();
  config.names = names;
  config.policies = ddl_policies;
  for (const auto& keys : table_keys)
    if (!keys.second.primary_key.empty()) config.table_keys[keys.first] = keys.second.primary_key;
  config.approved_ddl = approved_ddl;
  if (SourceMonitor* m = monitor.get())  // shut_down stops the reader before the monitor
    config.on_file_closed = [m](const std::string& file, int64_t closed_at) {
      m->note_file_closed(file, closed_at);
    };
  reader = std::make_unique<Reader>(std::move(config));
}

void TaskRuntime::start_monitor(double poll_seconds, std::function<void(const MonitorFigures&)> publish) {
  SourceMonitorConfig config;
  config.uri = uri;
  config.poll_seconds = poll_seconds;
  config.publish = std::move(publish);
  monitor = std::make_unique<SourceMonitor>(std::move(config));
  monitor->start();
}

void TaskRuntime::shut_down() {
  if (reader) reader->stop();
  if (monitor) monitor->stop();
  backfills.readers.clear();
  copy_pipe.reset();
}

}  // namespace mysql_sync
