-- mysql_sync 0.1.0 -> 0.2.0 (ALTER EXTENSION mysql_sync UPDATE). Every catalog change of 0.2.0 is made
-- here too, so that an upgraded catalog equals a fresh 0.2.0 one; tasks, positions, schema history and
-- errors are kept.
\echo Use "ALTER EXTENSION mysql_sync UPDATE TO '0.2.0'" to load this file. \quit

-- Backups and failover: the cluster a task's replica id belongs to; tasks of 0.1.0 belong here and
-- keep their server_id.
ALTER TABLE mysql_sync.task_config ADD COLUMN cluster_system_id text, ADD COLUMN cluster_timeline integer;
UPDATE mysql_sync.task_config
   SET cluster_system_id = (SELECT system_identifier::text FROM pg_catalog.pg_control_system()),
       cluster_timeline = (SELECT timeline_id FROM pg_catalog.pg_control_checkpoint());
SELECT pg_catalog.pg_extension_config_dump('mysql_sync.task_config', '');
SELECT pg_catalog.pg_extension_config_dump('mysql_sync.task_state', '');
SELECT pg_catalog.pg_extension_config_dump('mysql_sync.table_state', '');
SELECT pg_catalog.pg_extension_config_dump('mysql_sync.schema_history', '');
SELECT pg_catalog.pg_extension_config_dump('mysql_sync.table_requests', '');
SELECT pg_catalog.pg_extension_config_dump('mysql_sync.table_requests_id_seq', '');
GRANT USAGE ON SCHEMA mysql_sync TO pg_monitor;
GRANT SELECT ON mysql_sync.status, mysql_sync.table_status, mysql_sync.errors TO pg_monitor;
GRANT EXECUTE ON FUNCTION mysql_sync._live_status() TO pg_monitor;  -- the views call it as their reader
-- (The functions and views of 0.2.0 follow at the end of this file.)
