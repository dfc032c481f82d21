# Exactly once across crashes. A seeded random DML workload runs in MariaDB (inserts,
# updates incl. primary-key updates and relative updates n = n + 1 that a replayed
# transaction would visibly double, deletes, REPLACE, multi-statement and rolled-back
# transactions) while, one after the other,
#   (a) the task's worker is killed with SIGKILL (PostgreSQL then restarts all backends),
#   (b) PostgreSQL is stopped in immediate mode and started again,
#   (c) MariaDB is restarted cleanly, and later killed with SIGKILL and started again.
# The workload retries a transaction whose connection failed. Afterwards the target
# must equal the source row by row, and the task must be streaming. A broken pipe to the
# client means its input, COMMIT last, never fully arrived: that too is safe to retry.
use strict;
use warnings;

use FindBin;
use lib $FindBin::RealBin;

use POSIX ();
use Time::HiRes qw(usleep time);
use PostgreSQL::Test::Utils;
use PostgreSQL::Test::Cluster;
use Test::More;
use MysqlSyncTest;

plan skip_all => 'mysql_sync is not installed (make install)' unless extension_installed();

my $SEED         = $ENV{MYSQL_SYNC_TEST_SEED} // 20240229;
my $TRANSACTIONS = 1500;
my @TABLES       = qw(crash.t_int crash.t_comp crash.t_auto crash.ledger);

my $my   = start_mariadb(name => 'src020');
# The test cluster's default is restart_after_crash = off; a worker crash must not end it.
my $node = pg_node('pg020', conf => 'restart_after_crash = on');
$node->safe_psql('postgres', 'CREATE EXTENSION mysql_sync');

$my->sql(q{
CREATE DATABASE crash;
CREATE TABLE crash.t_int (
  id  int PRIMARY KEY,
  n   bigint NOT NULL DEFAULT 0,
  v   varchar(64),
  d   decimal(14,3),
  ts  datetime(6),
  txt text
);
CREATE TABLE crash.t_comp (
  a   int NOT NULL,
  b   varchar(16) NOT NULL,
  n   int NOT NULL DEFAULT 0,
  v   varchar(200),
  PRIMARY KEY (a, b)
);
CREATE TABLE crash.t_auto (
  id      bigint AUTO_INCREMENT PRIMARY KEY,
  payload text,
  amount  decimal(20,4),
  created datetime
);
-- Every committed workload transaction bumps this one row: a transaction applied twice
-- or lost shows in n.
CREATE TABLE crash.ledger (id int PRIMARY KEY, n bigint NOT NULL, last_tx int);
INSERT INTO crash.ledger VALUES (1, 0, 0);
INSERT INTO crash.t_int (id, n, v) VALUES (1, 0, 'seed'), (2, 0, 'seed');
INSERT INTO crash.t_comp (a, b) VALUES (1, 'x');
});

$node->safe_psql('postgres',
	"SELECT mysql_sync.start_sync('crash', '" . $my->source_uri . "', '{crash.*}')");
ok(wait_for_state($node, 'crash', 'streaming'), 'task crash reaches streaming');
compare_table($my, $node, $_, name => "$_: equal before the workload") for @TABLES;

# ------------------------------------------------------------------- the workload
# Deterministic SQL for transaction $i (srand once in the child; each transaction
# consumes the RNG in order, so the same seed gives the same statements).
my @WORDS = ('alpha', 'beta', "o''brien", 'ünïcödé', '😀 emoji', 'tab\\there', 'x', '');

sub rnd_word { return $WORDS[ int(rand(@WORDS)) ] . int(rand(1000)) }

sub rnd_stmt
{
	my $k  = int(rand(100));
	my $id = 1 + int(rand(300));
	my $id2 = 1 + int(rand(300));
	my $a  = 1 + int(rand(20));
	my $b  = ('x', 'y', 'z', 'w', 'ß')[ int(rand(5)) ];
	my $b2 = ('x', 'y', 'z', 'w', 'ß')[ int(rand(5)) ];
	my $d  = sprintf('%.3f', rand(2_000_000) - 1_000_000);
	my $w  = rnd_word();
	my $us = int(rand(1_000_000));
	return "INSERT IGNORE INTO crash.t_int (id, n, v, d, ts, txt) VALUES ($id, 0, '$w', $d, "
	  . "'2024-01-01 00:00:00' + INTERVAL $us SECOND_MICROSECOND + INTERVAL $id MINUTE, REPEAT('$w', 1 + $id % 7))"
	  if $k < 18;
	return "INSERT IGNORE INTO crash.t_int (id, n, v) VALUES ($id, 1, '$w'), ($id2, 2, NULL)"
	  if $k < 24;
	return "UPDATE crash.t_int SET n = n + 1, v = '$w' WHERE id = $id" if $k < 36;
	return "UPDATE crash.t_int SET n = n * 2 + 1, d = $d WHERE id BETWEEN $id AND $id + 15" if $k < 42;
	return "UPDATE IGNORE crash.t_int SET id = $id2 WHERE id = $id" if $k < 48;
	return "DELETE FROM crash.t_int WHERE id = $id" if $k < 55;
	return "REPLACE INTO crash.t_int (id, n, v, txt) VALUES ($id, 7, '$w', NULL)" if $k < 58;
	return "INSERT INTO crash.t_comp (a, b, n, v) VALUES ($a, '$b', 1, '$w') "
	  . "ON DUPLICATE KEY UPDATE n = n + 1, v = '$w'"
	  if $k < 70;
	return "UPDATE IGNORE crash.t_comp SET b = '$b2', n = n + 10 WHERE a = $a AND b = '$b'" if $k < 76;
	return "UPDATE IGNORE crash.t_comp SET a = a + 1 WHERE a = $a" if $k < 79;
	return "DELETE FROM crash.t_comp WHERE a = $a AND b = '$b'" if $k < 84;
	return "INSERT INTO crash.t_auto (payload, amount, created) VALUES ('$w', $d, NOW())" if $k < 93;
	return "UPDATE crash.t_auto SET amount = amount + 1 WHERE id % 5 = " . int(rand(5)) if $k < 96;
	return "DELETE FROM crash.t_auto WHERE id % 11 = " . int(rand(11)) . " LIMIT 3";
}

sub rnd_transaction
{
	my ($i) = @_;
	my $ledger = "UPDATE crash.ledger SET n = n + 1, last_tx = $i WHERE id = 1";
	my $kind = int(rand(20));
	if ($kind < 8)    # autocommit statements, the last one bumps the ledger
	{
		return join(";\n", (map { rnd_stmt() } 1 .. 1 + int(rand(3))), $ledger) . ";\n";
	}
	if ($kind < 16)    # a multi-statement transaction
	{
		return "BEGIN;\n" . join(";\n", (map { rnd_stmt() } 1 .. 2 + int(rand(8))), $ledger) . ";\nCOMMIT;\n";
	}
	if ($kind < 18)    # a rolled-back transaction
	{
		return "BEGIN;\n" . join(";\n", (map { rnd_stmt() } 1 .. 1 + int(rand(5))), $ledger) . ";\nROLLBACK;\n";
	}
	my $base = 1000 + int(rand(100_000));
	if ($kind < 19)    # a bigger transaction: 50-150 rows
	{
		my $n = 50 + int(rand(100));
		return "BEGIN;\nINSERT INTO crash.t_auto (payload, amount, created) VALUES "
		  . join(', ', map { "('bulk $base $_', $_.5, '2020-02-02 02:02:02')" } 1 .. $n)
		  . ";\nUPDATE crash.t_int SET n = n + 100 WHERE id <= 50;\n$ledger;\nCOMMIT;\n";
	}
	# a big one, a few thousand row events, that takes the worker a while to apply,
	# and a big delete that keeps t_auto's size in bounds
	return "BEGIN;\nINSERT INTO crash.t_auto (payload, amount, created) "
	  . "SELECT CONCAT('seq $base ', seq), seq / 4, '2021-01-01' + INTERVAL seq SECOND FROM crash.seq_1_to_3000;\n"
	  . "UPDATE crash.t_auto SET amount = amount * 2 WHERE payload LIKE 'seq $base %' AND MOD(id, 3) = 0;\n"
	  . "DELETE FROM crash.t_auto WHERE payload LIKE 'seq %' AND payload NOT LIKE 'seq $base %' LIMIT 2500;\n"
	  . "$ledger;\nCOMMIT;\n";
}

my $progress_file = PostgreSQL::Test::Utils::tempdir() . '/progress';

sub progress
{
	open(my $fh, '<', $progress_file) or return (0, 0, 0);
	my $line = <$fh> // '';
	close $fh;
	return split /\s+/, $line if $line =~ /^\d+ \d+ \d+/;
	return (0, 0, 0);
}

# The child runs the transactions through the mariadb client (socket, root) and
# writes "done statements retries" after each.
my $workload = start_workload(\&run_workload);

sub run_workload
{
	srand($SEED);
	my ($statements, $retries) = (0, 0);
	my $rc = 0;
	for my $i (1 .. $TRANSACTIONS)
	{
		my $sql = rnd_transaction($i);
		my $deadline = time() + 90;
		while (!defined $my->sql($sql, fail_ok => 1))
		{
			my $e = $my->{last_error} // '';
			if ($e !~ /Can't connect|server has gone away|Lost connection|shutdown in progress|ERROR 2013|ERROR 2006|ERROR 2002|ERROR 1053|Server shutdown|ERROR 1927|Connection killed|ack Broken pipe/i
				|| time() > $deadline)
			{
				print STDERR "workload: transaction $i failed: $e\n$sql\n";
				$rc = 1;
				last;
			}
			$retries++;
			usleep(200_000);
		}
		last if $rc;
		$statements += () = $sql =~ /;\n/g;
		if (open(my $fh, '>', "$progress_file.tmp"))
		{
			print $fh "$i $statements $retries\n";
			close $fh;
			rename("$progress_file.tmp", $progress_file);
		}
	}
	return $rc;
}

sub wait_progress
{
	my ($n) = @_;
	return wait_until(sub { (progress())[0] >= $n || $workload->done }, 150);
}

sub worker_back
{
	return wait_until(sub { scalar(worker_pids($node)) == 1 }, 60);
}

my $t0 = time();

# (a) kill -9 the worker while it applies the workload.
wait_progress(120);
my @pids = worker_pids($node);
is(scalar @pids, 1, 'one mysql_sync worker in pg_stat_activity') or diag("pids: @pids");
ok(kill('KILL', $pids[0]), "worker $pids[0] killed with SIGKILL") if @pids;
ok(wait_until(sub { my @p = worker_pids($node); @p == 1 && $p[0] != ($pids[0] // 0) }, 60),
	'a new worker runs after the crash restart');

# (b) PostgreSQL immediate stop and start.
wait_progress(350);
$node->stop('immediate');
usleep(500_000);
$node->start;
ok(worker_back(), 'worker back after PostgreSQL immediate restart');

# (c) MariaDB clean restart while the workload runs (it retries meanwhile).
wait_progress(600);
$my->restart;
ok($my->is_running, 'MariaDB restarted');

# (c') MariaDB killed with SIGKILL, then started.
wait_progress(850);
$my->kill9;
sleep 1;
$my->start;
ok($my->is_running, 'MariaDB started after kill -9');

# More crashes later on, while the worker catches up after the MariaDB restarts: a
# worker kill, PostgreSQL immediate restart, and a worker kill right after it started.
wait_progress(1000);
@pids = worker_pids($node);
kill('KILL', $pids[0]) if @pids;
wait_progress(1200);
$node->stop('immediate');
$node->start;
ok(worker_back(), 'worker back after the second PostgreSQL immediate restart');
@pids = worker_pids($node);
kill('KILL', $pids[0]) if @pids;
wait_progress(1400);
@pids = worker_pids($node);
kill('KILL', $pids[0]) if @pids;

is($workload->wait, 0, 'workload finished without unexpected errors');
my ($done, $statements, $retries) = progress();
is($done, $TRANSACTIONS, "all $TRANSACTIONS transactions ran ($statements statements, $retries retries)");
diag(sprintf('workload with faults took %.1f s', time() - $t0));

# Catch up, then compare.
my ($file, $pos) = $my->binlog_position;
ok( wait_until(
		sub {
			my $st = sync_status($node, 'crash');
			return 0 unless $st && ($st->{state} // '') eq 'streaming';
			for my $t (@TABLES) { return 0 unless tables_equal($my, $node, $t) }
			return 1;
		},
		120),
	'target equals the source after the workload');
compare_table($my, $node, $_, name => "$_: equal after the crashes") for @TABLES;

my $st = sync_status($node, 'crash');
is($st->{state}, 'streaming', 'state is streaming');
cmp_ok($st->{changes_applied} // 0, '>', 0, "changes_applied > 0 ($st->{changes_applied})");
diag("source at $file:$pos, task at " . ($st->{source_file} // '?') . ':' . ($st->{source_pos} // '?'));
is( wait_until(
		sub {
			my $s = sync_status($node, 'crash');
			$s && ($s->{source_file} // '') eq $file && ($s->{source_pos} // 0) >= $pos;
		},
		30) ? 1 : 0,
	1,
	"task position reached the source's binlog end $file:$pos");

my ($ln) = $my->sql('SELECT CONCAT(n, \' \', last_tx) FROM crash.ledger');
is($node->safe_psql('postgres', q{SELECT n || ' ' || last_tx FROM crash.ledger}),
	$ln, "ledger equal: every committed transaction applied once ($ln)");

# The data have the expected shape (the workload really did something).
cmp_ok($my->sql('SELECT COUNT(*) FROM crash.t_auto'), '>', 100, 't_auto has bulk rows');
cmp_ok($my->sql('SELECT MAX(n) FROM crash.t_int'), '>', 1, 'relative updates happened');

$node->stop;
$my->stop;
done_testing();
