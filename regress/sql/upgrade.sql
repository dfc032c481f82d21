-- ALTER EXTENSION mysql_sync UPDATE from 0.1.0 gives the catalog a fresh install of this version
-- has: the same objects with the same definitions (tables and their columns in order, defaults,
-- constraints, indexes, views, functions and their settings, privileges, pg_dump's configuration
-- tables). scripts/test puts 0.1.0's install script (from git history) beside this version's.
CREATE EXTENSION IF NOT EXISTS dblink;
CREATE DATABASE mysql_sync_fresh;
CREATE DATABASE mysql_sync_upgraded;
CREATE FUNCTION pg_temp.conn(db text) RETURNS text LANGUAGE sql AS $$
  SELECT format('dbname=%s port=%s host=%s', db, current_setting('port'),
                split_part(current_setting('unix_socket_directories'), ',', 1)) $$;
SELECT dblink_exec(pg_temp.conn('mysql_sync_fresh'), 'CREATE EXTENSION mysql_sync');
SELECT dblink_exec(pg_temp.conn('mysql_sync_upgraded'), 'CREATE EXTENSION mysql_sync VERSION ''0.1.0''');
SELECT dblink_exec(pg_temp.conn('mysql_sync_upgraded'), 'ALTER EXTENSION mysql_sync UPDATE');
SELECT extversion FROM dblink(pg_temp.conn('mysql_sync_upgraded'),
  'SELECT extversion FROM pg_extension WHERE extname = ''mysql_sync''') AS t(extversion text);

-- One row per object of the extension's schema with its full definition.
CREATE FUNCTION pg_temp.describe(db text) RETURNS TABLE(kind text, name text, definition text)
LANGUAGE sql AS $$
  SELECT * FROM dblink(pg_temp.conn(db), $q$
    SELECT 'relation', c.relname,
           c.relkind::text || ' acl ' || COALESCE((SELECT string_agg(x::text, ',' ORDER BY x::text) FROM unnest(c.relacl) x), '') || ' columns ' ||
           COALESCE((SELECT string_agg(format('%s %s%s%s%s', a.attname, format_type(a.atttypid, a.atttypmod),
                                              CASE WHEN a.attnotnull THEN ' NOT NULL' ELSE '' END,
                                              COALESCE(' DEFAULT ' || pg_get_expr(d.adbin, d.adrelid), ''),
                                              CASE WHEN a.attidentity <> '' THEN ' IDENTITY ' || a.attidentity::text ELSE '' END),
                                       ', ' ORDER BY a.attnum)
                       FROM pg_attribute a LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
                      WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped), '') ||
           COALESCE(' view ' || pg_get_viewdef(c.oid), '')
      FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
     WHERE n.nspname = 'mysql_sync' AND c.relkind IN ('r', 'v', 'S', 'p')
    UNION ALL
    SELECT 'constraint', conrelid::regclass::text || '.' || conname, pg_get_constraintdef(oid)
      FROM pg_constraint WHERE connamespace = 'mysql_sync'::regnamespace
    UNION ALL
    SELECT 'index', indexrelid::regclass::text, pg_get_indexdef(indexrelid)
      FROM pg_index WHERE indrelid IN (SELECT oid FROM pg_class WHERE relnamespace = 'mysql_sync'::regnamespace)
    UNION ALL
    SELECT 'function', p.oid::regprocedure::text,
           pg_get_functiondef(p.oid) || ' acl ' || COALESCE((SELECT string_agg(x::text, ',' ORDER BY x::text) FROM unnest(p.proacl) x), '')
      FROM pg_proc p WHERE p.pronamespace = 'mysql_sync'::regnamespace
    UNION ALL
    SELECT 'dumped', c.relname, COALESCE(e.extcondition[i], '')
      FROM pg_extension e, generate_subscripts(e.extconfig, 1) i, pg_class c
     WHERE e.extname = 'mysql_sync' AND c.oid = e.extconfig[i]
    UNION ALL
    SELECT 'member', pg_describe_object(d.classid, d.objid, d.objsubid), ''
      FROM pg_depend d JOIN pg_extension e ON d.refobjid = e.oid AND d.refclassid = 'pg_extension'::regclass
     WHERE e.extname = 'mysql_sync' AND d.deptype = 'e'
    UNION ALL
    SELECT 'schema acl', 'mysql_sync', (SELECT string_agg(x::text, ',' ORDER BY x::text) FROM unnest(nspacl) x) FROM pg_namespace WHERE nspname = 'mysql_sync'
  $q$) AS t(kind text, name text, definition text)
$$;

-- Enough is compared (the description is not empty)...
SELECT count(*) > 100 AS described, count(*) FILTER (WHERE kind = 'function') > 20 AS functions
  FROM pg_temp.describe('mysql_sync_fresh');
-- ... and nothing differs.
(SELECT 'only in fresh' AS side, * FROM pg_temp.describe('mysql_sync_fresh')
 EXCEPT SELECT 'only in fresh', * FROM pg_temp.describe('mysql_sync_upgraded'))
UNION ALL
(SELECT 'only in upgraded', * FROM pg_temp.describe('mysql_sync_upgraded')
 EXCEPT SELECT 'only in upgraded', * FROM pg_temp.describe('mysql_sync_fresh'))
ORDER BY 2, 3, 1;

DROP DATABASE mysql_sync_fresh;
DROP DATABASE mysql_sync_upgraded;
DROP EXTENSION dblink;
