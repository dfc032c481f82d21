-- Argument validation of precheck (and through it of start_sync, which shares the checks):
-- every bad value is an error with a SQLSTATE and a hint, raised before any connection is
-- attempted (the sources below point at port 1, where nothing listens).
\ir regress/sql/include/try.sql
\pset format unaligned
\pset tuples_only on

-- start_sync runs only in the database the launcher serves; pg_regress's database is not it.
SHOW mysql_sync.database;
SELECT pg_temp.try($$SELECT mysql_sync.start_sync('t1', 'mysql://sync:sync@127.0.0.1:1', '{shop.*}')$$);

-- Source URI
SELECT pg_temp.try($$SELECT mysql_sync.precheck(NULL, '{shop.*}')$$);
SELECT pg_temp.try($$SELECT mysql_sync.precheck('', '{shop.*}')$$);
SELECT pg_temp.try($$SELECT mysql_sync.precheck('sync:sync@127.0.0.1:1', '{shop.*}')$$);
SELECT pg_temp.try($$SELECT mysql_sync.precheck('postgres://sync:sync@127.0.0.1:1', '{shop.*}')$$);
SELECT pg_temp.try($$SELECT mysql_sync.precheck('mysql://127.0.0.1:1', '{shop.*}')$$);
SELECT pg_temp.try($$SELECT mysql_sync.precheck('mysql://:pw@127.0.0.1:1', '{shop.*}')$$);
SELECT pg_temp.try($$SELECT mysql_sync.precheck('mysql://sync:sync@:1', '{shop.*}')$$);
SELECT pg_temp.try($$SELECT mysql_sync.precheck('mysql://sync:sync@127.0.0.1:0', '{shop.*}')$$);
SELECT pg_temp.try($$SELECT mysql_sync.precheck('mysql://sync:sync@127.0.0.1:65536', '{shop.*}')$$);
SELECT pg_temp.try($$SELECT mysql_sync.precheck('mysql://sync:sync@127.0.0.1:port', '{shop.*}')$$);
SELECT pg_temp.try($$SELECT mysql_sync.precheck('mysql://sync:sync@127.0.0.1:', '{shop.*}')$$);
SELECT pg_temp.try($$SELECT mysql_sync.precheck('mysql://sync:sync@127.0.0.1:1/shop', '{shop.*}')$$);
SELECT pg_temp.try($$SELECT mysql_sync.precheck('mysql://sync:sync@[::1:1', '{shop.*}')$$);
SELECT pg_temp.try($$SELECT mysql_sync.precheck('mysql://sync:sync@127.0.0.1:1?compress=1', '{shop.*}')$$);
SELECT pg_temp.try($$SELECT mysql_sync.precheck('mysql://sync:sync@127.0.0.1:1?ssl_mode', '{shop.*}')$$);
SELECT pg_temp.try($$SELECT mysql_sync.precheck('mysql://sync:sync@127.0.0.1:1?ssl_mode=maybe', '{shop.*}')$$);
SELECT pg_temp.try($$SELECT mysql_sync.precheck('mysql://sync:sync@127.0.0.1:1?ssl_mode=require&ssl_mode=disable', '{shop.*}')$$);
SELECT pg_temp.try($$SELECT mysql_sync.precheck('mysql://sync:sync@127.0.0.1:1?ssl_mode=verify_ca', '{shop.*}')$$);
SELECT pg_temp.try($$SELECT mysql_sync.precheck('mysql://sync:sync@127.0.0.1:1?ssl_mode=disable&ssl_ca=/ca.pem', '{shop.*}')$$);
SELECT pg_temp.try($$SELECT mysql_sync.precheck('mysql://sync:sync@127.0.0.1:1?ssl_ca=', '{shop.*}')$$);
-- A bad password encoding is reported without echoing the password.
SELECT pg_temp.try($$SELECT mysql_sync.precheck('mysql://sync:Secr%t99@127.0.0.1:1', '{shop.*}')$$);
-- No error message ever shows the password, whatever is wrong with the URI.
SELECT count(*) AS messages_with_password
  FROM unnest(ARRAY['mysql://sync:Secr3t@127.0.0.1:0', 'mysql://sync:Secr3t@127.0.0.1:1?x=1',
                    'mysql://sync:Secr3t@127.0.0.1:1/db', 'mysql://sync:Secr3t@', 'mysql://sync:Secr3t',
                    'mysql:/sync:Secr3t@127.0.0.1:1', 'mysql://sync:Secr3t%@127.0.0.1:1']) AS s(source)
 WHERE pg_temp.try(format('SELECT mysql_sync.precheck(%L, %L)', source, '{shop.*}')) ~ 'Secr3t';

-- Objects
SELECT pg_temp.try($$SELECT mysql_sync.precheck('mysql://sync:sync@127.0.0.1:1', NULL)$$);
SELECT pg_temp.try($$SELECT mysql_sync.precheck('mysql://sync:sync@127.0.0.1:1', '{}')$$);
SELECT pg_temp.try($$SELECT mysql_sync.precheck('mysql://sync:sync@127.0.0.1:1', '{NULL}')$$);
SELECT pg_temp.try($$SELECT mysql_sync.precheck('mysql://sync:sync@127.0.0.1:1', '{shop}')$$);
SELECT pg_temp.try($$SELECT mysql_sync.precheck('mysql://sync:sync@127.0.0.1:1', '{shop.*, .orders}')$$);
SELECT pg_temp.try($$SELECT mysql_sync.precheck('mysql://sync:sync@127.0.0.1:1', '{shop.}')$$);
SELECT pg_temp.try($$SELECT mysql_sync.precheck('mysql://sync:sync@127.0.0.1:1', '{shop.orders.id}')$$);

-- initial_sync, existing_tables, operations
SELECT pg_temp.try($$SELECT mysql_sync.precheck('mysql://sync:sync@127.0.0.1:1', '{shop.*}', initial_sync => '{schema,data,indexes}')$$);
SELECT pg_temp.try($$SELECT mysql_sync.precheck('mysql://sync:sync@127.0.0.1:1', '{shop.*}', initial_sync => NULL)$$);
SELECT pg_temp.try($$SELECT mysql_sync.precheck('mysql://sync:sync@127.0.0.1:1', '{shop.*}', existing_tables => 'replace')$$);
SELECT pg_temp.try($$SELECT mysql_sync.precheck('mysql://sync:sync@127.0.0.1:1', '{shop.*}', existing_tables => NULL)$$);
SELECT pg_temp.try($$SELECT mysql_sync.precheck('mysql://sync:sync@127.0.0.1:1', '{shop.*}', operations => '{insert,truncate}')$$);
SELECT pg_temp.try($$SELECT mysql_sync.precheck('mysql://sync:sync@127.0.0.1:1', '{shop.*}', operations => NULL)$$);

-- name_map
SELECT pg_temp.try($$SELECT mysql_sync.precheck('mysql://sync:sync@127.0.0.1:1', '{shop.*}', name_map => '["shop"]')$$);
SELECT pg_temp.try($$SELECT mysql_sync.precheck('mysql://sync:sync@127.0.0.1:1', '{shop.*}', name_map => NULL)$$);
SELECT pg_temp.try($$SELECT mysql_sync.precheck('mysql://sync:sync@127.0.0.1:1', '{shop.*}', name_map => '{"shop": 1}')$$);
SELECT pg_temp.try($$SELECT mysql_sync.precheck('mysql://sync:sync@127.0.0.1:1', '{shop.*}', name_map => '{"shop": ""}')$$);
SELECT pg_temp.try($$SELECT mysql_sync.precheck('mysql://sync:sync@127.0.0.1:1', '{shop.*}', name_map => '{"shop": "a.b"}')$$);
SELECT pg_temp.try($$SELECT mysql_sync.precheck('mysql://sync:sync@127.0.0.1:1', '{shop.*}', name_map => '{"shop.orders": "orders"}')$$);
SELECT pg_temp.try($$SELECT mysql_sync.precheck('mysql://sync:sync@127.0.0.1:1', '{shop.*}', name_map => '{"shop.orders.amt": "sales.amount"}')$$);
SELECT pg_temp.try($$SELECT mysql_sync.precheck('mysql://sync:sync@127.0.0.1:1', '{shop.*}', name_map => '{"shop.orders.amt.x": "y"}')$$);
SELECT pg_temp.try($$SELECT mysql_sync.precheck('mysql://sync:sync@127.0.0.1:1', '{shop.*}', name_map => '{".orders": "x"}')$$);

-- table_keys
SELECT pg_temp.try($$SELECT mysql_sync.precheck('mysql://sync:sync@127.0.0.1:1', '{shop.*}', table_keys => '[]')$$);
SELECT pg_temp.try($$SELECT mysql_sync.precheck('mysql://sync:sync@127.0.0.1:1', '{shop.*}', table_keys => '{"orders": {"primary_key": ["id"]}}')$$);
SELECT pg_temp.try($$SELECT mysql_sync.precheck('mysql://sync:sync@127.0.0.1:1', '{shop.*}', table_keys => '{"shop.orders": {"primary_key": []}}')$$);
SELECT pg_temp.try($$SELECT mysql_sync.precheck('mysql://sync:sync@127.0.0.1:1', '{shop.*}', table_keys => '{"shop.orders": {"primary_key": "id"}}')$$);
SELECT pg_temp.try($$SELECT mysql_sync.precheck('mysql://sync:sync@127.0.0.1:1', '{shop.*}', table_keys => '{"shop.orders": {"unique_key": ["id"]}}')$$);
SELECT pg_temp.try($$SELECT mysql_sync.precheck('mysql://sync:sync@127.0.0.1:1', '{shop.*}', table_keys => '{"shop.orders": {"distribution_key": [1]}}')$$);

-- options
SELECT pg_temp.try($$SELECT mysql_sync.precheck('mysql://sync:sync@127.0.0.1:1', '{shop.*}', options => '[]')$$);
SELECT pg_temp.try($$SELECT mysql_sync.precheck('mysql://sync:sync@127.0.0.1:1', '{shop.*}', options => NULL)$$);
SELECT pg_temp.try($$SELECT mysql_sync.precheck('mysql://sync:sync@127.0.0.1:1', '{shop.*}', options => '{"colour": "blue"}')$$);
SELECT pg_temp.try($$SELECT mysql_sync.precheck('mysql://sync:sync@127.0.0.1:1', '{shop.*}', options => '{"server_id": 0}')$$);
SELECT pg_temp.try($$SELECT mysql_sync.precheck('mysql://sync:sync@127.0.0.1:1', '{shop.*}', options => '{"server_id": -5}')$$);
SELECT pg_temp.try($$SELECT mysql_sync.precheck('mysql://sync:sync@127.0.0.1:1', '{shop.*}', options => '{"server_id": 4294967296}')$$);
SELECT pg_temp.try($$SELECT mysql_sync.precheck('mysql://sync:sync@127.0.0.1:1', '{shop.*}', options => '{"server_id": 12.5}')$$);
SELECT pg_temp.try($$SELECT mysql_sync.precheck('mysql://sync:sync@127.0.0.1:1', '{shop.*}', options => '{"server_id": "12"}')$$);
SELECT pg_temp.try($$SELECT mysql_sync.precheck('mysql://sync:sync@127.0.0.1:1', '{shop.*}', options => '{"start_position": {"file": "binlog.000001", "pos": 4}}')$$);
SELECT pg_temp.try($$SELECT mysql_sync.precheck('mysql://sync:sync@127.0.0.1:1', '{shop.*}', initial_sync => '{schema}', options => '{"start_position": {"file": "binlog.000001", "pos": 4}}')$$);
SELECT pg_temp.try($$SELECT mysql_sync.precheck('mysql://sync:sync@127.0.0.1:1', '{shop.*}', initial_sync => '{}', options => '{"start_position": {"file": "binlog.000001"}}')$$);
SELECT pg_temp.try($$SELECT mysql_sync.precheck('mysql://sync:sync@127.0.0.1:1', '{shop.*}', initial_sync => '{}', options => '{"start_position": {"file": "binlog.000001", "pos": "4"}}')$$);
SELECT pg_temp.try($$SELECT mysql_sync.precheck('mysql://sync:sync@127.0.0.1:1', '{shop.*}', initial_sync => '{}', options => '{"start_position": {"file": "binlog.000001", "pos": 4, "x": 1}}')$$);
SELECT pg_temp.try($$SELECT mysql_sync.precheck('mysql://sync:sync@127.0.0.1:1', '{shop.*}', initial_sync => '{}', options => '{"start_position": "binlog.000001:4"}')$$);
SELECT pg_temp.try($$SELECT mysql_sync.precheck('mysql://sync:sync@127.0.0.1:1', '{shop.*}', options => '{"invalid_dates": "zero"}')$$);
SELECT pg_temp.try($$SELECT mysql_sync.precheck('mysql://sync:sync@127.0.0.1:1', '{shop.*}', options => '{"skip_precheck": ["no_such_item"]}')$$);
SELECT pg_temp.try($$SELECT mysql_sync.precheck('mysql://sync:sync@127.0.0.1:1', '{shop.*}', options => '{"skip_precheck": "binlog_retention"}')$$);
SELECT pg_temp.try($$SELECT mysql_sync.precheck('mysql://sync:sync@127.0.0.1:1', '{shop.*}', options => '{"parallel": 0}')$$);
SELECT pg_temp.try($$SELECT mysql_sync.precheck('mysql://sync:sync@127.0.0.1:1', '{shop.*}', options => '{"max_rows_per_second": 0}')$$);
SELECT pg_temp.try($$SELECT mysql_sync.precheck('mysql://sync:sync@127.0.0.1:1', '{shop.*}', options => '{"max_rows_per_second": "fast"}')$$);
SELECT pg_temp.try($$SELECT mysql_sync.precheck('mysql://sync:sync@127.0.0.1:1', '{shop.*}', options => '{"foreign_keys": "yes"}')$$);

SELECT pg_temp.try($$SELECT mysql_sync.precheck('mysql://sync:sync@127.0.0.1:1', '{shop.*}', options => '{"parallel": 65}')$$);

-- Capabilities of later versions: 0A000 (feature_not_supported), never silently ignored.
SELECT pg_temp.try($$SELECT mysql_sync.precheck('mysql://sync:sync@127.0.0.1:1', '{shop.*}', options => '{"ddl": {"drop_column": "ignore"}}') IS NOT NULL$$);
SELECT pg_temp.try($$SELECT mysql_sync.precheck('mysql://sync:sync@127.0.0.1:1', '{shop.*}', options => '{"ddl": "apply"}')$$);
SELECT pg_temp.try($$SELECT mysql_sync.precheck('mysql://sync:sync@127.0.0.1:1', '{shop.*}', options => '{"ddl": {"drop_everything": "apply"}}')$$);
SELECT pg_temp.try($$SELECT mysql_sync.precheck('mysql://sync:sync@127.0.0.1:1', '{shop.*}', options => '{"ddl": {"drop_table": "maybe"}}')$$);
SELECT pg_temp.try($$SELECT mysql_sync.precheck('mysql://sync:sync@127.0.0.1:1', '{shop.*}', initial_sync => '{}', options => '{"start_position": {"gtid": "0-1-100"}}')$$);
SELECT pg_temp.try($$SELECT mysql_sync.precheck('mysql://sync:sync@127.0.0.1:1', '{shop.*}', initial_sync => '{}', options => '{"start_position": {"gtid": "3e11fa47-71ca-11e1-9e33-c80aa9429562:5-3"}}')$$);
SELECT pg_temp.try($$SELECT mysql_sync.precheck('mysql://sync:sync@127.0.0.1:1', '{shop.*}', initial_sync => '{}', options => '{"start_position": {"gtid": "0-1-100", "pos": 4}}')$$);
SELECT pg_temp.try($$SELECT mysql_sync.precheck('mysql://sync:sync@127.0.0.1:1', '{shop.*}', options => '{"start_position": {"gtid": "0-1-100"}}')$$);
-- verify of an unknown task, or without one.
SELECT pg_temp.try($$SELECT * FROM mysql_sync.verify('t1')$$);
SELECT pg_temp.try($$SELECT * FROM mysql_sync.verify('t1', 'shop.orders')$$);
SELECT pg_temp.try($$SELECT * FROM mysql_sync.verify(NULL)$$);

-- resync_table and alter_sync name the task they cannot find (095_resync_alter.pl tests them on a task).
SELECT pg_temp.try($$SELECT mysql_sync.resync_table('t1', 'shop.orders')$$);
SELECT pg_temp.try($$SELECT mysql_sync.alter_sync('t1', '{shop.orders}')$$);

-- Accepted values pass validation: precheck then reports on the (unreachable) source.
SELECT count(*) AS items
  FROM mysql_sync.precheck('mysql://sync:sync@127.0.0.1:1', '{shop.*, crm.order_%}',
                           initial_sync => '{}', existing_tables => 'clear',
                           operations => '{insert,update,delete}',
                           name_map => '{"shop": "shop_pg", "shop.orders": "sales.orders", "shop.orders.amt": "amount"}',
                           options => '{"server_id": 4294967295, "invalid_dates": "error", "skip_precheck": ["binlog_retention"],
                                        "start_position": {"file": "binlog.000042", "pos": 4}}');
