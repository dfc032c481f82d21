-- mysql_sync 0.1.0 -> 0.2.0 (ALTER EXTENSION mysql_sync UPDATE). Every catalog change of 0.2.0 is made
-- here too, so that an upgraded catalog equals a fresh 0.2.0 one; tasks, positions, schema history and
-- errors are kept.
\echo Use "ALTER EXTENSION mysql_sync UPDATE TO '0.2.0'" to load this file. \quit

-- ---------------------------------------------------------------------------------------------
-- Load progress: status and table_status gain percent_done and time_left (at the end).
-- ---------------------------------------------------------------------------------------------
-- The copy of the running workers (shared memory): the table their COPY writes (db.table), its rows
-- not yet in table_state, and the recent copy rate (rows per second, 0 when not known).
CREATE FUNCTION mysql_sync._live_copy(OUT task text, OUT copy_table text, OUT rows_in_flight bigint,
    OUT rows_per_second double precision)
  RETURNS SETOF record LANGUAGE c AS 'MODULE_PATHNAME', 'mysql_sync_live_copy';

-- A copy's progress for the views: the percentage of the estimated rows done (100 once finished;
-- at most 99.9 before, as the estimate can be low) and the time left at the given rate (0 once
-- finished; NULL when the rate is not known or the copy is past the estimate).
CREATE FUNCTION mysql_sync._progress(done bigint, estimate bigint, finished boolean,
    rows_per_second double precision, OUT percent_done numeric, OUT time_left interval)
  LANGUAGE sql IMMUTABLE SET search_path = pg_catalog, pg_temp
AS $$
  SELECT CASE WHEN finished THEN 100.0
              WHEN estimate > 0 THEN LEAST(round(100.0 * done / estimate, 1), 99.9) END,
         CASE WHEN finished THEN interval '0'
              WHEN estimate > done AND rows_per_second > 0
              THEN make_interval(secs => ceil((estimate - done) / rows_per_second)) END
$$;

CREATE OR REPLACE VIEW mysql_sync.status AS
  SELECT s.task,
         CASE WHEN l.pid IS NOT NULL AND l.state IS NOT NULL THEN l.state ELSE s.state END AS state,
         s.detail,
         COALESCE(l.source_file, s.source_file) AS source_file,
         COALESCE(l.source_pos, s.source_pos) AS source_pos,
         s.source_gtid,
         CASE WHEN l.applied_source_time IS NOT NULL
              THEN round(GREATEST(extract(epoch FROM now() - l.applied_source_time), 0)::numeric, 3)
              WHEN s.last_commit_at IS NOT NULL
              THEN round(GREATEST(extract(epoch FROM now() - s.last_commit_at), 0)::numeric, 3)
         END AS lag_seconds,
         l.last_event_at,
         GREATEST(s.rows_copied, COALESCE(l.rows_copied, 0)) AS rows_copied,
         s.rows_estimate,
         GREATEST(s.changes_applied, COALESCE(l.changes_applied, 0)) AS changes_applied,
         GREATEST(s.transactions_applied, COALESCE(l.transactions_applied, 0)) AS transactions_applied,
         s.last_error, s.last_error_at, s.started_at, s.updated_at,
         -- Beyond the contract's columns: the source monitor's figures while the worker runs, and
         -- the initial load's progress (done once the task catches up or has a position).
         l.bytes_behind,
         make_interval(secs => l.retention_left_seconds) AS binlog_retention_left,
         p.percent_done, p.time_left
    FROM mysql_sync.task_state s
    LEFT JOIN mysql_sync._live_status() l ON l.task = s.task
    LEFT JOIN mysql_sync._live_copy() r ON r.task = s.task
    CROSS JOIN LATERAL mysql_sync._progress(
        GREATEST(s.rows_copied, COALESCE(l.rows_copied, 0)), s.rows_estimate,
        COALESCE(l.state, s.state) IN ('catching_up', 'streaming') OR s.source_file IS NOT NULL,
        r.rows_per_second) p;

-- While a table is copying, its rows_copied is live: its committed rows (table_state) plus those
-- of the COPY writing it now. Its time left takes an equal share of the task's copy rate among the
-- tables copying (options.parallel: one backend writes them all, by turns).
CREATE OR REPLACE VIEW mysql_sync.table_status AS
  SELECT t.task, t.source_table, format('%s.%s', t.target_schema, t.target_name) AS target_table,
         t.state, c.rows_copied, t.rows_estimate, t.changes_applied, t.invalid_values, t.last_error,
         p.percent_done, p.time_left
    FROM mysql_sync.table_state t
    LEFT JOIN mysql_sync._live_copy() l ON l.task = t.task
    CROSS JOIN LATERAL (
      SELECT CASE WHEN t.state = 'copying' AND l.copy_table = t.source_table
                  THEN t.rows_copied + l.rows_in_flight ELSE t.rows_copied END AS rows_copied) c
    CROSS JOIN LATERAL mysql_sync._progress(
        c.rows_copied, t.rows_estimate, t.state = 'synced',
        CASE WHEN t.state = 'copying'
             THEN l.rows_per_second / (SELECT count(*) FROM mysql_sync.table_state o
                                        WHERE o.task = t.task AND o.state = 'copying') END) p;

REVOKE ALL ON FUNCTION mysql_sync._live_copy(),
  mysql_sync._progress(bigint, bigint, boolean, double precision) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION mysql_sync._live_copy(),
  mysql_sync._progress(bigint, bigint, boolean, double precision) TO mysql_sync_admin;
