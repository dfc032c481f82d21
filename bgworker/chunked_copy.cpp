#include "bgworker/chunked_copy.h"

#include "extension/bridge.h"

extern "C" {
#include "access/table.h"
#include "commands/copy.h"
#include "miscadmin.h"
#include "nodes/makefuncs.h"
#include "parser/parse_node.h"
#include "parser/parse_relation.h"
#include "utils/rel.h"
#include "utils/timestamp.h"
}

namespace {

// COPY's data-source callback has no argument: the piece in progress is described here.
TimestampTz piece_deadline = 0;
bool feed_finished = false;

int piece_read(void* outbuf, int, int maxread) {
  mysql_sync::TaskRuntime* runtime = worker_task.runtime;
  for (;;) {
    bool spent = GetCurrentTimestamp() >= piece_deadline;
    int n = -1;
    bool stop = false;
    MYSQL_SYNC_CXX(worker_task.label, {
      if (spent && runtime->copy->between_rows())
        stop = true;
      else
        n = runtime->copy->read(static_cast<char*>(outbuf), maxread, spent ? 50 : 20);
    });
    if (stop) return 0;  // the end of this piece; the feed goes on in the next one
    if (n == 0) feed_finished = true;
    if (n >= 0) return n;
    CHECK_FOR_INTERRUPTS();
  }
}

}  // namespace

uint64 copy_table_piece(int index, Oid relid, long budget_ms, bool* finished) {
  const mysql_sync::SyncTable& table = worker_task.runtime->tables[index];
  piece_deadline = TimestampTzPlusMilliseconds(GetCurrentTimestamp(), budget_ms);
  feed_finished = false;
  Relation rel = table_open(relid, RowExclusiveLock);
  List* columns = NIL;
  for (size_t c = 0; c < table.target_columns.size(); c++)
    columns = lappend(columns, makeString(pstrdup(table.target_columns[c].c_str())));
  ParseState* pstate = make_parsestate(nullptr);
  // CopyFrom takes the target from the range table, as COPY's own DoCopy sets it up.
  ParseNamespaceItem* item =
      addRangeTableEntryForRelation(pstate, rel, RowExclusiveLock, nullptr, false, false);
  item->p_rte->requiredPerms = ACL_INSERT;
  CopyFromState cstate = BeginCopyFrom(pstate, rel, nullptr, nullptr, false, piece_read, columns, NIL);
  uint64 processed = CopyFrom(cstate);
  EndCopyFrom(cstate);
  free_parsestate(pstate);
  table_close(rel, NoLock);
  *finished = feed_finished;
  return processed;
}
