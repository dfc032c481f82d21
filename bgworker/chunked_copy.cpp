#include "bgworker/chunked_copy.h"

#include "bgworker/initial_sync.h"
#include "extension/bridge.h"

extern "C" {
#include "commands/copy.h"
#include "miscadmin.h"
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
  piece_deadline = TimestampTzPlusMilliseconds(GetCurrentTimestamp(), budget_ms);
  feed_finished = false;
  uint64 processed = copy_rows_into(index, relid, piece_read);
  *finished = feed_finished;
  return processed;
}
