// SQL-callable C functions. Each is a bridge: C++ work runs inside MYSQL_SYNC_CXX (exceptions
// become ereport after the catch scope), PostgreSQL work outside it.
#include "binlog/binlog_file.h"
#include "binlog/event_json.h"
#include "source/object_patterns.h"
#include "source/precheck.h"
#include "source/source_uri.h"
#include "ddl/name_map.h"

#include "bgworker/shmem.h"
#include "extension/bridge.h"
#include "extension/commit_wakeup.h"
#include "extension/sql_args.h"

extern "C" {
#include "access/xact.h"
#include "access/xlog.h"
#include "access/xlogrecovery.h"
#include "catalog/namespace.h"
#include "commands/dbcommands.h"
#include "catalog/pg_authid.h"
#include "executor/spi.h"
#include "funcapi.h"
#include "nodes/makefuncs.h"
#include "utils/acl.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/jsonb.h"
#include "utils/timestamp.h"

PG_FUNCTION_INFO_V1(mysql_sync_mask_source);
PG_FUNCTION_INFO_V1(mysql_sync_preloaded);
PG_FUNCTION_INFO_V1(mysql_sync_check_source);
PG_FUNCTION_INFO_V1(mysql_sync_check_objects);
PG_FUNCTION_INFO_V1(mysql_sync_live_status);
PG_FUNCTION_INFO_V1(mysql_sync_live_copy);
PG_FUNCTION_INFO_V1(mysql_sync_signal_task);
PG_FUNCTION_INFO_V1(mysql_sync_binlog_events);
PG_FUNCTION_INFO_V1(mysql_sync_cluster_identity);
}

MYSQL_SYNC_FUNCTION(mysql_sync_mask_source) {
  char* source = text_to_cstring(PG_GETARG_TEXT_PP(0));
  char* masked = nullptr;
  MYSQL_SYNC_CXX("mask source", {
    std::string m = mysql_sync::mask_source_password(source);
    masked = static_cast<char*>(malloc(m.size() + 1));
    if (masked == nullptr) throw std::bad_alloc();
    memcpy(masked, m.c_str(), m.size() + 1);
  });
  text* result = cstring_to_text(masked);
  free(masked);
  PG_RETURN_TEXT_P(result);
}

MYSQL_SYNC_FUNCTION(mysql_sync_preloaded) {
  (void)fcinfo;
  PG_RETURN_BOOL(sync_shared != nullptr);
}

MYSQL_SYNC_FUNCTION(mysql_sync_check_source) {
  if (PG_ARGISNULL(0))
    ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE), errmsg("source must not be NULL"),
                    errhint("Give mysql://user:password@host:port.")));
  char* source = text_to_cstring(PG_GETARG_TEXT_PP(0));
  MYSQL_SYNC_CXX("", mysql_sync::SourceUri::parse(source));
  PG_RETURN_VOID();
}

MYSQL_SYNC_FUNCTION(mysql_sync_check_objects) {
  int count = 0;
  char** objects =
      PG_ARGISNULL(0) ? nullptr : text_array_strings(PG_GETARG_ARRAYTYPE_P(0), &count, "objects");
  if (count == 0)
    ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE), errmsg("objects must name at least one table"),
                    errhint("e.g. '{shop.*, crm.customers}'")));
  MYSQL_SYNC_CXX("", mysql_sync::ObjectPatterns(std::vector<std::string>(objects, objects + count)));
  PG_RETURN_VOID();
}

MYSQL_SYNC_FUNCTION(mysql_sync_live_status) {
  ReturnSetInfo* rsinfo = (ReturnSetInfo*)fcinfo->resultinfo;
  InitMaterializedSRF(fcinfo, 0);
  if (sync_shared == nullptr) return (Datum)0;  // not preloaded: no workers
  for (int i = 0; i < sync_shared->slot_count; i++) {
    TaskSlot slot;
    if (!read_running_slot(i, &slot)) continue;
    Datum values[12];
    bool nulls[12] = {false};
    values[0] = CStringGetTextDatum(slot.task);
    values[1] = Int32GetDatum(slot.pid);
    nulls[2] = slot.state[0] == '\0';
    values[2] = CStringGetTextDatum(slot.state);
    nulls[3] = slot.source_file[0] == '\0';
    values[3] = CStringGetTextDatum(slot.source_file);
    nulls[4] = slot.source_file[0] == '\0';
    values[4] = Int64GetDatum(slot.source_pos);
    nulls[5] = slot.applied_source_time == 0;
    values[5] = TimestampTzGetDatum(slot.applied_source_time);
    nulls[6] = slot.last_event_at == 0;
    values[6] = TimestampTzGetDatum(slot.last_event_at);
    values[7] = Int64GetDatum(slot.rows_copied);
    values[8] = Int64GetDatum(slot.changes_applied);
    values[9] = Int64GetDatum(slot.transactions_applied);
    uint64 bytes_behind = pg_atomic_read_u64(&sync_shared->slots[i].bytes_behind);
    uint64 retention_left = pg_atomic_read_u64(&sync_shared->slots[i].retention_left_s);
    nulls[10] = bytes_behind == kUnknownFigure;
    values[10] = Int64GetDatum((int64)bytes_behind);
    nulls[11] = retention_left == kUnknownFigure;
    values[11] = Int64GetDatum((int64)retention_left);
    tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
  }
  return (Datum)0;
}

// The copy of each running worker: the table its COPY writes, that COPY's rows not yet committed,
// and the recent rate (rows per second; 0 when it is not known).
MYSQL_SYNC_FUNCTION(mysql_sync_live_copy) {
  ReturnSetInfo* rsinfo = (ReturnSetInfo*)fcinfo->resultinfo;
  InitMaterializedSRF(fcinfo, 0);
  if (sync_shared == nullptr) return (Datum)0;
  const TimestampTz now = GetCurrentTimestamp();
  for (int i = 0; i < sync_shared->slot_count; i++) {
    TaskSlot slot;
    if (!read_running_slot(i, &slot)) continue;
    Datum values[4] = {CStringGetTextDatum(slot.task), CStringGetTextDatum(slot.copy_table),
                       Int64GetDatum(slot.copy_rows_in_flight), Float8GetDatum(copy_rate_at(&slot, now))};
    bool nulls[4] = {false, slot.copy_table[0] == '\0', false, false};
    tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
  }
  return (Datum)0;
}

MYSQL_SYNC_FUNCTION(mysql_sync_signal_task) {
  char* task = text_to_cstring(PG_GETARG_TEXT_PP(0));
  bool terminate = PG_GETARG_BOOL(1);
  if (sync_shared == nullptr)
    ereport(
        ERROR,
        (errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
         errmsg("mysql_sync is not loaded by shared_preload_libraries"),
         errhint("Add mysql_sync to shared_preload_libraries in postgresql.conf and restart PostgreSQL.")));
  bool signalled = false;
  int index = find_task_slot(task);
  if (terminate && index >= 0) {
    pid_t pid = sync_shared->slots[index].pid;
    if (pid != 0 && kill(pid, SIGTERM) == 0) {
      signalled = true;
      // Wait (up to 30 s) for the worker to leave, so that the caller's next step sees it gone.
      for (int waited = 0; waited < 3000 && sync_shared->slots[index].pid == pid; waited++) {
        CHECK_FOR_INTERRUPTS();
        pg_usleep(10000);
      }
    }
  }
  wake_launcher_at_commit();
  PG_RETURN_BOOL(signalled);
}

// True when the JSON text has the escape \u0000 (an odd run of backslashes before "u0000").
static bool json_has_nul_escape(const char* json) {
  for (const char* p = strstr(json, "u0000"); p != nullptr; p = strstr(p + 1, "u0000")) {
    int backslashes = 0;
    for (const char* q = p - 1; q >= json && *q == '\\'; q--) backslashes++;
    if (backslashes % 2 == 1) return true;
  }
  return false;
}

MYSQL_SYNC_FUNCTION(mysql_sync_binlog_events) {
  ReturnSetInfo* rsinfo = (ReturnSetInfo*)fcinfo->resultinfo;
  if (!has_privs_of_role(GetUserId(), ROLE_PG_READ_SERVER_FILES))
    ereport(ERROR, (errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
                    errmsg("permission denied to read binlog files on the server"),
                    errhint("Only superusers and members of pg_read_server_files may call binlog_events.")));
  char* path = text_to_cstring(PG_GETARG_TEXT_PP(0));
  int64 start = PG_GETARG_INT64(1);
  InitMaterializedSRF(fcinfo, MAT_SRF_USE_EXPECTED_DESC);

  // Decoded into malloc'd lines first (C++ zone), then stored (PostgreSQL zone).
  char** lines = nullptr;
  size_t line_count = 0;
  mysql_sync::CapturedError error;
  bool ok = mysql_sync::cxx_call(error, [&] {
    std::vector<std::string> out;
    std::string base = path;
    size_t slash = base.rfind('/');
    if (slash != std::string::npos) base = base.substr(slash + 1);
    mysql_sync::EventJsonWriter writer(base);
    mysql_sync::DecoderOptions options;
    options.enum_index_when_unknown = true;  // as the CLI: no schema to name ENUM members
    options.partial_images = true;
    options.json_diff_without_before = true;  // as the CLI: the diff list when the old value is absent
    try {
      mysql_sync::read_binlog_file(path, (uint64_t)start, options, [&](const mysql_sync::Event& ev) {
        writer.write(ev, [&](const std::string& line) { out.push_back(line); });
      });
    } catch (...) {
      lines = static_cast<char**>(calloc(out.size() + 1, sizeof(char*)));
      for (size_t i = 0; lines && i < out.size(); i++) lines[line_count++] = strdup(out[i].c_str());
      throw;
    }
    lines = static_cast<char**>(calloc(out.size() + 1, sizeof(char*)));
    if (lines == nullptr) throw std::bad_alloc();
    for (size_t i = 0; i < out.size(); i++) lines[line_count++] = strdup(out[i].c_str());
  });
  for (size_t i = 0; i < line_count; i++) {
    if (lines[i] == nullptr) continue;
    // jsonb cannot hold U+0000, which MySQL text may contain: say so instead of a parse error.
    if (json_has_nul_escape(lines[i])) {
      char* line = pstrdup(lines[i]);
      for (size_t j = i; j < line_count; j++) free(lines[j]);
      free(lines);
      ereport(ERROR,
              (errcode(ERRCODE_UNTRANSLATABLE_CHARACTER),
               errmsg("binlog_events(%s): an event holds a NUL character, which jsonb cannot store", path),
               errdetail("The event: %.300s", line),
               errhint("The mysql-sync-binlog command prints such values (as \\u0000).")));
    }
    Datum value = DirectFunctionCall1(jsonb_in, CStringGetDatum(lines[i]));
    bool isnull = false;
    tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, &value, &isnull);
    free(lines[i]);
  }
  free(lines);
  if (!ok) report_captured_error(error, psprintf("binlog_events(%s)", path));
  return (Datum)0;
}

MYSQL_SYNC_FUNCTION(mysql_sync_cluster_identity) {
  TupleDesc desc;
  if (get_call_result_type(fcinfo, nullptr, &desc) != TYPEFUNC_COMPOSITE)
    ereport(ERROR,
            (errcode(ERRCODE_FEATURE_NOT_SUPPORTED), errmsg("_cluster_identity must return a record")));
  desc = BlessTupleDesc(desc);
  // A standby replays its primary's timeline; once promoted it writes a timeline of its own.
  TimeLineID timeline = 0;
  if (RecoveryInProgress())
    (void)GetXLogReplayRecPtr(&timeline);
  else
    timeline = GetWALInsertionTimeLine();
  Datum values[2];
  bool nulls[2] = {false, false};
  values[0] = CStringGetTextDatum(psprintf(UINT64_FORMAT, GetSystemIdentifier()));
  values[1] = Int32GetDatum((int32)timeline);
  PG_RETURN_DATUM(HeapTupleGetDatum(heap_form_tuple(desc, values, nulls)));
}
