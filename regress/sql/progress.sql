-- Load progress in status and table_status: percent_done and time_left, from rows_copied,
-- rows_estimate and the copy's recent rate. First the rule on given figures, then a live task in
-- the served database whose copy runs at a known rate (options.max_rows_per_second) on a table
-- of the test's MariaDB (its port is in $MYSQL_SYNC_TEST_MYSQL_PORT; nothing printed names it).

-- The rule: done of estimate rows at a rate; finished is 100 with no time left; the estimate may
-- be low, so an unfinished copy shows at most 99.9 and, past the estimate, no time left.
SELECT done, estimate, finished, rate, p.*
  FROM (VALUES (0::bigint, 0::bigint, false, NULL::float8), (0, 20000, false, NULL), (5000, 20000, false, 1000),
               (19999, 20000, false, 1000), (20050, 20000, false, 1000), (20000, 20000, true, 1000),
               (20050, 20000, true, NULL), (5000, 20000, false, 0)) AS v(done, estimate, finished, rate),
       mysql_sync._progress(done, estimate, finished, rate) p;

\c postgres
SELECT NOT EXISTS (SELECT FROM pg_extension WHERE extname = 'mysql_sync') AS create_here \gset
\if :create_here
CREATE EXTENSION mysql_sync;
\endif
\getenv src MYSQL_SYNC_TEST_SOURCE
-- 20000 rows, with exact statistics so that rows_estimate is close.
\! mariadb --no-defaults --protocol=TCP -h 127.0.0.1 -P "$MYSQL_SYNC_TEST_MYSQL_PORT" -u sync -psync -e "DROP DATABASE IF EXISTS regress_progress; CREATE DATABASE regress_progress; USE regress_progress; CREATE TABLE items (id int PRIMARY KEY, label varchar(40)); INSERT INTO items SELECT seq, concat('item ', seq) FROM seq_1_to_20000; ANALYZE TABLE items" >/dev/null

CREATE FUNCTION pg_temp.wait_for(condition text) RETURNS boolean LANGUAGE plpgsql AS $$
DECLARE
  ok boolean;
BEGIN
  FOR i IN 1 .. 1200 LOOP
    EXECUTE condition INTO ok;
    IF ok THEN
      RETURN true;
    END IF;
    PERFORM pg_sleep(0.1);
  END LOOP;
  RAISE WARNING 'still not %', condition;
  RETURN false;
END
$$;

-- 2000 rows a second: about 10 s for the table.
SET client_min_messages = error;
SELECT task, state FROM mysql_sync.start_sync('regress_progress', :'src', '{regress_progress.items}',
                                              options => '{"max_rows_per_second": 2000}');
RESET client_min_messages;
SELECT pg_temp.wait_for($$SELECT rows_copied >= 6000 FROM mysql_sync.table_status
                           WHERE task = 'regress_progress'$$) AS a_third_copied;
-- While it copies: the percentage of the rows, and the time the rest takes at 500 to 2500 rows/s.
SELECT state, rows_estimate BETWEEN 15000 AND 25000 AS estimate_close,
       percent_done = LEAST(round(100.0 * rows_copied / rows_estimate, 1), 99.9) AS percent_of_rows,
       percent_done BETWEEN 20 AND 95 AS percent_plausible,
       extract(epoch FROM time_left) BETWEEN (rows_estimate - rows_copied) / 2500.0
                                         AND (rows_estimate - rows_copied) / 500.0 + 1 AS time_left_plausible
  FROM mysql_sync.table_status WHERE task = 'regress_progress';
SELECT state, percent_done BETWEEN 20 AND 95 AS percent_plausible,
       extract(epoch FROM time_left) BETWEEN (rows_estimate - rows_copied) / 2500.0
                                         AND (rows_estimate - rows_copied) / 500.0 + 1 AS time_left_plausible
  FROM mysql_sync.status WHERE task = 'regress_progress';

-- Once copied: 100 and no time left, for the table and the task.
SELECT pg_temp.wait_for($$SELECT state = 'streaming' FROM mysql_sync.status
                           WHERE task = 'regress_progress'$$) AS streaming;
SELECT source_table, state, rows_copied, percent_done, time_left
  FROM mysql_sync.table_status WHERE task = 'regress_progress';
SELECT state, rows_copied, percent_done, time_left FROM mysql_sync.status WHERE task = 'regress_progress';

SELECT mysql_sync.drop_sync('regress_progress', drop_tables => true);
DROP SCHEMA IF EXISTS regress_progress;
\! mariadb --no-defaults --protocol=TCP -h 127.0.0.1 -P "$MYSQL_SYNC_TEST_MYSQL_PORT" -u sync -psync -e "DROP DATABASE regress_progress"
\if :create_here
DROP EXTENSION mysql_sync;
\endif
