// The C helpers of resync_table and alter_sync: matching object patterns, listing the source's
// tables, and waking a task's worker once the request is committed.
#include "source/mysql_client.h"
#include "source/object_patterns.h"
#include "source/source_catalog.h"
#include "source/source_uri.h"

#include "bgworker/shmem.h"
#include "extension/bridge.h"
#include "extension/sql_args.h"

extern "C" {
#include "access/xact.h"
#include "funcapi.h"
#include "storage/proc.h"
#include "storage/procarray.h"
#include "utils/builtins.h"

PG_FUNCTION_INFO_V1(mysql_sync_signal_table_requests);
PG_FUNCTION_INFO_V1(mysql_sync_objects_match);
PG_FUNCTION_INFO_V1(mysql_sync_source_tables);
}

namespace {

// The tasks whose workers are woken when the caller's transaction commits (a wake-up before the
// commit would find nothing new). Plain data: a few task names.
constexpr int kMaxPending = 16;
char pending_tasks[kMaxPending][kTaskNameSize];
int pending_count = 0;
bool callback_registered = false;

void wake_worker(const char* task) {
  int index = find_task_slot(task);
  if (index < 0) return;  // no worker: it reads the requests when it starts
  pid_t pid = note_table_requests(index);
  if (pid == 0) return;
  PGPROC* proc = BackendPidGetProc(pid);
  if (proc != nullptr) SetLatch(&proc->procLatch);
}

MYSQL_SYNC_VOID_ENTRY(wake_on_commit, (XactEvent event, [[maybe_unused]] void* arg), (event, arg)) {
  if (event == XACT_EVENT_COMMIT)
    for (int i = 0; i < pending_count; i++) wake_worker(pending_tasks[i]);
  if (event == XACT_EVENT_COMMIT || event == XACT_EVENT_ABORT) pending_count = 0;
}

}  // namespace

MYSQL_SYNC_FUNCTION(mysql_sync_signal_table_requests) {
  char* task = text_to_cstring(PG_GETARG_TEXT_PP(0));
  if (sync_shared == nullptr) PG_RETURN_VOID();  // not preloaded: no worker to wake
  if (!callback_registered) {
    RegisterXactCallback(wake_on_commit, nullptr);
    callback_registered = true;
  }
  for (int i = 0; i < pending_count; i++)
    if (strcmp(pending_tasks[i], task) == 0) PG_RETURN_VOID();
  if (pending_count < kMaxPending) strlcpy(pending_tasks[pending_count++], task, kTaskNameSize);
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
