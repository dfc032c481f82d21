#include "bgworker/citus_load.h"

#include "bgworker/catalog.h"
#include "bgworker/citus.h"
#include "bgworker/initial_sync.h"
#include "extension/bridge.h"

extern "C" {
#include "catalog/namespace.h"
#include "lib/stringinfo.h"
#include "nodes/makefuncs.h"
#include "utils/builtins.h"
}

namespace {

constexpr size_t kStageBytes = 32 * 1024 * 1024;
constexpr const char* kStage = "pg_temp.mysql_sync_stage";

// The piece being staged: the caller's data source, cut at the first row end past kStageBytes.
// COPY text ends every row with a newline and escapes the newlines inside values.
copy_data_source_cb feed_read = nullptr;
size_t piece_bytes = 0;
bool piece_cut = false;
bool at_row_end = true;

int stage_read(void* outbuf, int minread, int maxread) {
  if (piece_bytes >= kStageBytes && at_row_end) {
    piece_cut = true;
    return 0;
  }
  int n = feed_read(outbuf, minread, maxread);
  if (n > 0) {
    piece_bytes += (size_t)n;
    at_row_end = static_cast<char*>(outbuf)[n - 1] == '\n';
  }
  return n;
}

}  // namespace

uint64 copy_rows_via_stage(int index, Oid target, copy_data_source_cb read) {
  const mysql_sync::SyncTable& table = worker_task.runtime->tables[index];
  const char* qualified = qualified_relation_name(target);
  spi_exec_text(psprintf("CREATE TEMP TABLE %s (LIKE %s)", kStage, qualified), 0, nullptr);
  Oid stage =
      RangeVarGetRelid(makeRangeVar(pstrdup("pg_temp"), pstrdup("mysql_sync_stage"), -1), NoLock, false);

  // The copied columns (those with a target column), as the COPY into the stage fills them.
  int* copied = static_cast<int*>(palloc(sizeof(int) * (table.target_columns.size() + 1)));
  int count = 0;
  MYSQL_SYNC_CXX(worker_task.label, {
    for (size_t c : mysql_sync::copied_columns(table.target_columns)) copied[count++] = (int)c;
  });
  StringInfoData columns;
  initStringInfo(&columns);
  for (int i = 0; i < count; i++)
    appendStringInfo(&columns, "%s%s", i ? ", " : "",
                     quote_identifier(table.target_columns[copied[i]].c_str()));
  char* insert =
      psprintf("INSERT INTO %s (%s) SELECT %s FROM %s", qualified, columns.data, columns.data, kStage);
  char* empty = psprintf("TRUNCATE %s", kStage);

  uint64 total = 0;
  feed_read = read;
  do {
    piece_bytes = 0;
    piece_cut = false;
    at_row_end = true;
    uint64 rows = copy_into_relation(index, stage, stage_read);
    if (rows > 0) {
      spi_exec_text(insert, 0, nullptr);
      spi_exec_text(empty, 0, nullptr);
    }
    total += rows;
  } while (piece_cut);
  feed_read = nullptr;
  spi_exec_text(psprintf("DROP TABLE %s", kStage), 0, nullptr);
  return total;
}
