-- precheck against an unreachable source and against the test's MariaDB sandbox (its URI is
-- in $MYSQL_SYNC_TEST_SOURCE; it is never printed, nor is anything that names its port).
-- Items come in the contract's fixed order; status is passed, warning or failed.

-- Argument errors are raised before anything is checked (SQLSTATE 22023, or 0A000 for what a
-- later version brings).
\set VERBOSITY default
SELECT * FROM mysql_sync.precheck('mysql://sync:sync@127.0.0.1:1', '{shop.*}', existing_tables => 'keep');
SELECT * FROM mysql_sync.precheck('mysql://sync:sync@127.0.0.1:1', '{shop}');
SELECT * FROM mysql_sync.precheck('http://127.0.0.1:1', '{shop.*}');
SELECT * FROM mysql_sync.precheck('mysql://sync:sync@127.0.0.1:1', '{shop.*}', initial_sync => '{rows}');
SELECT * FROM mysql_sync.precheck('mysql://sync:sync@127.0.0.1:1', '{shop.*}', options => '{"sever_id": 5}');
SELECT * FROM mysql_sync.precheck('mysql://sync:sync@127.0.0.1:1', '{shop.*}', options => '{"server_id": 0}');
SELECT * FROM mysql_sync.precheck('mysql://sync:sync@127.0.0.1:1', '{shop.*}',
                                  options => '{"skip_precheck": ["binlog_size"]}');
SELECT * FROM mysql_sync.precheck('mysql://sync:sync@127.0.0.1:1', '{shop.*}',
                                  options => '{"start_position": {"file": "binlog.000001", "pos": 4}}');
SELECT * FROM mysql_sync.precheck('mysql://sync:sync@127.0.0.1:1', '{shop.*}', existing_tables => 'append');
SELECT * FROM mysql_sync.precheck('mysql://sync:sync@127.0.0.1:1', '{shop.*}',
                                  table_keys => '{"shop.t": {"primary_key": ["id"]}}');
\set VERBOSITY terse

-- Nothing listens on port 1: connection fails, saying why, with a hint; the other source items
-- are not checked (warnings), the target items are still checked.
SELECT item, status, detail, hint
  FROM mysql_sync.precheck('mysql://sync:sync@127.0.0.1:1', '{shop.*}');
-- A host name that does not resolve.
SELECT item, status, detail, hint
  FROM mysql_sync.precheck('mysql://sync:sync@no-such-host.invalid:3306', '{shop.*}') WHERE item = 'connection';

-- A live source. Details that name the port, the server version or a server_id are left out.
\getenv src MYSQL_SYNC_TEST_SOURCE
SELECT item, status,
       CASE WHEN item IN ('connection', 'version', 'server_id') THEN '(varies)' ELSE detail END AS detail, hint
  FROM mysql_sync.precheck(:'src', '{mysql.db}');

-- A wrong password, and TLS demanded of a server without it, are told apart from an unreachable
-- server (the port is masked).
SELECT item, status, regexp_replace(detail, ':\d+', ':PORT', 'g') AS detail, hint
  FROM mysql_sync.precheck(replace(:'src', 'sync:sync@', 'sync:wrong@'), '{mysql.db}') WHERE item = 'connection';
SELECT item, status, regexp_replace(detail, ':\d+', ':PORT', 'g') AS detail, hint
  FROM mysql_sync.precheck(:'src' || '?ssl_mode=require', '{mysql.db}') WHERE item = 'connection';

-- A pattern that matches nothing fails objects_exist.
SELECT item, status, detail, hint
  FROM mysql_sync.precheck(:'src', '{mysql.db, nosuchdb.*, mysql.nosuch%}')
 WHERE item IN ('objects_exist', 'target_conflict');

-- A table without a primary key fails primary_keys (MariaDB's mysql.general_log has none).
SELECT item, status, detail, hint
  FROM mysql_sync.precheck(:'src', '{mysql.general_log}')
 WHERE item IN ('objects_exist', 'primary_keys');

-- The task's server_id must differ from the source's (the sandbox runs with server_id 1).
SELECT item, status, detail, hint
  FROM mysql_sync.precheck(:'src', '{mysql.db}', options => '{"server_id": 1}')
 WHERE item = 'server_id';

-- A start position in a binlog file the source does not have (initial_sync '{}'; the target
-- table must then exist, hence target_conflict).
SELECT item, status, regexp_replace(detail, 'newest: binlog\.\d+', 'newest: binlog.N') AS detail, hint
  FROM mysql_sync.precheck(:'src', '{mysql.db}', initial_sync => '{}',
                           options => '{"start_position": {"file": "binlog.999999", "pos": 4}}')
 WHERE status <> 'passed' AND item NOT IN ('connection', 'version', 'server_id');

-- Target side: an existing target table fails with existing_tables 'fail' and is a warning
-- with 'clear'; without schema in initial_sync a missing target table fails.
CREATE SCHEMA mysql;
CREATE TABLE mysql.db (id int PRIMARY KEY);
SELECT item, status, detail, hint
  FROM mysql_sync.precheck(:'src', '{mysql.db}') WHERE item = 'target_conflict';
-- With 'clear' the existing table is used, so its columns must fit the source's.
SELECT item, status, detail, hint
  FROM mysql_sync.precheck(:'src', '{mysql.db}', existing_tables => 'clear') WHERE item = 'target_conflict';
SELECT item, status, detail, hint
  FROM mysql_sync.precheck(:'src', '{mysql.db}', name_map => '{"mysql": "elsewhere"}')
 WHERE item = 'target_conflict';
SELECT item, status, detail, hint
  FROM mysql_sync.precheck(:'src', '{mysql.db}', initial_sync => '{data}', name_map => '{"mysql": "elsewhere"}')
 WHERE item IN ('target_conflict', 'target_privileges');
-- Two source tables mapped onto one target table (many-to-one needs 'append').
SELECT item, status, detail, hint
  FROM mysql_sync.precheck(:'src', '{mysql.db, mysql.tables_priv}',
                           name_map => '{"mysql.tables_priv": "mysql.db"}')
 WHERE item = 'target_conflict';
-- With append, many-to-one needs compatible columns (these two tables differ).
SELECT item, status, detail, hint
  FROM mysql_sync.precheck(:'src', '{mysql.db, mysql.tables_priv}', existing_tables => 'append',
                           name_map => '{"mysql.tables_priv": "mysql.db"}')
 WHERE item = 'target_conflict';
DROP SCHEMA mysql CASCADE;

-- target_privileges: a role without CREATE on the database (PUBLIC has none by default).
CREATE ROLE regress_precheck_nocreate;
GRANT mysql_sync_admin TO regress_precheck_nocreate;
SET SESSION AUTHORIZATION regress_precheck_nocreate;
SELECT item, status, detail, hint
  FROM mysql_sync.precheck(:'src', '{mysql.db}') WHERE item = 'target_privileges';
RESET SESSION AUTHORIZATION;
DROP ROLE regress_precheck_nocreate;
