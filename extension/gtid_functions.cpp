// SQL-callable C functions about GTID positions.
#include "source/gtid_set.h"

#include "extension/bridge.h"

extern "C" {
#include "utils/builtins.h"

PG_FUNCTION_INFO_V1(mysql_sync_check_gtid);
}

// _check_gtid(text): 22023 naming the bad part of a GTID set (MySQL) or position (MariaDB).
MYSQL_SYNC_FUNCTION(mysql_sync_check_gtid) {
  char* gtid = text_to_cstring(PG_GETARG_TEXT_PP(0));
  MYSQL_SYNC_CXX("", mysql_sync::GtidSet::parse(gtid));
  PG_RETURN_VOID();
}
