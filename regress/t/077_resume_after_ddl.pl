# An initial load interrupted (stop_sync) while DDL changes its tables on the source, against
# MariaDB:
#  - a table whose copy had finished and one half copied both gained a column: the resumed run
#    copies each of them again under its new shape (the log names what changed), the target
#    tables get the column, and rows written before, during and after the DDL arrive;
#  - a table whose copy had finished and whose columns did not change keeps its copy and catches
#    up across the other tables' DDL and rows (the reader drops the events those copies hold);
#  - an index added to that table during the catch-up window is applied by the catch-up;
#  - a table rebuilt on the source while the load runs, before the load read it: its copy fails
#    (the snapshot cannot read it), the retry resumes and copies it again under the new shape;
#  - a DDL whose policy is pause stops the catch-up before it; resume_sync approves it;
#  - a target this task did not create (existing_tables 'append') is never dropped: the task
#    stops with 55000 naming the table and what changed.
use strict;
use warnings;

use FindBin;
use lib $FindBin::RealBin;

use PostgreSQL::Test::Utils;
use PostgreSQL::Test::Cluster;
use Test::More;
use Time::HiRes qw(usleep);
use MysqlSyncTest;

plan skip_all => 'mysql_sync is not installed (make install)' unless extension_installed();

my $my   = start_mariadb(name => 'src077');
my $node = pg_node('pg077', conf => "mysql_sync.copy_range_rows = 500");
$node->safe_psql('postgres', 'CREATE EXTENSION mysql_sync');
my $uri = $my->source_uri;

sub q1 { my ($sql) = @_; return $node->safe_psql('postgres', $sql); }

sub table_states
{
	my ($task) = @_;
	return q1(qq{SELECT string_agg(source_table || ':' || state, ' ' ORDER BY source_table)
	               FROM mysql_sync.table_status WHERE task = '$task'});
}

sub worker_gone
{
	my ($task) = @_;
	return wait_until(
		sub {
			q1(qq{SELECT count(*) FROM pg_stat_activity
			       WHERE backend_type = 'mysql_sync worker' AND application_name = '$task'}) eq '0';
		},
		60);
}

# ----------------------------------------------------------------------------- task owning its targets
# Copied in the order of their names: d.a and d.b (done first), d.c (big, interrupted).
$my->sql(q{
CREATE DATABASE d;
CREATE TABLE d.a (id int PRIMARY KEY, v varchar(20));
CREATE TABLE d.b (id int PRIMARY KEY, v int);
CREATE TABLE d.c (id int PRIMARY KEY, v int, pad varchar(40));
INSERT INTO d.a SELECT seq, CONCAT('a', seq) FROM d.seq_1_to_300;
INSERT INTO d.b SELECT seq, seq FROM d.seq_1_to_200;
INSERT INTO d.c SELECT seq, seq, REPEAT('p', 30) FROM d.seq_1_to_20000;
});
# One connection, throttled: d.c takes about 20 s, so it is copying when the task is stopped.
q1(qq{SELECT mysql_sync.start_sync('d', '$uri', '{d.*}',
        options => '{"parallel": 1, "max_rows_per_second": 1000}')});
ok(wait_until(sub { table_states('d') =~ /d\.a:synced d\.b:synced d\.c:copying/ }, 120),
	'd.a and d.b copied, d.c copying: ' . table_states('d'));
ok(wait_until(sub { q1(q{SELECT rows_copied FROM mysql_sync.table_status WHERE task = 'd' AND source_table = 'd.c'}) >= 1000 }, 60),
	'd.c has committed key ranges');
# Rows written before the stop (the catch-up applies them to d.b, and to the re-copied tables'
# new copies through their snapshots).
$my->sql(q{UPDATE d.b SET v = -v WHERE id <= 10; INSERT INTO d.a VALUES (1000, 'before');});
q1(q{SELECT mysql_sync.stop_sync('d')});
ok(worker_gone('d'), 'the interrupted load stopped');
is(q1(q{SELECT state FROM mysql_sync.table_status WHERE task = 'd' AND source_table = 'd.c'}), 'copying',
	'd.c was left half copied');

# While the task is stopped: columns added to the finished d.a and the half-copied d.c, an index
# on d.b (its rows keep their shape), and rows on every side of the DDL.
$my->sql(q{
INSERT INTO d.a VALUES (1001, 'pre-ddl');
ALTER TABLE d.a ADD COLUMN note varchar(10) DEFAULT 'n';
UPDATE d.a SET note = 'set' WHERE id <= 5;
ALTER TABLE d.c ADD COLUMN w int, MODIFY v bigint;
UPDATE d.c SET w = id * 2 WHERE id % 1000 = 0;
CREATE INDEX b_v ON d.b (v);
UPDATE d.b SET v = v + 1 WHERE id BETWEEN 20 AND 30;
DELETE FROM d.b WHERE id = 199;
});
q1(q{SELECT mysql_sync.resume_sync('d')});
ok(wait_for_state($node, 'd', 'streaming', 180), 'the resumed task reaches streaming');
ok(wait_tables_equal($my, $node, [qw(d.a d.c d.b)], 60), 'd.a, d.c and d.b equal to the source');
compare_table($my, $node, "d.$_") for qw(a b c);
my $log = slurp_file($node->logfile);
like($log, qr/task "d": source table d\.a changed while the initial load was interrupted \(column note added\): copying it again/,
	'the finished d.a is copied again, the log says why');
like($log, qr/task "d": source table d\.c changed while the initial load was interrupted \(column v: int(\(11\))? -> bigint(\(20\))?; column w added\)/,
	'the half-copied d.c is copied again, the log says why');
unlike($log, qr/source table d\.b changed/, 'd.b kept its copy');
is(q1(q{SELECT string_agg(attname || ' ' || format_type(atttypid, atttypmod), ', ' ORDER BY attnum)
          FROM pg_attribute WHERE attrelid = 'd.c'::regclass AND attnum > 0 AND NOT attisdropped}),
	'id integer, v bigint, pad character varying(40), w integer', 'd.c has the new shape on the target');
is(q1(q{SELECT count(*) FROM pg_indexes WHERE schemaname = 'd' AND tablename = 'b' AND indexdef LIKE '%(v)%'}),
	'1', 'the index added to d.b during the interruption was applied by the catch-up');
is(q1(q{SELECT count(*) FROM mysql_sync.schema_history WHERE task = 'd' AND source_table = 'd.c'}), '1',
	'd.c starts a new schema history');
is(q1(q{SELECT rows_copied FROM mysql_sync.status WHERE task = 'd'}),
	q1(q{SELECT sum(rows_copied) FROM mysql_sync.table_status WHERE task = 'd'}),
	'the task counts the rows of the dropped copies no more');
$my->sql(q{UPDATE d.a SET note = 'live' WHERE id = 1; INSERT INTO d.c VALUES (30000, 1, 'x', 9); DELETE FROM d.b WHERE id = 1;});
ok(wait_tables_equal($my, $node, [qw(d.a d.c d.b)], 60), 'streaming continues on the new shapes');

# ----------------------------------------------------------------------------- DDL during a running load
# A table the load has not read yet is rebuilt on the source (MODIFY ... bigint copies the table):
# its snapshot cannot read it any more ("Table definition has changed"). The copy fails, the
# retry resumes, and the table is copied again under its new shape.
$my->sql(q{
CREATE DATABASE f;
CREATE TABLE f.a (id int PRIMARY KEY, v int);
CREATE TABLE f.b (id int PRIMARY KEY, v int);
INSERT INTO f.a SELECT seq, seq FROM f.seq_1_to_6000;
INSERT INTO f.b SELECT seq, seq FROM f.seq_1_to_3000;
});
q1(qq{SELECT mysql_sync.start_sync('f', '$uri', '{f.*}', options => '{"parallel": 1, "max_rows_per_second": 1000}')});
ok(wait_until(sub { q1(q{SELECT coalesce(max(rows_copied), 0) FROM mysql_sync.table_status WHERE task = 'f' AND source_table = 'f.a'}) >= 1000 }, 120),
	'f.a copying');
$my->sql(q{ALTER TABLE f.b MODIFY v bigint, ADD COLUMN w int DEFAULT 7;
           INSERT INTO f.b VALUES (5000, 1, 2); UPDATE f.a SET v = 0 WHERE id = 1; DELETE FROM f.b WHERE id = 2;});
ok(wait_for_state($node, 'f', 'streaming', 240), 'the load reaches streaming despite the DDL');
ok(wait_tables_equal($my, $node, [qw(f.a f.b)], 60), 'f.a and f.b equal to the source');
compare_table($my, $node, "f.$_") for qw(a b);
like(slurp_file($node->logfile), qr/task "f": source table f\.b changed while the initial load was interrupted \(column v: int(\(11\))? -> bigint(\(20\))?; column w added\)/,
	'the failed copy was resumed and f.b copied again');
is(q1(q{SELECT format_type(atttypid, atttypmod) FROM pg_attribute WHERE attrelid = 'f.b'::regclass AND attname = 'v'}),
	'bigint', 'f.b has the new shape on the target');
$my->sql(q{UPDATE f.b SET w = 8 WHERE id = 3; INSERT INTO f.a VALUES (7000, 7);});
ok(wait_tables_equal($my, $node, [qw(f.a f.b)], 60), 'streaming continues');

# ----------------------------------------------------------------------------- a DDL the catch-up pauses at
# options.ddl says pause for index DDL: the catch-up stops before it as the stream would, and
# resume_sync (the person has seen it) lets the resumed load apply it.
$my->sql(q{
CREATE DATABASE g;
CREATE TABLE g.a (id int PRIMARY KEY, v int);
CREATE TABLE g.b (id int PRIMARY KEY, v int);
INSERT INTO g.a SELECT seq, seq FROM g.seq_1_to_200;
INSERT INTO g.b SELECT seq, seq FROM g.seq_1_to_20000;
});
q1(qq{SELECT mysql_sync.start_sync('g', '$uri', '{g.*}',
        options => '{"parallel": 1, "max_rows_per_second": 1000, "ddl": {"index": "pause"}}')});
ok(wait_until(sub { table_states('g') =~ /g\.a:synced g\.b:copying/ }, 120), 'g.a copied, g.b copying');
q1(q{SELECT mysql_sync.stop_sync('g')});
ok(worker_gone('g'), 'stopped');
$my->sql(q{UPDATE g.a SET v = 0 WHERE id = 1; CREATE INDEX a_v ON g.a (v); UPDATE g.a SET v = 0 WHERE id = 2;});
q1(q{SELECT mysql_sync.resume_sync('g')});
my $st = wait_for_state($node, 'g', 'paused', 180);
ok($st, 'the catch-up pauses before the index DDL');
like($st ? $st->{detail} // '' : '', qr/CREATE INDEX a_v ON g\.a/, 'the detail names the statement');
is(q1(q{SELECT v FROM g.a WHERE id = 1}), '0', 'the change before the DDL was applied');
is(q1(q{SELECT v FROM g.a WHERE id = 2}), '2', 'the change after it was not');
q1(q{SELECT mysql_sync.resume_sync('g')});
ok(wait_for_state($node, 'g', 'streaming', 180), 'resume_sync: the load goes on to streaming');
ok(wait_tables_equal($my, $node, [qw(g.a g.b)], 60), 'g.a and g.b equal to the source');
is(q1(q{SELECT count(*) FROM pg_indexes WHERE schemaname = 'g' AND tablename = 'a' AND indexdef LIKE '%(v)%'}),
	'1', 'the approved index was created');

# ----------------------------------------------------------------------------- a target it did not create
$my->sql(q{
CREATE DATABASE e;
CREATE TABLE e.big (id int PRIMARY KEY, v int);
INSERT INTO e.big SELECT seq, seq FROM e.seq_1_to_20000;
});
q1(q{CREATE SCHEMA e; CREATE TABLE e.big (id int PRIMARY KEY, v int)});
q1(qq{SELECT mysql_sync.start_sync('e', '$uri', '{e.big}',
        existing_tables => 'append', options => '{"parallel": 1, "max_rows_per_second": 1000}')});
ok(wait_until(sub { q1(q{SELECT coalesce(max(rows_copied), 0) FROM mysql_sync.table_status WHERE task = 'e'}) >= 1000 }, 120),
	'e.big copying into a target the task did not create');
q1(q{SELECT mysql_sync.stop_sync('e')});
ok(worker_gone('e'), 'stopped');
$my->sql(q{ALTER TABLE e.big ADD COLUMN extra int});
q1(q{SELECT mysql_sync.resume_sync('e')});
$st = wait_for_state($node, 'e', 'stopped', 120);
ok($st, 'the task stops instead of dropping a table it did not create');
like($st->{last_error} // '', qr/source table e\.big changed while the initial load was interrupted \(column extra added\), and its target e\.big was not created by this task/,
	'the error names the table and the change');
is(q1(q{SELECT count(*) FROM pg_class WHERE oid = 'e.big'::regclass}), '1', 'the target table is still there');
cmp_ok(q1(q{SELECT count(*) FROM e.big}), '>', 0, 'with the rows of its committed ranges');

$node->stop;
$my->stop;
done_testing();
