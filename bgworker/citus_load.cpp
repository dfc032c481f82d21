#include "bgworker/citus_load.h"

#include "task/copy_pipe.h"
#include "task/copy_source.h"

#include "bgworker/catalog.h"
#include "bgworker/citus.h"
#include "extension/bridge.h"

extern "C" {
#include "executor/spi.h"
#include "lib/stringinfo.h"
#include "miscadmin.h"
#include "utils/builtins.h"
}

namespace {

constexpr uint64 kPieceBytes = 64 * 1024 * 1024;

// `COPY target (copied columns) FROM '<the pipe>'`, the pipe made at the first use.
char* copy_statement(int index, Oid target) {
  mysql_sync::TaskRuntime* runtime = worker_task.runtime;
  const mysql_sync::SyncTable& table = runtime->tables[index];
  // In PostgreSQL's temporary directory, named so that a restart after a crash removes it.
  char* path = psprintf("%s/base/pgsql_tmp/pgsql_tmp_mysql_sync_copy_%d.fifo", DataDir, MyProcPid);
  // The copied columns (those with a target column), in the order of the source's fields.
  int* copied = static_cast<int*>(palloc(sizeof(int) * (table.target_columns.size() + 1)));
  int count = 0;
  MYSQL_SYNC_CXX(worker_task.label, {
    if (!runtime->copy_pipe) runtime->copy_pipe = std::make_unique<mysql_sync::CopyPipe>(path);
    for (size_t c : mysql_sync::copied_columns(table.target_columns)) copied[count++] = (int)c;
  });
  StringInfoData sql;
  initStringInfo(&sql);
  appendStringInfo(&sql, "COPY %s (", qualified_relation_name(target));
  for (int i = 0; i < count; i++)
    appendStringInfo(&sql, "%s%s", i ? ", " : "", quote_identifier(table.target_columns[copied[i]].c_str()));
  appendStringInfo(&sql, ") FROM %s", quote_literal_cstr(path));
  return sql.data;
}

void abandon_pipe(void) {
  mysql_sync::CapturedError ignored;
  mysql_sync::cxx_call(ignored, [&] { worker_task.runtime->copy_pipe->abandon(); });
}

// COPY of the source in pieces.
uint64 copy_pieces(int index, Oid target, mysql_sync::CopySource* source) {
  mysql_sync::TaskRuntime* runtime = worker_task.runtime;
  const char* sql = copy_statement(index, target);
  uint64 total = 0;
  bool ended = false;
  do {
    MYSQL_SYNC_CXX(worker_task.label, {
      runtime->copy_pipe->start(*source, kPieceBytes, mysql_sync::CopyPipe::Clock::time_point::max(),
                                &InterruptPending);
    });
    PG_TRY();
    { spi_exec_text(sql, 0, nullptr); }
    PG_CATCH();
    {
      // The source must not be read any more once the caller cleans up after this error.
      abandon_pipe();
      PG_RE_THROW();
    }
    PG_END_TRY();
    total += SPI_processed;
    MYSQL_SYNC_CXX(worker_task.label, ended = runtime->copy_pipe->finish());
    CHECK_FOR_INTERRUPTS();
  } while (!ended);
  return total;
}

}  // namespace

uint64 copy_text_via_citus(int index, Oid target, const char* text, size_t size) {
  mysql_sync::CopyText* source = nullptr;
  MYSQL_SYNC_CXX(worker_task.label, source = new mysql_sync::CopyText(text, size));
  uint64 rows = 0;
  PG_TRY();
  { rows = copy_pieces(index, target, source); }
  PG_FINALLY();
  { delete source; }
  PG_END_TRY();
  return rows;
}
