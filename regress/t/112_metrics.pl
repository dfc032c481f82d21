# Metrics where monitoring systems look for them: prometheus-postgres-exporter (Debian's
# postgres_exporter) runs with monitoring/postgres_exporter_queries.yaml against a cluster with a
# streaming task, connected as a plain member of pg_monitor; its /metrics page shows each task's
# state, lag, bytes behind, retention left, rows copied, changes applied and errors, and each
# table's figures, with the values the views hold. When the source goes away the task's
# streaming gauge drops to 0 and its errors rise; when it is back they recover.
use strict;
use warnings;

use FindBin;
use lib $FindBin::RealBin;

use HTTP::Tiny;
use IO::Socket::INET;
use IPC::Run;
use PostgreSQL::Test::Utils;
use PostgreSQL::Test::Cluster;
use Test::More;
use MysqlSyncTest;

plan skip_all => 'mysql_sync is not installed (make install)' unless extension_installed();
my $EXPORTER = '/usr/bin/prometheus-postgres-exporter';
plan skip_all => "$EXPORTER is not installed (scripts/install-deps installs prometheus-postgres-exporter)"
  unless -x $EXPORTER;
my $QUERIES = "$FindBin::RealBin/../../monitoring/postgres_exporter_queries.yaml";
ok(-f $QUERIES, 'the queries file is in the repository');

my $my = start_mariadb(name => 'src112');
my $node = pg_node('pg112');
$node->safe_psql('postgres', 'CREATE EXTENSION mysql_sync');
$node->safe_psql('postgres', 'CREATE ROLE watcher LOGIN IN ROLE pg_monitor');
$my->sql(q{
CREATE DATABASE m;
CREATE TABLE m.a (id int PRIMARY KEY, v int);
CREATE TABLE m.b (id int PRIMARY KEY, v int);
INSERT INTO m.a SELECT seq, seq FROM m.seq_1_to_300;
INSERT INTO m.b SELECT seq, seq FROM m.seq_1_to_20;
});
$node->safe_psql('postgres', "SELECT mysql_sync.start_sync('mon', '" . $my->source_uri . "', '{m.*}')");
ok(wait_for_state($node, 'mon', 'streaming'), 'task mon streams');
$my->sql('UPDATE m.a SET v = v + 1 WHERE id <= 7');
ok(wait_until(sub { $node->safe_psql('postgres', "SELECT changes_applied FROM mysql_sync.status") eq '7' }),
	'7 changes applied');

# The exporter, on a free port, as the pg_monitor member.
my $port = IO::Socket::INET->new(LocalAddr => '127.0.0.1', LocalPort => 0, Proto => 'tcp', Listen => 1)->sockport;
my ($out, $err) = ('', '');
my $exporter = IPC::Run::start(
	[ $EXPORTER, "--extend.query-path=$QUERIES", "--web.listen-address=127.0.0.1:$port",
		'--disable-settings-metrics' ],
	'>', \$out, '2>', \$err,
	init => sub {
		$ENV{DATA_SOURCE_NAME} = sprintf('host=%s port=%d user=watcher dbname=postgres sslmode=disable',
			$node->host, $node->port);
	});
END { local $?; $exporter->kill_kill if $exporter }

my $http = HTTP::Tiny->new(timeout => 10);
sub metrics
{
	my $r = $http->get("http://127.0.0.1:$port/metrics");
	return $r->{success} ? $r->{content} : '';
}
# The value of the series named $name whose labels include every pair of %labels.
sub value
{
	my ($text, $name, %labels) = @_;
	for my $line (split /\n/, $text)
	{
		next unless $line =~ /^\Q$name\E\{([^}]*)\} (\S+)$/;
		my ($l, $v) = ($1, $2);
		next if grep { $l !~ /(?:^|,)\Q$_\E="\Q$labels{$_}\E"/ } keys %labels;
		return $v;
	}
	return undef;
}

my $m = '';
ok(wait_until(sub { $m = metrics(); defined value($m, 'mysql_sync_task_streaming', task => 'mon') }, 60),
	'the exporter serves the mysql_sync series')
  or diag("exporter stderr: $err");
is(value($m, 'mysql_sync_task_streaming', task => 'mon', state => 'streaming'), '1', 'streaming = 1, state label');
is(value($m, 'mysql_sync_task_changes_applied', task => 'mon'), '7', 'changes_applied = 7');
is(value($m, 'mysql_sync_task_transactions_applied', task => 'mon'),
	$node->safe_psql('postgres', 'SELECT transactions_applied FROM mysql_sync.status'), 'transactions_applied');
is(value($m, 'mysql_sync_task_rows_copied', task => 'mon'), '320', 'rows_copied = 320');
is(value($m, 'mysql_sync_task_errors', task => 'mon'), '0', 'no errors');
my $lag = value($m, 'mysql_sync_task_lag_seconds', task => 'mon');
ok(defined $lag && $lag >= 0 && $lag < 30, "lag_seconds is a small figure ($lag)");
ok(wait_until(sub { defined value(metrics(), 'mysql_sync_task_bytes_behind', task => 'mon') }),
	'bytes_behind is exported');
like(value(metrics(), 'mysql_sync_task_binlog_retention_left_seconds', task => 'mon') // '',
	qr/^(NaN|[-\d.e+]+)$/, 'binlog_retention_left_seconds is exported (NaN: binlogs never expire here)');
is(value($m, 'mysql_sync_table_rows_copied', task => 'mon', source_table => 'm.a', state => 'synced'),
	'300', 'table m.a: rows_copied 300, state synced');
is(value($m, 'mysql_sync_table_changes_applied', task => 'mon', source_table => 'm.a'), '7',
	'table m.a: 7 changes applied');
is(value($m, 'mysql_sync_table_changes_applied', task => 'mon', source_table => 'm.b'), '0',
	'table m.b: no changes');

# The source goes away: the task fails (and retries); the gauges say so.
$my->stop;
ok(wait_until(sub { (value(metrics(), 'mysql_sync_task_errors', task => 'mon') // 0) >= 1 }),
	'errors rise while the source is down');
$m = metrics();
is(value($m, 'mysql_sync_task_streaming', task => 'mon'), '0', 'streaming = 0 while the source is down');
ok((value($m, 'mysql_sync_task_last_error_time_seconds', task => 'mon') // 0) > time() - 600,
	'last_error_time_seconds is recent');
$my->start;
ok(wait_until(sub { (value(metrics(), 'mysql_sync_task_streaming', task => 'mon') // 0) == 1 }),
	'streaming = 1 again once the source is back');

done_testing();
