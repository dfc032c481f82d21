-- The views of the user contract: their columns, the masked password, and the task life
-- cycle functions on a task written straight into the catalog (this database is not the one
-- the launcher serves, so no worker ever runs it).

-- Columns, in the contract's order.
SELECT table_name, string_agg(column_name, ', ' ORDER BY ordinal_position) AS columns
  FROM information_schema.columns
 WHERE table_schema = 'mysql_sync' AND table_name IN ('tasks', 'status', 'table_status')
 GROUP BY table_name ORDER BY table_name;
SELECT table_name, column_name, data_type
  FROM information_schema.columns
 WHERE table_schema = 'mysql_sync' AND table_name IN ('tasks', 'status', 'table_status')
 ORDER BY table_name, ordinal_position;
SELECT array_agg(column_name::text ORDER BY ordinal_position) = '{task, source, objects, initial_sync,
         existing_tables, operations, name_map, table_keys, options, enabled, created_at}' AS tasks_ok
  FROM information_schema.columns WHERE table_schema = 'mysql_sync' AND table_name = 'tasks';
-- The contract's columns first, in its order (more may follow: bytes_behind, binlog_retention_left,
-- percent_done, time_left).
SELECT (array_agg(column_name::text ORDER BY ordinal_position))[1:16] = '{task, state, detail, source_file,
         source_pos, source_gtid, lag_seconds, last_event_at, rows_copied, rows_estimate, changes_applied,
         transactions_applied, last_error, last_error_at, started_at, updated_at}' AS status_ok
  FROM information_schema.columns WHERE table_schema = 'mysql_sync' AND table_name = 'status';
-- The contract's columns first (then percent_done, time_left, unlogged_rows_ignored).
SELECT (array_agg(column_name::text ORDER BY ordinal_position))[1:9] = '{task, source_table, target_table, state,
         rows_copied, rows_estimate, changes_applied, invalid_values, last_error}' AS table_status_ok
  FROM information_schema.columns WHERE table_schema = 'mysql_sync' AND table_name = 'table_status';

-- The password is never shown: mysql://user:********@host:port.
SELECT source, mysql_sync._mask_source(source) AS masked
  FROM (VALUES ('mysql://sync:Secr3t@db.example.com:3306'),
               ('mysql://sync:Secr3t@db.example.com'),
               ('mysql://sync:p%40ss:w@rd@10.0.0.7:3307?ssl_mode=require'),
               ('mysql://sync@db.example.com:3306'),
               ('mysql://sync:@db.example.com:3306'),
               ('not a uri')) AS v(source);

-- A task written directly into the catalog (as a superuser may).
INSERT INTO mysql_sync.task_config (task, source, objects, initial_sync, existing_tables, operations,
                                    name_map, table_keys, options, server_id)
VALUES ('shop', 'mysql://sync:Secr3t@db.example.com:3306', '{shop.*}', '{schema,data}', 'fail',
        '{insert,update,delete,alter}', '{"shop": "shop_pg"}', '{}', '{}', 2130706433);
INSERT INTO mysql_sync.task_state (task, state, rows_estimate) VALUES ('shop', 'full_load', 1000);
INSERT INTO mysql_sync.table_state (task, source_table, source_schema, source_name, target_schema,
                                    target_name, state, rows_copied, rows_estimate)
VALUES ('shop', 'shop.orders', 'shop', 'orders', 'shop_pg', 'orders', 'copying', 10, 900),
       ('shop', 'shop.customers', 'shop', 'customers', 'shop_pg', 'customers', 'synced', 100, 100);

SELECT task, source, objects, initial_sync, existing_tables, operations, name_map, table_keys,
       options, enabled, created_at IS NOT NULL AS has_created_at
  FROM mysql_sync.tasks;
SELECT count(*) AS tasks_showing_password FROM mysql_sync.tasks WHERE source ~ 'Secr3t';
SELECT task, state, detail, source_file, source_pos, source_gtid, lag_seconds, last_event_at,
       rows_copied, rows_estimate, changes_applied, transactions_applied, last_error, last_error_at
  FROM mysql_sync.status;
SELECT * FROM mysql_sync.table_status ORDER BY source_table;

-- stop_sync pauses (state paused, detail says why); resume_sync continues: a task that has
-- no position yet starts over with its precheck, one with a position catches up.
SELECT mysql_sync.stop_sync('shop');
SELECT task, state, detail FROM mysql_sync.status;
SELECT task, enabled FROM mysql_sync.tasks;
SELECT mysql_sync.resume_sync('shop');
SELECT task, state, detail FROM mysql_sync.status;
SELECT task, enabled FROM mysql_sync.tasks;
UPDATE mysql_sync.task_state SET source_file = 'binlog.000001', source_pos = 4;
SELECT mysql_sync.stop_sync('shop');
SELECT mysql_sync.resume_sync('shop');
SELECT task, state, detail, source_file, source_pos FROM mysql_sync.status;

-- Unknown tasks are 42704 (undefined_object). pg_temp.try prints SQLSTATE, message and hint.
\ir regress/sql/include/try.sql
\pset format unaligned
\pset tuples_only on
SELECT pg_temp.try($$SELECT mysql_sync.stop_sync('nosuch')$$);
SELECT pg_temp.try($$SELECT mysql_sync.resume_sync('nosuch')$$);
SELECT pg_temp.try($$SELECT mysql_sync.drop_sync('nosuch')$$);
\pset format aligned
\pset tuples_only off

-- drop_sync removes the task and its table rows; with drop_tables => true also the target
-- tables that no other task writes.
CREATE SCHEMA shop_pg;
CREATE TABLE shop_pg.orders (id int PRIMARY KEY);
CREATE TABLE shop_pg.customers (id int PRIMARY KEY);
SELECT mysql_sync.drop_sync('shop', drop_tables => true);
SELECT count(*) AS tasks FROM mysql_sync.tasks;
SELECT count(*) AS states FROM mysql_sync.status;
SELECT count(*) AS table_states FROM mysql_sync.table_status;
SELECT count(*) AS target_tables_left FROM pg_tables WHERE schemaname = 'shop_pg';
DROP SCHEMA shop_pg;
