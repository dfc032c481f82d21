-- needs ../shared/fixtures/binlog/rust_mysql_common/mariadb-bin.000001 (scripts/test skips this test without it)
-- binlog_events decodes a binlog file on the server's disk into the same JSON objects as the
-- mysql-sync-binlog command. The file is a real MariaDB 10.5 binlog from the shared fixtures
-- (../shared/fixtures/binlog, beside the source tree); its path is not printed.
\set fixture `cd ../shared/fixtures/binlog/rust_mysql_common && pwd`/mariadb-bin.000001
SELECT (e->>'pos')::bigint AS pos, (e->>'end_pos')::bigint AS end_pos, e->>'type' AS type,
       e->>'gtid' AS gtid, e->>'schema' AS schema, e->>'table' AS "table", e->'after'->>0 AS id
  FROM mysql_sync.binlog_events(:'fixture') AS e;
-- Every object has the file's base name and a timestamp; the rows name their columns.
SELECT count(*) AS events, count(DISTINCT e->>'file') AS files, min(e->>'file') AS file,
       count(*) FILTER (WHERE e ? 'timestamp') AS with_timestamp
  FROM mysql_sync.binlog_events(:'fixture') AS e;
SELECT e->'columns' AS columns, e->'before' AS before, e->>'sql' AS sql
  FROM mysql_sync.binlog_events(:'fixture') AS e WHERE e->>'type' IN ('insert', 'annotate_rows')
 ORDER BY (e->>'pos')::bigint LIMIT 2;
-- From a position: the format description event, then the events from there on.
SELECT (e->>'pos')::bigint AS pos, e->>'type' AS type, e->>'gtid' AS gtid
  FROM mysql_sync.binlog_events(:'fixture', 702) AS e;
-- A MySQL 4.1 binlog (format version 3, from Debian's mariadb-test-data): statements, decoded.
SELECT (e->>'pos')::bigint AS pos, e->>'type' AS type, coalesce(e->>'sql', e->>'server_version') AS sql
  FROM mysql_sync.binlog_events('/usr/share/mysql/mysql-test/std_data/bug47142_master-bin.000001') AS e;
-- Pre-GA rows events (a MySQL 5.1 development tree): never returned without their rows; the call
-- fails naming the format and the offset.
SELECT set_config('mysql_sync_test.fixture',
                  replace(:'fixture', 'mariadb-bin.000001', 'ver_5_1-wl2325_r.001'), false) IS NOT NULL AS set;
DO $$
BEGIN
  PERFORM count(*) FROM mysql_sync.binlog_events(current_setting('mysql_sync_test.fixture'));
  RAISE NOTICE 'no error';
EXCEPTION WHEN OTHERS THEN
  RAISE NOTICE '%: %', SQLSTATE, substring(SQLERRM FROM 'cannot decode.*');
END
$$;
