# An initial load interrupted (stop_sync) while DDL changes its tables on the source, against
# MariaDB. The stream resumes from its stored position and applies the DDL where it comes, as
# while streaming; the copies go on after their last committed chunks:
#  - a table whose copy had finished and one half copied both gained a column: the targets get
#    the column when the stream reaches the DDL, the half-copied one's chunks from then on read
#    the new shape, and rows written before, during and after the DDL arrive;
#  - an index added to a copied table is applied by the stream;
#  - a table rebuilt on the source while the load runs, before the load read it: its copy goes on
#    under the new shape once the stream applied the DDL;
#  - a DDL whose policy is pause stops the resumed stream before it; resume_sync approves it;
#  - a target this task did not create (existing_tables 'append') gets the DDL like any target.
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
	'd.c has committed chunks');
# Rows written before the stop.
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
like($log, qr/task "d": resuming the copy of d\.c after its last committed chunk/, 'd.c resumed after its last chunk');
like($log, qr/task "d": the copy of d\.c goes on under its new definition/, 'd.c goes on under its new shape');
unlike($log, qr/copy of d\.[ab] goes on/, 'the finished tables were not copied again');
is(q1(q{SELECT string_agg(attname || ' ' || format_type(atttypid, atttypmod), ', ' ORDER BY attnum)
          FROM pg_attribute WHERE attrelid = 'd.c'::regclass AND attnum > 0 AND NOT attisdropped}),
	'id integer, v bigint, pad character varying(40), w integer', 'd.c has the new shape on the target');
is(q1(q{SELECT count(*) FROM pg_indexes WHERE schemaname = 'd' AND tablename = 'b' AND indexdef LIKE '%(v)%'}),
	'1', 'the index added to d.b during the interruption was applied by the stream');
is(q1(q{SELECT count(*) FROM mysql_sync.schema_history WHERE task = 'd' AND source_table = 'd.c'}), '2',
	'd.c has the version of its DDL');
is(q1(q{SELECT rows_copied FROM mysql_sync.status WHERE task = 'd'}),
	q1(q{SELECT sum(rows_copied) FROM mysql_sync.table_status WHERE task = 'd'}),
	'the task counts each copied row once');
$my->sql(q{UPDATE d.a SET note = 'live' WHERE id = 1; INSERT INTO d.c VALUES (30000, 1, 'x', 9); DELETE FROM d.b WHERE id = 1;});
ok(wait_tables_equal($my, $node, [qw(d.a d.c d.b)], 60), 'streaming continues on the new shapes');

# ----------------------------------------------------------------------------- DDL during a running load
# A table the load has not read yet is rebuilt on the source (MODIFY ... bigint copies the table):
# when the stream applies the DDL, the chunks read before it are dropped and the copy goes on
# under the new shape.
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
like(slurp_file($node->logfile), qr/task "f": the copy of f\.b goes on under its new definition/,
	'the copy of f.b went on under its new shape');
is(q1(q{SELECT format_type(atttypid, atttypmod) FROM pg_attribute WHERE attrelid = 'f.b'::regclass AND attname = 'v'}),
	'bigint', 'f.b has the new shape on the target');
$my->sql(q{UPDATE f.b SET w = 8 WHERE id = 3; INSERT INTO f.a VALUES (7000, 7);});
ok(wait_tables_equal($my, $node, [qw(f.a f.b)], 60), 'streaming continues');

# ----------------------------------------------------------------------------- a DDL the resumed stream pauses at
# options.ddl says pause for index DDL: the stream stops before it, and resume_sync (the person
# has seen it) lets the resumed load apply it.
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
ok($st, 'the resumed stream pauses before the index DDL');
like($st ? $st->{detail} // '' : '', qr/CREATE INDEX a_v ON g\.a/, 'the detail names the statement');
is(q1(q{SELECT v FROM g.a WHERE id = 1}), '0', 'the change before the DDL was applied');
is(q1(q{SELECT v FROM g.a WHERE id = 2}), '2', 'the change after it was not');
q1(q{SELECT mysql_sync.resume_sync('g')});
ok(wait_for_state($node, 'g', 'streaming', 180), 'resume_sync: the load goes on to streaming');
ok(wait_tables_equal($my, $node, [qw(g.a g.b)], 60), 'g.a and g.b equal to the source');
is(q1(q{SELECT count(*) FROM pg_indexes WHERE schemaname = 'g' AND tablename = 'a' AND indexdef LIKE '%(v)%'}),
	'1', 'the approved index was created');

# ----------------------------------------------------------------------------- a target it did not create
# existing_tables 'append': the DDL made while the load was interrupted reaches that target
# like any other (as it would while streaming), and the copy goes on into it.
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
$my->sql(q{ALTER TABLE e.big ADD COLUMN extra int DEFAULT 3; UPDATE e.big SET extra = 4 WHERE id % 100 = 0});
q1(q{SELECT mysql_sync.resume_sync('e')});
ok(wait_for_state($node, 'e', 'streaming', 120), 'the resumed load reaches streaming');
ok(wait_tables_equal($my, $node, [qw(e.big)], 60), 'e.big equal, with its new column');
compare_table($my, $node, 'e.big');

$node->stop;
$my->stop;
done_testing();
