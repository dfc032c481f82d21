// The C helpers of resync_table and alter_sync: matching object patterns, listing the source's
// tables, and waking a task's worker once the request is committed.
#include "source/mysql_client.h"
#include "source/object_patterns.h"
#include "source/source_catalog.h"
#include "source/source_uri.h"

#include "bgworker/shmem.h"
#include "extension/bridge.h"
#include "extension/commit_wakeup.h"
#include "extension/sql_args.h"

extern "C" {
#include "funcapi.h"
#include "utils/builtins.h"

PG_FUNCTION_INFO_V1(mysql_sync_signal_table_requests);
PG_FUNCTION_INFO_V1(mysql_sync_objects_match);
PG_FUNCTION_INFO_V1(mysql_sync_source_tables);
}

MYSQL_SYNC_FUNCTION(mysql_sync_signal_table_requests) {
  char* task = text_to_cstring(PG_GETARG_TEXT_PP(0));
  if (sync_shared == nullptr) PG_RETURN_VOID();  // not preloaded: no worker to wake
  wake_worker_at_commit(task);
  PG_RETURN_VOID();
}

MYSQL_SYNC_FUNCTION(mysql_sync_objects_match) {
  int count = 0;
  char** objects = text_array_strings(PG_GETARG_ARRAYTYPE_P(0), &count, "objects");
  char* db = text_to_cstring(PG_GETARG_TEXT_PP(1));
  char* table = text_to_cstring(PG_GETARG_TEXT_PP(2));
  bool matches = false;
  MYSQL_SYNC_CXX("", {
    mysql_sync::ObjectPatterns patterns(std::vector<std::string>(objects, objects + count));
    matches = patterns.matches(db, table);
  });
  PG_RETURN_BOOL(matches);
}

MYSQL_SYNC_FUNCTION(mysql_sync_source_tables) {
  ReturnSetInfo* rsinfo = (ReturnSetInfo*)fcinfo->resultinfo;
  char* source = text_to_cstring(PG_GETARG_TEXT_PP(0));
  int count = 0;
  char** objects = text_array_strings(PG_GETARG_ARRAYTYPE_P(1), &count, "objects");
  InitMaterializedSRF(fcinfo, MAT_SRF_USE_EXPECTED_DESC);
  // Collected into malloc'd strings (C++ zone), then stored (PostgreSQL zone).
  char** names = nullptr;
  size_t name_count = 0;
  mysql_sync::CapturedError error;
  bool ok = mysql_sync::cxx_call(error, [&] {
    mysql_sync::MysqlClient client(mysql_sync::SourceUri::parse(source));
    mysql_sync::ObjectPatterns patterns(std::vector<std::string>(objects, objects + count));
    std::vector<mysql_sync::SourceTable> tables = mysql_sync::describe_tables(client, patterns);
    names = static_cast<char**>(calloc(tables.size() + 1, sizeof(char*)));
    if (names == nullptr) throw std::bad_alloc();
    for (const mysql_sync::SourceTable& t : tables) {
      names[name_count] = strdup((t.schema + "." + t.name).c_str());
      if (names[name_count] == nullptr) throw std::bad_alloc();
      name_count++;
    }
  });
  for (size_t i = 0; i < name_count; i++) {
    Datum value = CStringGetTextDatum(names[i]);
    bool isnull = false;
    free(names[i]);
    tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, &value, &isnull);
  }
  free(names);
  if (!ok) report_captured_error(error, "the source's tables");
  return (Datum)0;
}
