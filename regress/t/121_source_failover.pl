# Source failover on MariaDB with GTIDs (gtid_strict_mode, log_slave_updates):
#  - a task streams from the primary A under a write workload, A is killed with -9, its replica B
#    is promoted and the task pointed at it with set_source: every transaction B has is applied,
#    once (0 lost, 0 duplicated), and the task goes on with B's own writes;
#  - set_source refuses a running task, a server that lacks transactions the task applied (the task
#    ahead of it), and a server that purged transactions the task has not applied yet, and leaves
#    the task as it was;
#  - the task registers as mysql_sync:<task>@<cluster> with PostgreSQL's port; the precheck takes a
#    registration under that name for the task's own earlier connection, and refuses another
#    replica that uses the task's server_id; drop_sync then start_sync at once is accepted.
use strict;
use warnings;

use FindBin;
use lib $FindBin::RealBin;

use IPC::Run;
use PostgreSQL::Test::Utils;
use PostgreSQL::Test::Cluster;
use Test::More;
use MysqlSyncTest;

plan skip_all => 'mysql_sync is not installed (make install)' unless extension_installed();

my @gtid_options = ('--log-slave-updates', '--gtid-strict-mode=ON');
my $a = start_mariadb(name => 'src121a', options => [@gtid_options]);
# The replicas write nothing of their own to their binlogs: their account is made without it.
sub replica_server
{
	my ($name, $id) = @_;
	my $r = start_mariadb(name => $name, options => [ "--server-id=$id", @gtid_options ], no_sync_user => 1);
	$r->sql("SET SESSION sql_log_bin = 0; CREATE USER 'sync'\@'%' IDENTIFIED BY 'sync'; "
		  . "GRANT ALL PRIVILEGES ON *.* TO 'sync'\@'%' WITH GRANT OPTION; RESET MASTER;");
	return $r;
}
my $b = replica_server('src121b', 2);
my $c = replica_server('src121c', 3);

sub replicate
{
	my ($replica, $primary) = @_;
	$replica->sql("CHANGE MASTER TO MASTER_HOST = '127.0.0.1', MASTER_PORT = " . $primary->port
		  . ", MASTER_USER = 'sync', MASTER_PASSWORD = 'sync', MASTER_USE_GTID = slave_pos, "
		  . "MASTER_CONNECT_RETRY = 1; START SLAVE;");
}

# The replica has applied everything it has received (and, with $primary, everything it has).
sub caught_up
{
	my ($replica, $primary) = @_;
	return wait_until(sub {
		my $st = $replica->sql('SELECT @@gtid_slave_pos');
		return $st eq $primary->gtid if $primary;
		return $replica->sql('SHOW SLAVE STATUS\G') =~ /Slave has read all relay log/;  # Slave_SQL_Running_State
	});
}

my $node = pg_node('pg121');
$node->safe_psql('postgres', 'CREATE EXTENSION mysql_sync');
sub q1 { my ($sql) = @_; return $node->safe_psql('postgres', $sql); }

# An error of a statement, or '' when it succeeds.
sub error_of
{
	my ($sql) = @_;
	my ($out, $err) = ('', '');
	$node->psql('postgres', $sql, stdout => \$out, stderr => \$err);
	return $err;
}

$a->sql(q{CREATE DATABASE shop;
	CREATE TABLE shop.events (id int AUTO_INCREMENT PRIMARY KEY, v int NOT NULL, at_server int NOT NULL);
	CREATE TABLE shop.counter (id int PRIMARY KEY, n int NOT NULL);
	INSERT INTO shop.counter VALUES (1, 0);
	INSERT INTO shop.events (v, at_server) SELECT seq, 1 FROM shop.seq_1_to_100;});
replicate($b, $a);
ok(caught_up($b, $a), 'B replicates A');

q1("SELECT mysql_sync.start_sync('fo', '" . $a->source_uri . "', '{shop.*}')");
ok(wait_for_state($node, 'fo', 'streaming'), 'the task streams from A');
like(q1("SELECT source_gtid FROM mysql_sync.status WHERE task = 'fo'"), qr/^0-1-\d+$/,
	'its position is a MariaDB GTID position');
# The cluster id in the report host: the system identifier task_config.cluster_system_id records.
my $sysid = q1("SELECT cluster_system_id FROM mysql_sync.task_config WHERE task = 'fo'");
is($sysid, q1('SELECT system_identifier FROM pg_control_system()'), 'task_config.cluster_system_id is the system identifier');
my $own_host = sprintf('mysql_sync:fo@%016x', $sysid);
ok(wait_until(sub { grep { $_->[1] eq $own_host && $_->[2] eq $node->port } $a->rows('SHOW SLAVE HOSTS') }),
	"A lists the task's connection as $own_host, port " . $node->port);

# The task applies slowly (5 ms a row): it lags behind B, as a busy task would.
q1(q{CREATE FUNCTION shop.slow() RETURNS trigger LANGUAGE plpgsql AS
	   $$BEGIN PERFORM pg_sleep(0.005); RETURN NEW; END$$;
	 CREATE TRIGGER slow BEFORE INSERT ON shop.events FOR EACH ROW EXECUTE FUNCTION shop.slow();
	 ALTER TABLE shop.events ENABLE ALWAYS TRIGGER slow;});

# ----------------------------------------------------------------------------- failover
my $writer = start_workload(sub {
	for my $i (1 .. 1000)
	{
		$a->sql("BEGIN; INSERT INTO shop.events (v, at_server) VALUES ($i, 1); "
			  . "UPDATE shop.counter SET n = n + 1 WHERE id = 1; COMMIT;", fail_ok => 1) // return 0;
	}
	return 0;
});
ok(wait_until(sub { ($a->sql('SELECT COUNT(*) FROM shop.events', fail_ok => 1) // 0) >= 250 }),
	'A takes writes');
$a->kill9;
$writer->wait;
ok(caught_up($b), 'B applied all it received from A') or diag($b->sql('SHOW SLAVE STATUS\G'));
my $b_events = $b->sql('SELECT COUNT(*) FROM shop.events');
cmp_ok($b_events, '>=', 250, "B has $b_events events");
$b->sql('STOP SLAVE; RESET SLAVE ALL;');    # promoted

my $err = error_of("SELECT mysql_sync.set_source('fo', '" . $b->source_uri . "')");
like($err, qr/task "fo" is running: stop it before pointing it at another source/, 'set_source refuses a running task');
like($err, qr/HINT:  SELECT mysql_sync.stop_sync\('fo'\)/, 'its hint says how');
q1("SELECT mysql_sync.stop_sync('fo')");
my $before = q1("SELECT source_gtid FROM mysql_sync.task_state WHERE task = 'fo'");
q1("SELECT mysql_sync.set_source('fo', '" . $b->source_uri . "')");
is(q1("SELECT source FROM mysql_sync.tasks WHERE task = 'fo'"), $b->source_uri =~ s/:sync@/:********@/r,
	'the task points at B');
ok(wait_for_state($node, 'fo', 'streaming'), "the task streams from B (it resumed from $before)");
$b->sql("BEGIN; INSERT INTO shop.events (v, at_server) VALUES ($_, 2); "
	  . "UPDATE shop.counter SET n = n + 1 WHERE id = 1; COMMIT;")
  for 1 .. 20;
ok(wait_tables_equal($b, $node, [ 'shop.events', 'shop.counter' ]), 'both tables equal to B, the new primary');
compare_table($b, $node, 'shop.events', name => 'shop.events: 0 lost, 0 duplicated');
compare_table($b, $node, 'shop.counter', name => 'shop.counter equal');
is(q1('SELECT n FROM shop.counter'), $b->sql('SELECT n FROM shop.counter'), 'the counter: every update once');
is(q1("SELECT count(*) FROM mysql_sync.errors WHERE task = 'fo' AND sqlstate NOT LIKE '08%'"), 0,
	'no error but the lost connection to A');
like(q1("SELECT source_gtid FROM mysql_sync.status WHERE task = 'fo'"), qr/^0-2-\d+$/,
	"the position is B's GTID position");
ok(wait_until(sub { grep { $_->[1] eq $own_host } $b->rows('SHOW SLAVE HOSTS') }), 'B lists the task');

# ----------------------------------------------------------------------------- refusals
replicate($c, $b);
ok(caught_up($c, $b), 'C replicates B');
$c->sql('STOP SLAVE');
$b->sql("INSERT INTO shop.events (v, at_server) VALUES ($_, 2)") for 1 .. 5;
ok(wait_tables_equal($b, $node, ['shop.events']), 'the task applied 5 transactions C lacks');
q1("SELECT mysql_sync.stop_sync('fo')");
my $position = q1("SELECT source_gtid FROM mysql_sync.task_state WHERE task = 'fo'");
$err = error_of("SELECT mysql_sync.set_source('fo', '" . $c->source_uri . "')");
like($err, qr/the new source fails the precheck:\n\s+binlog_retention: .*the task applied transactions that the source 127\.0\.0\.1:\d+ does not have: 0-2-\d+/,
	'set_source refuses a server without transactions the task applied');
like($err, qr/set_source\('fo'/, 'the hint names the way out');
is(q1("SELECT source FROM mysql_sync.tasks WHERE task = 'fo'"), $b->source_uri =~ s/:sync@/:********@/r,
	'the task keeps its source');
is(q1("SELECT state || ' ' || source_gtid FROM mysql_sync.task_state WHERE task = 'fo'"), "paused $position",
	'and its position, paused');

$b->sql("INSERT INTO shop.events (v, at_server) VALUES ($_, 2)") for 6 .. 10;    # the task is paused
$c->sql('START SLAVE');
ok(caught_up($c, $b), 'C caught up with B');
$c->sql('FLUSH BINARY LOGS');
my ($current) = $c->binlog_position;
# MariaDB keeps a binlog until its binlog checkpoint has passed it: purge until it is gone.
ok(wait_until(sub { $c->sql("PURGE BINARY LOGS TO '$current'"); scalar($c->rows('SHOW BINARY LOGS')) == 1 }),
	"C purged every binlog before $current");
$err = error_of("SELECT mysql_sync.set_source('fo', '" . $c->source_uri . "')");
like($err, qr/binlog_retention: .*the source 127\.0\.0\.1:\d+ no longer has transactions the task has not applied: 0-2-\d+ \(purged/,
	'set_source refuses a server that purged transactions the task still needs');
like($err, qr/drop_sync\('fo'\)/, 'the hint: a fresh copy');

q1("SELECT mysql_sync.resume_sync('fo')");
ok(wait_tables_equal($b, $node, ['shop.events']), 'the task resumes on B');

# ----------------------------------------------------------------------------- registration
my $sid = q1("SELECT server_id FROM mysql_sync.task_config WHERE task = 'fo'");
sub server_id_item
{
	my ($task) = @_;
	return q1("SELECT status || ': ' || detail FROM mysql_sync._precheck('" . $c->source_uri
		  . "', '{shop.*}', '{}', 'append', '{insert,update,delete,alter}', '{}', '{}', "
		  . "'{\"server_id\": $sid, \"_task\": \"$task\"}') WHERE item = 'server_id'");
}
# A connection listed as the task's: its own earlier one (as after drop_sync).
my @stream = (binlog_cli(), '--source', $c->source_uri, '--start-file', $current, '--follow', '--server-id', $sid);
my $old = IPC::Run::start([ @stream, '--report-host', $own_host, '--report-port', $node->port ],
	'<', \undef, '>', '/dev/null', '2>', '/dev/null');
ok(wait_until(sub { grep { $_->[0] eq $sid } $c->rows('SHOW SLAVE HOSTS') }), 'a connection listed as the task');
like(server_id_item('fo'), qr/^passed: .*is this task's earlier connection \(\Q$own_host\E:/,
	"the precheck takes it for the task's own");
like(server_id_item('other'), qr/^failed: the replica at \Q$own_host\E:\d+ already uses server_id $sid/,
	'for another task it is a clash');
$old->kill_kill;
my $clash = IPC::Run::start([ @stream, '--report-host', 'some-replica', '--report-port', 3307 ],
	'<', \undef, '>', '/dev/null', '2>', '/dev/null');
ok(wait_until(sub { grep { $_->[1] eq 'some-replica' } $c->rows('SHOW SLAVE HOSTS') }), 'another replica with that id');
like(server_id_item('fo'), qr/^failed: the replica at some-replica:3307 already uses server_id $sid/,
	'a real clash is refused');
$clash->kill_kill;

# drop_sync, then start_sync again at once (the purged-binlog hint's recovery): no clash with the
# dropped task's connection, still listed or not.
q1("SELECT mysql_sync.drop_sync('fo')");
q1("SELECT mysql_sync.start_sync('fo', '" . $b->source_uri . "', '{shop.*}', existing_tables => 'clear')");
ok(wait_for_state($node, 'fo', 'streaming'), 'start_sync right after drop_sync streams');
$b->sql("INSERT INTO shop.events (v, at_server) VALUES (99, 2)");
ok(wait_tables_equal($b, $node, [ 'shop.events', 'shop.counter' ]), 'and follows B');

done_testing();
