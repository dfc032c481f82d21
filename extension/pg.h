// The PostgreSQL zone's way in: PostgreSQL's headers have no extern "C" of their own. Include the
// C++ zone's headers (common/ binlog/ source/ ddl/ task/) BEFORE this one; they refuse to compile
// after postgres.h.
#pragma once

extern "C" {
#include "postgres.h"

#include "fmgr.h"
#include "miscadmin.h"
#include "utils/elog.h"
#include "utils/memutils.h"
}
