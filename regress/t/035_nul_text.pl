# A NUL character in MySQL text: PostgreSQL text cannot hold it. The initial copy and the
# apply must refuse it with a clear error (never store a truncated value), and
# binlog_events() must say why it cannot return such an event as jsonb.
use strict;
use warnings;

use FindBin;
use lib $FindBin::RealBin;

use PostgreSQL::Test::Utils;
use PostgreSQL::Test::Cluster;
use Test::More;
use MysqlSyncTest;

plan skip_all => 'mysql_sync is not installed (make install)' unless extension_installed();

my $my   = start_mariadb(name => 'src035');
my $node = pg_node('pg035');
$node->safe_psql('postgres', 'CREATE EXTENSION mysql_sync');

$my->sql(q{
CREATE DATABASE n;
CREATE TABLE n.t (id int PRIMARY KEY, v varchar(20));
INSERT INTO n.t VALUES (1, 'clean');
});

$node->safe_psql('postgres',
	"SELECT mysql_sync.start_sync('nul', '" . $my->source_uri . "', '{n.t}')");
ok(wait_for_state($node, 'nul', 'streaming'), 'task streaming');

# Streamed: the task stops; the row is not applied, neither whole nor truncated.
$my->sql(q{INSERT INTO n.t VALUES (2, CONCAT('a', CHAR(0), 'b'))});
ok(wait_for_state($node, 'nul', 'stopped', 60), 'a NUL character stops the task');
my $error = $node->safe_psql('postgres',
	"SELECT last_sqlstate || '|' || last_error FROM mysql_sync.task_state WHERE task = 'nul'");
like($error, qr/^22021\|.*NUL character/, "last_error says why: $error");
like($error, qr/key \(id\)=\(2\)/, 'last_error names the key');
like($error, qr/binlog\.\d+:\d+/, 'last_error names the binlog position');
is($node->safe_psql('postgres', 'SELECT count(*) FROM n.t WHERE id = 2'), '0', 'no truncated row');

# Repaired on the source, resumed: the later change goes through.
$my->sql(q{UPDATE n.t SET v = 'ab' WHERE id = 2});
$node->safe_psql('postgres', "SELECT mysql_sync.drop_sync('nul', true)");

# The initial copy refuses the value too (the table still holds no NUL after the UPDATE, so
# write one again).
$my->sql(q{UPDATE n.t SET v = CONCAT('x', CHAR(0)) WHERE id = 2});
$node->safe_psql('postgres',
	"SELECT mysql_sync.start_sync('nul2', '" . $my->source_uri . "', '{n.t}')");
ok( wait_until(
		sub {
			$node->safe_psql('postgres',
				"SELECT coalesce(last_error, '') FROM mysql_sync.task_state WHERE task = 'nul2'") =~ /NUL|0x00/;
		},
		60),
	'the initial copy stops on a NUL character');
is($node->safe_psql('postgres', "SELECT to_regclass('n.t') IS NULL OR (SELECT count(*) = 0 FROM n.t)"),
	't', 'nothing half-copied');

# binlog_events(): a clear error for the event holding the NUL.
my $binlog = $my->{datadir} . '/binlog.000001';
my ($ret, $out, $err) = $node->psql('postgres',
	"SELECT count(*) FROM mysql_sync.binlog_events('$binlog')");
isnt($ret, 0, 'binlog_events fails on the file');
like($err, qr/NUL character, which jsonb cannot store/, "binlog_events says why: $err");

done_testing();
