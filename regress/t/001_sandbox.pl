# Smoke test of the test machinery itself (regress/t/MysqlSyncTest.pm): a throwaway
# MariaDB configured as mysql_sync needs its sources, the 'sync' account over TCP,
# restarts on the same port and datadir (clean and kill -9), and a PostgreSQL node
# with the extension preloaded. It does not need CREATE EXTENSION to work.
use strict;
use warnings;

use FindBin;
use lib $FindBin::RealBin;

use PostgreSQL::Test::Utils;
use PostgreSQL::Test::Cluster;
use Test::More;
use MysqlSyncTest;

my $my = start_mariadb(name => 'source');
my $port = $my->port;
ok($my->is_running, "mariadb started on port $port");

# The source settings mysql_sync's precheck requires.
is($my->sql('SELECT @@binlog_format'),        'ROW',     'binlog_format = ROW');
is($my->sql('SELECT @@binlog_row_image'),     'FULL',    'binlog_row_image = FULL');
is($my->sql('SELECT @@binlog_row_metadata'),  'FULL',    'binlog_row_metadata = FULL');
is($my->sql('SELECT @@log_bin'),              '1',       'binary log on');
is($my->sql('SELECT @@character_set_server'), 'utf8mb4', 'utf8mb4 server charset');
is($my->sql('SELECT @@port'),                 $port,     'listens on the chosen port');

# The replication account, over TCP as the extension connects.
is( $my->sql('SELECT CURRENT_USER()', user => 'sync', tcp => 1),
	'sync@%', 'sync user connects over TCP to 127.0.0.1');
like(
	$my->sql("SHOW GRANTS FOR 'sync'\@'%'"),
	qr/GRANT ALL PRIVILEGES ON \*\.\* TO `sync`\@`%`/,
	'sync user has ALL PRIVILEGES (incl. replication)');
like($my->source_uri, qr{^mysql://sync:sync\@127\.0\.0\.1:\d+$}, 'source_uri');
is($my->sql('SELECT 1', user => 'sync', password => 'wrong', tcp => 1, fail_ok => 1),
	undef, 'a wrong password is refused');
like($my->{last_error}, qr/Access denied/, '... with the server error');

# rows() and the binlog position helpers.
$my->sql(
	q{CREATE DATABASE shop;
	  CREATE TABLE shop.t (id int PRIMARY KEY, v varchar(10));
	  INSERT INTO shop.t VALUES (1, 'a'), (2, NULL);});
is_deeply([ $my->rows('SELECT id, v FROM shop.t ORDER BY id') ],
	[ [ 1, 'a' ], [ 2, 'NULL' ] ], 'rows() splits rows and columns');
my ($file1, $pos1) = $my->binlog_position;
like($file1, qr/^binlog\.\d{6}$/, "binlog file $file1");
cmp_ok($pos1, '>', 4, "binlog position $pos1");
like($my->gtid, qr/^0-1-\d+$/, 'gtid_binlog_pos');

# A clean restart keeps port and data, and starts a new binlog file.
$my->restart;
ok($my->is_running, 'restarted');
is($my->port, $port, 'same port after restart');
is($my->sql('SELECT COUNT(*) FROM shop.t', user => 'sync', tcp => 1),
	'2', 'data kept across a clean restart');
my ($file2) = $my->binlog_position;
isnt($file2, $file1, "new binlog file $file2 after restart");

# kill -9: InnoDB recovers what was committed.
$my->sql(q{INSERT INTO shop.t VALUES (3, 'c')});
my $old_pid = $my->pid;
$my->kill9;
ok(!kill(0, $old_pid), 'mariadbd killed with SIGKILL');
ok(!$my->is_running,   'not running after kill9');
$my->start;
is($my->sql('SELECT COUNT(*) FROM shop.t'),
	'3', 'committed row survives kill -9');

# A PostgreSQL node; the extension is preloaded when it is installed (scripts/test
# installs it before the TAP stage).
my $installed = extension_installed();
my $node = pg_node('main', preload => $installed ? 'mysql_sync' : '');
is($node->safe_psql('postgres', 'SELECT 1'), '1', 'postgres node is up');
is($node->safe_psql('postgres', 'SHOW server_encoding'),
	'UTF8', 'UTF8 database');
SKIP:
{
	skip 'mysql_sync is not installed', 1 unless $installed;
	is($node->safe_psql('postgres', 'SHOW shared_preload_libraries'),
		'mysql_sync', 'mysql_sync preloaded');
}

# wait_until polls a condition.
ok(wait_until(sub { $my->sql('SELECT 1') eq '1' }, 5), 'wait_until');

$node->stop;
$my->stop;
ok(!$my->is_running, 'mariadb stopped cleanly');
ok(!-e $my->socket_path, 'socket removed by the clean shutdown');

done_testing();
