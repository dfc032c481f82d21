-- Install and uninstall: the objects of the user contract exist, with the contract's
-- signatures and privileges. pg_regress (--load-extension) created the extension already.
SELECT extname, extversion, extrelocatable, n.nspname AS schema
  FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace
 WHERE extname = 'mysql_sync';

-- The user-facing functions (names starting with _ are internal).
SELECT p.proname, pg_get_function_arguments(p.oid) AS arguments,
       pg_get_function_result(p.oid) AS result, p.prosecdef AS security_definer
  FROM pg_proc p
 WHERE p.pronamespace = 'mysql_sync'::regnamespace AND p.proname !~ '^_'
 ORDER BY p.proname;

-- Tables (catalog) and views (what users read).
SELECT c.relname, c.relkind
  FROM pg_class c
 WHERE c.relnamespace = 'mysql_sync'::regnamespace AND c.relkind IN ('r', 'v')
 ORDER BY c.relkind, c.relname;

-- Every object of the schema belongs to the extension (DROP EXTENSION removes it all).
SELECT count(*) AS not_in_extension
  FROM pg_class c
 WHERE c.relnamespace = 'mysql_sync'::regnamespace AND c.relkind IN ('r', 'v')
   AND NOT EXISTS (SELECT FROM pg_depend d
                    WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid AND d.deptype = 'e');

-- The role that may run the functions and read the views.
SELECT rolname, rolcanlogin, rolsuper, rolinherit FROM pg_roles WHERE rolname = 'mysql_sync_admin';

-- Privileges: PUBLIC may run none of the functions; mysql_sync_admin may run the user
-- functions and read the views, but not the catalog tables (task_config holds the password).
SELECT p.proname,
       has_function_privilege('public', p.oid, 'EXECUTE') AS public_execute,
       has_function_privilege('mysql_sync_admin', p.oid, 'EXECUTE') AS admin_execute
  FROM pg_proc p
 WHERE p.pronamespace = 'mysql_sync'::regnamespace
 ORDER BY p.proname COLLATE "C", p.oid::regprocedure::text COLLATE "C";
SELECT c.relname,
       has_table_privilege('public', c.oid, 'SELECT') AS public_select,
       has_table_privilege('mysql_sync_admin', c.oid, 'SELECT') AS admin_select,
       has_table_privilege('mysql_sync_admin', c.oid, 'INSERT,UPDATE,DELETE,TRUNCATE') AS admin_write
  FROM pg_class c
 WHERE c.relnamespace = 'mysql_sync'::regnamespace AND c.relkind IN ('r', 'v')
 ORDER BY c.relname;

-- The settings and their defaults (boot values: the sandbox overrides some of them).
SELECT name, boot_val, unit, context, vartype
  FROM pg_settings WHERE name LIKE 'mysql\_sync.%' ORDER BY name;

-- The library is preloaded: the launcher runs (it serves mysql_sync.database).
SELECT count(*) AS launchers FROM pg_stat_activity WHERE backend_type = 'mysql_sync launcher';

-- Uninstall: every table, view and function goes; the role is cluster-wide and stays,
-- because other databases' grants may use it.
DROP EXTENSION mysql_sync;
SELECT count(*) AS relations FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
 WHERE n.nspname = 'mysql_sync';
SELECT count(*) AS functions FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
 WHERE n.nspname = 'mysql_sync';
SELECT count(*) AS roles FROM pg_roles WHERE rolname = 'mysql_sync_admin';

-- Installing again works with the role already present.
CREATE EXTENSION mysql_sync;
SELECT count(*) AS relations FROM pg_class
 WHERE relnamespace = 'mysql_sync'::regnamespace AND relkind IN ('r', 'v');
SELECT count(*) AS tasks FROM mysql_sync.tasks;

-- The schema is fixed: the extension is not relocatable.
ALTER EXTENSION mysql_sync SET SCHEMA public;
