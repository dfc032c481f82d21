# Faults and the task's life cycle:
#  (a) MariaDB stops while streaming: state 'failed' with a connection error (SQLSTATE
#      class 08), then MariaDB starts again and the task recovers by itself, losing
#      nothing written just before the stop or right after the start;
#  (b) a source UPDATE whose row was deleted in the target: 'stopped', last_error names
#      the table, the key and the binlog position; repair + resume_sync continue;
#  (c) a source INSERT whose key already exists in the target: 'stopped' with the key;
#  (e) stop_sync: 'paused', no worker; changes made meanwhile arrive after resume_sync;
#  (d) DDL in another database does not disturb the task; a DDL on a synced table that
#      options.ddl says fail for (narrowing a column's type, by default) stops it, naming
#      the table;
#  (f) drop_sync(task, true) drops the target tables and the task's rows;
#  (g) the test node retries after mysql_sync.restart_delay = 1s.
use strict;
use warnings;

use FindBin;
use lib $FindBin::RealBin;

use Time::HiRes qw(usleep time);
use PostgreSQL::Test::Utils;
use PostgreSQL::Test::Cluster;
use Test::More;
use MysqlSyncTest;

plan skip_all => 'mysql_sync is not installed (make install)' unless extension_installed();

my $my   = start_mariadb(name => 'src030');
my $node = pg_node('pg030');
$node->safe_psql('postgres', 'CREATE EXTENSION mysql_sync');
my @TABLES = qw(f.t f.u);

# (g) the helper's setting that keeps retries quick
is($node->safe_psql('postgres', 'SHOW mysql_sync.restart_delay'), '1s', 'restart_delay is 1s');

$my->sql(q{
CREATE DATABASE f;
CREATE TABLE f.t (id int PRIMARY KEY, v varchar(20), n int NOT NULL DEFAULT 0);
CREATE TABLE f.u (a int, b varchar(10), txt text, PRIMARY KEY (a, b));
INSERT INTO f.t VALUES (1, 'one', 1), (2, 'two', 2), (3, 'three', 3);
INSERT INTO f.u VALUES (1, 'x', 'ux'), (2, 'y', 'uy');
CREATE DATABASE other;
CREATE TABLE other.x (id int PRIMARY KEY, v int);
});

sub sql_pg { return $node->safe_psql('postgres', $_[0]) }

sub last_error_info
{
	return sql_pg("SELECT coalesce(last_sqlstate, '') || '|' || coalesce(last_error, '') "
		  . "FROM mysql_sync.task_state WHERE task = 't'");
}

sql_pg("SELECT mysql_sync.start_sync('t', '" . $my->source_uri . "', '{f.*}')");
ok(wait_for_state($node, 't', 'streaming'), 'task t streaming');
compare_table($my, $node, $_) for @TABLES;

# ----------------------------------------------------------------------- (a)
$my->sql(q{INSERT INTO f.t VALUES (10, 'before stop', 10)});
$my->stop;
ok(!$my->is_running, '(a) MariaDB stopped');
my $st = wait_for_state($node, 't', 'failed', 60);
ok($st, '(a) state becomes failed while MariaDB is down');
# The first failure may be the end of the stream; the retries then fail to connect.
my $info;
ok( wait_until(
		sub {
			$info = last_error_info();
			$info =~ /^08/;
		},
		60),
	'(a) a retry fails with SQLSTATE class 08');
like($info, qr/^08\d\d\d\|.*(connect|connection)/is, "(a) last_error mentions the connection: $info");
$st = sync_status($node, 't');
ok($st && defined $st->{last_error_at}, '(a) last_error_at is set');

$my->start;
$my->sql(q{
	INSERT INTO f.t VALUES (11, 'right after start', 11);
	UPDATE f.t SET n = n + 100 WHERE id = 1;
	DELETE FROM f.u WHERE a = 2;});
ok(wait_for_state($node, 't', 'streaming', 90), '(a) task recovers to streaming by itself');
ok(wait_tables_equal($my, $node, \@TABLES, 60), '(a) changes before the stop and after the start arrived');
compare_table($my, $node, $_, name => "(a) $_ equal after the MariaDB restart") for @TABLES;
is(sql_pg(q{SELECT string_agg(id::text, ',' ORDER BY id) FROM f.t WHERE id >= 10}),
	'10,11', '(a) both rows around the restart are there');

# ----------------------------------------------------------------------- (b)
sql_pg('DELETE FROM f.t WHERE id = 2');
my ($bfile) = $my->binlog_position;
$my->sql(q{UPDATE f.t SET v = 'two updated' WHERE id = 2});
$st = wait_for_state($node, 't', 'stopped', 60);
ok($st, '(b) an UPDATE of a row missing in the target stops the task');
my $err = $st ? $st->{last_error} // '' : '';
like($err, qr/f\.t\b/,                  '(b) last_error names the table');
like($err, qr/key \(id\)=\(2\)/,        '(b) last_error names the key');
like($err, qr/\Q$bfile\E:\d+/,          "(b) last_error names the binlog position ($bfile:...)");
like(last_error_info(), qr/^23/,        '(b) SQLSTATE class 23');
sleep 2;
is(sync_status($node, 't')->{state}, 'stopped', '(b) stays stopped (no automatic retry)');
is(scalar(worker_pids($node)), 0, '(b) no worker while stopped');

# Repair: put the row back (any values: the update rewrites it), then resume.
sql_pg(q{INSERT INTO f.t (id, v, n) VALUES (2, 'repaired', 0)});
sql_pg(q{SELECT mysql_sync.resume_sync('t')});
$my->sql(q{INSERT INTO f.t VALUES (12, 'after resume', 12); UPDATE f.t SET n = 22 WHERE id = 2;});
ok(wait_for_state($node, 't', 'streaming', 60), '(b) streaming again after resume_sync');
ok(wait_tables_equal($my, $node, \@TABLES, 60), '(b) later changes applied');
compare_table($my, $node, $_, name => "(b) $_ equal after the repair") for @TABLES;
is(sql_pg('SELECT v || n FROM f.t WHERE id = 2'), 'two updated22',
	'(b) the failed update was applied after the repair');

# ----------------------------------------------------------------------- (c)
sql_pg(q{INSERT INTO f.u (a, b, txt) VALUES (500, 'dup', 'from pg')});
$my->sql(q{INSERT INTO f.u (a, b, txt) VALUES (500, 'dup', 'from mariadb')});
$st = wait_for_state($node, 't', 'stopped', 60);
ok($st, '(c) a duplicate key on INSERT stops the task');
$err = $st ? $st->{last_error} // '' : '';
like($err, qr/500/,       '(c) last_error names the key value');
like($err, qr/\bf\.u\b/,  '(c) last_error names the table');
like($err, qr/\(a, b\)=\(500, dup\)/, '(c) last_error names the composite key');
like(last_error_info(), qr/^23/, '(c) SQLSTATE class 23');
sql_pg(q{DELETE FROM f.u WHERE a = 500});
sql_pg(q{SELECT mysql_sync.resume_sync('t')});
ok(wait_for_state($node, 't', 'streaming', 60), '(c) streaming after repair and resume');
ok(wait_tables_equal($my, $node, \@TABLES, 60), '(c) the source row arrived');
is(sql_pg(q{SELECT txt FROM f.u WHERE a = 500}), 'from mariadb', '(c) the target has the source value');

# ----------------------------------------------------------------------- (e)
sql_pg(q{SELECT mysql_sync.stop_sync('t')});
ok(wait_for_state($node, 't', 'paused', 30), '(e) stop_sync: state paused');
ok(wait_until(sub { scalar(worker_pids($node)) == 0 }, 30), '(e) no worker in pg_stat_activity');
$my->sql(q{
	INSERT INTO f.t VALUES (20, 'while paused', 20);
	UPDATE f.t SET v = 'paused upd' WHERE id = 3;
	DELETE FROM f.t WHERE id = 12;});
sleep 3;    # longer than naptime and restart_delay: nothing may restart the task
is(sync_status($node, 't')->{state}, 'paused', '(e) still paused after 3 s');
is(scalar(worker_pids($node)), 0, '(e) still no worker');
is(sql_pg(q{SELECT count(*) FROM f.t WHERE id = 20}), '0', '(e) changes do not arrive while paused');
sql_pg(q{SELECT mysql_sync.resume_sync('t')});
ok(wait_for_state($node, 't', 'streaming', 60), '(e) resume_sync: streaming');
ok(wait_tables_equal($my, $node, \@TABLES, 60), '(e) changes made while paused arrived');
compare_table($my, $node, $_, name => "(e) $_ equal after resume") for @TABLES;

# ----------------------------------------------------------------------- (d)
# DDL outside the task's objects: ignored.
$my->sql(q{
	ALTER TABLE other.x ADD COLUMN extra int;
	CREATE TABLE other.y (id int PRIMARY KEY);
	DROP TABLE other.y;
	INSERT INTO other.x VALUES (1, 1, 1);
	INSERT INTO f.t VALUES (30, 'after other ddl', 30);});
ok(wait_tables_equal($my, $node, \@TABLES, 60), '(d) a change after DDL in another database arrives');
is(sync_status($node, 't')->{state}, 'streaming', '(d) DDL in another database leaves the task streaming');
is(sql_pg(q{SELECT to_regclass('other.x') IS NULL}), 't', '(d) the unsynced table is not created');

# A narrowing DDL on a synced table: stopped, naming the table/statement.
my ($dfile) = $my->binlog_position;
$my->sql(q{ALTER TABLE f.t MODIFY n smallint NOT NULL DEFAULT 0; INSERT INTO f.t VALUES (31, 'after ddl', 31);});
$st = wait_for_state($node, 't', 'stopped', 60);
ok($st, '(d) a narrowing ALTER TABLE on a synced table stops the task');
$err = $st ? $st->{last_error} // '' : '';
like($err, qr/ALTER TABLE/i, '(d) last_error quotes the statement');
like($err, qr/\bf\W+t\b/,    '(d) last_error names the table');
diag("(d) last_error: $err");
is(sql_pg(q{SELECT count(*) FROM f.t WHERE id = 31}), '0', '(d) no change after the DDL was applied');
sleep 2;
is(sync_status($node, 't')->{state}, 'stopped', '(d) stays stopped');

# ----------------------------------------------------------------------- (f)
sql_pg(q{SELECT mysql_sync.drop_sync('t', true)});
is(sql_pg(q{SELECT to_regclass('f.t') IS NULL AND to_regclass('f.u') IS NULL}),
	't', '(f) drop_sync(t, true) dropped the target tables');
is( sql_pg(q{SELECT (SELECT count(*) FROM mysql_sync.tasks WHERE task = 't')
	                + (SELECT count(*) FROM mysql_sync.status WHERE task = 't')
	                + (SELECT count(*) FROM mysql_sync.table_status WHERE task = 't')
	                + (SELECT count(*) FROM mysql_sync.task_state WHERE task = 't')}),
	'0', '(f) the task rows are gone');
ok(wait_until(sub { scalar(worker_pids($node)) == 0 }, 30), '(f) no worker');
my ($rc, $out, $perr) = $node->psql('postgres', q{SELECT mysql_sync.resume_sync('t')});
like($perr, qr/does not exist/, '(f) the task no longer exists');

$node->stop;
$my->stop;
done_testing();
