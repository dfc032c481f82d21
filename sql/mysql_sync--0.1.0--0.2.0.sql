-- mysql_sync 0.1.0 -> 0.2.0 (ALTER EXTENSION mysql_sync UPDATE). Every catalog change of 0.2.0 is made
-- here too, so that an upgraded catalog equals a fresh 0.2.0 one; tasks, positions, schema history and
-- errors are kept.
\echo Use "ALTER EXTENSION mysql_sync UPDATE TO '0.2.0'" to load this file. \quit

-- options.shard_count and options.reference_tables (Citus targets).
-- Validates the arguments that start_sync and precheck share. Nothing is silently ignored: an
-- unknown value or key is 22023, a capability of a later version is 0A000 naming it.
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
                      'table_options', 'rename_table', 'create_table', 'drop_table', 'truncate_table') THEN
          RAISE EXCEPTION 'unknown DDL kind "%" in options.ddl', dk
            USING ERRCODE = 'invalid_parameter_value',
                  HINT = 'Kinds: add_column, drop_column, rename_column, modify_column, narrow_column, index, table_options, rename_table, create_table, drop_table, truncate_table.';
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
              HINT = 'Known options: server_id, start_position, parallel, max_rows_per_second, invalid_dates, foreign_keys, ddl, skip_precheck, shard_count, reference_tables.';
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


-- A Citus target is analyzed by the worker after the swap (Citus's ANALYZE cannot follow the swap's local writes).
-- The worker's swap at the end of a resync, in its transaction: the shadow copy replaces the
-- target under the target's name, with its owner, privileges, table comment, and the names of its
-- indexes (with their constraints) and identity sequences.
CREATE OR REPLACE FUNCTION mysql_sync._swap_resynced_table(target_schema text, target_name text, shadow_name text)
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

