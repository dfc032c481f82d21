#include "task/copy_columns.h"

#include "common/errors.h"

namespace mysql_sync {

std::vector<size_t> copied_columns(const std::vector<std::string>& target_columns) {
  std::vector<size_t> out;
  for (size_t c = 0; c < target_columns.size(); c++)
    if (!target_columns[c].empty()) out.push_back(c);
  return out;
}

SourceTable copied_source(const SourceTable& source, const std::vector<std::string>& target_columns) {
  if (target_columns.size() != source.columns.size())
    throw SyncError("XX000",
                    "table " + source.schema + "." + source.name + " has " +
                        std::to_string(source.columns.size()) + " source columns but " +
                        std::to_string(target_columns.size()) + " recorded target columns",
                    "resync_table cannot repair this; drop_sync the task and start_sync it again.");
  SourceTable out = source;
  out.columns.clear();
  for (size_t c : copied_columns(target_columns)) out.columns.push_back(source.columns[c]);
  return out;
}

}  // namespace mysql_sync
