# Backups, restores and target failover keep every task, exactly once.
#   (1) A physical standby (pg_basebackup -R) runs no task while in recovery. The primary is
#       killed (-m immediate) under a write load, the standby promoted: the task resumes there
#       by itself, as a new replica id, and source and target end equal.
#   (2) pg_dump -Fc of the target database while the task streams, pg_restore into a new
#       cluster: the restored task is paused (its original still streams); once the original
#       is dropped, resume_sync streams it on, exactly once against the restored rows.
#   (3) The same dump restored after the source purged the binlog: the task stops with the
#       purged-binlog error and hint, and the restored rows are left as they were.
# Every workload transaction bumps a ledger row by one, so a transaction applied twice or lost
# shows there as well as in the row comparison.
use strict;
use warnings;

use FindBin;
use lib $FindBin::RealBin;

use Time::HiRes qw(usleep);
use PostgreSQL::Test::Utils;
use PostgreSQL::Test::Cluster;
use Test::More;
use MysqlSyncTest;

plan skip_all => 'mysql_sync is not installed (make install)' unless extension_installed();

my @TABLES = qw(bk.items bk.ledger);
my $my = start_mariadb(name => 'src110');
my $primary = pg_node('pg110_primary', allows_streaming => 1);
$primary->safe_psql('postgres', 'CREATE EXTENSION mysql_sync');

$my->sql(q{
CREATE DATABASE bk;
CREATE TABLE bk.items (id int PRIMARY KEY, n int NOT NULL, v varchar(40));
CREATE TABLE bk.ledger (id int PRIMARY KEY, n bigint NOT NULL);
INSERT INTO bk.ledger VALUES (1, 0);
INSERT INTO bk.items SELECT seq, 0, CONCAT('v', seq) FROM bk.seq_1_to_500;
});

$primary->safe_psql('postgres',
	"SELECT mysql_sync.start_sync('bk', '" . $my->source_uri . "', '{bk.*}')");
ok(wait_for_state($primary, 'bk', 'streaming'), 'task bk streams on the primary');
my $first_server_id = $primary->safe_psql('postgres', "SELECT server_id FROM mysql_sync.task_config");

# A write load of small transactions, each bumping the ledger; $n transactions from $from on.
sub write_load
{
	my ($from, $n) = @_;
	return start_workload(
		sub {
			for my $i ($from .. $from + $n - 1)
			{
				my $id = 1 + ($i * 37) % 700;
				my $sql = "BEGIN; INSERT INTO bk.items VALUES ($id, $i, 'w$i') "
				  . "ON DUPLICATE KEY UPDATE n = n + 1, v = 'u$i'; "
				  . ($i % 7 == 0 ? "DELETE FROM bk.items WHERE id = " . (1 + ($i * 11) % 700) . "; " : '')
				  . "UPDATE bk.ledger SET n = n + 1 WHERE id = 1; COMMIT;";
				return 1 unless defined $my->sql($sql);
				usleep(5_000);
			}
			return 0;
		});
}

sub ledger_on_source { return ($my->rows('SELECT n FROM bk.ledger WHERE id = 1'))[0][0] }

# ------------------------------------------------------------ (1) physical standby, promoted
$primary->backup('base110');
my $standby = PostgreSQL::Test::Cluster->new('pg110_standby');
$standby->init_from_backup($primary, 'base110', has_streaming => 1);
$standby->start;
my $load = write_load(1, 600);
usleep(1_500_000);
$primary->wait_for_catchup($standby);
is($standby->safe_psql('postgres', 'SELECT pg_is_in_recovery()'), 't', 'the standby is in recovery');
is($standby->safe_psql('postgres',
		"SELECT count(*) FROM pg_stat_activity WHERE backend_type IN ('mysql_sync worker', 'mysql_sync launcher')"),
	'0', 'a standby runs no mysql_sync launcher or worker');
is(scalar(worker_pids($primary)), 1, 'the primary runs the task');

usleep(1_000_000);
$primary->stop('immediate');
$standby->promote;
ok(wait_for_state($standby, 'bk', 'streaming'), 'after promotion the task streams on the new primary');
isnt($standby->safe_psql('postgres', "SELECT server_id FROM mysql_sync.task_config"),
	$first_server_id, 'the promoted cluster streams as a new replica id');
is($load->wait, 0, 'the write load ran through');
ok(wait_tables_equal($my, $standby, \@TABLES), 'the promoted target catches up');
compare_table($my, $standby, $_, name => "$_ equal after the promotion") for @TABLES;
is($standby->safe_psql('postgres', 'SELECT n FROM bk.ledger'),
	ledger_on_source(), 'ledger: every transaction once after the promotion');
my $promoted = $standby;

# ------------------------------------------------------------ (2) pg_dump / pg_restore
$load = write_load(1001, 400);
usleep(1_500_000);
my $dump = PostgreSQL::Test::Utils::tempdir() . '/target.dump';
$promoted->command_ok([ 'pg_dump', '-Fc', '-d', $promoted->connstr('postgres'), '-f', $dump ],
	'pg_dump -Fc of the target database while the task streams');
is($load->wait, 0, 'the write load ran through the dump');

# The rows and position as dumped, to compare the third restore against.
my $restored = pg_node('pg110_restored');
$restored->command_ok([ 'pg_restore', '-d', $restored->connstr('postgres'), $dump ],
	'pg_restore into a new cluster');
my $st = wait_for_state($restored, 'bk', 'paused', 30);
ok($st, 'the restored task is paused');
like($st->{detail} // '', qr/restored from a dump of cluster \d+: SELECT mysql_sync\.resume_sync\('bk'\)/,
	'its detail says it was restored and how to start it');
usleep(2_000_000);    # a few launcher scans
is(scalar(worker_pids($restored)), 0, 'no worker runs for the restored task');
my %ids = map { $_ => 1 } $first_server_id,
  $promoted->safe_psql('postgres', "SELECT server_id FROM mysql_sync.task_config"),
  $restored->safe_psql('postgres', "SELECT server_id FROM mysql_sync.task_config");
is(scalar(keys %ids), 3, 'original, promoted and restored task have three different server ids');
is($restored->safe_psql('postgres', 'SELECT count(*) FROM mysql_sync.schema_history'),
	$promoted->safe_psql('postgres', 'SELECT count(*) FROM mysql_sync.schema_history'),
	'the schema history was restored');
my $dumped_rows = $restored->safe_psql('postgres',
	"SELECT string_agg(format('%s:%s:%s', id, n, v), ',' ORDER BY id) FROM bk.items");
my $dumped_position = $restored->safe_psql('postgres',
	"SELECT source_file || ':' || source_pos FROM mysql_sync.task_state");

$promoted->safe_psql('postgres', "SELECT mysql_sync.drop_sync('bk')");
$load = write_load(2001, 300);
$restored->safe_psql('postgres', "SELECT mysql_sync.resume_sync('bk')");
ok(wait_for_state($restored, 'bk', 'streaming'), 'resume_sync streams the restored task');
is($load->wait, 0, 'the write load ran through');
ok(wait_tables_equal($my, $restored, \@TABLES), 'the restored target catches up');
compare_table($my, $restored, $_, name => "$_ equal after the restore") for @TABLES;
is($restored->safe_psql('postgres', 'SELECT n FROM bk.ledger'),
	ledger_on_source(), 'ledger: every transaction once after the restore');

# ------------------------------------------------------------ (3) restored after a purge
$restored->safe_psql('postgres', "SELECT mysql_sync.stop_sync('bk')");
$my->sql("FLUSH BINARY LOGS");
my $current = ($my->rows('SHOW MASTER STATUS'))[0][0];
# MariaDB keeps a file a replica's dump thread still reads (the stopped task's may linger a while):
# purge until only the current file is left.
ok(wait_until(sub {
			$my->sql("PURGE BINARY LOGS TO '$current'");
			my @files = map { $_->[0] } $my->rows('SHOW BINARY LOGS');
			return @files == 1 && $files[0] eq $current;
		}, 60),
	"the source purged every binlog before $current");
my $late = pg_node('pg110_late');
$late->command_ok([ 'pg_restore', '-d', $late->connstr('postgres'), $dump ],
	'the same dump restored after the source purged its binlog');
ok(wait_for_state($late, 'bk', 'paused', 30), 'the late restore is paused too');
$late->safe_psql('postgres', "SELECT mysql_sync.resume_sync('bk')");
$st = wait_for_state($late, 'bk', 'stopped');
ok($st, 'the task stops: its binlog is gone');
like($st->{last_error} // '', qr/purged/, 'last_error says the binlog was purged');
is($late->safe_psql('postgres', "SELECT last_sqlstate FROM mysql_sync.task_state"), '55000', 'SQLSTATE 55000');
like($late->safe_psql('postgres', "SELECT hint FROM mysql_sync.errors ORDER BY id DESC LIMIT 1"),
	qr/drop_sync\('bk'\).*existing_tables => 'clear'/, 'the hint names the recovery');
is($late->safe_psql('postgres',
		"SELECT string_agg(format('%s:%s:%s', id, n, v), ',' ORDER BY id) FROM bk.items"),
	$dumped_rows, 'nothing was applied to the restored rows');
is($late->safe_psql('postgres', "SELECT source_file || ':' || source_pos FROM mysql_sync.task_state"),
	$dumped_position, 'the restored position is kept');

done_testing();
