// The mysql_sync.* settings (see the interface contract).
#pragma once

extern int mysql_sync_max_tasks;
extern int mysql_sync_apply_batch_rows;
extern int mysql_sync_queue_capacity;
extern int mysql_sync_max_memory_kb;
extern int mysql_sync_naptime_s;
extern int mysql_sync_restart_delay_s;
extern char* mysql_sync_database;
extern int mysql_sync_monitor_interval_ms;
extern int mysql_sync_copy_range_rows;
extern int mysql_sync_copy_chunk_ms;

void mysql_sync_define_gucs(void);
