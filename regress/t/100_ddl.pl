# DDL replication against MariaDB, with a write workload running throughout:
#  - ADD COLUMN (FIRST, AFTER, NOT NULL without a default), RENAME COLUMN, CHANGE COLUMN (rename
#    and widen), MODIFY COLUMN (widen, NULL/NOT NULL), SET/DROP DEFAULT, DROP COLUMN, ADD/DROP
#    INDEX, RENAME TABLE (within the objects, with name_map's schema; out of them), TRUNCATE,
#    CREATE TABLE and CREATE TABLE ... LIKE matching the objects, DROP TABLE (pauses by default;
#    resume_sync applies it); rows after each DDL land in the right columns, by name;
#  - a column renamed by name_map keeps its target name through DDL;
#  - the schema history: one version per DDL, and a restart between a DDL and the rows that
#    follow it decodes them with the schema of their time;
#  - policies: ignore (the target keeps its shape, rows still apply), fail (narrowing, stops
#    with 0A000 naming the table), 'alter' left out of operations (DDL pauses; resume applies);
#  - a gh-ost style cut-over in SQL and pt-online-schema-change run for real: one ALTER on the
#    target, the ghost table never copied.
use strict;
use warnings;

use FindBin;
use lib $FindBin::RealBin;

use POSIX ();
use PostgreSQL::Test::Utils;
use PostgreSQL::Test::Cluster;
use Test::More;
use Time::HiRes qw(time usleep);
use MysqlSyncTest;

plan skip_all => 'mysql_sync is not installed (make install)' unless extension_installed();

my $my   = start_mariadb(name => 'src100');
my $node = pg_node('pg100');
$node->safe_psql('postgres', 'CREATE EXTENSION mysql_sync');
my $uri = $my->source_uri;

sub q1 { my ($sql) = @_; return $node->safe_psql('postgres', $sql); }

# Target column names in attnum order, "name:type" each.
sub target_columns
{
	my ($schema, $table) = @_;
	return q1(qq{SELECT string_agg(attname || ':' || format_type(atttypid, atttypmod), ' ' ORDER BY attnum)
	               FROM pg_attribute WHERE attrelid = format('%I.%I', '$schema', '$table')::regclass
	                AND attnum > 0 AND NOT attisdropped});
}

# Source column names in ordinal order.
sub source_columns
{
	my ($db, $table) = @_;
	return join ' ', map { $_->[0] } $my->rows(
		"SELECT COLUMN_NAME FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = '$db' "
		  . "AND TABLE_NAME = '$table' ORDER BY ORDINAL_POSITION");
}

# A write workload in a child process for $seconds: inserts into shop.w and updates shop.t1's
# counter column n (never touched by the DDL below). _exit: the child must not run the END
# blocks that stop the servers.
sub start_workload
{
	my ($seconds) = @_;
	my $pid = fork();
	die "fork: $!" unless defined $pid;
	return $pid if $pid;
	my $end = time() + $seconds;
	my $i   = 0;
	while (time() < $end)
	{
		$i++;
		$my->sql("INSERT INTO shop.w (v) VALUES ('w$i'); UPDATE shop.t1 SET n = n + 1 WHERE id = 1;",
			fail_ok => 1);
		usleep(20_000);
	}
	POSIX::_exit(0);
}

sub wait_workload { waitpid($_[0], 0); }

# Waits until the task applied everything the source has written so far.
sub caught_up
{
	my ($task, $tables) = @_;
	ok(wait_tables_equal($my, $node, $tables, 90), "$task: tables equal after the changes");
}

# ----------------------------------------------------------------------------- setup
$my->sql(q{
CREATE DATABASE shop;
CREATE TABLE shop.t1 (id int PRIMARY KEY, a varchar(20), b int, n int NOT NULL DEFAULT 0) DEFAULT CHARSET = utf8mb4;
CREATE TABLE shop.w (id int AUTO_INCREMENT PRIMARY KEY, v varchar(20)) DEFAULT CHARSET = utf8mb4;
CREATE TABLE shop.t2 (id int PRIMARY KEY, v varchar(20)) DEFAULT CHARSET = utf8mb4;
CREATE TABLE shop.t3 (id int PRIMARY KEY, v varchar(20)) DEFAULT CHARSET = utf8mb4;
CREATE TABLE shop.m (id int PRIMARY KEY, amt int, note varchar(10)) DEFAULT CHARSET = utf8mb4;
INSERT INTO shop.t1 VALUES (1, 'one', 1, 0), (2, 'two', 2, 0), (3, 'three', 3, 0);
INSERT INTO shop.t2 VALUES (1, 'x'), (2, 'y');
INSERT INTO shop.t3 VALUES (1, 'p'), (2, 'q');
INSERT INTO shop.m VALUES (1, 10, 'ten');
CREATE DATABASE other;
});

q1("SELECT mysql_sync.start_sync('d', '$uri', '{shop.*}',
      name_map => '{\"shop.m.amt\": \"amount\"}')");
ok(wait_for_state($node, 'd', 'streaming'), 'task d streaming');
is(q1(q{SELECT count(*) FROM mysql_sync.schema_history WHERE task = 'd' AND valid_from_file IS NULL}), '5',
	'schema history: one initial version per table');

my $load = start_workload(25);

# ----------------------------------------------------------------------------- column DDL
$my->sql(q{
ALTER TABLE shop.t1 ADD COLUMN c int DEFAULT 5 AFTER id;
INSERT INTO shop.t1 (id, a, b, c) VALUES (4, 'four', 4, 44);
ALTER TABLE shop.t1 ADD COLUMN d varchar(10) NOT NULL FIRST;
INSERT INTO shop.t1 (d, id, a, b, c) VALUES ('dee', 5, 'five', 5, 55);
UPDATE shop.t1 SET d = 'two-d' WHERE id = 2;
});
caught_up('add column', ['shop.t1']);
is(target_columns('shop', 't1'),
	'id:integer a:character varying(20) b:integer n:integer c:integer d:character varying(10)',
	'ADD COLUMN AFTER/FIRST: appended on the target');
is(q1(q{SELECT c || ',' || d FROM shop.t1 WHERE id = 1}), '5,', 'existing rows: DEFAULT and the implicit NOT NULL default');
is(q1(q{SELECT attnotnull FROM pg_attribute WHERE attrelid = 'shop.t1'::regclass AND attname = 'd'}), 't',
	'NOT NULL kept');

$my->sql(q{
ALTER TABLE shop.t1 RENAME COLUMN a TO a2;
INSERT INTO shop.t1 (d, id, a2, b, c) VALUES ('x', 6, 'six', 6, 66);
ALTER TABLE shop.t1 CHANGE COLUMN a2 a3 varchar(40);
UPDATE shop.t1 SET a3 = 'a much longer value than twenty' WHERE id = 6;
ALTER TABLE shop.t1 MODIFY b bigint;
UPDATE shop.t1 SET b = 9000000000 WHERE id = 3;
ALTER TABLE shop.t1 MODIFY d varchar(10) NULL, ALTER COLUMN c SET DEFAULT 7;
INSERT INTO shop.t1 (id, a3, b) VALUES (7, 'seven', 7);
ALTER TABLE shop.t1 ALTER COLUMN c DROP DEFAULT;
});
caught_up('rename/change/modify', ['shop.t1']);
is(target_columns('shop', 't1'),
	'id:integer a3:character varying(40) b:bigint n:integer c:integer d:character varying(10)',
	'RENAME/CHANGE/MODIFY: renamed and widened');
is(q1(q{SELECT column_default IS NULL FROM information_schema.columns
         WHERE table_schema = 'shop' AND table_name = 't1' AND column_name = 'c'}), 't', 'DROP DEFAULT');
is(q1(q{SELECT attnotnull FROM pg_attribute WHERE attrelid = 'shop.t1'::regclass AND attname = 'd'}), 'f',
	'MODIFY ... NULL dropped NOT NULL');

$my->sql(q{
ALTER TABLE shop.t1 DROP COLUMN c;
INSERT INTO shop.t1 (id, a3, b, d) VALUES (8, 'eight', 8, 'dd');
ALTER TABLE shop.t1 ADD INDEX idx_a3 (a3), ADD UNIQUE KEY uq_b (b);
INSERT INTO shop.t1 (id, a3, b) VALUES (9, 'nine', 9);
});
caught_up('drop column / add index', ['shop.t1']);
is(target_columns('shop', 't1'), 'id:integer a3:character varying(40) b:bigint n:integer d:character varying(10)',
	'DROP COLUMN');
is(q1(q{SELECT string_agg(indexname, ',' ORDER BY indexname) FROM pg_indexes WHERE tablename = 't1'}),
	't1_idx_a3,t1_pkey,t1_uq_b', 'ADD INDEX / ADD UNIQUE KEY');
$my->sql(q{ALTER TABLE shop.t1 DROP INDEX idx_a3; INSERT INTO shop.t1 (id, a3, b) VALUES (10, 'ten', 10);});
caught_up('drop index', ['shop.t1']);
is(q1(q{SELECT string_agg(indexname, ',' ORDER BY indexname) FROM pg_indexes WHERE tablename = 't1'}),
	't1_pkey,t1_uq_b', 'DROP INDEX');

# name_map: shop.m.amt is "amount" on the target, through a widening and a sibling's rename.
$my->sql(q{
ALTER TABLE shop.m MODIFY amt bigint, CHANGE note remark varchar(30);
INSERT INTO shop.m VALUES (2, 20000000000, 'twenty');
});
ok(wait_until(sub { q1(q{SELECT count(*) FROM shop.m}) eq '2' }, 60), 'name_map: rows after the DDL arrive');
is(target_columns('shop', 'm'), 'id:integer amount:bigint remark:character varying(30)',
	'name_map: the mapped column keeps its target name and is widened');
is(q1(q{SELECT amount || ' ' || remark FROM shop.m WHERE id = 2}), '20000000000 twenty', 'name_map: values by name');

# ----------------------------------------------------------------------------- table DDL
$my->sql(q{
RENAME TABLE shop.t2 TO shop.t2r;
INSERT INTO shop.t2r VALUES (3, 'z');
TRUNCATE shop.t3;
INSERT INTO shop.t3 VALUES (10, 'after truncate');
CREATE TABLE shop.newt (id int PRIMARY KEY, v text, created datetime(3) DEFAULT '2020-01-01 00:00:00');
INSERT INTO shop.newt (id, v) VALUES (1, 'new table row');
CREATE TABLE shop.liket LIKE shop.newt;
INSERT INTO shop.liket (id, v) VALUES (1, 'like row');
RENAME TABLE shop.m TO other.m;
INSERT INTO other.m VALUES (3, 30, 'gone');
});
caught_up('table ddl', [qw(shop.t2r shop.t3 shop.newt shop.liket)]);
is(q1(q{SELECT to_regclass('shop.t2') IS NULL AND to_regclass('shop.t2r') IS NOT NULL}), 't', 'RENAME TABLE: renamed');
is(q1(q{SELECT string_agg(id::text, ',' ORDER BY id) FROM shop.t3}), '10', 'TRUNCATE');
is(target_columns('shop', 'newt'), 'id:integer v:text created:timestamp(3) without time zone',
	'CREATE TABLE: created with the contract types');
is(q1(q{SELECT state FROM mysql_sync.table_status WHERE task = 'd' AND source_table = 'shop.newt'}), 'synced',
	'CREATE TABLE: the new table is synced');
ok(wait_until(sub { q1(q{SELECT count(*) FROM mysql_sync.table_status WHERE task = 'd' AND source_table = 'shop.m'}) eq '0' }, 30),
	'RENAME TABLE out of the objects: the table leaves the task');
is(q1(q{SELECT count(*) FROM shop.m}), '2', 'RENAME TABLE out of the objects: the target is kept, no later row');

# Tables that join with rows: renamed into the objects, CREATE ... SELECT, CREATE ... LIKE an
# outside table. Each is backfilled (as alter_sync adds a table) and then streamed.
$my->sql(q{
CREATE TABLE other.incoming (id int PRIMARY KEY, v varchar(10)) DEFAULT CHARSET = utf8mb4;
INSERT INTO other.incoming VALUES (1, 'a'), (2, 'b');
RENAME TABLE other.incoming TO shop.incoming;
INSERT INTO shop.incoming VALUES (3, 'c');
CREATE TABLE shop.sel (PRIMARY KEY (id)) SELECT id, v FROM shop.incoming;
INSERT INTO shop.sel VALUES (4, 'd');
CREATE TABLE other.tmpl (id int PRIMARY KEY, w int);
CREATE TABLE shop.fromtmpl LIKE other.tmpl;
INSERT INTO shop.fromtmpl VALUES (1, 1);
});
caught_up('tables joining with rows', [qw(shop.incoming shop.sel shop.fromtmpl)]);
$my->sql(q{UPDATE shop.incoming SET v = 'cc' WHERE id = 3; DELETE FROM shop.sel WHERE id = 1;
           INSERT INTO shop.fromtmpl VALUES (2, 2);});
caught_up('joined tables stream', [qw(shop.incoming shop.sel shop.fromtmpl)]);
is(q1(q{SELECT string_agg(source_table, ',' ORDER BY source_table) FROM mysql_sync.table_status
         WHERE task = 'd' AND source_table IN ('shop.incoming', 'shop.sel', 'shop.fromtmpl')}),
	'shop.fromtmpl,shop.incoming,shop.sel', 'the joined tables are in the task');

wait_workload($load);
caught_up('workload', [qw(shop.t1 shop.w)]);
compare_table($my, $node, $_) for qw(shop.t1 shop.w shop.t2r shop.t3 shop.newt shop.liket);
is(source_columns('shop', 't1'), 'd id a3 b n', 'source column order (for the record)');

# ----------------------------------------------------------------------------- history and restart
my $versions = q1(q{SELECT count(*) FROM mysql_sync.schema_history WHERE task = 'd' AND source_table = 'shop.t1'});
cmp_ok($versions, '>=', 8, "schema history of shop.t1: $versions versions");
is(q1(q{SELECT definition -> 'columns' -> 0 ->> 'name' FROM mysql_sync.schema_history
         WHERE task = 'd' AND source_table = 'shop.t1' ORDER BY version DESC LIMIT 1}), 'd',
	'schema history: the newest version has the source column order');

# The task stops; a DDL and rows that use it are written; PostgreSQL restarts; the worker
# starts before the DDL (old schema from the history), applies it, then the rows.
q1(q{SELECT mysql_sync.stop_sync('d')});
ok(wait_until(sub { scalar(worker_pids($node)) == 0 }, 30), 'stopped');
$my->sql(q{
INSERT INTO shop.t1 (id, a3, b, d) VALUES (20, 'before', 20, 'x');
ALTER TABLE shop.t1 ADD COLUMN e varchar(5) DEFAULT 'e' AFTER a3, DROP COLUMN d;
INSERT INTO shop.t1 (id, a3, e, b) VALUES (21, 'after', 'E21', 21);
});
$node->restart;
q1(q{SELECT mysql_sync.resume_sync('d')});
ok(wait_for_state($node, 'd', 'streaming'), 'resumed after the restart');
caught_up('restart between a DDL and its rows', ['shop.t1']);
is(q1(q{SELECT e FROM shop.t1 WHERE id = 21}), 'E21', 'the row after the DDL went to the new column');
# A restart right after the DDL was applied: the rows that follow use the new definition.
$my->sql(q{ALTER TABLE shop.t1 ADD COLUMN f int AFTER id;});
ok(wait_until(sub { target_columns('shop', 't1') =~ /\bf:integer/ }, 60), 'DDL applied');
$node->restart;
$my->sql(q{INSERT INTO shop.t1 (id, f, a3, b) VALUES (22, 222, 'after restart', 22);});
caught_up('restart after a DDL', ['shop.t1']);

# ----------------------------------------------------------------------------- DROP TABLE pauses
$my->sql(q{DROP TABLE shop.liket; INSERT INTO shop.newt (id, v) VALUES (2, 'after drop');});
my $st = wait_for_state($node, 'd', 'paused', 60);
ok($st, 'DROP TABLE pauses the task (default policy)');
like($st ? $st->{detail} // '' : '', qr/DROP TABLE shop\.liket/, 'the detail names the statement');
is(q1(q{SELECT to_regclass('shop.liket') IS NOT NULL}), 't', 'the target table is still there while paused');
q1(q{SELECT mysql_sync.resume_sync('d')});
ok(wait_for_state($node, 'd', 'streaming'), 'resume_sync applies the DROP TABLE');
ok(wait_until(sub { q1(q{SELECT to_regclass('shop.liket') IS NULL}) eq 't' }, 30), 'the target table was dropped');
caught_up('after the drop', ['shop.newt']);

# ----------------------------------------------------------------------------- narrowing fails
$my->sql(q{ALTER TABLE shop.t3 MODIFY v varchar(15); INSERT INTO shop.t3 VALUES (11, 'short');});
$st = wait_for_state($node, 'd', 'stopped', 60);
ok($st, 'a narrowing MODIFY stops the task (narrow_column: fail)');
like(q1(q{SELECT last_sqlstate || ' ' || last_error FROM mysql_sync.task_state WHERE task = 'd'}),
	qr/^0A000 .*shop\.t3.*narrow/s, 'the error names the table and the narrowing');
is(q1(q{SELECT count(*) FROM shop.t3 WHERE id = 11}), '0', 'nothing after the DDL was applied');
q1(q{SELECT mysql_sync.drop_sync('d')});

# ----------------------------------------------------------------------------- policies
$my->sql(q{
CREATE DATABASE pol;
CREATE TABLE pol.p (id int PRIMARY KEY, keep1 int, gone int) DEFAULT CHARSET = utf8mb4;
INSERT INTO pol.p VALUES (1, 1, 1);
});
q1(qq{SELECT mysql_sync.start_sync('p', '$uri', '{pol.*}',
        options => '{"ddl": {"add_column": "ignore", "drop_column": "ignore"}}')});
ok(wait_for_state($node, 'p', 'streaming'), 'task p streaming');
$my->sql(q{
ALTER TABLE pol.p ADD COLUMN extra varchar(5) AFTER id;
INSERT INTO pol.p VALUES (2, 'x', 2, 2);
ALTER TABLE pol.p DROP COLUMN gone;
INSERT INTO pol.p VALUES (3, 'y', 3);
UPDATE pol.p SET keep1 = 10 WHERE id = 1;
});
ok(wait_until(sub { q1(q{SELECT count(*) FROM pol.p}) eq '3' && q1(q{SELECT keep1 FROM pol.p WHERE id = 1}) eq '10' }, 60),
	'ignore: rows keep arriving');
is(target_columns('pol', 'p'), 'id:integer keep1:integer gone:integer', 'ignore: the target keeps its shape');
is(q1(q{SELECT string_agg(id || ':' || keep1 || ':' || coalesce(gone::text, 'null'), ' ' ORDER BY id) FROM pol.p}),
	'1:10:1 2:2:2 3:3:null', 'ignore: values by name, the ignored columns left out');
q1(q{SELECT mysql_sync.drop_sync('p')});

# 'alter' left out of operations: DDL pauses; resume_sync applies it.
q1(q{DROP TABLE pol.p});
q1(qq{SELECT mysql_sync.start_sync('o', '$uri', '{pol.*}', operations => '{insert,update,delete}')});
ok(wait_for_state($node, 'o', 'streaming'), 'task o streaming');
$my->sql(q{ALTER TABLE pol.p ADD COLUMN more int; INSERT INTO pol.p (id, keep1, more) VALUES (4, 4, 4);});
$st = wait_for_state($node, 'o', 'paused', 60);
ok($st, 'without alter in operations, a DDL pauses the task');
is(q1(q{SELECT count(*) FROM pol.p WHERE id = 4}), '0', 'the rows after it wait');
q1(q{SELECT mysql_sync.resume_sync('o')});
ok(wait_until(sub { q1(q{SELECT count(*) FROM pol.p WHERE id = 4}) eq '1' }, 60), 'resume_sync applies the DDL and the rows');
like(target_columns('pol', 'p'), qr/more:integer/, 'the column was added');
q1(q{SELECT mysql_sync.drop_sync('o')});

# ----------------------------------------------------------------------------- online schema change tools
$my->sql(q{
CREATE DATABASE osc;
CREATE TABLE osc.t (id int PRIMARY KEY, v varchar(20)) DEFAULT CHARSET = utf8mb4;
CREATE TABLE osc.u (id int PRIMARY KEY, v varchar(20)) DEFAULT CHARSET = utf8mb4;
INSERT INTO osc.t VALUES (1, 'a'), (2, 'b');
INSERT INTO osc.u VALUES (1, 'a'), (2, 'b'), (3, 'c');
});
q1(qq{SELECT mysql_sync.start_sync('g', '$uri', '{osc.*}')});
ok(wait_for_state($node, 'g', 'streaming'), 'task g streaming');
# gh-ost's sequence: ghost table, its ALTER, the row copy, changelog table, atomic cut-over.
$my->sql(q{
CREATE TABLE osc._t_ghc (id bigint PRIMARY KEY, last_update timestamp, hint varchar(64), value varchar(4096));
CREATE TABLE osc._t_gho LIKE osc.t;
ALTER TABLE osc._t_gho ADD COLUMN w int NOT NULL DEFAULT 9, MODIFY v varchar(50);
INSERT INTO osc._t_gho (id, v) SELECT id, v FROM osc.t;
INSERT INTO osc.t VALUES (3, 'c');
INSERT INTO osc._t_gho (id, v) VALUES (3, 'c');
RENAME TABLE osc.t TO osc._t_del, osc._t_gho TO osc.t;
DROP TABLE osc._t_del;
DROP TABLE osc._t_ghc;
INSERT INTO osc.t VALUES (4, 'd', 4);
});
caught_up('gh-ost cut-over', ['osc.t']);
is(target_columns('osc', 't'), 'id:integer v:character varying(50) w:integer', 'gh-ost: one ALTER on the target');
is(q1(q{SELECT count(*) FROM pg_tables WHERE schemaname = 'osc' AND tablename LIKE '\_t\_%'}), '0',
	'gh-ost: no ghost table on the target');

SKIP:
{
	skip 'pt-online-schema-change is not installed (percona-toolkit)', 3
	  unless system('sh', '-c', 'command -v pt-online-schema-change >/dev/null') == 0;
	my $socket = $my->socket_path;
	my ($out, $err) = ('', '');
	my $ok = IPC::Run::run(
		[ 'pt-online-schema-change', '--alter', 'ADD COLUMN z int DEFAULT 1, MODIFY v varchar(60)',
		  "h=localhost,S=$socket,u=root,D=osc,t=u", '--execute', '--no-check-replication-filters',
		  '--recursion-method=none', '--no-check-unique-key-change' ],
		'>', \$out, '2>', \$err);
	ok($ok, 'pt-online-schema-change ran') or diag("$out\n$err");
	$my->sql(q{INSERT INTO osc.u (id, v, z) VALUES (4, 'd', 4);});
	caught_up('pt-online-schema-change', ['osc.u']);
	is(target_columns('osc', 'u'), 'id:integer v:character varying(60) z:integer',
		'pt-online-schema-change: one ALTER on the target');
}
is(q1(q{SELECT state FROM mysql_sync.status WHERE task = 'g'}), 'streaming', 'task g still streaming');

# ----------------------------------------------------------------------------- drift
# A change the binlog does not show (sql_log_bin = 0): the next TABLE_MAP disagrees with the
# tracked definition, and the task stops before applying a row to the wrong shape.
$my->sql(q{SET sql_log_bin = 0; ALTER TABLE osc.t ADD COLUMN hidden int; SET sql_log_bin = 1;
           INSERT INTO osc.t VALUES (5, 'e', 5, 55);});
$st = wait_for_state($node, 'g', 'stopped', 60);
ok($st, 'schema drift stops the task');
like(q1(q{SELECT last_sqlstate || ' ' || last_error FROM mysql_sync.task_state WHERE task = 'g'}),
	qr/^55000 .*schema drift on osc\.t at binlog position \S+:\d+: the binlog has 4 columns, the tracked definition 3.*resync_table/s,
	'the drift error names the table, the position, the difference and resync_table');
is(q1(q{SELECT count(*) FROM osc.t WHERE id = 5}), '0', 'the row was not applied');

$node->stop;
$my->stop;
done_testing();
