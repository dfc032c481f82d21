#include "bgworker/runtime.h"

#include "binlog/errors.h"

namespace mysql_sync {

void TaskRuntime::describe_source() {
  MysqlClient client(uri);
  std::vector<SourceTable> described = describe_tables(client, *patterns);
  if (described.empty()) {
    std::string list;
    for (const std::string& p : patterns->patterns()) list += (list.empty() ? "" : ", ") + p;
    throw SyncError("42P01", "no source table matches the objects " + list,
                    "Check the names with SHOW TABLES on the source; patterns are db.table with * or % "
                    "wildcards and are case-sensitive.");
  }
  tables.clear();
  for (SourceTable& source : described) {
    SyncTable table;
    table.source_schema = source.schema;
    table.source_name = source.name;
    std::tie(table.target_schema, table.target_name) = names.table_of(source.schema, source.name);
    if (source.primary_key.empty())
      throw SyncError("42P16", "source table " + source.schema + "." + source.name + " has no primary key",
                      "Add a primary key on the source (ALTER TABLE ... ADD PRIMARY KEY), or leave the table "
                      "out of the objects; table_keys arrives with the initial-sync issue.");
    for (const SourceColumn& column : source.columns) {
      table.target_columns.push_back(names.column_of(source.schema, source.name, column.name));
      table.pg_types.push_back(pg_type_of(column));
    }
    table.primary_key = source.primary_key;
    table.shape = source.shape();
    table.source = std::move(source);
    tables.push_back(std::move(table));
  }
}

void TaskRuntime::make_reader(const BinlogPosition& start, size_t queue_capacity) {
  ReaderConfig config;
  config.uri = uri;
  config.server_id = server_id;
  config.start = start;
  config.invalid_dates = invalid_dates;
  config.queue_capacity = queue_capacity;
  for (const SyncTable& table : tables)
    config.tables.push_back(ReaderTable{table.source_schema, table.source_name, table.shape});
  reader = std::make_unique<Reader>(std::move(config));
}

void TaskRuntime::shut_down() {
  if (reader) reader->stop();
  copy.reset();
  snapshot_client.reset();
}

}  // namespace mysql_sync
