// Internal to the source side: families of information_schema DATA_TYPE names (lower case),
// shared by the type mapping, the initial copy and the catalog.
#pragma once
#include "common/cxx_zone.h"

#include <string>

namespace mysql_sync {

bool is_text_type(const std::string& data_type);      // tinytext .. longtext
bool is_binary_type(const std::string& data_type);    // binary, varbinary, tinyblob .. longblob
bool is_geometry_type(const std::string& data_type);  // geometry, point, ... geomcollection

}  // namespace mysql_sync
