# Large source transactions with a small mysql_sync.max_memory (16MB): a transaction
# whose decoded changes exceed the limit spills to a temporary file and is applied in
# one PostgreSQL transaction: never dropped, never out of memory, never half-visible.
#   (1) a multi-statement transaction with a 200k-row UPDATE (n = n + 1, which a replay
#       would visibly double) applies exactly; readers of the target never see a part of
#       it; the worker's private memory stays within max_memory + 64 MB;
#   (2) the same again, with the worker killed (SIGKILL) while it applies the spilled
#       transaction: after the restart it is applied exactly once;
#   (3) no spill file is left in base/pgsql_tmp.
# MYSQL_SYNC_TEST_LARGE_ROWS sets the row count (5000000 for the by-hand run).
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

my $ROWS = $ENV{MYSQL_SYNC_TEST_LARGE_ROWS} // 200_000;
my $MAX_MEMORY_MB = 16;

my $my = start_mariadb(name => 'src060');
my $node = pg_node('pg060',
	conf => "mysql_sync.max_memory = '${MAX_MEMORY_MB}MB'\nrestart_after_crash = on");
$node->safe_psql('postgres', 'CREATE EXTENSION mysql_sync');

$my->sql(qq{
CREATE DATABASE big;
CREATE TABLE big.t (id int PRIMARY KEY, n int NOT NULL, pad varchar(120) NOT NULL);
CREATE TABLE big.small (id int PRIMARY KEY, v varchar(20));
INSERT INTO big.t SELECT seq, 0, REPEAT('p', 100) FROM big.seq_1_to_$ROWS;
INSERT INTO big.small VALUES (1, 'one'), (2, 'two');
});

$node->safe_psql('postgres',
	"SELECT mysql_sync.start_sync('big', '" . $my->source_uri . "', '{big.*}')");
ok(wait_for_state($node, 'big', 'streaming', 600), 'task big reaches streaming');

# A digest both sides compute the same way.
sub my_digest
{
	my $out = join ' ', $my->sql(
		'SELECT COUNT(*), SUM(n), SUM(LENGTH(pad)), MIN(n), MAX(n) FROM big.t');
	$out =~ s/\s+/ /g;
	return $out;
}

sub pg_digest
{
	my $out = $node->safe_psql('postgres',
		'SELECT COUNT(*), SUM(n), SUM(LENGTH(pad)), MIN(n), MAX(n) FROM big.t');
	$out =~ s/\|/ /g;
	return $out;
}

sub wait_caught_up
{
	my ($timeout) = @_;
	my ($file, $pos) = $my->binlog_position;
	return wait_until(
		sub {
			my $s = sync_status($node, 'big');
			$s && ($s->{source_file} // '') eq $file && ($s->{source_pos} // 0) >= $pos;
		},
		$timeout);
}

ok(wait_caught_up(600), 'initial state applied');
is(pg_digest(), my_digest(), "target equals source before ($ROWS rows)");

# Peak private memory (RssAnon) of the worker, sampled until $done->() is true.
sub watch_worker
{
	my ($done, $timeout) = @_;
	my ($peak_anon, $peak_hwm, $min_seen, $max_seen, $samples) = (0, 0, undef, undef, 0);
	my $deadline = time() + $timeout;
	while (!$done->() && time() < $deadline)
	{
		for my $pid (worker_pids($node))
		{
			open(my $fh, '<', "/proc/$pid/status") or next;
			while (<$fh>)
			{
				$peak_anon = $1 if /^RssAnon:\s+(\d+)/ && $1 > $peak_anon;
				$peak_hwm  = $1 if /^VmHWM:\s+(\d+)/   && $1 > $peak_hwm;
			}
			close $fh;
		}
		# Atomicity: the rows carrying the new n are none or all of them.
		my $partial = $node->safe_psql('postgres',
			'SELECT count(*) FILTER (WHERE n = (SELECT max(n) FROM big.t)) || \' \' || count(*) FROM big.t');
		my ($new, $all) = split / /, $partial;
		$samples++;
		$min_seen = $new if !defined $min_seen || $new < $min_seen;
		$max_seen = $new if !defined $max_seen || $new > $max_seen;
		if ($new != $all && $new != 0 && $new != $all - 1)
		{
			# ('all - 1': the row the transaction's INSERT adds has n = 0)
			diag("partial transaction visible: $new of $all rows updated");
			return (undef, $peak_anon, $peak_hwm, $samples);
		}
		usleep(200_000);
	}
	return (1, $peak_anon, $peak_hwm, $samples);
}

# (1) One big multi-statement transaction.
my $t0 = time();
$my->sql(qq{
BEGIN;
UPDATE big.small SET v = 'before' WHERE id = 1;
UPDATE big.t SET n = n + 1, pad = CONCAT(LEFT(pad, 99), 'u');
INSERT INTO big.t VALUES ($ROWS + 1, 0, 'new');
DELETE FROM big.small WHERE id = 2;
UPDATE big.small SET v = 'after' WHERE id = 1;
COMMIT;
INSERT INTO big.small VALUES (3, 'later');
});
my $src_secs = time() - $t0;
my $want = my_digest();
my ($atomic, $anon_kb, $hwm_kb, $samples) = watch_worker(sub { pg_digest() eq $want }, 600);
my $secs = time() - $t0;
ok($atomic, "no partial transaction visible ($samples samples)");
ok(wait_caught_up(120), 'position reached the source end');
is(pg_digest(), $want, "big transaction applied once ($want)");
compare_table($my, $node, 'big.small', name => 'big.small equal (statements around the big one kept order)');
diag(sprintf('source ran the transaction in %.1f s; applied after %.1f s; worker peak RssAnon %d kB, VmHWM %d kB',
		$src_secs, $secs, $anon_kb, $hwm_kb));
my $log = slurp_file($node->logfile);
like($log, qr/applying a transaction of \d+ row changes spilled to a temporary file/,
	'the transaction was spilled');
cmp_ok($anon_kb, '<', ($MAX_MEMORY_MB + 64) * 1024,
	"worker private memory within max_memory + 64 MB (peak RssAnon $anon_kb kB)");

# (2) Again, killing the worker in the middle of applying the spilled transaction.
my $spills_before = () = $log =~ /spilled to a temporary file/g;
my @pids = worker_pids($node);
$my->sql(q{UPDATE big.t SET n = n + 1});
$want = my_digest();
ok( wait_until(
		sub {
			my $n = () = slurp_file($node->logfile) =~ /spilled to a temporary file/g;
			$n > $spills_before;
		},
		300),
	'second big transaction being applied from its spill file');
ok(kill('KILL', $pids[0]), "worker $pids[0] killed with SIGKILL while applying") if @pids;
ok(wait_until(sub { my @p = worker_pids($node); @p == 1 && $p[0] != ($pids[0] // 0) }, 120),
	'a new worker runs after the crash restart');
ok(wait_until(sub { pg_digest() eq $want }, 600), "applied exactly once after the kill ($want)");
ok(wait_caught_up(120), 'position reached the source end after the kill');
is($node->safe_psql('postgres', 'SELECT max(n) FROM big.t'), '2', 'n = 2: the killed attempt left nothing');

# (3) Nothing left behind: the files are unlinked at creation.
my @left = glob($node->data_dir . '/base/pgsql_tmp/pgsql_tmp_mysql_sync*');
is(scalar(@left), 0, 'no spill file left in base/pgsql_tmp');
is(sync_status($node, 'big')->{state}, 'streaming', 'task still streaming');

$node->stop;
$my->stop;
done_testing();
