#include "extension/guc.h"

#include <climits>

#include "extension/pg.h"

extern "C" {
#include "utils/guc.h"
}

int mysql_sync_max_tasks = 8;
int mysql_sync_apply_batch_rows = 10000;
int mysql_sync_queue_capacity = 65536;
int mysql_sync_max_memory_kb = 256 * 1024;
int mysql_sync_naptime_s = 5;
int mysql_sync_restart_delay_s = 10;
char* mysql_sync_database = nullptr;
int mysql_sync_monitor_interval_ms = 1000;
int mysql_sync_copy_range_rows = 100000;
int mysql_sync_copy_chunk_ms = 1000;

void mysql_sync_define_gucs(void) {
  DefineCustomIntVariable("mysql_sync.max_tasks", "Most tasks that can run at once.", nullptr,
                          &mysql_sync_max_tasks, 8, 1, 256, PGC_POSTMASTER, 0, nullptr, nullptr, nullptr);
  DefineCustomIntVariable("mysql_sync.apply_batch_rows",
                          "Row changes grouped into one PostgreSQL transaction at most.", nullptr,
                          &mysql_sync_apply_batch_rows, 10000, 1, 10000000, PGC_SIGHUP, 0, nullptr, nullptr,
                          nullptr);
  DefineCustomIntVariable("mysql_sync.queue_capacity",
                          "Transactions the reader may decode ahead of the apply.", nullptr,
                          &mysql_sync_queue_capacity, 65536, 16, 16777216, PGC_SIGHUP, 0, nullptr, nullptr,
                          nullptr);
  DefineCustomIntVariable("mysql_sync.max_memory", "Memory per task for decoded changes.", nullptr,
                          &mysql_sync_max_memory_kb, 256 * 1024, 16 * 1024, INT_MAX, PGC_SIGHUP, GUC_UNIT_KB,
                          nullptr, nullptr, nullptr);
  DefineCustomIntVariable("mysql_sync.naptime", "How often the launcher checks the task list.", nullptr,
                          &mysql_sync_naptime_s, 5, 1, 3600, PGC_SIGHUP, GUC_UNIT_S, nullptr, nullptr, nullptr);
  DefineCustomIntVariable("mysql_sync.restart_delay",
                          "Wait before restarting a failed task; doubles up to 5 minutes.", nullptr,
                          &mysql_sync_restart_delay_s, 10, 1, 3600, PGC_SIGHUP, GUC_UNIT_S, nullptr, nullptr,
                          nullptr);
  DefineCustomIntVariable("mysql_sync.monitor_interval",
                          "How often a task polls the source's binlog status (bytes_behind, "
                          "binlog_retention_left); read when the worker starts.",
                          nullptr, &mysql_sync_monitor_interval_ms, 1000, 100, 3600 * 1000, PGC_SIGHUP,
                          GUC_UNIT_MS, nullptr, nullptr, nullptr);
  DefineCustomIntVariable("mysql_sync.copy_range_rows",
                          "Rows per chunk of a copy at most: a table is read in key order in chunks, each in "
                          "its own short source transaction, each written with its last key, and a resumed "
                          "copy continues after the last written chunk.",
                          nullptr, &mysql_sync_copy_range_rows, 100000, 1, INT_MAX, PGC_SIGHUP, 0, nullptr,
                          nullptr, nullptr);
  DefineCustomIntVariable("mysql_sync.copy_chunk_time",
                          "What reading one chunk of a copy should take: chunks shrink below "
                          "mysql_sync.copy_range_rows rows until their source transactions last about this long.",
                          nullptr, &mysql_sync_copy_chunk_ms, 1000, 10, 3600 * 1000, PGC_SIGHUP, GUC_UNIT_MS,
                          nullptr, nullptr, nullptr);
  DefineCustomStringVariable("mysql_sync.database", "The database whose tasks the launcher runs.", nullptr,
                             &mysql_sync_database, "postgres", PGC_POSTMASTER, 0, nullptr, nullptr, nullptr);
  MarkGUCPrefixReserved("mysql_sync");
}
