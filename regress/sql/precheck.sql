-- precheck against an unreachable source and against the test's MariaDB sandbox (its URI is
-- in $MYSQL_SYNC_TEST_SOURCE; it is never printed, nor is anything that names its port).
-- Items come in the contract's fixed order; status is passed, warning or failed.

-- Nothing listens on port 1: connection fails with a hint, the other source items are not
-- checked (warnings), the target items are still checked.
SELECT item, status,
       regexp_replace(detail, '''127\.0\.0\.1'' \(\d+\)', '''127.0.0.1'' (errno)') AS detail, hint
  FROM mysql_sync.precheck('mysql://sync:sync@127.0.0.1:1', '{shop.*}');

-- A live source. Details that name the port, the server version or a server_id are left out.
\getenv src MYSQL_SYNC_TEST_SOURCE
SELECT item, status,
       CASE WHEN item IN ('connection', 'version', 'server_id') THEN '(varies)' ELSE detail END AS detail, hint
  FROM mysql_sync.precheck(:'src', '{mysql.db}');

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

-- Target side: an existing target table fails with existing_tables 'fail' and is a warning
-- with 'clear'; without schema in initial_sync a missing target table fails.
CREATE SCHEMA mysql;
CREATE TABLE mysql.db (id int PRIMARY KEY);
SELECT item, status, detail, hint
  FROM mysql_sync.precheck(:'src', '{mysql.db}') WHERE item = 'target_conflict';
SELECT item, status, detail, hint
  FROM mysql_sync.precheck(:'src', '{mysql.db}', existing_tables => 'clear') WHERE item = 'target_conflict';
SELECT item, status, detail, hint
  FROM mysql_sync.precheck(:'src', '{mysql.db}', name_map => '{"mysql": "elsewhere"}')
 WHERE item = 'target_conflict';
SELECT item, status, detail, hint
  FROM mysql_sync.precheck(:'src', '{mysql.db}', initial_sync => '{data}', name_map => '{"mysql": "elsewhere"}')
 WHERE item IN ('target_conflict', 'target_privileges');
-- Two source tables mapped onto one target table (many-to-one needs 'append', a later feature).
SELECT item, status, detail, hint
  FROM mysql_sync.precheck(:'src', '{mysql.db, mysql.tables_priv}',
                           name_map => '{"mysql.tables_priv": "mysql.db"}')
 WHERE item = 'target_conflict';
DROP SCHEMA mysql CASCADE;
