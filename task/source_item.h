// What the reader thread hands to the worker's main thread: whole source transactions, position
// advances, heartbeats and failures. Pure C++ (no PostgreSQL).
#pragma once
#include "common/cxx_zone.h"

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "binlog/row.h"
#include "ddl/ddl_plan.h"

namespace mysql_sync {

class SpillFile;  // task/spill.h

struct TableChange {
  RowOp op = RowOp::insert;
  uint32_t table = 0;           // index into the task's table list
  uint32_t invalid_values = 0;  // zero dates etc. made NULL in this row
  Row before;                   // update, delete
  Row after;                    // insert, update
};

struct SourceItem {
  enum class Kind : uint8_t {
    transaction,  // changes (or DDL) to apply, then `end` is the position to store
    position,     // nothing to apply; `end` may be stored lazily
    heartbeat,    // the source is idle at `end`; everything before it was delivered
    failure,      // the reader stopped: sqlstate/message/hint; `end` is the last good position
  };
  Kind kind = Kind::position;
  BinlogPosition end;
  int64_t source_time_us = 0;  // commit time (transaction) or receive time (heartbeat)
  std::vector<TableChange> changes;
  // A transaction larger than the memory limit: its changes (after those in `changes`, if any;
  // normally none) are in this file, to be read back in chunks and applied in the same
  // PostgreSQL transaction. shared_ptr, as it needs no complete type here.
  std::shared_ptr<SpillFile> spill;
  size_t bytes = 0;  // estimated heap bytes of `changes` and of end.gtid, counted against the memory limit
  // DDL of the task's tables, in statement order, at `end` (a DDL is a transaction of its own).
  // A plan whose decision is pause or fail is the last item the reader sends.
  std::vector<DdlPlan> ddl;

  std::string sqlstate;
  std::string message;
  std::string hint;
  bool transient = false;
};

}  // namespace mysql_sync
