#include "bgworker/copy_load.h"

#include "source/snapshot.h"
#include "bgworker/apply.h"
#include "bgworker/catalog.h"
#include "bgworker/initial_sync.h"
#include "extension/bridge.h"
#include "extension/guc.h"

extern "C" {
#include "miscadmin.h"
}

using mysql_sync::SyncTable;
using CopySlot = mysql_sync::TaskRuntime::CopySlot;

namespace {

uint64 range_rows = 100000;  // mysql_sync.copy_range_rows when the load began

// The producer's share of options.max_rows_per_second: the connections together keep to it.
int64 slot_rate(void) {
  mysql_sync::TaskRuntime* runtime = worker_task.runtime;
  if (runtime->max_rows_per_second <= 0) return 0;
  int64 slots = (int64)runtime->copy_slots.size();
  return runtime->max_rows_per_second / slots > 0 ? runtime->max_rows_per_second / slots : 1;
}

// Starts reading the slot's next unit: its table's next key range, or the whole table.
void start_feed(CopySlot& slot) {
  mysql_sync::TaskRuntime* runtime = worker_task.runtime;
  const SyncTable& table = runtime->tables[slot.table];
  int64 rate = slot_rate();
  MYSQL_SYNC_CXX(worker_task.label, {
    slot.feed.reset();
    if (slot.key_column >= 0)
      slot.feed = std::make_unique<mysql_sync::CopyFeed>(
          *slot.client, slot.source, runtime->invalid_dates, rate,
          mysql_sync::copy_range_sql(slot.source, slot.key_column, table.copy_regions.last_key(), range_rows),
          slot.key_column);
    else
      slot.feed =
          std::make_unique<mysql_sync::CopyFeed>(*slot.client, slot.source, runtime->invalid_dates, rate);
  });
}

void start_table(CopySlot& slot, int index) {
  mysql_sync::TaskRuntime* runtime = worker_task.runtime;
  SyncTable& table = runtime->tables[index];
  int key = -1;
  bool resumed = false;
  char* last = nullptr;
  MYSQL_SYNC_CXX(worker_task.label, {
    slot.source = table.copy_source();
    key = mysql_sync::range_key_column(slot.source, table.primary_key);
    resumed = !table.copy_regions.regions.empty();
    if (resumed) last = pstrdup(table.copy_regions.last_key().c_str());
  });
  if (resumed && key < 0)
    ereport(ERROR,
            (errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
             errmsg("mysql_sync task \"%s\": %s was half copied in key ranges, and its primary key is no "
                    "longer one integer column",
                    worker_task.name, table.source_table().c_str()),
             errhint("Drop the task and its target tables, and start it again.")));
  if (resumed)
    elog(LOG, "mysql_sync task \"%s\": resuming %s from key %s (%lld rows copied before)", worker_task.name,
         table.source_table().c_str(), last, (long long)table.rows_copied);
  slot.table = index;
  slot.key_column = key;
  begin_catalog_transaction();  // visible at once: table_status shows which tables are copying
  mark_table_state(index, "copying");
  end_catalog_transaction();
  start_feed(slot);
}

// The slot has no table left to copy: its snapshot ends.
void close_slot(CopySlot& slot) {
  slot.table = -1;
  MYSQL_SYNC_CXX(worker_task.label, {
    slot.feed.reset();
    slot.client.reset();
  });
}

// Writes the slot's current unit in one transaction; true when its table is done.
bool copy_unit(CopySlot& slot, int64* committed) {
  mysql_sync::TaskRuntime* runtime = worker_task.runtime;
  const int index = slot.table;
  SyncTable& table = runtime->tables[index];
  const bool ranged = slot.key_column >= 0;
  begin_catalog_transaction();
  uint64 rows = copy_feed_into(index, target_relid(index, false), slot.feed.get());
  int64 invalid = 0;
  MYSQL_SYNC_CXX(worker_task.label, {
    invalid = (int64)slot.feed->invalid_values();
    if (ranged && rows > 0) table.copy_regions.extend(slot.feed->last_key(), slot.at);
    slot.feed.reset();
  });
  const bool done = !ranged || rows < range_rows;
  if (ranged && rows > 0) {
    record_copy_range(index, (int64)rows, invalid);
    table.rows_copied += (int64)rows;
  }
  if (done) {
    if (table.created_target) add_keys(index);
    if (ranged) {
      MYSQL_SYNC_CXX(worker_task.label, table.copy_regions.finish(slot.at));
      store_copy_regions(index);
    } else {
      mark_table_copied(index, slot.at, (int64)rows, invalid);
      table.rows_copied = (int64)rows;
      MYSQL_SYNC_CXX(worker_task.label, {
        table.copy_regions = mysql_sync::CopyRegions();
        table.copy_regions.rest = slot.at;
      });
    }
  }
  end_catalog_transaction();
  *committed += (int64)rows;
  set_copy_base(*committed);
  if (!done) {
    start_feed(slot);  // read on while the other connections' units are written
    return false;
  }
  MYSQL_SYNC_CXX(worker_task.label, {
    table.copy_done = true;
    table.copied_at = table.copy_regions.oldest();
  });
  elog(LOG, "mysql_sync task \"%s\": copied %s (%lld rows)", worker_task.name, table.source_table().c_str(),
       (long long)table.rows_copied);
  return true;
}

}  // namespace

void open_copy_snapshots(int pending, mysql_sync::BinlogPosition* first) {
  mysql_sync::TaskRuntime* runtime = worker_task.runtime;
  int count = runtime->parallel < pending ? runtime->parallel : pending;
  if (count < 1) count = 1;
  range_rows = (uint64)mysql_sync_copy_range_rows;
  MYSQL_SYNC_CXX(worker_task.label, {
    runtime->copy_slots.clear();
    runtime->copy_slots.resize(count);
    for (CopySlot& slot : runtime->copy_slots) {
      slot.client = std::make_unique<mysql_sync::MysqlClient>(runtime->uri);
      // A producer waits while the main thread writes the other connections' rows (or throttles):
      // longer than the server's default wait for a blocked result-set write.
      slot.client->execute("SET SESSION net_write_timeout = 86400");
      slot.at = mysql_sync::begin_consistent_snapshot(*slot.client, runtime->source_tables());
    }
    *first = runtime->copy_slots[0].at;
  });
  const mysql_sync::BinlogPosition& last = runtime->copy_slots.back().at;
  elog(LOG,
       "mysql_sync task \"%s\": copying %d tables over %d source connections, snapshots from %s:%llu to "
       "%s:%llu",
       worker_task.name, pending, count, first->file.c_str(), (unsigned long long)first->pos,
       last.file.c_str(), (unsigned long long)last.pos);
}

int64 copy_pending_tables(int64 committed_rows) {
  mysql_sync::TaskRuntime* runtime = worker_task.runtime;
  const int count = (int)runtime->tables.size();
  const int slots = (int)runtime->copy_slots.size();
  int64 committed = committed_rows;
  int next = 0;  // the next table to hand to a free connection
  auto hand_out = [&](CopySlot& slot) {
    while (next < count && runtime->tables[next].copy_done) next++;
    if (next < count)
      start_table(slot, next++);
    else
      close_slot(slot);
  };
  for (int s = 0; s < slots; s++) hand_out(runtime->copy_slots[s]);
  int turn = 0;
  for (;;) {
    CHECK_FOR_INTERRUPTS();
    int chosen = -1;
    for (int k = 0; k < slots && chosen < 0; k++)
      if (runtime->copy_slots[(turn + k) % slots].table >= 0) chosen = (turn + k) % slots;
    if (chosen < 0) break;
    turn = chosen + 1;
    CopySlot& slot = runtime->copy_slots[chosen];
    if (copy_unit(slot, &committed)) hand_out(slot);
  }
  MYSQL_SYNC_CXX(worker_task.label, runtime->copy_slots.clear());
  return committed;
}

bool catch_up_split_change(const mysql_sync::TableChange& change, const mysql_sync::BinlogPosition& end) {
  mysql_sync::TaskRuntime* runtime = worker_task.runtime;
  const SyncTable& table = runtime->tables[change.table];
  bool old_half = false, new_half = false;
  MYSQL_SYNC_CXX(worker_task.label, {
    int key = mysql_sync::range_key_column(table.source, table.primary_key);
    auto after_copy = [&](const mysql_sync::Row& row) {
      if (key < 0 || (size_t)key >= row.size() || !row[key]) return true;
      return mysql_sync::compare_positions(end, table.copy_regions.position_of(*row[key])) > 0;
    };
    old_half = change.op != mysql_sync::RowOp::insert && after_copy(change.before);
    new_half = change.op != mysql_sync::RowOp::remove && after_copy(change.after);
    if (change.op == mysql_sync::RowOp::update && old_half != new_half) {
      // The row moved between parts copied from different snapshots: only one half is missing.
      mysql_sync::TableChange& half = runtime->catch_up_part;
      half.table = change.table;
      half.invalid_values = change.invalid_values;
      half.op = old_half ? mysql_sync::RowOp::remove : mysql_sync::RowOp::insert;
      half.before = old_half ? change.before : mysql_sync::Row();
      half.after = old_half ? mysql_sync::Row() : change.after;
    }
  });
  if (!old_half && !new_half) return false;
  if (change.op == mysql_sync::RowOp::update && old_half != new_half) {
    if (!operation_enabled(runtime->catch_up_part.op)) return false;
    apply_change(runtime->catch_up_part, end);
  } else {
    apply_change(change, end);
  }
  return true;
}

void advance_copy_regions(int index, const mysql_sync::BinlogPosition& at) {
  SyncTable& table = worker_task.runtime->tables[index];
  MYSQL_SYNC_CXX(worker_task.label, {
    table.copy_regions.advance_to(at);
    table.copied_at = table.copy_regions.oldest();
  });
  store_copy_regions(index);
}
