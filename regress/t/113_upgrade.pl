# Upgrades that keep running tasks. The previous release (0.1.0, built from git history by
# scripts/test into a PostgreSQL installation of its own) runs two streaming tasks under a write
# workload; then this build is installed over it (library and SQL scripts, as a package upgrade
# does) and PostgreSQL restarted. The new library runs no task against the old catalog and says
# so, naming ALTER EXTENSION mysql_sync UPDATE; after the update the tasks continue from their
# positions: both sides compare equal, every transaction applied once (a ledger row counts them),
# and the schema history, failure history and tables survive.
use strict;
use warnings;

use FindBin;
use lib $FindBin::RealBin;

use File::Basename qw(basename);
use File::Copy qw(copy);
use IPC::Run;
use Time::HiRes qw(usleep);
use PostgreSQL::Test::Utils;
use PostgreSQL::Test::Cluster;
use Test::More;
use MysqlSyncTest;

plan skip_all => 'mysql_sync is not installed (make install)' unless extension_installed();
plan skip_all => "the previous release is not available: $ENV{MYSQL_SYNC_PREVIOUS_SKIP}"
  if $ENV{MYSQL_SYNC_PREVIOUS_SKIP};
my $previous = $ENV{MYSQL_SYNC_PREVIOUS_INSTALL} // '';
plan skip_all => 'MYSQL_SYNC_PREVIOUS_INSTALL is not set (scripts/test builds the previous release)'
  unless $previous ne '' && -d $previous;

sub pg_config_of
{
	my ($bindir, $what) = @_;
	my $out = '';
	IPC::Run::run([ "$bindir/pg_config", $what ], '>', \$out) or die "pg_config $what failed";
	chomp $out;
	return $out;
}

my @TABLES = qw(up.items up.ledger up.other);
my $my = start_mariadb(name => 'src113');
my $node = pg_node('pg113', install_path => $previous, conf => 'restart_after_crash = on');
$node->safe_psql('postgres', 'CREATE EXTENSION mysql_sync');
is($node->safe_psql('postgres', "SELECT extversion FROM pg_extension WHERE extname = 'mysql_sync'"),
	'0.1.0', 'the previous release is installed');

$my->sql(q{
CREATE DATABASE up;
CREATE TABLE up.items (id int PRIMARY KEY, n int NOT NULL, v varchar(40));
CREATE TABLE up.ledger (id int PRIMARY KEY, n bigint NOT NULL);
CREATE TABLE up.other (k varchar(20) PRIMARY KEY, d datetime(6), j json);
INSERT INTO up.ledger VALUES (1, 0);
INSERT INTO up.items SELECT seq, 0, CONCAT('v', seq) FROM up.seq_1_to_2000;
INSERT INTO up.other SELECT CONCAT('k', seq), '2024-02-29 12:00:00.5', JSON_OBJECT('s', seq) FROM up.seq_1_to_50;
});
my $uri = $my->source_uri;
$node->safe_psql('postgres', "SELECT mysql_sync.start_sync('items', '$uri', '{up.items, up.ledger}')");
$node->safe_psql('postgres', "SELECT mysql_sync.start_sync('other', '$uri', '{up.other}')");
ok(wait_for_state($node, $_, 'streaming'), "task $_ streams on 0.1.0") for qw(items other);
# A DDL gives the schema history a second version to keep.
$my->sql('ALTER TABLE up.other ADD COLUMN extra int DEFAULT 7');
ok(wait_until(sub { $node->safe_psql('postgres', 'SELECT count(*) FROM mysql_sync.schema_history') >= 4 }),
	'the DDL is in the schema history');

my $load = start_workload(
	sub {
		for my $i (1 .. 1500)
		{
			my $id = 1 + ($i * 53) % 2500;
			my $sql = "BEGIN; INSERT INTO up.items VALUES ($id, $i, 'w$i') ON DUPLICATE KEY UPDATE n = n + 1; "
			  . ($i % 5 == 0 ? "DELETE FROM up.items WHERE id = " . (1 + ($i * 7) % 2500) . '; ' : '')
			  . ($i % 9 == 0 ? "UPDATE up.other SET extra = extra + 1 WHERE k = 'k" . ($i % 50 + 1) . "'; " : '')
			  . "UPDATE up.ledger SET n = n + 1 WHERE id = 1; COMMIT;";
			return 1 unless defined $my->sql($sql);
			usleep(3_000);
		}
		return 0;
	});
usleep(2_000_000);
my %kept = (
	schema_history => $node->safe_psql('postgres', 'SELECT count(*) FROM mysql_sync.schema_history'),
	table_state    => $node->safe_psql('postgres', 'SELECT count(*) FROM mysql_sync.table_state'));
$node->safe_psql('postgres', q{INSERT INTO mysql_sync.errors (task, sqlstate, message, state)
	VALUES ('other', '08006', 'a failure of the old release', 'failed')});

# ---------------------------------------------------------------- install the new build over it
$node->stop('fast');
my ($new_lib, $new_share) = (pg_config_of(dirname_of_pg_config(), '--pkglibdir'),
	pg_config_of(dirname_of_pg_config(), '--sharedir'));
my ($old_lib, $old_share) = (pg_config_of("$previous/bin", '--pkglibdir'), pg_config_of("$previous/bin", '--sharedir'));
copy("$new_lib/mysql_sync.so", "$old_lib/mysql_sync.so") or die "copy: $!";
for my $f (glob("$new_share/extension/mysql_sync*"))
{
	copy($f, "$old_share/extension/" . basename($f)) or die "copy $f: $!";
}
ok(-f "$old_share/extension/mysql_sync--0.1.0--0.2.0.sql", 'the upgrade script is installed');
$node->start;

ok(wait_until(sub { slurp_file($node->logfile) =~ /catalog is version 0\.1\.0, the library is version 0\.2\.0/ }, 30),
	'the new library refuses the old catalog and says so');
like(slurp_file($node->logfile), qr/HINT:  Run ALTER EXTENSION mysql_sync UPDATE in database "postgres"/,
	'the hint names ALTER EXTENSION mysql_sync UPDATE');
usleep(2_000_000);
is(scalar(worker_pids($node)), 0, 'no task runs against the old catalog');

$node->safe_psql('postgres', 'ALTER EXTENSION mysql_sync UPDATE');
is($node->safe_psql('postgres', "SELECT extversion FROM pg_extension WHERE extname = 'mysql_sync'"),
	'0.2.0', 'the catalog is 0.2.0');
ok(wait_for_state($node, $_, 'streaming'), "task $_ streams again after the update") for qw(items other);
is($load->wait, 0, 'the write workload ran through');
ok(wait_tables_equal($my, $node, \@TABLES), 'the targets catch up');
compare_table($my, $node, $_, name => "$_ equal after the upgrade") for @TABLES;
is($node->safe_psql('postgres', 'SELECT n FROM up.ledger'),
	($my->rows('SELECT n FROM up.ledger'))[0][0], 'ledger: every transaction applied once across the upgrade');
is($node->safe_psql('postgres', 'SELECT count(*) FROM mysql_sync.schema_history'),
	$kept{schema_history}, 'the schema history survived');
is($node->safe_psql('postgres', 'SELECT count(*) FROM mysql_sync.table_state'),
	$kept{table_state}, 'the table states survived');
is($node->safe_psql('postgres', "SELECT count(*) FROM mysql_sync.errors WHERE message = 'a failure of the old release'"),
	'1', 'the failure history survived');
is($node->safe_psql('postgres', 'SELECT count(*) FROM mysql_sync.task_config WHERE cluster_system_id IS NOT NULL'),
	'2', 'the upgraded tasks belong to this cluster');
# After the update the library and the catalog work together: stop_sync and resume_sync.
$node->safe_psql('postgres', "SELECT mysql_sync.stop_sync('other')");
$node->safe_psql('postgres', "SELECT mysql_sync.resume_sync('other')");
ok(wait_for_state($node, 'other', 'streaming'), 'stop_sync and resume_sync work on the upgraded catalog');

done_testing();

# The bindir of the PostgreSQL on PATH (the one this build is installed in).
sub dirname_of_pg_config
{
	my $out = '';
	IPC::Run::run([ 'pg_config', '--bindir' ], '>', \$out) or die 'pg_config --bindir failed';
	chomp $out;
	return $out;
}
