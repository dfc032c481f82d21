// A source table's definition (SourceTable) as JSON and back: the schema history stores one per
// version, so that after a restart the worker tracks each table with the definition of the
// applied position, not the source's definition of today.
#pragma once
#include "common/cxx_zone.h"

#include <string>

#include "source/source_catalog.h"

namespace mysql_sync {

std::string source_table_to_json(const SourceTable& table);

// Throws SyncError XX000 on text that source_table_to_json did not write (a damaged catalog row).
SourceTable source_table_from_json(const std::string& json);

}  // namespace mysql_sync
