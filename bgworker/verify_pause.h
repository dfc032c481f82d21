// verify()'s consistent point: the verifier holds a source snapshot at binlog position P and asks
// the task's worker to stop with exactly the source transactions up to P committed, takes its
// target snapshot there, and lets the worker go on. Both halves of that handshake, through the
// task's slot in shared memory (PostgreSQL zone).
#pragma once
#include "task/runtime.h"

#include "extension/pg.h"

// Worker side, called from the streaming loop before it applies the item ending at `next_end`
// (or with null when nothing is queued). When a verifier waits for position P: if the item ends
// after P (or nothing is queued and everything up to P is applied), `commit_pending` commits what
// is applied, the worker answers with its committed position and waits (at most 10 s) until the
// verifier has taken its snapshot. A request it has already passed is answered at once as "past".
void verify_pause_point(const mysql_sync::BinlogPosition* next_end, const mysql_sync::BinlogPosition& applied,
                        void (*commit_pending)(void));

// Verifier side. The answer to a request.
struct VerifyPauseAnswer {
  uint32 id;
  bool past;  // the worker had committed beyond P already: take a new source snapshot and ask again
  char at_file[256];
  int64 at_pos;
};

// Asks the worker of slot `slot` (pid `worker_pid`) to pause at file:pos; waits up to
// `timeout_ms`. False when the worker is gone (exited) meanwhile. ERROR 57014 on timeout, 55006
// when another verify of the task holds the request. The request is withdrawn on every error.
// `hold`: the worker holds until released, without its 10 s limit (while the requester lives):
// a Citus target is read on every node in that node's own snapshot, so the target must not
// change until verify has read it all.
bool verify_request_pause(const char* task, int slot, pid_t worker_pid, const char* file, int64 pos,
                          long timeout_ms, bool hold, VerifyPauseAnswer* answer);

// Lets the worker go on (after the target snapshot is taken).
void verify_release_pause(int slot, pid_t worker_pid, uint32 id);
