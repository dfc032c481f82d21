// The columns a copy of a synced table reads from the source and writes to the target. A source
// column whose ADD COLUMN the DDL policy ignored (options.ddl {"add_column": "ignore"}) has no
// target column: its target name is "" (ddl/ddl_plan.h). The stream leaves it out of its
// statements (bgworker/apply.cpp); every copy (the initial load, resync_table, alter_sync) leaves
// it out of its SELECT, of the COPY text and of the COPY column list alike, through these two
// functions, and verify() does not compare it. Pure C++.
#pragma once
#include "common/cxx_zone.h"

#include <cstddef>
#include <string>
#include <vector>

#include "source/source_catalog.h"

namespace mysql_sync {

// The indexes of the columns that have a target column, in source order.
std::vector<size_t> copied_columns(const std::vector<std::string>& target_columns);

// `source` with only those columns, in source order (everything else kept): what the copy's
// SELECT reads (copy_select_sql) and CopyTextWriter encodes, one COPY field per copied column.
// `target_columns` has one name per source column; throws SyncError XX000 naming the table when
// it has not.
SourceTable copied_source(const SourceTable& source, const std::vector<std::string>& target_columns);

}  // namespace mysql_sync
