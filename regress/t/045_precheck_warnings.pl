# The precheck's warnings about the work itself (040 covers the failures): each appears as a
# 'warning' of exactly its item, with a detail that names the cause and a hint, and is gone
# once the cause is; start_sync raises it as a WARNING and still creates the task.
#  - ghost tables of gh-ost / pt-online-schema-change next to a synced table (objects_exist);
#  - a table of 10M rows or more with a full load, with the load time (objects_exist);
#  - a busy source (>= 1000 write statements/s) for a full load of 1M rows or more
#    (binlog_retention), under a real write load from a background client;
#  - a full load whose estimated time nears the binlog retention (binlog_retention).
# The row counts are InnoDB's estimates (information_schema.TABLES.TABLE_ROWS), faked through
# the persistent statistics (mysql.innodb_table_stats.n_rows) so that no test loads 10M rows.
use strict;
use warnings;

use FindBin;
use lib $FindBin::RealBin;

use POSIX ();
use PostgreSQL::Test::Utils;
use PostgreSQL::Test::Cluster;
use Test::More;
use Time::HiRes qw(usleep);
use MysqlSyncTest;
use PrecheckTest;

plan skip_all => 'mysql_sync is not installed (make install)' unless extension_installed();

my @ITEMS = @PRECHECK_ITEMS;

my $my   = start_mariadb(name => 'src045');
my $node = pg_node('pg045');
$node->safe_psql('postgres', 'CREATE EXTENSION mysql_sync');
my $uri = $my->source_uri;

# Runs mysql_sync.precheck; returns { item => {status, detail, hint} }.
sub precheck
{
	my (%a) = @_;
	return run_precheck($node, $uri, $a{objects}, $a{args});
}

sub summary { return precheck_summary(@_) }
sub expect  { return expect_precheck(@_) }

# start_sync with precheck's arguments: returns (rc, stdout, stderr, [items warned about]).
sub start_sync
{
	my ($task, %a) = @_;
	my $extra = defined $a{args} ? ", $a{args}" : '';
	my ($rc, $out, $err) = $node->psql('postgres',
		"SELECT task FROM mysql_sync.start_sync('$task', \$s\$$uri\$s\$, \$o\$$a{objects}\$o\$$extra)");
	my @warned = $err =~ /WARNING:\s+mysql_sync precheck (\w+):/g;
	return ($rc, $out, $err, join(', ', sort @warned));
}

# start_sync succeeds with WARNINGs for exactly the given items, each with its detail and a
# HINT; the task exists and runs; then it is dropped with its tables.
sub start_sync_warns
{
	my ($name, $task, $objects, $want, $detail_re) = @_;
	my ($rc, $out, $err, $warned) = start_sync($task, objects => $objects);
	is($rc, 0, "$name: start_sync starts despite the warnings") or diag($err);
	is($out, $task, "$name: start_sync returns the task");
	is($warned, $want, "$name: WARNINGs for $want");
	like($err, $detail_re, "$name: the WARNING has the detail");
	like($err, qr/HINT:\s+\S/, "$name: and a HINT");
	is($node->safe_psql('postgres', "SELECT count(*) FROM mysql_sync.tasks WHERE task = '$task'"),
		'1', "$name: the task is created");
	ok(wait_for_state($node, $task, 'streaming'), "$name: the task reaches streaming");
	$node->safe_psql('postgres', "SELECT mysql_sync.drop_sync('$task', true)");
}

$my->sql(q{
CREATE DATABASE shop;
CREATE TABLE shop.orders (id bigint PRIMARY KEY, amount decimal(10,2));
INSERT INTO shop.orders VALUES (1, 9.99), (2, 19.99);
CREATE TABLE shop.big    (id int PRIMARY KEY, v int) STATS_AUTO_RECALC = 0;
CREATE TABLE shop.medium (id int PRIMARY KEY, v int) STATS_AUTO_RECALC = 0;
CREATE TABLE shop.huge   (id int PRIMARY KEY, v int) STATS_AUTO_RECALC = 0;
INSERT INTO shop.big VALUES (1, 1), (2, 2), (3, 3);
INSERT INTO shop.medium VALUES (1, 1), (2, 2), (3, 3);
INSERT INTO shop.huge VALUES (1, 1), (2, 2), (3, 3);
ANALYZE TABLE shop.big, shop.medium, shop.huge;
CREATE DATABASE busy;
CREATE TABLE busy.hits (id int PRIMARY KEY, n bigint NOT NULL);
INSERT INTO busy.hits VALUES (1, 0);
});

expect(precheck(objects => '{shop.orders}'), 'a correct set-up');

# ------------------------------------------------------------------ faked row estimates
# InnoDB reads the persistent statistics when it first opens a table; on MariaDB 10.11
# FLUSH TABLE does not make it read them again (the table stays in InnoDB's dictionary
# cache, and ALTER TABLE recomputes them), a restart does. STATS_AUTO_RECALC = 0 keeps
# InnoDB from recomputing them afterwards.
$my->sql(q{
UPDATE mysql.innodb_table_stats SET n_rows = 20000000 WHERE database_name = 'shop' AND table_name = 'big';
UPDATE mysql.innodb_table_stats SET n_rows = 2000000 WHERE database_name = 'shop' AND table_name = 'medium';
UPDATE mysql.innodb_table_stats SET n_rows = 200000000000 WHERE database_name = 'shop' AND table_name = 'huge';
});
$my->restart(options => []);
is( $my->sql(
		q{SELECT group_concat(TABLE_NAME, '=', TABLE_ROWS ORDER BY TABLE_NAME) FROM information_schema.TABLES
		  WHERE TABLE_SCHEMA = 'shop' AND TABLE_NAME IN ('big', 'medium', 'huge')}),
	'big=20000000,huge=200000000000,medium=2000000',
	'information_schema.TABLES reports the faked row estimates');

# ------------------------------------------------------------------ ghost tables
$my->sql(q{CREATE TABLE shop._orders_gho (id bigint PRIMARY KEY, amount decimal(10,2))});
my $r = precheck(objects => '{shop.orders}');
expect($r, 'a gh-ost table next to a synced table', objects_exist => 'warning');
like($r->{objects_exist}{detail},
	qr/^1 table matches; online schema change tables present: shop\._orders_gho \(gh-ost\); the migration's cut-over renames a synced table/,
	'detail names the gh-ost table');
like($r->{objects_exist}{hint}, qr/^Let the migration finish/, 'hint: let the migration finish');

$r = precheck(objects => '{shop.orders, shop._orders_gho}');
expect($r, 'a gh-ost table matched by objects', objects_exist => 'warning');
like($r->{objects_exist}{detail}, qr/shop\._orders_gho \(gh-ost, matched by objects\)/,
	'detail says the ghost table is matched');

$my->sql(q{CREATE TABLE shop._orders_old (id bigint PRIMARY KEY, amount decimal(10,2))});
$r = precheck(objects => '{shop.orders}');
expect($r, 'gh-ost and pt-online-schema-change tables', objects_exist => 'warning');
like($r->{objects_exist}{detail},
	qr/online schema change tables present: shop\._orders_gho \(gh-ost\), shop\._orders_old \(pt-online-schema-change\);/,
	'detail names both tables');
start_sync_warns('ghost tables', 't045_ghost', '{shop.orders}', 'objects_exist',
	qr/WARNING:\s+mysql_sync precheck objects_exist: .*shop\._orders_gho \(gh-ost\)/);

$my->sql(q{DROP TABLE shop._orders_gho, shop._orders_old});
$r = precheck(objects => '{shop.orders}');
expect($r, 'the ghost tables dropped');
is($r->{objects_exist}{detail}, '1 table matches', 'objects_exist detail without the ghost tables');

# ------------------------------------------------------------------ a large table
$r = precheck(objects => '{shop.big}');
expect($r, 'a table of 20M rows (estimated)', objects_exist => 'warning');
is( $r->{objects_exist}{detail},
	'1 table matches; large tables, full load at ~400k rows/s: shop.big (~20,000,000 rows, ~50 s); ~50 s in all',
	'detail names the table, its rows and the load time');
like($r->{objects_exist}{hint}, qr/^Expect the load to take that long/, 'hint: expect the load time');
like($r->{binlog_retention}{detail}, qr/^binlogs never expire$/, 'binlog_retention: no busy source, no retention');

expect(precheck(objects => '{shop.big}', args => q{initial_sync => '{schema}'}),
	'the same table without a full load');
expect(precheck(objects => '{shop.medium}'), 'a table of 2M rows (under 10M)');

start_sync_warns('a large table', 't045_big', '{shop.big}', 'objects_exist',
	qr/WARNING:\s+mysql_sync precheck objects_exist: .*large tables.*shop\.big \(~20,000,000 rows/);

# The cause gone: fresh statistics give the real estimate.
$my->sql(q{ANALYZE TABLE shop.big});
$r = precheck(objects => '{shop.big}');
expect($r, 'the table analyzed (its real 3 rows)');
is($r->{objects_exist}{detail}, '1 table matches', 'objects_exist detail without large tables');

# ------------------------------------------------------------------ a busy source
# A child process feeds a mariadb client with transactions of single-row UPDATEs (each is
# one Com_update) until it gets SIGTERM; about 15,000 statements/s on the 2-core test box
# even under load, the threshold is 1000/s.
sub com_update { return $my->sql(q{SELECT VARIABLE_VALUE FROM information_schema.GLOBAL_STATUS WHERE VARIABLE_NAME = 'COM_UPDATE'}) }

my $load_pid;
sub start_write_load
{
	my $pid = fork();
	die "fork: $!" unless defined $pid;
	if ($pid == 0)
	{
		# The child: POSIX::_exit so that it does not run the END blocks that stop the servers.
		my $stop = 0;
		local $SIG{TERM} = sub { $stop = 1 };
		local $SIG{PIPE} = 'IGNORE';
		my $ok = open(my $client, '|-', 'mariadb', '--no-defaults', '--user=root',
			'--socket=' . $my->socket_path);
		POSIX::_exit(1) unless $ok;
		my $batch = 'BEGIN;' . ('UPDATE busy.hits SET n = n + 1 WHERE id = 1;' x 200) . "COMMIT;\n";
		while (!$stop)
		{
			print $client $batch or last;
		}
		close $client;
		POSIX::_exit(0);
	}
	$load_pid = $pid;
	# Running once the counter moves.
	my $before = com_update();
	ok(wait_until(sub { com_update() > $before + 2000 }), 'the write load runs');
}

sub stop_write_load
{
	return unless $load_pid;
	kill 'TERM', $load_pid;
	waitpid($load_pid, 0);
	$load_pid = undef;
}
END { stop_write_load() if $load_pid; }

# The rate is sampled over one second: retry a few times in case the 2-core box stalls the
# load for that second.
sub retry
{
	my ($attempts, $try) = @_;
	for my $i (1 .. $attempts)
	{
		my @got = $try->();
		return @got if $got[0] || $i == $attempts;
		diag("attempt $i did not see the busy source, retrying");
	}
}

$r = precheck(objects => '{shop.medium}');
expect($r, 'a quiet source, load of 2M rows');

start_write_load();
my $busy;
($busy, $r) = retry(3, sub {
		my $r = precheck(objects => '{shop.medium}');
		return (($r->{binlog_retention}{status} eq 'warning'), $r);
	});
expect($r, 'a busy source, load of 2M rows', binlog_retention => 'warning');
like($r->{binlog_retention}{detail},
	qr/^binlogs never expire; busy source: ~(\d+) write statements\/s while the full load of ~2,000,000 rows takes ~5 s; the changes made meanwhile are applied after it/,
	'detail gives the write rate and the load');
my ($rate) = $r->{binlog_retention}{detail} =~ /~(\d+) write statements/;
cmp_ok($rate // 0, '>=', 1000, "the reported rate is at least 1000/s");
diag("write rate seen by the precheck: ~$rate statements/s");
like($r->{binlog_retention}{hint}, qr/^Start the task at a quiet time/, 'hint: a quiet time');

expect(precheck(objects => '{shop.orders}'), 'the busy source with a small load (no sample)');
expect(precheck(objects => '{shop.medium}', args => q{initial_sync => '{schema}'}),
	'the busy source without a full load');

my ($rc, $out, $err, $warned);
($warned, $rc, $out, $err) = retry(3, sub {
		my ($rc, $out, $err, $warned) = start_sync('t045_busy', objects => '{shop.medium}');
		return ($warned, $rc, $out, $err) if $warned || $rc != 0;
		$node->safe_psql('postgres', q{SELECT mysql_sync.drop_sync('t045_busy', true)});
		return ('', $rc, $out, $err);
	});
is($rc, 0, 'busy source: start_sync starts despite the warning') or diag($err);
is($warned, 'binlog_retention', 'busy source: a WARNING for binlog_retention');
like($err, qr/WARNING:\s+mysql_sync precheck binlog_retention: .*busy source: ~\d+ write statements\/s/,
	'busy source: the WARNING has the rate');
like($err, qr/HINT:\s+Start the task at a quiet time/, 'busy source: and the HINT');
is($node->safe_psql('postgres', q{SELECT count(*) FROM mysql_sync.tasks WHERE task = 't045_busy'}),
	'1', 'busy source: the task is created');
stop_write_load();
ok(wait_for_state($node, 't045_busy', 'streaming'), 'busy source: the task reaches streaming');
$node->safe_psql('postgres', q{SELECT mysql_sync.drop_sync('t045_busy', true)});

$r = precheck(objects => '{shop.medium}');
expect($r, 'the load stopped');
is($r->{binlog_retention}{detail}, 'binlogs never expire', 'binlog_retention detail without a busy source');

# ------------------------------------------------------------------ a load that nears the retention
# 200,000,000,000 rows at ~400k rows/s: ~500,000 s (5.8 days).
$my->sql(q{SET GLOBAL binlog_expire_logs_seconds = 604800});
$r = precheck(objects => '{shop.huge}');
expect($r, 'a load of 5.8 days, binlogs kept 7 days',
	binlog_retention => 'warning', objects_exist => 'warning');
is( $r->{binlog_retention}{detail},
	'binlog_expire_logs_seconds keeps binlogs for 7 days; the full load of ~200,000,000,000 rows takes '
	  . '~5.8 days at ~400k rows/s, close to or beyond the binlog retention',
	'detail gives the load time against the retention');
like($r->{objects_exist}{detail}, qr/large tables, .*shop\.huge \(~200,000,000,000 rows, ~5\.8 days\)/,
	'objects_exist names the large table');
# Twice the load time, rounded up to days: 12 days.
is(hint_sql($r->{binlog_retention}{hint}), 'SET GLOBAL binlog_expire_logs_seconds = 1036800',
	'hint keeps binlogs twice the load time');

start_sync_warns('a load near the retention', 't045_huge', '{shop.huge}', 'binlog_retention, objects_exist',
	qr/WARNING:\s+mysql_sync precheck binlog_retention: .*the full load of ~200,000,000,000 rows takes ~5\.8 days/);

# A retention under 7 days: one hint, the longer one.
$my->sql(q{SET GLOBAL binlog_expire_logs_seconds = 86400});
$r = precheck(objects => '{shop.huge}');
expect($r, 'the same load, binlogs kept 1 day', binlog_retention => 'warning', objects_exist => 'warning');
like($r->{binlog_retention}{detail},
	qr/^binlog_expire_logs_seconds keeps binlogs for 1 day: under 7 days; the full load of ~200,000,000,000 rows takes ~5\.8 days/,
	'detail: under 7 days and the load time');
is(hint_sql($r->{binlog_retention}{hint}), 'SET GLOBAL binlog_expire_logs_seconds = 1036800',
	'one hint, long enough for the load');

# The cause gone: the hint applied.
$my->sql(hint_sql($r->{binlog_retention}{hint}));
$r = precheck(objects => '{shop.huge}');
expect($r, 'after the hint', objects_exist => 'warning');
is($r->{binlog_retention}{detail}, 'binlog_expire_logs_seconds keeps binlogs for 12 days',
	'binlog_retention detail: 12 days, no load warning');
expect(precheck(objects => '{shop.huge}', args => q{initial_sync => '{schema}'}),
	'the same without a full load');
$my->sql(q{SET GLOBAL binlog_expire_logs_seconds = 0});

expect(precheck(objects => '{shop.orders}'), 'a correct set-up at the end');

$node->stop;
$my->stop;
done_testing();
