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
