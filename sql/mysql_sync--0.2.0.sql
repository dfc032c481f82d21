-- mysql_sync 0.2.0: catalog, views and functions (fresh install; sql/mysql_sync--0.1.0--0.2.0.sql upgrades 0.1.0).
\echo Use "CREATE EXTENSION mysql_sync" to load this file. \quit

DO $$
BEGIN
  IF NOT EXISTS (SELECT FROM pg_catalog.pg_roles WHERE rolname = 'mysql_sync_admin') THEN
    CREATE ROLE mysql_sync_admin NOLOGIN;
  END IF;
END
$$;

-- ---------------------------------------------------------------------------------------------
-- Catalog. Only the extension owner (a superuser) reads these: task_config holds the password.
-- ---------------------------------------------------------------------------------------------
CREATE TABLE mysql_sync.task_config (
  task            text PRIMARY KEY,
  source          text NOT NULL,
  objects         text[] NOT NULL,
  initial_sync    text[] NOT NULL,
  existing_tables text NOT NULL,
  operations      text[] NOT NULL,
  name_map        jsonb NOT NULL,
  table_keys      jsonb NOT NULL,
  options         jsonb NOT NULL,
  server_id       bigint NOT NULL,
  enabled         boolean NOT NULL DEFAULT true,
  created_at      timestamptz NOT NULL DEFAULT now(),
  -- The cluster (system identifier) and timeline that server_id was chosen on. A task found in
  -- another cluster came from a dump and is paused; a new timeline (a promoted standby) gets a new
  -- server_id, so that two clusters never stream from one source as the same replica
  -- (mysql_sync._adopt_cluster).
  cluster_system_id text,
  cluster_timeline  integer
);

-- The applied position lives here and is updated in the same transaction as the changes it covers.
CREATE TABLE mysql_sync.task_state (
  task                 text PRIMARY KEY REFERENCES mysql_sync.task_config ON DELETE CASCADE,
  state                text NOT NULL DEFAULT 'prechecking',
  detail               text,
  source_file          text,
  source_pos           bigint,
  source_gtid          text,
  last_commit_at       timestamptz,  -- source commit time of the last applied transaction
  rows_copied          bigint NOT NULL DEFAULT 0,
  rows_estimate        bigint NOT NULL DEFAULT 0,
  changes_applied      bigint NOT NULL DEFAULT 0,
  transactions_applied bigint NOT NULL DEFAULT 0,
  last_error           text,
  last_error_at        timestamptz,
  last_sqlstate        text,
  started_at           timestamptz,
  run_attempts         integer NOT NULL DEFAULT 0,  -- worker starts since the last good progress
  last_run_at          timestamptz,
  paused_ddl_file      text,    -- a DDL paused the task at this binlog position (its end); resume_sync
  paused_ddl_pos       bigint,  -- applies it
  updated_at           timestamptz NOT NULL DEFAULT now(),
  CHECK (state IN ('prechecking', 'schema', 'full_load', 'catching_up', 'streaming', 'paused',
                   'failed', 'stopped'))
);

-- One row per synced source table. `columns` records the source shape at schema sync (names,
-- ENUM/SET members, collations) and the target column of each source column.
CREATE TABLE mysql_sync.table_state (
  task            text NOT NULL REFERENCES mysql_sync.task_config ON DELETE CASCADE,
  source_table    text NOT NULL,
  source_schema   text NOT NULL,
  source_name     text NOT NULL,
  target_schema   text NOT NULL,
  target_name     text NOT NULL,
  columns         jsonb NOT NULL DEFAULT '[]',
  state           text NOT NULL DEFAULT 'pending',
  rows_copied     bigint NOT NULL DEFAULT 0,
  rows_estimate   bigint NOT NULL DEFAULT 0,
  changes_applied bigint NOT NULL DEFAULT 0,
  invalid_values  bigint NOT NULL DEFAULT 0,
  last_error      text,
  created_target  boolean NOT NULL DEFAULT false,  -- the initial sync created the target table
  -- Statements that changed the table's rows without row events (partition maintenance, IMPORT
  -- TABLESPACE) ignored by options.ddl.unlogged_rows = 'ignore' since its last copy.
  unlogged_rows_ignored bigint NOT NULL DEFAULT 0,
  -- While the table is copied (the initial load, alter_sync, resync_table): the backfill's kind
  -- and, per segment of its key, the last key of the last chunk written, {"kind": "load",
  -- "keys_pending": true, "segments": [{"from": null, "upto": null, "after": ["41"], "done":
  -- false}]}; NULL once the copy is done. A resumed copy goes on after those keys.
  backfill        jsonb,
  chunks_copied   bigint NOT NULL DEFAULT 0,  -- chunks of the copy written
  PRIMARY KEY (task, source_table),
  CHECK (state IN ('pending', 'copying', 'synced', 'failed', 'skipped', 'paused'))
);

-- The source definition of every synced table, one version per DDL, each valid from the binlog
-- position of its DDL: after a restart the worker follows each table with the definition of its
-- applied position. Written in the same transaction as the DDL's effect and position.
CREATE TABLE mysql_sync.schema_history (
  task          text NOT NULL REFERENCES mysql_sync.task_config ON DELETE CASCADE,
  source_table  text NOT NULL,   -- db.table as of this version
  version       integer NOT NULL,
  valid_from_file text,          -- the DDL's binlog position (NULL: the schema sync's snapshot)
  valid_from_pos  bigint,
  ddl           text,            -- the source statement (NULL for the schema sync)
  definition    jsonb NOT NULL,  -- columns, keys, indexes, charset as the source has them
  recorded_at   timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (task, source_table, version)
);

-- Failure history: one row per failure of the task's worker, written in the transaction that
-- records the failure in task_state; the newest 1000 rows per task are kept. Messages never hold
-- the source password (errors name user@host:port only).
CREATE TABLE mysql_sync.errors (
  task         text NOT NULL REFERENCES mysql_sync.task_config ON DELETE CASCADE,
  at           timestamptz NOT NULL DEFAULT now(),
  sqlstate     text NOT NULL,
  message      text NOT NULL,
  hint         text,
  source_file  text,    -- the binlog position of the failure (the transaction being applied, or
  source_pos   bigint,  -- the last applied position for an error of the source)
  source_table text,    -- db.table whose change failed, when the failure is about one
  state        text NOT NULL,  -- what the failure made of the task: failed (retried) or stopped
  id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY
);
CREATE INDEX errors_task_id ON mysql_sync.errors (task, id);

REVOKE ALL ON mysql_sync.task_config, mysql_sync.task_state, mysql_sync.table_state, mysql_sync.schema_history
  FROM PUBLIC;
REVOKE ALL ON mysql_sync.errors FROM PUBLIC;

-- Work that resync_table and alter_sync ask of a running task. The worker services a request at a
-- batch boundary and deletes it in the transaction that completes it, so a request survives a
-- restart; a paused task services its requests when resumed.
CREATE TABLE mysql_sync.table_requests (
  id           bigserial PRIMARY KEY,
  task         text NOT NULL REFERENCES mysql_sync.task_config ON DELETE CASCADE,
  -- repair: a resync the worker asks for itself, after rows changed without row events
  kind         text NOT NULL CHECK (kind IN ('resync', 'add', 'remove', 'repair')),
  object       text NOT NULL,  -- resync, repair: db.table; add, remove: a pattern like start_sync's objects
  requested_at timestamptz NOT NULL DEFAULT now()
);

REVOKE ALL ON mysql_sync.table_requests FROM PUBLIC;

-- pg_dump keeps what a task needs to resume: its configuration, position, tables, schema history
-- and pending requests (not the failure history). A restored task is paused (_adopt_cluster).
SELECT pg_catalog.pg_extension_config_dump('mysql_sync.task_config', '');
SELECT pg_catalog.pg_extension_config_dump('mysql_sync.task_state', '');
SELECT pg_catalog.pg_extension_config_dump('mysql_sync.table_state', '');
SELECT pg_catalog.pg_extension_config_dump('mysql_sync.schema_history', '');
SELECT pg_catalog.pg_extension_config_dump('mysql_sync.table_requests', '');
SELECT pg_catalog.pg_extension_config_dump('mysql_sync.table_requests_id_seq', '');

-- ---------------------------------------------------------------------------------------------
-- Internal C functions
-- ---------------------------------------------------------------------------------------------
CREATE FUNCTION mysql_sync._mask_source(source text) RETURNS text
  LANGUAGE c IMMUTABLE STRICT AS 'MODULE_PATHNAME', 'mysql_sync_mask_source';

-- Raise 22023 with a hint for a malformed source URI / object pattern / GTID set or position.
CREATE FUNCTION mysql_sync._check_source(source text) RETURNS void
  LANGUAGE c AS 'MODULE_PATHNAME', 'mysql_sync_check_source';
CREATE FUNCTION mysql_sync._check_gtid(gtid text) RETURNS void
  LANGUAGE c STRICT AS 'MODULE_PATHNAME', 'mysql_sync_check_gtid';
CREATE FUNCTION mysql_sync._check_objects(objects text[]) RETURNS void
  LANGUAGE c AS 'MODULE_PATHNAME', 'mysql_sync_check_objects';

-- Validates the arguments that start_sync and precheck share. Nothing is silently ignored: an
-- unknown value or key is 22023, a capability of a later version is 0A000 naming it.
CREATE FUNCTION mysql_sync._validate_arguments(source text, objects text[], initial_sync text[],
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
      IF jsonb_typeof(v) = 'object' AND v ? 'gtid' AND (SELECT count(*) FROM jsonb_object_keys(v)) = 1
         AND jsonb_typeof(v -> 'gtid') = 'string' AND (v ->> 'gtid') ~ '\S' THEN
        -- A GTID set (MySQL) or position (MariaDB): 22023 naming the bad part.
        PERFORM mysql_sync._check_gtid(v ->> 'gtid');
      ELSIF jsonb_typeof(v) <> 'object' OR NOT v ? 'file' OR jsonb_typeof(v -> 'pos') IS DISTINCT FROM 'number'
         OR (SELECT count(*) FROM jsonb_object_keys(v)) <> 2 THEN
        RAISE EXCEPTION 'invalid options.start_position %', v
          USING ERRCODE = 'invalid_parameter_value', HINT = 'Use {"file": "binlog.000042", "pos": 4}, or a GTID set (MySQL) or position (MariaDB): {"gtid": "3e11fa47-71ca-11e1-9e33-c80aa9429562:1-100"}, {"gtid": "0-1-100"}.';
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
    WHEN 'shard_count' THEN
      IF jsonb_typeof(v) <> 'number' OR (v #>> '{}') !~ '^[0-9]+$' OR (v #>> '{}')::numeric NOT BETWEEN 1 AND 64000 THEN
        RAISE EXCEPTION 'invalid options.shard_count %', v
          USING ERRCODE = 'invalid_parameter_value',
                HINT = 'A whole number of shards for each distributed table the task creates, from 1 to 64000.';
      END IF;
    WHEN 'reference_tables' THEN
      IF jsonb_typeof(v) <> 'array' OR EXISTS (
           SELECT FROM jsonb_array_elements(v) e
            WHERE jsonb_typeof(e) <> 'string' OR (e #>> '{}') !~ '^[^.]+\.[^.]+$') THEN
        RAISE EXCEPTION 'invalid options.reference_tables %', v
          USING ERRCODE = 'invalid_parameter_value',
                HINT = 'An array of db.table patterns (* and % match any characters), e.g. ["shop.country", "shop.code_%"].';
      END IF;
    ELSE
      RAISE EXCEPTION 'unknown option "%"', k
        USING ERRCODE = 'invalid_parameter_value',
              HINT = 'Known options: server_id, start_position, parallel, max_rows_per_second, consistency, invalid_dates, foreign_keys, ddl, skip_precheck, shard_count, reference_tables.';
    END CASE;
    IF k IN ('shard_count', 'reference_tables') AND NOT EXISTS (SELECT FROM pg_extension WHERE extname = 'citus') THEN
      RAISE EXCEPTION 'options.% is for Citus, and the citus extension is not installed in database %', k,
                      current_database()
        USING ERRCODE = 'invalid_parameter_value',
              HINT = 'CREATE EXTENSION citus (with citus first in shared_preload_libraries), or leave the option out.';
    END IF;
  END LOOP;
END
$$;

-- Live state of the running workers (shared memory).
CREATE FUNCTION mysql_sync._live_status(
    OUT task text, OUT pid integer, OUT state text, OUT source_file text, OUT source_pos bigint,
    OUT applied_source_time timestamptz, OUT last_event_at timestamptz, OUT rows_copied bigint,
    OUT changes_applied bigint, OUT transactions_applied bigint, OUT bytes_behind bigint,
    OUT retention_left_seconds bigint)
  RETURNS SETOF record LANGUAGE c AS 'MODULE_PATHNAME', 'mysql_sync_live_status';

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

-- True when the library was loaded by shared_preload_libraries (the launcher and workers exist).
CREATE FUNCTION mysql_sync._preloaded() RETURNS boolean
  LANGUAGE c AS 'MODULE_PATHNAME', 'mysql_sync_preloaded';

-- Asks the launcher to look at the task table now; `terminate` also stops the task's worker.
CREATE FUNCTION mysql_sync._signal_task(task text, terminate boolean) RETURNS boolean
  LANGUAGE c STRICT AS 'MODULE_PATHNAME', 'mysql_sync_signal_task';

CREATE FUNCTION mysql_sync._precheck(source text, objects text[], initial_sync text[],
    existing_tables text, operations text[], name_map jsonb, table_keys jsonb, options jsonb,
    OUT item text, OUT status text, OUT detail text, OUT hint text)
  RETURNS SETOF record LANGUAGE c AS 'MODULE_PATHNAME', 'mysql_sync_precheck';

-- Wakes the task's worker, once the caller commits, to read mysql_sync.table_requests.
CREATE FUNCTION mysql_sync._signal_table_requests(task text) RETURNS void
  LANGUAGE c STRICT AS 'MODULE_PATHNAME', 'mysql_sync_signal_table_requests';

-- Whether db.table matches any of the patterns (start_sync's objects: * and % wildcards).
CREATE FUNCTION mysql_sync._objects_match(objects text[], db text, tbl text) RETURNS boolean
  LANGUAGE c IMMUTABLE STRICT AS 'MODULE_PATHNAME', 'mysql_sync_objects_match';

-- The source's base tables (db.table) matching the patterns.
CREATE FUNCTION mysql_sync._source_tables(source text, objects text[]) RETURNS SETOF text
  LANGUAGE c STRICT AS 'MODULE_PATHNAME', 'mysql_sync_source_tables';

-- What keeps a target table from being replaced by a fresh copy (a resync drops the old table, and
-- CREATE TABLE ... LIKE does not carry these over): views, foreign keys, triggers, inheritance or
-- partitions, row security policies, publications. NULL when nothing does.
CREATE FUNCTION mysql_sync._resync_blockers(target regclass) RETURNS text
  LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp
AS $$
  SELECT NULLIF(concat_ws('; ',
    (SELECT 'views ' || string_agg(DISTINCT r.ev_class::regclass::text, ', ')
       FROM pg_depend d JOIN pg_rewrite r ON r.oid = d.objid
      WHERE d.classid = 'pg_rewrite'::regclass AND d.refobjid = target AND r.ev_class <> target),
    (SELECT 'foreign keys ' || string_agg(format('%I on %s', c.conname, c.conrelid::regclass), ', ')
       FROM pg_constraint c WHERE c.contype = 'f' AND (c.confrelid = target OR c.conrelid = target)),
    (SELECT 'triggers ' || string_agg(quote_ident(t.tgname), ', ')
       FROM pg_trigger t WHERE t.tgrelid = target AND NOT t.tgisinternal),
    (SELECT 'inheritance or partitions'
       FROM pg_inherits i WHERE i.inhrelid = target OR i.inhparent = target LIMIT 1),
    (SELECT 'row security policies ' || string_agg(quote_ident(p.polname), ', ')
       FROM pg_policy p WHERE p.polrelid = target),
    (SELECT 'publications ' || string_agg(quote_ident(p.pubname), ', ')
       FROM pg_publication_rel r JOIN pg_publication p ON p.oid = r.prpubid WHERE r.prrelid = target)), '')
$$;

-- The worker's swap at the end of a resync, in its transaction: the shadow copy replaces the
-- target under the target's name, with its owner, privileges, table comment, and the names of its
-- indexes (with their constraints) and identity sequences.
CREATE FUNCTION mysql_sync._swap_resynced_table(target_schema text, target_name text, shadow_name text)
  RETURNS void LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  citus_table boolean;
  target regclass := format('%I.%I', target_schema, target_name)::regclass;
  shadow regclass := format('%I.%I', target_schema, shadow_name)::regclass;
  blockers text := mysql_sync._resync_blockers(target);
  owner_name name;
  table_comment text := obj_description(target, 'pg_class');
  grants text[];
  g text;
  ix record;
  renames text[] := '{}';
BEGIN
  IF blockers IS NOT NULL THEN
    RAISE EXCEPTION 'cannot replace %: % depend on it', target, blockers
      USING ERRCODE = 'dependent_objects_still_exist',
            HINT = 'Drop them, call resync_table again, and create them again afterwards.';
  END IF;
  SELECT r.rolname INTO owner_name FROM pg_class c JOIN pg_roles r ON r.oid = c.relowner WHERE c.oid = target;
  grants := ARRAY(
    SELECT format('GRANT %s ON %I.%I TO %s%s', a.privilege_type, target_schema, target_name,
                  CASE WHEN a.grantee = 0 THEN 'PUBLIC' ELSE quote_ident(pg_get_userbyid(a.grantee)) END,
                  CASE WHEN a.is_grantable THEN ' WITH GRANT OPTION' ELSE '' END)
      FROM pg_class c, aclexplode(c.relacl) a
     WHERE c.oid = target AND a.grantee <> c.relowner);
  -- The shadow's indexes and sequences take the old names: indexes matched by what they index
  -- (the n-th of identical ones to the n-th, in creation order, as LIKE copies them).
  FOR ix IN
    WITH sig AS (
      SELECT i.indrelid, i.indexrelid,
             concat_ws('|', i.indkey::text, i.indclass::text, i.indisunique, i.indisprimary,
                       pg_get_expr(i.indexprs, i.indrelid), pg_get_expr(i.indpred, i.indrelid)) AS s
        FROM pg_index i WHERE i.indrelid IN (target, shadow)),
    numbered AS (
      SELECT sig.*, row_number() OVER (PARTITION BY indrelid, s ORDER BY indexrelid) AS k FROM sig)
    SELECT n.indexrelid::regclass AS new_index, oc.relname AS old_name
      FROM numbered n JOIN numbered o ON o.indrelid = target AND o.s = n.s AND o.k = n.k
      JOIN pg_class oc ON oc.oid = o.indexrelid
     WHERE n.indrelid = shadow
  LOOP
    renames := renames || format('ALTER INDEX %s RENAME TO %I', ix.new_index, ix.old_name);
  END LOOP;
  FOR ix IN
    SELECT pg_get_serial_sequence(format('%I.%I', target_schema, shadow_name), a.attname) AS new_seq,
           (SELECT c.relname FROM pg_class c
             WHERE c.oid = pg_get_serial_sequence(format('%I.%I', target_schema, target_name), a.attname)::regclass)
             AS old_name
      FROM pg_attribute a
     WHERE a.attrelid = shadow AND a.attnum > 0 AND NOT a.attisdropped
  LOOP
    IF ix.new_seq IS NOT NULL AND ix.old_name IS NOT NULL THEN
      renames := renames || format('ALTER SEQUENCE %s RENAME TO %I', ix.new_seq, ix.old_name);
      -- The fresh sequence goes on from where the old one was (the worker then moves it past the
      -- copied rows and the source's AUTO_INCREMENT counter).
      EXECUTE format('SELECT setval(%L, last_value, is_called) FROM %I.%I', ix.new_seq, target_schema, ix.old_name);
    END IF;
  END LOOP;
  EXECUTE format('DROP TABLE %s', target);
  EXECUTE format('ALTER TABLE %I.%I RENAME TO %I', target_schema, shadow_name, target_name);
  FOREACH g IN ARRAY renames LOOP  -- the old names are free now
    EXECUTE g;
  END LOOP;
  EXECUTE format('ALTER TABLE %I.%I OWNER TO %I', target_schema, target_name, owner_name);
  FOREACH g IN ARRAY grants LOOP
    EXECUTE g;
  END LOOP;
  IF table_comment IS NOT NULL THEN
    EXECUTE format('COMMENT ON TABLE %I.%I IS %L', target_schema, target_name, table_comment);
  END IF;
  -- The planner's statistics at once. Citus analyzes a distributed table over connections of its
  -- own, which cannot follow this transaction's writes on the node's own shards: the worker
  -- analyzes a Citus table once the swap has committed.
  IF to_regclass('pg_catalog.pg_dist_partition') IS NULL THEN
    citus_table := false;
  ELSE
    EXECUTE 'SELECT EXISTS (SELECT FROM pg_catalog.pg_dist_partition WHERE logicalrelid = $1)'
      INTO citus_table USING format('%I.%I', target_schema, target_name)::regclass;
  END IF;
  IF NOT citus_table THEN
    EXECUTE format('ANALYZE %I.%I', target_schema, target_name);
  END IF;
END
$$;

CREATE FUNCTION mysql_sync.binlog_events(file text, start_pos bigint DEFAULT 4)
  RETURNS SETOF jsonb LANGUAGE c STRICT AS 'MODULE_PATHNAME', 'mysql_sync_binlog_events';

-- ---------------------------------------------------------------------------------------------
-- Views
-- ---------------------------------------------------------------------------------------------
CREATE VIEW mysql_sync.tasks AS
  SELECT c.task, mysql_sync._mask_source(c.source) AS source, c.objects, c.initial_sync,
         c.existing_tables, c.operations, c.name_map, c.table_keys, c.options, c.enabled,
         c.created_at
    FROM mysql_sync.task_config c;

CREATE VIEW mysql_sync.status AS
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
         -- the initial load's progress (done once the task has a position and no table of the
         -- initial load is left to copy: the stream runs while the load's backfills do).
         l.bytes_behind,
         make_interval(secs => l.retention_left_seconds) AS binlog_retention_left,
         p.percent_done, p.time_left
    FROM mysql_sync.task_state s
    LEFT JOIN mysql_sync._live_status() l ON l.task = s.task
    LEFT JOIN mysql_sync._live_copy() r ON r.task = s.task
    CROSS JOIN LATERAL mysql_sync._progress(
        GREATEST(s.rows_copied, COALESCE(l.rows_copied, 0)), s.rows_estimate,
        (COALESCE(l.state, s.state) IN ('catching_up', 'streaming') OR s.source_file IS NOT NULL
           OR s.source_gtid IS NOT NULL)
          AND NOT EXISTS (SELECT FROM mysql_sync.table_state t
                           WHERE t.task = s.task AND t.backfill ->> 'kind' = 'load'),
        r.rows_per_second) p;

-- While a table is copying, its rows_copied is live: its committed rows (table_state, every chunk
-- commits its rows with its last key) plus those of the COPY writing it now. Its time left takes
-- an equal share of the task's copy rate among the tables copying (options.parallel: one backend
-- writes them all, by turns).
CREATE VIEW mysql_sync.table_status AS
  SELECT t.task, t.source_table, format('%s.%s', t.target_schema, t.target_name) AS target_table,
         t.state, c.rows_copied, t.rows_estimate, t.changes_applied, t.invalid_values, t.last_error,
         p.percent_done, p.time_left,
         -- Beyond the contract's columns: statements ignored by options.ddl.unlogged_rows, and the
         -- chunks of the table's copy written so far.
         t.unlogged_rows_ignored, t.chunks_copied
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

-- ---------------------------------------------------------------------------------------------
-- User functions
-- ---------------------------------------------------------------------------------------------
-- Warns when the task will wait: the launcher runs at most mysql_sync.max_tasks tasks, oldest
-- first; an enabled task that is not paused or stopped holds a slot.
CREATE FUNCTION mysql_sync._warn_if_no_slot(task_name text) RETURNS void
  LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  limit_tasks int := current_setting('mysql_sync.max_tasks')::int;
  running int;
BEGIN
  SELECT count(*) INTO running
    FROM mysql_sync.task_config c JOIN mysql_sync.task_state s USING (task)
   WHERE c.enabled AND s.state NOT IN ('paused', 'stopped') AND c.task <> task_name;
  IF running >= limit_tasks THEN
    RAISE WARNING 'task "%" waits for a free task slot: % tasks already run and mysql_sync.max_tasks is %',
      task_name, running, limit_tasks
      USING HINT = 'It starts when another task stops (stop_sync or drop_sync), or raise mysql_sync.max_tasks '
                   'in postgresql.conf and restart PostgreSQL.';
  END IF;
END
$$;

-- precheck and start_sync take the source password as an argument. Their errors are logged
-- without the STATEMENT line (log_min_error_statement = panic while they run: the setting is still
-- in effect when the error is logged), so that the password does not reach the server log.
CREATE FUNCTION mysql_sync.precheck(source text, objects text[],
    initial_sync text[] DEFAULT '{schema,data}', existing_tables text DEFAULT 'fail',
    operations text[] DEFAULT '{insert,update,delete,alter}', name_map jsonb DEFAULT '{}',
    table_keys jsonb DEFAULT '{}', options jsonb DEFAULT '{}')
  RETURNS TABLE(item text, status text, detail text, hint text)
  LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp
  SET log_min_error_statement = panic  -- the failing statement holds the source password
AS $$
BEGIN
  PERFORM mysql_sync._validate_arguments(source, objects, initial_sync, existing_tables, operations,
                                         name_map, table_keys, options);
  RETURN QUERY SELECT * FROM mysql_sync._precheck(source, objects, initial_sync, existing_tables,
                                                  operations, name_map, table_keys, options);
END
$$;

CREATE FUNCTION mysql_sync.start_sync(task_name text, source text, objects text[],
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
  -- '_task' tells the precheck the task's name: it recognises the task's own earlier replica
  -- connection by the report host the name gives (source/binlog_stream.h).
  FOR check_row IN SELECT * FROM mysql_sync._precheck(source, objects, initial_sync, existing_tables,
                                                      operations, name_map, table_keys,
                                                      options || jsonb_build_object('server_id', sid, '_task', task_name))
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
  ELSIF options ? 'start_position' THEN
    -- A GTID set (MySQL) or position (MariaDB): the stream starts after its transactions.
    UPDATE mysql_sync.task_state SET source_gtid = options -> 'start_position' ->> 'gtid' WHERE task = task_name;
  END IF;
  PERFORM mysql_sync._warn_if_no_slot(task_name);
  PERFORM mysql_sync._signal_task(task_name, false);
  SELECT * INTO result FROM mysql_sync.status s WHERE s.task = task_name;
  RETURN result;
END
$$;

CREATE FUNCTION mysql_sync.stop_sync(task_name text) RETURNS void
  LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
  UPDATE mysql_sync.task_config SET enabled = false WHERE task = task_name;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'task "%" does not exist', task_name
      USING ERRCODE = 'undefined_object', HINT = 'SELECT task FROM mysql_sync.tasks lists the tasks.';
  END IF;
  UPDATE mysql_sync.task_state SET state = 'paused', detail = 'stopped by stop_sync', updated_at = now()
   WHERE task = task_name;
  PERFORM mysql_sync._signal_task(task_name, true);
END
$$;

CREATE FUNCTION mysql_sync.resume_sync(task_name text) RETURNS void
  LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  current_state text;
BEGIN
  SELECT s.state INTO current_state FROM mysql_sync.task_state s WHERE s.task = task_name FOR UPDATE;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'task "%" does not exist', task_name
      USING ERRCODE = 'undefined_object', HINT = 'SELECT task FROM mysql_sync.tasks lists the tasks.';
  END IF;
  UPDATE mysql_sync.task_config SET enabled = true WHERE task = task_name;
  -- The worker sets the real state when it starts; until then say that it is catching up.
  IF current_state IN ('paused', 'stopped', 'failed') THEN
    UPDATE mysql_sync.task_state
       SET state = CASE WHEN source_file IS NULL AND source_gtid IS NULL THEN 'prechecking' ELSE 'catching_up' END,
           detail = 'resumed by resume_sync', updated_at = now()
     WHERE task = task_name;
  END IF;
  PERFORM mysql_sync._warn_if_no_slot(task_name);
  PERFORM mysql_sync._signal_task(task_name, false);
END
$$;

CREATE FUNCTION mysql_sync.drop_sync(task_name text, drop_tables boolean DEFAULT false) RETURNS void
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

-- Asks the task's worker to copy one table again (bgworker/table_requests.h): a fresh snapshot into
-- a shadow table, which replaces the target when the stream reaches the snapshot's position. The
-- request is serviced at the worker's next batch boundary (a paused task: when resumed); progress
-- shows in table_status (state copying) and status.detail.
CREATE FUNCTION mysql_sync.resync_table(task_name text, source_table text) RETURNS void
  LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  t record;
  target regclass;
  blockers text;
BEGIN
  PERFORM FROM mysql_sync.task_config c WHERE c.task = task_name FOR UPDATE;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'task "%" does not exist', task_name
      USING ERRCODE = 'undefined_object', HINT = 'SELECT task FROM mysql_sync.tasks lists the tasks.';
  END IF;
  SELECT * INTO t FROM mysql_sync.table_state s
   WHERE s.task = task_name AND s.source_table = resync_table.source_table;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'task "%" does not sync the table "%"', task_name, resync_table.source_table
      USING ERRCODE = 'undefined_table',
            HINT = format('Name it db.table with the MySQL names, as SELECT source_table FROM mysql_sync.table_status '
                          'WHERE task = %L lists them; alter_sync adds a table to a task.', task_name);
  END IF;
  target := to_regclass(format('%I.%I', t.target_schema, t.target_name));
  IF target IS NULL THEN
    RAISE EXCEPTION 'task "%": the target table %.% of % does not exist', task_name,
      quote_ident(t.target_schema), quote_ident(t.target_name), resync_table.source_table
      USING ERRCODE = 'undefined_table',
            HINT = 'resync_table copies into a table shaped like the target: create the target again first.';
  END IF;
  blockers := mysql_sync._resync_blockers(target);
  IF blockers IS NOT NULL THEN
    RAISE EXCEPTION 'task "%": cannot resync %: the target % is replaced at the end, and % depend on it',
      task_name, resync_table.source_table, target, blockers
      USING ERRCODE = 'dependent_objects_still_exist',
            HINT = 'Drop them, call resync_table again, and create them again once table_status shows the table synced.';
  END IF;
  IF EXISTS (SELECT FROM mysql_sync.table_requests r
              WHERE r.task = task_name AND r.kind = 'resync' AND r.object = resync_table.source_table) THEN
    RAISE NOTICE 'task "%": a resync of % is already requested', task_name, resync_table.source_table;
    RETURN;
  END IF;
  INSERT INTO mysql_sync.table_requests (task, kind, object) VALUES (task_name, 'resync', resync_table.source_table);
  UPDATE mysql_sync.task_state s SET detail = format('resync of %s requested', resync_table.source_table),
         updated_at = now()
   WHERE s.task = task_name;
  PERFORM mysql_sync._signal_table_requests(task_name);
END
$$;

-- Adds tables to a task (described, created, copied and streamed, per the task's initial_sync,
-- existing_tables, name_map and table_keys) and removes tables from it (no longer synced; the
-- target tables are kept). Serviced by the worker like resync_table.
CREATE FUNCTION mysql_sync.alter_sync(task_name text, add_objects text[] DEFAULT '{}',
    remove_objects text[] DEFAULT '{}') RETURNS void
  LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  c record;
  p text;
  known text[];
  removed text[] := '{}';
  matched text[];
  added text[] := '{}';
  check_row record;
  failures text := '';
  skip text[];
BEGIN
  SELECT * INTO c FROM mysql_sync.task_config tc WHERE tc.task = task_name FOR UPDATE;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'task "%" does not exist', task_name
      USING ERRCODE = 'undefined_object', HINT = 'SELECT task FROM mysql_sync.tasks lists the tasks.';
  END IF;
  add_objects := COALESCE(add_objects, '{}');
  remove_objects := COALESCE(remove_objects, '{}');
  IF cardinality(add_objects) = 0 AND cardinality(remove_objects) = 0 THEN
    RAISE EXCEPTION 'task "%": alter_sync needs add_objects or remove_objects', task_name
      USING ERRCODE = 'invalid_parameter_value',
            HINT = 'e.g. alter_sync(''shop'', add_objects => ''{shop.orders}'', remove_objects => ''{shop.tmp_%}'')';
  END IF;
  IF cardinality(add_objects) > 0 THEN PERFORM mysql_sync._check_objects(add_objects); END IF;
  IF cardinality(remove_objects) > 0 THEN PERFORM mysql_sync._check_objects(remove_objects); END IF;
  known := ARRAY(SELECT s.source_table FROM mysql_sync.table_state s WHERE s.task = task_name);

  FOREACH p IN ARRAY remove_objects LOOP
    matched := ARRAY(SELECT s.source_table FROM mysql_sync.table_state s
                      WHERE s.task = task_name AND mysql_sync._objects_match(ARRAY[p], s.source_schema, s.source_name));
    IF cardinality(matched) = 0 THEN
      RAISE EXCEPTION 'task "%": remove_objects pattern "%" matches none of its tables', task_name, p
        USING ERRCODE = 'undefined_table',
              HINT = format('SELECT source_table FROM mysql_sync.table_status WHERE task = %L lists them '
                            '(db.table, case-sensitive).', task_name);
    END IF;
    removed := removed || matched;
  END LOOP;
  IF cardinality(known) > 0 AND known <@ removed THEN
    RAISE EXCEPTION 'task "%": alter_sync would remove every table of the task', task_name
      USING ERRCODE = 'invalid_parameter_value',
            HINT = format('Use SELECT mysql_sync.drop_sync(%L) to end the task.', task_name);
  END IF;

  FOREACH p IN ARRAY add_objects LOOP
    matched := ARRAY(SELECT mysql_sync._source_tables(c.source, ARRAY[p]));
    IF cardinality(matched) = 0 THEN
      RAISE EXCEPTION 'task "%": add_objects pattern "%" matches no source table', task_name, p
        USING ERRCODE = 'undefined_table',
              HINT = 'Check the names with SHOW TABLES on the source; patterns are db.table with * or % wildcards and are case-sensitive.';
    END IF;
    matched := ARRAY(SELECT m FROM unnest(matched) m WHERE m <> ALL (known) AND m <> ALL (added));
    IF cardinality(matched) = 0 THEN
      RAISE EXCEPTION 'task "%": add_objects pattern "%" matches only tables the task syncs already', task_name, p
        USING ERRCODE = 'invalid_parameter_value',
              HINT = 'Leave the pattern out; resync_table copies a synced table again.';
    END IF;
    added := added || matched;
  END LOOP;

  IF cardinality(added) > 0 THEN
    -- The new tables must pass the checks start_sync makes (keys, types, targets, privileges).
    skip := COALESCE(ARRAY(SELECT jsonb_array_elements_text(c.options -> 'skip_precheck')), '{}');
    FOR check_row IN SELECT * FROM mysql_sync._precheck(c.source, added, c.initial_sync, c.existing_tables,
                                                        c.operations, c.name_map, c.table_keys,
                                                        c.options - 'start_position')
    LOOP
      IF check_row.status = 'failed' AND NOT check_row.item = ANY (skip) THEN
        failures := failures || format(E'\n  %s: %s (fix: %s)', check_row.item, check_row.detail,
                                       COALESCE(check_row.hint, 'see the README'));
      END IF;
    END LOOP;
    IF failures <> '' THEN
      RAISE EXCEPTION 'task "%": the tables to add fail the precheck:%', task_name, failures
        USING ERRCODE = 'object_not_in_prerequisite_state',
              HINT = 'Fix each item as its hint says, or leave those tables out of add_objects.';
    END IF;
  END IF;

  INSERT INTO mysql_sync.table_requests (task, kind, object)
    SELECT task_name, 'remove', unnest(remove_objects)
    UNION ALL SELECT task_name, 'add', unnest(add_objects);
  UPDATE mysql_sync.task_state s
     SET detail = concat_ws('; ', CASE WHEN cardinality(added) > 0 THEN 'adding ' || array_to_string(added, ', ') END,
                            CASE WHEN cardinality(removed) > 0 THEN 'removing ' || array_to_string(removed, ', ') END),
         updated_at = now()
   WHERE s.task = task_name;
  PERFORM mysql_sync._signal_table_requests(task_name);
END
$$;

-- Source failover: points a task at another server of the same replication topology (a promoted
-- replica, a new primary). The task continues from its GTID position there, exactly once. The new
-- server passes the precheck start_sync makes, starting from that position: it must hold every
-- transaction the task applied (else the task is ahead of it) and still have every one it has not
-- (else they were purged). The task must be paused first (stop_sync); set_source resumes it.
CREATE FUNCTION mysql_sync.set_source(task_name text, source text) RETURNS void
  LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp
  SET log_min_error_statement = panic  -- the failing statement holds the source password
AS $$
DECLARE
  c record;
  s record;
  check_row record;
  failures text := '';
  skip text[];
  waited int := 0;
BEGIN
  PERFORM mysql_sync._check_source(source);
  SELECT * INTO c FROM mysql_sync.task_config tc WHERE tc.task = task_name FOR UPDATE;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'task "%" does not exist', task_name
      USING ERRCODE = 'undefined_object', HINT = 'SELECT task FROM mysql_sync.tasks lists the tasks.';
  END IF;
  SELECT * INTO s FROM mysql_sync.task_state ts WHERE ts.task = task_name;
  -- The launcher runs enabled tasks that are not stopped (a stopped one needs a person).
  IF c.enabled AND s.state <> 'stopped' THEN
    RAISE EXCEPTION 'task "%" is running: stop it before pointing it at another source', task_name
      USING ERRCODE = 'object_in_use',
            HINT = format('SELECT mysql_sync.stop_sync(%L); then set_source again (it resumes the task).', task_name);
  END IF;
  -- stop_sync asked the worker to exit; its last batch commits (or not) before it does.
  WHILE EXISTS (SELECT FROM mysql_sync._live_status() l WHERE l.task = task_name AND l.pid IS NOT NULL) LOOP
    IF waited >= 300 THEN
      RAISE EXCEPTION 'task "%": its worker has not exited 30 s after stop_sync', task_name
        USING ERRCODE = 'object_in_use', HINT = 'Try again in a moment.';
    END IF;
    PERFORM pg_sleep(0.1);
    waited := waited + 1;
  END LOOP;
  SELECT * INTO s FROM mysql_sync.task_state ts WHERE ts.task = task_name FOR UPDATE;  -- as the worker left it
  IF s.source_gtid IS NULL OR s.source_gtid !~ '\S' THEN
    RAISE EXCEPTION 'task "%" has no GTID position to continue from on another server', task_name
      USING ERRCODE = 'object_not_in_prerequisite_state',
            DETAIL = format('Its position is the file position %s:%s of the old source only.', s.source_file, s.source_pos),
            HINT = 'Source failover needs GTIDs: MySQL with gtid_mode = ON (and enforce_gtid_consistency = ON) on '
                   'the old source while the task ran, or MariaDB. Start from a fresh copy instead: drop_sync, then '
                   'start_sync with existing_tables => ''clear''.';
  END IF;
  IF EXISTS (SELECT FROM mysql_sync.table_state t WHERE t.task = task_name AND t.state NOT IN ('synced', 'skipped')) THEN
    RAISE EXCEPTION 'task "%": its tables are not all copied yet (initial load or resync_table in progress)', task_name
      USING ERRCODE = 'object_not_in_prerequisite_state',
            HINT = 'Let the copies finish on the old source, or drop_sync and start_sync against the new one.';
  END IF;
  skip := COALESCE(ARRAY(SELECT jsonb_array_elements_text(c.options -> 'skip_precheck')), '{}');
  FOR check_row IN SELECT * FROM mysql_sync._precheck(source, c.objects, '{}', c.existing_tables, c.operations,
                                                      c.name_map, c.table_keys,
                                                      (c.options - 'start_position') || jsonb_build_object(
                                                        'server_id', c.server_id, '_task', task_name,
                                                        'start_position', jsonb_build_object('gtid', s.source_gtid)))
  LOOP
    IF check_row.status = 'failed' AND NOT check_row.item = ANY (skip) THEN
      failures := failures || format(E'\n  %s: %s (fix: %s)', check_row.item, check_row.detail,
                                     COALESCE(replace(check_row.hint, '<task>', task_name), 'see the README'));
    END IF;
  END LOOP;
  IF failures <> '' THEN
    RAISE EXCEPTION 'task "%": the new source fails the precheck:%', task_name, failures
      USING ERRCODE = 'object_not_in_prerequisite_state',
            HINT = 'Fix each item as its hint says; the task keeps its old source and stays paused.';
  END IF;

  UPDATE mysql_sync.task_config tc SET source = set_source.source, enabled = true WHERE tc.task = task_name;
  -- The GTID position is the task's place on every server of the topology; file positions belong
  -- to the old server's binlog.
  UPDATE mysql_sync.task_state ts
     SET source_file = NULL, source_pos = NULL, paused_ddl_file = NULL, paused_ddl_pos = NULL,
         state = 'catching_up', detail = 'source set to ' || mysql_sync._mask_source(set_source.source) || ' by set_source',
         run_attempts = 0, updated_at = now()
   WHERE ts.task = task_name;
  PERFORM mysql_sync._warn_if_no_slot(task_name);
  PERFORM mysql_sync._signal_task(task_name, false);
END
$$;

CREATE FUNCTION mysql_sync.verify(task_name text, source_table text DEFAULT NULL)
  RETURNS TABLE(source_table text, target_table text, status text, source_rows bigint,
                target_rows bigint, mismatched_rows bigint, detail text)
  LANGUAGE c SECURITY DEFINER SET search_path = pg_catalog, pg_temp
  -- One text form for the key literals it sends to the source (timestamptz in UTC, ISO dates).
  SET TimeZone = 'UTC' SET DateStyle = 'ISO, YMD' SET IntervalStyle = 'postgres'
  AS 'MODULE_PATHNAME', 'mysql_sync_verify';

-- ---------------------------------------------------------------------------------------------
-- Privileges: superusers and members of mysql_sync_admin only.
-- ---------------------------------------------------------------------------------------------
REVOKE ALL ON ALL FUNCTIONS IN SCHEMA mysql_sync FROM PUBLIC;
GRANT USAGE ON SCHEMA mysql_sync TO mysql_sync_admin;
GRANT SELECT ON mysql_sync.tasks, mysql_sync.status, mysql_sync.table_status, mysql_sync.schema_history,
  mysql_sync.errors
  TO mysql_sync_admin;
-- Monitoring (monitoring/postgres_exporter_queries.yaml): pg_monitor reads the status views and the
-- failure history, which never hold the source password.
GRANT USAGE ON SCHEMA mysql_sync TO pg_monitor;
GRANT SELECT ON mysql_sync.status, mysql_sync.table_status, mysql_sync.errors TO pg_monitor;
-- The views call these as their reader.
GRANT EXECUTE ON FUNCTION mysql_sync._live_status(), mysql_sync._live_copy(),
  mysql_sync._progress(bigint, bigint, boolean, double precision) TO pg_monitor;
GRANT EXECUTE ON FUNCTION
  mysql_sync.precheck(text, text[], text[], text, text[], jsonb, jsonb, jsonb),
  mysql_sync.start_sync(text, text, text[], text[], text, text[], jsonb, jsonb, jsonb),
  mysql_sync.stop_sync(text), mysql_sync.resume_sync(text), mysql_sync.drop_sync(text, boolean),
  mysql_sync.resync_table(text, text), mysql_sync.alter_sync(text, text[], text[]),
  mysql_sync.set_source(text, text),
  mysql_sync.verify(text, text),
  mysql_sync.binlog_events(text, bigint),
  mysql_sync._mask_source(text), mysql_sync._live_status(), mysql_sync._live_copy(),
  mysql_sync._progress(bigint, bigint, boolean, double precision)
  TO mysql_sync_admin;
