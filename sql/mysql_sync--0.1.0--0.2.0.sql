-- mysql_sync 0.1.0 -> 0.2.0 (ALTER EXTENSION mysql_sync UPDATE). Every catalog change of 0.2.0 is made
-- here too, so that an upgraded catalog equals a fresh 0.2.0 one; tasks, positions, schema history and
-- errors are kept.
\echo Use "ALTER EXTENSION mysql_sync UPDATE TO '0.2.0'" to load this file. \quit

-- Backups and failover: the cluster a task's replica id belongs to; tasks of 0.1.0 belong here and
-- keep their server_id.
ALTER TABLE mysql_sync.task_config ADD COLUMN cluster_system_id text, ADD COLUMN cluster_timeline integer;

SELECT pg_catalog.pg_extension_config_dump('mysql_sync.task_config', '');
SELECT pg_catalog.pg_extension_config_dump('mysql_sync.task_state', '');
SELECT pg_catalog.pg_extension_config_dump('mysql_sync.table_state', '');
SELECT pg_catalog.pg_extension_config_dump('mysql_sync.schema_history', '');
SELECT pg_catalog.pg_extension_config_dump('mysql_sync.table_requests', '');
SELECT pg_catalog.pg_extension_config_dump('mysql_sync.table_requests_id_seq', '');
GRANT USAGE ON SCHEMA mysql_sync TO pg_monitor;
GRANT SELECT ON mysql_sync.status, mysql_sync.table_status, mysql_sync.errors TO pg_monitor;
GRANT EXECUTE ON FUNCTION mysql_sync._live_status() TO pg_monitor;  -- the views call it as their reader

-- This cluster's system identifier and current timeline (pg_control_checkpoint() lags behind a
-- promotion until the next checkpoint; this does not).
CREATE FUNCTION mysql_sync._cluster_identity(OUT system_identifier text, OUT timeline integer)
  RETURNS record LANGUAGE c STRICT AS 'MODULE_PATHNAME', 'mysql_sync_cluster_identity';

-- The replica id a task gets when options.server_id does not give one: derived from the task name
-- and the cluster's identity, in a range real servers rarely use.
CREATE FUNCTION mysql_sync._derived_server_id(task text, system_identifier text, timeline integer)
  RETURNS bigint LANGUAGE sql IMMUTABLE STRICT SET search_path = pg_catalog, pg_temp
AS $$ SELECT 2130706432 + (hashtext(task || '/' || system_identifier || '/' || timeline) & 16777215)::bigint $$;

-- Called by the launcher before it reads the tasks. A task whose cluster is not this one was
-- restored from a dump: it is paused (the original may still stream from the same source; its
-- worker must not race it) and gets a replica id of this cluster. A task of this cluster on a new
-- timeline runs on a promoted standby: it keeps running, as a new replica id.
CREATE FUNCTION mysql_sync._adopt_cluster() RETURNS void
  LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  me record;
  t record;
BEGIN
  SELECT * INTO me FROM mysql_sync._cluster_identity();
  FOR t IN SELECT c.task, c.options, c.cluster_system_id, c.cluster_timeline
             FROM mysql_sync.task_config c JOIN mysql_sync.task_state s USING (task)
            WHERE c.cluster_system_id IS DISTINCT FROM me.system_identifier
               OR c.cluster_timeline IS DISTINCT FROM me.timeline
              FOR UPDATE OF c
  LOOP
    IF t.cluster_system_id IS DISTINCT FROM me.system_identifier THEN
      UPDATE mysql_sync.task_config SET enabled = false WHERE task = t.task;
      UPDATE mysql_sync.task_state
         SET state = CASE WHEN state = 'stopped' THEN state ELSE 'paused' END,
             detail = format('restored from a dump of cluster %s: SELECT mysql_sync.resume_sync(%L) starts it '
                             'once the original task no longer streams from this source',
                             COALESCE(t.cluster_system_id, 'unknown'), t.task),
             updated_at = now()
       WHERE task = t.task;
      RAISE LOG 'mysql_sync task "%": restored from cluster %, paused until resume_sync', t.task,
        COALESCE(t.cluster_system_id, 'unknown');
    ELSE
      RAISE LOG 'mysql_sync task "%": timeline % -> % (a promoted standby): new replica id', t.task,
        t.cluster_timeline, me.timeline;
    END IF;
    UPDATE mysql_sync.task_config
       SET cluster_system_id = me.system_identifier, cluster_timeline = me.timeline,
           server_id = COALESCE((t.options ->> 'server_id')::bigint,
                                mysql_sync._derived_server_id(t.task, me.system_identifier, me.timeline))
     WHERE task = t.task;
  END LOOP;
END
$$;
UPDATE mysql_sync.task_config
   SET (cluster_system_id, cluster_timeline) = (SELECT system_identifier, timeline FROM mysql_sync._cluster_identity());
REVOKE ALL ON FUNCTION mysql_sync._cluster_identity(), mysql_sync._derived_server_id(text, text, integer),
  mysql_sync._adopt_cluster() FROM PUBLIC;

CREATE OR REPLACE FUNCTION mysql_sync.start_sync(task_name text, source text, objects text[],
    initial_sync text[] DEFAULT '{schema,data}', existing_tables text DEFAULT 'fail',
    operations text[] DEFAULT '{insert,update,delete,alter}', name_map jsonb DEFAULT '{}',
    table_keys jsonb DEFAULT '{}', options jsonb DEFAULT '{}')
  RETURNS mysql_sync.status
  LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp
  SET log_min_error_statement = panic  -- the failing statement holds the source password
AS $$
DECLARE
  check_row record;
  failures text := '';
  skip text[];
  sid bigint;
  me record;
  result mysql_sync.status;
BEGIN
  IF NOT mysql_sync._preloaded() THEN
    RAISE EXCEPTION 'mysql_sync is not loaded by shared_preload_libraries'
      USING ERRCODE = 'object_not_in_prerequisite_state',
            HINT = 'Add mysql_sync to shared_preload_libraries in postgresql.conf and restart PostgreSQL.';
  END IF;
  IF current_database() <> current_setting('mysql_sync.database') THEN
    RAISE EXCEPTION 'mysql_sync serves database "%", not "%"', current_setting('mysql_sync.database'),
      current_database()
      USING ERRCODE = 'object_not_in_prerequisite_state',
            HINT = 'Call start_sync in that database, or set mysql_sync.database in postgresql.conf and restart.';
  END IF;
  IF task_name IS NULL OR task_name !~ '^[A-Za-z0-9_][A-Za-z0-9_-]{0,62}$' THEN
    RAISE EXCEPTION 'invalid task name "%"', task_name
      USING ERRCODE = 'invalid_parameter_value',
            HINT = 'Use 1 to 63 letters, digits, underscores or dashes.';
  END IF;
  IF EXISTS (SELECT FROM mysql_sync.task_config c WHERE c.task = task_name) THEN
    RAISE EXCEPTION 'task "%" already exists', task_name
      USING ERRCODE = 'duplicate_object',
            HINT = format('Choose another name, or remove it first with SELECT mysql_sync.drop_sync(%L).', task_name);
  END IF;
  PERFORM mysql_sync._validate_arguments(source, objects, initial_sync, existing_tables, operations,
                                         name_map, table_keys, options);

  -- A replica id of our own, unless the options give one.
  SELECT * INTO me FROM mysql_sync._cluster_identity();
  sid := COALESCE((options ->> 'server_id')::bigint,
                  mysql_sync._derived_server_id(task_name, me.system_identifier, me.timeline));
  skip := COALESCE(ARRAY(SELECT jsonb_array_elements_text(options -> 'skip_precheck')), '{}');
  FOR check_row IN SELECT * FROM mysql_sync._precheck(source, objects, initial_sync, existing_tables,
                                                      operations, name_map, table_keys,
                                                      options || jsonb_build_object('server_id', sid))
  LOOP
    IF check_row.status = 'failed' AND NOT check_row.item = ANY (skip) THEN
      failures := failures || format(E'\n  %s: %s (fix: %s)', check_row.item, check_row.detail,
                                     COALESCE(check_row.hint, 'see the README'));
    ELSIF check_row.status <> 'passed' AND check_row.detail NOT LIKE 'not checked%' THEN
      IF check_row.hint IS NULL THEN
        RAISE WARNING 'mysql_sync precheck %: %', check_row.item, check_row.detail;
      ELSE
        RAISE WARNING 'mysql_sync precheck %: %', check_row.item, check_row.detail
          USING HINT = check_row.hint;
      END IF;
    END IF;
  END LOOP;
  IF failures <> '' THEN
    RAISE EXCEPTION 'task "%": precheck failed:%', task_name, failures
      USING ERRCODE = 'object_not_in_prerequisite_state',
            HINT = 'Fix each item as its hint says, or list it in options.skip_precheck to accept the risk.';
  END IF;

  INSERT INTO mysql_sync.task_config (task, source, objects, initial_sync, existing_tables, operations,
                                      name_map, table_keys, options, server_id, cluster_system_id,
                                      cluster_timeline)
  VALUES (task_name, source, objects, initial_sync, existing_tables, operations, name_map, table_keys,
          options, sid, me.system_identifier, me.timeline);
  INSERT INTO mysql_sync.task_state (task, state, started_at) VALUES (task_name, 'prechecking', now());
  IF options ? 'start_position' AND options -> 'start_position' ? 'file' THEN
    UPDATE mysql_sync.task_state
       SET source_file = options -> 'start_position' ->> 'file',
           source_pos = (options -> 'start_position' ->> 'pos')::bigint
     WHERE task = task_name;
  END IF;
  PERFORM mysql_sync._warn_if_no_slot(task_name);
  PERFORM mysql_sync._signal_task(task_name, false);
  SELECT * INTO result FROM mysql_sync.status s WHERE s.task = task_name;
  RETURN result;
END
$$;

-- ---------------------------------------------------------------------------------------------
-- options.ddl kind unlogged_rows: statements that change rows without row events (partition
-- maintenance, DISCARD/IMPORT TABLESPACE). Applied, the worker copies the table again through a
-- table_requests row of kind 'repair'; ignored, table_state.unlogged_rows_ignored counts them.
-- ---------------------------------------------------------------------------------------------
ALTER TABLE mysql_sync.table_requests DROP CONSTRAINT table_requests_kind_check;
ALTER TABLE mysql_sync.table_requests
  ADD CONSTRAINT table_requests_kind_check CHECK (kind IN ('resync', 'add', 'remove', 'repair'));
ALTER TABLE mysql_sync.table_state ADD COLUMN unlogged_rows_ignored bigint NOT NULL DEFAULT 0;

-- One backfill engine copies every table in chunks (the initial load, alter_sync, resync_table):
-- table_state keeps each copy's progress in `backfill` and counts its chunks; the positions of
-- 0.1.0's snapshot copies go (a copy never runs ahead of the stream any more).
ALTER TABLE mysql_sync.table_state DROP COLUMN copy_file, DROP COLUMN copy_pos, DROP COLUMN copy_ranges,
  ADD COLUMN backfill jsonb, ADD COLUMN chunks_copied bigint NOT NULL DEFAULT 0;

-- Counters as committed: every chunk of a copy commits its rows with its last key.
CREATE OR REPLACE VIEW mysql_sync.table_status AS
  SELECT t.task, t.source_table, format('%s.%s', t.target_schema, t.target_name) AS target_table,
         t.state, t.rows_copied, t.rows_estimate, t.changes_applied, t.invalid_values, t.last_error,
         -- Beyond the contract's columns: statements ignored by options.ddl.unlogged_rows, and the
         -- chunks of the table's copy written so far.
         t.unlogged_rows_ignored, t.chunks_copied
    FROM mysql_sync.table_state t;

CREATE OR REPLACE FUNCTION mysql_sync._validate_arguments(source text, objects text[], initial_sync text[],
    existing_tables text, operations text[], name_map jsonb, table_keys jsonb, options jsonb)
  RETURNS void LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  k text;
  v jsonb;
  dk text;
  dv jsonb;
  parts int;
BEGIN
  PERFORM mysql_sync._check_source(source);
  PERFORM mysql_sync._check_objects(objects);
  IF initial_sync IS NULL OR NOT initial_sync <@ ARRAY['schema', 'data'] THEN
    RAISE EXCEPTION 'invalid initial_sync %', initial_sync
      USING ERRCODE = 'invalid_parameter_value', HINT = 'Use any of schema, data, e.g. ''{schema,data}'', or ''{}''.';
  END IF;
  IF existing_tables IS NULL OR existing_tables NOT IN ('fail', 'clear', 'append') THEN
    RAISE EXCEPTION 'invalid existing_tables "%"', existing_tables
      USING ERRCODE = 'invalid_parameter_value', HINT = 'Use fail, clear or append.';
  END IF;
  IF operations IS NULL OR NOT operations <@ ARRAY['insert', 'update', 'delete', 'alter'] THEN
    RAISE EXCEPTION 'invalid operations %', operations
      USING ERRCODE = 'invalid_parameter_value', HINT = 'Use any of insert, update, delete, alter.';
  END IF;
  IF name_map IS NULL OR jsonb_typeof(name_map) <> 'object' THEN
    RAISE EXCEPTION 'name_map must be a JSON object'
      USING ERRCODE = 'invalid_parameter_value', HINT = 'e.g. {"shop": "shop_pg", "shop.orders": "sales.orders"}';
  END IF;
  FOR k, v IN SELECT * FROM jsonb_each(name_map) LOOP
    parts := array_length(string_to_array(k, '.'), 1);
    IF jsonb_typeof(v) <> 'string' OR parts > 3 OR k ~ '(^\.|\.$|\.\.)' OR v #>> '{}' = ''
       OR (parts = 2 AND (v #>> '{}') !~ '^[^.]+\.[^.]+$') OR (parts <> 2 AND (v #>> '{}') ~ '\.') THEN
      RAISE EXCEPTION 'invalid name_map entry "%": %', k, v
        USING ERRCODE = 'invalid_parameter_value',
              HINT = 'Map "db" to "schema", "db.table" to "schema.table", "db.table.column" to "column".';
    END IF;
  END LOOP;
  IF table_keys IS NULL OR jsonb_typeof(table_keys) <> 'object' THEN
    RAISE EXCEPTION 'table_keys must be a JSON object' USING ERRCODE = 'invalid_parameter_value';
  END IF;
  FOR k, v IN SELECT * FROM jsonb_each(table_keys) LOOP
    IF k !~ '^[^.]+\.[^.]+$' OR jsonb_typeof(v) <> 'object' OR v = '{}'
       OR EXISTS (SELECT FROM jsonb_object_keys(v) o WHERE o NOT IN ('primary_key', 'distribution_key'))
       OR EXISTS (SELECT FROM jsonb_each(v) e
                   WHERE jsonb_typeof(e.value) <> 'array' OR jsonb_array_length(e.value) = 0
                      OR EXISTS (SELECT FROM jsonb_array_elements(e.value) c
                                  WHERE jsonb_typeof(c) <> 'string' OR c #>> '{}' = '')) THEN
      RAISE EXCEPTION 'invalid table_keys entry "%": %', k, v
        USING ERRCODE = 'invalid_parameter_value',
              HINT = 'Use {"db.table": {"primary_key": ["id"], "distribution_key": ["customer_id"]}}: '
                     'a source table, then non-empty arrays of its column names.';
    END IF;
  END LOOP;
  IF options IS NULL OR jsonb_typeof(options) <> 'object' THEN
    RAISE EXCEPTION 'options must be a JSON object' USING ERRCODE = 'invalid_parameter_value';
  END IF;
  FOR k, v IN SELECT * FROM jsonb_each(options) LOOP
    CASE k
    WHEN 'server_id' THEN
      IF jsonb_typeof(v) <> 'number' OR (v #>> '{}') !~ '^[0-9]+$'
         OR (v #>> '{}')::numeric NOT BETWEEN 1 AND 4294967295 THEN
        RAISE EXCEPTION 'invalid options.server_id %', v
          USING ERRCODE = 'invalid_parameter_value',
                HINT = 'A whole number from 1 to 4294967295, unique among the source''s replicas.';
      END IF;
    WHEN 'start_position' THEN
      IF initial_sync <> '{}' THEN
        RAISE EXCEPTION 'options.start_position needs initial_sync => ''{}'''
          USING ERRCODE = 'invalid_parameter_value', HINT = 'An initial copy starts from its own snapshot position.';
      END IF;
      IF jsonb_typeof(v) = 'object' AND v ? 'gtid' THEN
        RAISE EXCEPTION 'options.start_position with a gtid is not supported yet'
          USING ERRCODE = 'feature_not_supported', HINT = 'Give {"file": "binlog.000042", "pos": 4}.';
      END IF;
      IF jsonb_typeof(v) <> 'object' OR NOT v ? 'file' OR jsonb_typeof(v -> 'pos') IS DISTINCT FROM 'number'
         OR (SELECT count(*) FROM jsonb_object_keys(v)) <> 2 THEN
        RAISE EXCEPTION 'invalid options.start_position %', v
          USING ERRCODE = 'invalid_parameter_value', HINT = 'Use {"file": "binlog.000042", "pos": 4}.';
      END IF;
    WHEN 'invalid_dates' THEN
      IF v NOT IN ('"null"', '"error"') THEN
        RAISE EXCEPTION 'invalid options.invalid_dates %', v
          USING ERRCODE = 'invalid_parameter_value', HINT = 'Use "null" or "error".';
      END IF;
    WHEN 'skip_precheck' THEN
      IF jsonb_typeof(v) <> 'array' OR EXISTS (
           SELECT FROM jsonb_array_elements(v) e
            WHERE jsonb_typeof(e) <> 'string' OR NOT (e #>> '{}') = ANY (ARRAY['connection', 'version',
                  'binlog_enabled', 'binlog_format', 'binlog_row_image', 'binlog_row_metadata',
                  'binlog_retention', 'server_id', 'privileges', 'objects_exist', 'primary_keys',
                  'column_types', 'prefix_indexes', 'target_conflict', 'target_privileges',
                  'distribution_keys'])) THEN
        RAISE EXCEPTION 'invalid options.skip_precheck %', v
          USING ERRCODE = 'invalid_parameter_value',
                HINT = 'An array of precheck item names, e.g. ["binlog_retention"].';
      END IF;
    WHEN 'parallel' THEN
      IF jsonb_typeof(v) <> 'number' OR (v #>> '{}') !~ '^[0-9]+$' OR (v #>> '{}')::numeric < 1
         OR (v #>> '{}')::numeric > 64 THEN
        RAISE EXCEPTION 'invalid options.parallel %', v
          USING ERRCODE = 'invalid_parameter_value',
                HINT = 'A whole number of tables copied at once (source connections), from 1 to 64.';
      END IF;
    WHEN 'max_rows_per_second' THEN
      IF jsonb_typeof(v) <> 'number' OR (v #>> '{}') !~ '^[0-9]+$' OR (v #>> '{}')::numeric < 1
         OR (v #>> '{}')::numeric > 9223372036854775807 THEN
        RAISE EXCEPTION 'invalid options.max_rows_per_second %', v
          USING ERRCODE = 'invalid_parameter_value', HINT = 'A whole number of rows per second, at least 1.';
      END IF;
    WHEN 'consistency' THEN
      IF v NOT IN ('"auto"', '"snapshot"', '"watermark"') THEN
        RAISE EXCEPTION 'invalid options.consistency %', v
          USING ERRCODE = 'invalid_parameter_value',
                HINT = 'Use "auto" (MariaDB: exact snapshot positions; MySQL: watermarks), "snapshot" (MariaDB only) or "watermark".';
      END IF;
    WHEN 'foreign_keys' THEN
      IF jsonb_typeof(v) <> 'boolean' THEN
        RAISE EXCEPTION 'invalid options.foreign_keys %', v
          USING ERRCODE = 'invalid_parameter_value', HINT = 'Use true (create them NOT VALID after the load) or false.';
      END IF;
    WHEN 'ddl' THEN
      IF jsonb_typeof(v) <> 'object' THEN
        RAISE EXCEPTION 'invalid options.ddl %', v
          USING ERRCODE = 'invalid_parameter_value',
                HINT = 'An object of DDL kind -> policy, e.g. {"drop_column": "ignore", "rename_table": "pause"}.';
      END IF;
      FOR dk, dv IN SELECT * FROM jsonb_each(v) LOOP
        IF dk NOT IN ('add_column', 'drop_column', 'rename_column', 'modify_column', 'narrow_column', 'index',
                      'table_options', 'rename_table', 'create_table', 'drop_table', 'truncate_table',
                      'unlogged_rows') THEN
          RAISE EXCEPTION 'unknown DDL kind "%" in options.ddl', dk
            USING ERRCODE = 'invalid_parameter_value',
                  HINT = 'Kinds: add_column, drop_column, rename_column, modify_column, narrow_column, index, table_options, rename_table, create_table, drop_table, truncate_table, unlogged_rows.';
        END IF;
        IF jsonb_typeof(dv) <> 'string' OR (dv #>> '{}') NOT IN ('apply', 'ignore', 'pause', 'fail') THEN
          RAISE EXCEPTION 'invalid policy % for % in options.ddl', dv, dk
            USING ERRCODE = 'invalid_parameter_value', HINT = 'Policies: apply, ignore, pause, fail.';
        END IF;
      END LOOP;
    ELSE
      RAISE EXCEPTION 'unknown option "%"', k
        USING ERRCODE = 'invalid_parameter_value',
              HINT = 'Known options: server_id, start_position, parallel, max_rows_per_second, consistency, invalid_dates, foreign_keys, ddl, skip_precheck.';
    END CASE;
  END LOOP;
END
$$;

CREATE OR REPLACE FUNCTION mysql_sync.drop_sync(task_name text, drop_tables boolean DEFAULT false) RETURNS void
  LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  t record;
BEGIN
  PERFORM FROM mysql_sync.task_config WHERE task = task_name FOR UPDATE;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'task "%" does not exist', task_name
      USING ERRCODE = 'undefined_object', HINT = 'SELECT task FROM mysql_sync.tasks lists the tasks.';
  END IF;
  PERFORM mysql_sync._signal_task(task_name, true);
  -- The shadow tables of unfinished resyncs (bgworker/table_requests.cpp names them).
  FOR t IN SELECT s.target_schema, s.target_name FROM mysql_sync.table_state s
             JOIN mysql_sync.table_requests r ON r.task = s.task AND r.kind IN ('resync', 'repair')
                                              AND r.object = s.source_table
            WHERE s.task = task_name
  LOOP
    EXECUTE format('DROP TABLE IF EXISTS %I.%I', t.target_schema, t.target_name || '__mysql_sync_resync');
  END LOOP;
  IF drop_tables THEN
    -- Only tables that no other task writes to.
    FOR t IN SELECT DISTINCT target_schema, target_name FROM mysql_sync.table_state a
              WHERE a.task = task_name
                AND NOT EXISTS (SELECT FROM mysql_sync.table_state b
                                 WHERE b.task <> task_name AND b.target_schema = a.target_schema
                                   AND b.target_name = a.target_name)
    LOOP
      EXECUTE format('DROP TABLE IF EXISTS %I.%I', t.target_schema, t.target_name);
    END LOOP;
  END IF;
  DELETE FROM mysql_sync.task_config WHERE task = task_name;
END
$$;
