// Which synced tables a QUERY event's statement refers to. Until the DDL issue brings a full
// parser, any statement that names a synced table (except the harmless maintenance ones) stops the
// task: a row must never be applied to the wrong shape.
#pragma once
#include "common/cxx_zone.h"

#include <functional>
#include <string>

namespace mysql_sync {

// Returns the first synced table ("db.table") that `sql` names, or "" when none. Comments,
// version comments (/*!50100 ... */), strings and backquoted identifiers are understood.
std::string synced_table_in_statement(const std::string& sql, const std::string& default_db,
                                      const std::function<bool(const std::string& db, const std::string& table)>&
                                          is_synced,
                                      const std::function<bool(const std::string& db)>& has_synced_tables);

}  // namespace mysql_sync
