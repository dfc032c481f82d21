#include "bgworker/citus_load.h"

#include "task/copy_pipe.h"
#include "task/copy_source.h"

#include "bgworker/catalog.h"
#include "bgworker/citus.h"
#include "bgworker/initial_sync.h"
#include "extension/bridge.h"

extern "C" {
#include "executor/spi.h"
#include "lib/stringinfo.h"
#include "miscadmin.h"
#include "utils/builtins.h"
}

namespace {

constexpr uint64 kPieceBytes = 64 * 1024 * 1024;
// A data-source callback's text is held in memory: smaller pieces (larger for a longer row).
constexpr Size kCallbackPieceBytes = 16 * 1024 * 1024;

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

// COPY of the source in pieces; the live rows_copied counts from `rows_before` (the rows this
// copy wrote before the source).
uint64 copy_pieces(int index, Oid target, mysql_sync::CopySource* source, uint64 rows_before) {
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
    show_copy_progress(rows_before + total);
    CHECK_FOR_INTERRUPTS();
  } while (!ended);
  return total;
}

// COPY of `size` bytes of COPY text at `text`.
uint64 copy_text(int index, Oid target, const char* text, Size size, uint64 rows_before) {
  mysql_sync::CopyText* source = nullptr;
  MYSQL_SYNC_CXX(worker_task.label, source = new mysql_sync::CopyText(text, size));
  uint64 rows = 0;
  PG_TRY();
  { rows = copy_pieces(index, target, source, rows_before); }
  PG_FINALLY();
  { delete source; }
  PG_END_TRY();
  return rows;
}

}  // namespace

uint64 copy_source_via_citus(int index, Oid target, mysql_sync::CopySource* source) {
  return copy_pieces(index, target, source, 0);
}

uint64 copy_callback_via_citus(int index, Oid target, copy_data_source_cb read) {
  // The piece being gathered: `held` bytes, those after its last newline carried over to the next.
  Size capacity = kCallbackPieceBytes;
  char* buffer = static_cast<char*>(MemoryContextAllocHuge(CurrentMemoryContext, capacity));
  Size held = 0;
  bool at_end = false;
  uint64 total = 0;
  while (!at_end || held > 0) {
    while (!at_end && held < capacity) {
      int n = read(buffer + held, 1, (int)Min(capacity - held, (Size)(1 << 30)));
      if (n == 0) at_end = true;
      held += (Size)n;
    }
    // COPY text escapes the newlines inside values: the piece ends at its last newline.
    Size cut = held;
    if (!at_end) {
      while (cut > 0 && buffer[cut - 1] != '\n') cut--;
      if (cut == 0) {  // one row longer than the buffer
        capacity *= 2;
        buffer = static_cast<char*>(repalloc_huge(buffer, capacity));
        continue;
      }
    }
    total += copy_text(index, target, buffer, cut, total);
    memmove(buffer, buffer + cut, held - cut);
    held -= cut;
  }
  pfree(buffer);
  return total;
}
