-- Who may do what: superusers and members of mysql_sync_admin run the functions and read
-- the views; nobody else. Members of mysql_sync_admin cannot read the catalog tables (the
-- password is in task_config) but see the masked source in mysql_sync.tasks.
\ir regress/sql/include/try.sql
CREATE ROLE regress_mysql_sync_plain;
CREATE ROLE regress_mysql_sync_admin IN ROLE mysql_sync_admin;
INSERT INTO mysql_sync.task_config (task, source, objects, initial_sync, existing_tables, operations,
                                    name_map, table_keys, options, server_id, enabled)
VALUES ('perm', 'mysql://sync:Secr3t@db.example.com:3306', '{shop.*}', '{schema,data}', 'fail',
        '{insert,update,delete,alter}', '{}', '{}', '{}', 2130706434, false);
INSERT INTO mysql_sync.task_state (task, state) VALUES ('perm', 'paused');
\pset format unaligned
\pset tuples_only on

-- A plain role: nothing.
SET ROLE regress_mysql_sync_plain;
SELECT pg_temp.try($$SELECT mysql_sync.start_sync('t1', 'mysql://sync:sync@127.0.0.1:1', '{shop.*}')$$);
SELECT pg_temp.try($$SELECT mysql_sync.stop_sync('perm')$$);
SELECT pg_temp.try($$SELECT mysql_sync.resume_sync('perm')$$);
SELECT pg_temp.try($$SELECT mysql_sync.drop_sync('perm')$$);
SELECT pg_temp.try($$SELECT * FROM mysql_sync.precheck('mysql://sync:sync@127.0.0.1:1', '{shop.*}')$$);
SELECT pg_temp.try($$SELECT * FROM mysql_sync.status$$);
SELECT pg_temp.try($$SELECT * FROM mysql_sync.tasks$$);
SELECT pg_temp.try($$SELECT * FROM mysql_sync.task_config$$);
RESET ROLE;
-- Even with USAGE on the schema, a plain role can run no function and read no table or view.
GRANT USAGE ON SCHEMA mysql_sync TO regress_mysql_sync_plain;
SET ROLE regress_mysql_sync_plain;
SELECT pg_temp.try($$SELECT mysql_sync.start_sync('t1', 'mysql://sync:sync@127.0.0.1:1', '{shop.*}')$$);
SELECT pg_temp.try($$SELECT mysql_sync.stop_sync('perm')$$);
SELECT pg_temp.try($$SELECT mysql_sync.resume_sync('perm')$$);
SELECT pg_temp.try($$SELECT mysql_sync.drop_sync('perm')$$);
SELECT pg_temp.try($$SELECT * FROM mysql_sync.precheck('mysql://sync:sync@127.0.0.1:1', '{shop.*}')$$);
SELECT pg_temp.try($$SELECT * FROM mysql_sync.status$$);
SELECT pg_temp.try($$SELECT * FROM mysql_sync.tasks$$);
SELECT pg_temp.try($$SELECT * FROM mysql_sync.table_status$$);
SELECT pg_temp.try($$SELECT * FROM mysql_sync.task_config$$);
SELECT pg_temp.try($$SELECT * FROM mysql_sync.task_state$$);
SELECT pg_temp.try($$SELECT mysql_sync._mask_source('mysql://a:b@c')$$);
RESET ROLE;
REVOKE USAGE ON SCHEMA mysql_sync FROM regress_mysql_sync_plain;

-- A member of mysql_sync_admin: the views and functions, not the catalog tables.
SET ROLE regress_mysql_sync_admin;
SELECT task || ' ' || source FROM mysql_sync.tasks;
SELECT task || ' ' || state FROM mysql_sync.status;
SELECT count(*) FROM mysql_sync.table_status;
SELECT pg_temp.try($$SELECT * FROM mysql_sync.task_config$$);
SELECT pg_temp.try($$SELECT source FROM mysql_sync.task_config$$);
SELECT pg_temp.try($$SELECT * FROM mysql_sync.task_state$$);
SELECT pg_temp.try($$SELECT * FROM mysql_sync.table_state$$);
SELECT pg_temp.try($$UPDATE mysql_sync.task_config SET enabled = true$$);
-- The internal functions behind the SECURITY DEFINER ones are not callable directly.
SELECT pg_temp.try($$SELECT mysql_sync._signal_task('perm', true)$$);
SELECT pg_temp.try($$SELECT mysql_sync._validate_arguments('mysql://a:b@c', '{a.b}', '{}', 'fail', '{}', '{}', '{}', '{}')$$);
SELECT pg_temp.try($$SELECT * FROM mysql_sync._precheck('mysql://a:b@c', '{a.b}', '{}', 'fail', '{}', '{}', '{}', '{}')$$);
-- The functions run: start_sync gets as far as its database check, precheck validates.
SELECT pg_temp.try($$SELECT mysql_sync.start_sync('t1', 'mysql://sync:sync@127.0.0.1:1', '{shop.*}')$$);
SELECT pg_temp.try($$SELECT * FROM mysql_sync.precheck('mysql://sync:sync@127.0.0.1:1', '{shop}')$$);
SELECT count(*) FROM mysql_sync.precheck('mysql://sync:sync@127.0.0.1:1', '{shop.*}');
SELECT pg_temp.try($$SELECT mysql_sync.resume_sync('perm')$$);
SELECT task || ' ' || state FROM mysql_sync.status;
SELECT pg_temp.try($$SELECT mysql_sync.stop_sync('perm')$$);
SELECT task || ' ' || state FROM mysql_sync.status;
-- Reading binlog files on the server's disk needs pg_read_server_files as well.
SELECT pg_temp.try($$SELECT * FROM mysql_sync.binlog_events('/nonexistent/binlog.000001')$$);
SELECT pg_temp.try($$SELECT mysql_sync.drop_sync('perm')$$);
SELECT count(*) FROM mysql_sync.tasks;
RESET ROLE;

DROP ROLE regress_mysql_sync_plain;
DROP ROLE regress_mysql_sync_admin;
