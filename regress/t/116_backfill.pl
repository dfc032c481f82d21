# The one backfill engine (bgworker/backfill.h) on MariaDB, for both consistency methods
# (options.consistency snapshot: each chunk at its exact snapshot position; watermark: the binlog
# positions before and after each chunk's SELECT, as on MySQL):
#  - the initial load, a resync_table and an alter_sync of tables keyed by an integer, by a
#    composite (int, varchar) key and by a utf8mb4 varchar whose collation (case- and
#    accent-insensitive, trailing spaces ignored) orders otherwise than PostgreSQL's, all in
#    chunks of 150 rows, while a write workload runs (inserts, deletes, updates that move keys
#    across chunks and change a key's case, multi-statement transactions) and an ADD COLUMN
#    arrives during the load; the worker is killed with SIGKILL at random chunk points of each
#    copy, resumes from its last committed chunk, and every table ends equal row by row;
#  - progress: table_status shows copying, rows_copied of rows_estimate and chunks_copied;
#  - no FLUSH TABLES, no LOCK TABLES, nothing written to the source by the task; the precheck
#    names the method;
#  - while a table loads, no source transaction of the task lives longer than 3 s
#    (information_schema.innodb_trx, sampled), and while a table is added with alter_sync the
#    other tables' lag stays under 2 s.
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

my $ROWS = 4000;    # per table
my $my   = start_mariadb(name => 'src116');
my $node = pg_node('pg116', conf => "restart_after_crash = on\nmysql_sync.copy_range_rows = 150");
$node->safe_psql('postgres', 'CREATE EXTENSION mysql_sync');
my $uri = $my->source_uri;

sub q1 { my ($sql) = @_; return $node->safe_psql('postgres', $sql); }

# Keys of the string table: one case per letter (the collation folds case and accents), in an
# order PostgreSQL's byte order does not share ('B' < 'a' < 'z' < 'Ö' < 'é' there); some with a
# trailing space, which the PAD SPACE collation ignores.
my @PREFIX = ('a', 'B', 'é', 'Ö', 'z');
sub skey { my ($i) = @_; return $PREFIX[ $i % 5 ] . sprintf('%06d', $i) . ($i % 7 == 0 ? ' ' : ''); }

sub create_tables
{
	my ($db) = @_;
	my @strk = map { "('" . skey($_) . "', $_)" } 1 .. $ROWS;
	$my->sql(qq{
CREATE DATABASE $db;
CREATE TABLE $db.ints (id int PRIMARY KEY, v int NOT NULL, pad varchar(40));
CREATE TABLE $db.comp (a int, b varchar(20), v int NOT NULL, PRIMARY KEY (a, b));
CREATE TABLE $db.strk (k varchar(40) COLLATE utf8mb4_unicode_ci PRIMARY KEY, v int NOT NULL);
CREATE TABLE $db.added (a int, b varchar(20) COLLATE utf8mb4_general_ci, v int NOT NULL, PRIMARY KEY (a, b));
INSERT INTO $db.ints SELECT seq, seq, REPEAT('p', 30) FROM $db.seq_1_to_$ROWS;
INSERT INTO $db.comp SELECT seq % 40, CONCAT(IF(seq % 2, 'x', 'Y'), seq), seq FROM $db.seq_1_to_$ROWS;
INSERT INTO $db.added SELECT seq % 40, CONCAT(IF(seq % 2, 'é', 'E'), seq), seq FROM $db.seq_1_to_$ROWS;
INSERT INTO $db.strk VALUES } . join(',', @strk) . ';');
}

# One round of the workload: a few transactions of every kind, in one client call.
sub workload_round
{
	my ($db, $n) = @_;
	my $r = sub { 1 + int(rand($ROWS * 2)) };
	my ($i, $j, $k) = ($r->(), $r->(), $r->());
	my $s  = skey($r->());
	my $s2 = skey($r->());
	my $new = 100_000 + $n;
	return qq{
INSERT IGNORE INTO $db.ints (id, v, pad) VALUES ($new, $n, 'new');
UPDATE $db.ints SET v = v + 1 WHERE id = $i;
DELETE FROM $db.ints WHERE id = $j;
UPDATE IGNORE $db.ints SET id = id + 3 * $ROWS WHERE id = $k;
UPDATE IGNORE $db.ints SET id = $n % 50 + 1 WHERE id = $new - 7;
START TRANSACTION;
INSERT IGNORE INTO $db.comp (a, b, v) VALUES ($n % 40, 'n$n', $n);
UPDATE IGNORE $db.comp SET a = (a + 20) % 40 WHERE a = $n % 40 AND b = CONCAT(IF($i % 2, 'x', 'Y'), $i);
DELETE FROM $db.comp WHERE a = $j % 40 AND b = CONCAT(IF($j % 2, 'x', 'Y'), $j);
UPDATE $db.comp SET v = -v WHERE a = $k % 40 LIMIT 3;
COMMIT;
START TRANSACTION;
UPDATE $db.strk SET k = UPPER(k) WHERE k = '$s';
UPDATE IGNORE $db.strk SET k = CONCAT('z', SUBSTRING(k, 2)) WHERE k = '$s2';
INSERT IGNORE INTO $db.strk (k, v) VALUES ('Ä$n', $n), ('ä$n ', $n);
DELETE FROM $db.strk WHERE v = $j;
UPDATE $db.strk SET v = v + 1 WHERE v = $k;
COMMIT;
INSERT IGNORE INTO $db.added (a, b, v) VALUES ($n % 40, 'w$n', $n);
UPDATE $db.added SET v = v + 1 WHERE a = $i % 40 LIMIT 2;
DELETE FROM $db.added WHERE a = $j % 40 LIMIT 1;
};
}

# The workload runs in a child until $stop_file exists.
sub start_writes
{
	my ($db, $stop_file) = @_;
	return start_workload(
		sub {
			srand(116);
			my $n = 0;
			until (-e $stop_file)
			{
				$n++;
				my $sql = join '', map { workload_round($db, $n * 10 + $_) } 1 .. 5;
				usleep(200_000) unless defined $my->sql($sql, fail_ok => 1);
				usleep(30_000);
			}
			return 0;
		});
}

sub chunks_done
{
	my ($task) = @_;
	my $n = eval {
		$node->safe_psql('postgres', "SELECT coalesce(sum(chunks_copied), 0) FROM mysql_sync.table_status WHERE task = '$task'");
	};
	return $n // 0;
}

# Kills the task's worker with SIGKILL once `more` more chunks are written (a random number up
# to 5 by default); returns the pid, or undef when the copy ended first.
sub kill_at_chunk
{
	my ($task, $while) = @_;
	my $start = chunks_done($task);
	my $more  = 1 + int(rand(5));
	my $pid;
	wait_until(
		sub {
			return 1 unless $while->();
			return 0 if chunks_done($task) < $start + $more;
			$pid = eval {
				$node->safe_psql('postgres',
					"SELECT pid FROM pg_stat_activity WHERE backend_type = 'mysql_sync worker' AND application_name = '$task'");
			};
			return $pid;
		},
		120);
	return undef unless $pid && $while->();
	kill('KILL', $pid);
	# The postmaster restarts every backend; the launcher starts the task again.
	wait_until(sub { defined sync_status($node, $task) }, 60);
	return $pid;
}

sub copying
{
	my ($task, $table) = @_;
	my $where = defined $table ? "AND source_table = '$table'" : '';
	my $n = eval {
		$node->safe_psql('postgres',
			"SELECT count(*) FROM mysql_sync.table_status WHERE task = '$task' AND state IN ('copying', 'pending') $where");
	};
	return !defined $n || $n > 0;
}

sub source_counter
{
	my ($name) = @_;
	my ($row) = $my->rows("SHOW GLOBAL STATUS LIKE '$name'");
	return $row->[1];
}

for my $method (qw(snapshot watermark))
{
	my $db   = "bf_$method";
	my $task = "bf_$method";
	create_tables($db);
	my $flush0 = source_counter('Com_flush');
	my $lock0  = source_counter('Com_lock_tables');

	like(q1("SELECT detail FROM mysql_sync.precheck('$uri', '{$db.*}', options => '{\"consistency\": \"$method\"}') "
			  . "WHERE item = 'privileges'"),
		$method eq 'snapshot' ? qr/exact snapshot position/ : qr/low and high watermarks/,
		"$method: the precheck names the method");

	# -------------------------------------------------------------- initial load
	my $stop = "$PostgreSQL::Test::Utils::tmp_check/stop_$method";
	my $writes = start_writes($db, $stop);
	usleep(500_000);
	q1("SELECT mysql_sync.start_sync('$task', '$uri', '{$db.ints, $db.comp, $db.strk}', "
		  . "options => '{\"consistency\": \"$method\", \"parallel\": 2, \"max_rows_per_second\": 1200}')");
	my $progress;
	ok( wait_until(
			sub {
				$progress = q1("SELECT string_agg(source_table || ':' || state || ':' || rows_copied || '/' || rows_estimate "
					  . "|| ':' || chunks_copied, ' ' ORDER BY source_table) FROM mysql_sync.table_status WHERE task = '$task'");
				$progress =~ /:copying:[1-9]\d*\/[1-9]\d*:[1-9]/;
			},
			60),
		"$method: progress while loading: $progress");
	is(sync_status($node, $task)->{state}, 'full_load', "$method: status says full_load");
	# A DDL during the load: the copy goes on under the new definition.
	$my->sql("ALTER TABLE $db.comp ADD COLUMN extra int NOT NULL DEFAULT 7");
	my $kills = 0;
	for (1 .. 3) { $kills++ if kill_at_chunk($task, sub { copying($task) }) }
	ok($kills >= 1, "$method: the worker was killed $kills times during the initial load");
	ok(wait_for_state($node, $task, 'streaming', 180), "$method: the initial load ends, the task streams");
	my $log = slurp_file($node->logfile);
	like($log, qr/task "$task": resuming the copy of $db\.\w+ after its last committed chunk/,
		"$method: a killed load resumed from its last committed chunk");
	like($log, qr/task "$task": initial sync done/, "$method: initial sync done");
	is(q1("SELECT count(*) FROM mysql_sync.table_state WHERE task = '$task' AND backfill IS NOT NULL"),
		'0', "$method: no copy state left once loaded");

	# -------------------------------------------------------------- resync_table, killed once
	q1("SELECT mysql_sync.resync_table('$task', '$db.strk')");
	ok(wait_until(sub { copying($task, "$db.strk") }, 30), "$method: the resync of $db.strk copies");
	ok(kill_at_chunk($task, sub { copying($task, "$db.strk") }), "$method: the worker killed during the resync")
	  or diag(slurp_file($node->logfile));
	ok(wait_until(sub { !copying($task, "$db.strk") }, 180), "$method: the resync ends");
	$log = slurp_file($node->logfile);
	like($log, qr/task "$task": resuming the copy of $db\.strk after its last committed chunk/,
		"$method: the resync resumed into its shadow");
	like($log, qr/task "$task": resync of $db\.strk done/, "$method: the shadow replaced the target");

	# -------------------------------------------------------------- alter_sync add, killed once
	q1("SELECT mysql_sync.alter_sync('$task', add_objects => '{$db.added}')");
	ok(wait_until(sub { copying($task, "$db.added") }, 30), "$method: alter_sync copies $db.added");
	ok(kill_at_chunk($task, sub { copying($task, "$db.added") }), "$method: the worker killed during the alter_sync");
	ok(wait_until(sub { !copying($task, "$db.added") }, 180), "$method: the alter_sync ends");
	like(slurp_file($node->logfile), qr/task "$task": alter_sync added $db\.added/, "$method: $db.added joined");

	# -------------------------------------------------------------- every row equal
	open(my $fh, '>', $stop) or die;
	close $fh;
	is($writes->wait, 0, "$method: the workload ran without errors");
	my @tables = map { "$db.$_" } qw(ints comp strk added);
	ok(wait_tables_equal($my, $node, \@tables, 120), "$method: every table equal after the workload");
	compare_table($my, $node, $_) for @tables;
	is(source_counter('Com_flush') - $flush0, 0, "$method: no FLUSH on the source");
	is(source_counter('Com_lock_tables') - $lock0, 0, "$method: no LOCK TABLES on the source");
	q1("SELECT mysql_sync.stop_sync('$task')");
}

# ------------------------------------------------------------------ short source transactions
# A table of 60k rows loads in about 12 s (max_rows_per_second), under a write load: every
# sample of the task's transactions on the source is younger than 3 s.
$my->sql(q{
CREATE DATABASE lt;
CREATE TABLE lt.big (id int PRIMARY KEY, v int NOT NULL, pad varchar(60));
INSERT INTO lt.big SELECT seq, seq, REPEAT('x', 60) FROM lt.seq_1_to_60000;
CREATE TABLE lt.live (id int AUTO_INCREMENT PRIMARY KEY, at datetime(6));
CREATE TABLE lt.added (id int PRIMARY KEY, v int NOT NULL, pad varchar(60));
INSERT INTO lt.added SELECT seq, seq, REPEAT('y', 60) FROM lt.seq_1_to_40000;
});
for my $method (qw(snapshot watermark))
{
	my $task = "lt_$method";
	$my->sql("DELETE FROM lt.live");
	q1("SELECT mysql_sync.start_sync('$task', '$uri', '{lt.big, lt.live}', existing_tables => 'clear', "
		  . "options => '{\"consistency\": \"$method\", \"parallel\": 1, \"max_rows_per_second\": 5000}')");
	my $stop = "$PostgreSQL::Test::Utils::tmp_check/lt_stop_$method";
	my $live = start_workload(
		sub {
			until (-e $stop)
			{
				$my->sql("INSERT INTO lt.live (at) VALUES (NOW(6)); UPDATE lt.big SET v = v + 1 WHERE id = "
					  . (1 + int(rand(60000))), fail_ok => 1);
				usleep(100_000);
			}
			return 0;
		});
	my ($oldest, $samples) = (0, 0);
	wait_until(
		sub {
			my ($age) = $my->rows(
				"SELECT COALESCE(MAX(TIMESTAMPDIFF(MICROSECOND, t.trx_started, NOW(6))), 0) / 1e6 FROM information_schema.innodb_trx t "
				  . "JOIN information_schema.processlist p ON p.ID = t.trx_mysql_thread_id WHERE p.USER = 'sync'");
			$oldest = $age->[0] if $age->[0] > $oldest;
			$samples++;
			my $st = sync_status($node, $task);
			return $st && $st->{state} =~ /catching_up|streaming/;
		},
		120);
	cmp_ok($samples, '>', 30, "$method: the load was sampled $samples times");
	cmp_ok($oldest, '<', 3, "$method: the oldest source transaction of the load lived $oldest s");

	# alter_sync of a 40k-row table (about 8 s) while lt.live streams: its lag stays under 2 s.
	ok(wait_for_state($node, $task, 'streaming', 60), "$method: streaming before the alter_sync");
	q1("SELECT mysql_sync.alter_sync('$task', add_objects => '{lt.added}')") if $method eq 'snapshot';
	q1("SELECT mysql_sync.resync_table('$task', 'lt.big')") if $method eq 'watermark';
	my $which = $method eq 'snapshot' ? 'lt.added' : 'lt.big';
	my ($lag, $during) = (0, 0);
	wait_until(
		sub {
			my $st = sync_status($node, $task);
			my $busy = copying($task, $which);
			if ($busy && $st && defined $st->{lag_seconds})
			{
				$during++;
				$lag = $st->{lag_seconds} if $st->{lag_seconds} > $lag;
			}
			return $during > 0 && !$busy;
		},
		120);
	cmp_ok($during, '>', 10, "$method: the lag was sampled $during times while $which was copied");
	cmp_ok($lag, '<', 2, "$method: the other tables' lag stayed at most $lag s while $which was copied");
	open(my $fh, '>', $stop) or die;
	close $fh;
	$live->wait;
	ok(wait_tables_equal($my, $node, [ 'lt.live', $which ], 60), "$method: lt.live and $which equal");
	q1("SELECT mysql_sync.drop_sync('$task')");
	$my->sql("ALTER TABLE lt.added RENAME TO lt.added_done") if $method eq 'snapshot';
}

$node->stop;
$my->stop;
done_testing();
