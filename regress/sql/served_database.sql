-- start_sync in the database the launcher serves (mysql_sync.database, 'postgres' here):
-- its own checks (task name, name in use) and the precheck that refuses to start a task.
-- Nothing is created. The extension is created in that database only if it is missing,
-- and then dropped again at the end.
\c postgres
SELECT NOT EXISTS (SELECT FROM pg_extension WHERE extname = 'mysql_sync') AS create_here \gset
\if :create_here
CREATE EXTENSION mysql_sync;
\endif
SELECT current_database() = current_setting('mysql_sync.database') AS served;
\ir regress/sql/include/try.sql
\pset format unaligned
\pset tuples_only on

-- Task names: 1 to 63 letters, digits, underscores or dashes, not starting with a dash.
SELECT pg_temp.try($$SELECT mysql_sync.start_sync(NULL, 'mysql://sync:sync@127.0.0.1:1', '{shop.*}')$$);
SELECT pg_temp.try($$SELECT mysql_sync.start_sync('', 'mysql://sync:sync@127.0.0.1:1', '{shop.*}')$$);
SELECT pg_temp.try($$SELECT mysql_sync.start_sync('my task', 'mysql://sync:sync@127.0.0.1:1', '{shop.*}')$$);
SELECT pg_temp.try($$SELECT mysql_sync.start_sync('-shop', 'mysql://sync:sync@127.0.0.1:1', '{shop.*}')$$);
SELECT pg_temp.try($$SELECT mysql_sync.start_sync('shop.orders', 'mysql://sync:sync@127.0.0.1:1', '{shop.*}')$$);
SELECT pg_temp.try($$SELECT mysql_sync.start_sync('ünïcode', 'mysql://sync:sync@127.0.0.1:1', '{shop.*}')$$);
SELECT pg_temp.try(format('SELECT mysql_sync.start_sync(%L, %L, %L)', repeat('x', 64), 'mysql://sync:sync@127.0.0.1:1', '{shop.*}'));

-- A name in use (a disabled task written into the catalog; the launcher ignores it).
INSERT INTO mysql_sync.task_config (task, source, objects, initial_sync, existing_tables, operations,
                                    name_map, table_keys, options, server_id, enabled)
VALUES ('regress_dup', 'mysql://sync:sync@127.0.0.1:1', '{shop.*}', '{schema,data}', 'fail',
        '{insert,update,delete,alter}', '{}', '{}', '{}', 2130706435, false);
SELECT pg_temp.try($$SELECT mysql_sync.start_sync('regress_dup', 'mysql://sync:sync@127.0.0.1:1', '{shop.*}')$$);
DELETE FROM mysql_sync.task_config WHERE task = 'regress_dup';

-- start_sync validates its arguments as precheck does, before connecting.
SELECT pg_temp.try($$SELECT mysql_sync.start_sync('regress_t', 'mysql://sync:sync@127.0.0.1:99999', '{shop.*}')$$);
SELECT pg_temp.try($$SELECT mysql_sync.start_sync('regress_t', 'mysql://sync:sync@127.0.0.1:1', '{}')$$);
SELECT pg_temp.try($$SELECT mysql_sync.start_sync('regress_t', 'mysql://sync:sync@127.0.0.1:1', '{shop.*}', initial_sync => '{indexes}')$$);
SELECT pg_temp.try($$SELECT mysql_sync.start_sync('regress_t', 'mysql://sync:sync@127.0.0.1:1', '{shop.*}', existing_tables => 'append')$$);
SELECT pg_temp.try($$SELECT mysql_sync.start_sync('regress_t', 'mysql://sync:sync@127.0.0.1:1', '{shop.*}', options => '{"parallel": 2}')$$);
SELECT pg_temp.try($$SELECT mysql_sync.start_sync('regress_t', 'mysql://sync:sync@127.0.0.1:1', '{shop.*}', options => '{"server_id": 0}')$$);
SELECT pg_temp.try($$SELECT mysql_sync.start_sync('regress_t', 'mysql://sync:sync@127.0.0.1:1', '{shop.*}', options => '{"start_position": {"file": "binlog.000001", "pos": 4}}')$$);

-- A failed precheck refuses the task with 55000, listing each failed item and its fix.
-- (Items that are warnings are raised as WARNINGs: here the 12 not checked for want of a
-- connection; they are not shown.)
SET client_min_messages = error;
SELECT regexp_replace(pg_temp.try($$SELECT mysql_sync.start_sync('regress_t', 'mysql://sync:sync@127.0.0.1:1', '{shop.*}')$$),
                      '''127\.0\.0\.1'' \(\d+\)', '''127.0.0.1'' (errno)');
RESET client_min_messages;
\getenv src MYSQL_SYNC_TEST_SOURCE
SELECT pg_temp.try(format('SELECT mysql_sync.start_sync(%L, %L, %L)', 'regress_t', :'src', '{nosuchdb.*}'));
SELECT pg_temp.try(format('SELECT mysql_sync.start_sync(%L, %L, %L, options => %L)', 'regress_t', :'src',
                          '{mysql.general_log, mysql.db}', '{"server_id": 1}'));

-- Nothing was created.
SELECT count(*) AS tasks FROM mysql_sync.tasks;
SELECT count(*) AS states FROM mysql_sync.status;

\pset format aligned
\pset tuples_only off
\if :create_here
DROP EXTENSION mysql_sync;
\endif
