# Monitoring (issue "Running it in production"):
#  (a) binlog_retention_left: NULL while binlogs never expire, the expiry once they do;
#  (b) lag_seconds: about 0 on an idle source (heartbeats), growing while the source is
#      frozen (SIGSTOP), back to about 0 after it continues;
#  (c) bytes_behind: grows while the apply is blocked (a lock on the target) and the source
#      writes, back to about 0 once the apply goes on; NULL while the task is paused;
#  (d) mysql_sync.errors: a duplicate key stops the task and leaves a row with the SQLSTATE,
#      the table and the binlog position; readable by mysql_sync_admin only; no password;
#  (e) purged binlog: PURGE BINARY LOGS while the task is paused, then resume_sync: state
#      stopped (no restart loop), SQLSTATE 55000, last_error names the file and the statements
#      that recover.
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

my $password = 'S3cret090';
my $my   = start_mariadb(name => 'src090', sync_password => $password);
my $node = pg_node('pg090');
$node->safe_psql('postgres', 'CREATE EXTENSION mysql_sync');

sub sql_pg { return $node->safe_psql('postgres', $_[0]) }
sub status_of { return sql_pg("SELECT $_[0] FROM mysql_sync.status WHERE task = 'm'") }

$my->sql(q{
CREATE DATABASE mon;
CREATE TABLE mon.t (id int PRIMARY KEY, v varchar(100));
INSERT INTO mon.t VALUES (1, 'one'), (2, 'two');
SET GLOBAL binlog_expire_logs_seconds = 0;
});

sql_pg("SELECT mysql_sync.start_sync('m', '" . $my->source_uri . "', '{mon.*}')");
ok(wait_for_state($node, 'm', 'streaming'), 'task m streaming');

# ----------------------------------------------------------------------- (a)
ok(wait_until(sub { status_of('bytes_behind IS NOT NULL') eq 't' }), '(a) the monitor reports bytes_behind');
is(status_of('binlog_retention_left IS NULL'), 't', '(a) binlog_retention_left is NULL while binlogs never expire');
$my->sql('SET GLOBAL binlog_expire_logs_seconds = 86400');
my $retention;
ok( wait_until(
		sub {
			$retention = status_of('binlog_retention_left');
			$retention ne '';
		}),
	'(a) binlog_retention_left appears once binlogs expire');
is(status_of("binlog_retention_left > interval '0' AND binlog_retention_left <= interval '1 day'"),
	't', "(a) binlog_retention_left within the expiry: $retention");
$my->sql('SET GLOBAL binlog_expire_logs_seconds = 0');
ok(wait_until(sub { status_of('binlog_retention_left IS NULL') eq 't' }), '(a) NULL again after expiry 0');

# ----------------------------------------------------------------------- (b)
my $lag;
ok( wait_until(
		sub {
			$lag = status_of('lag_seconds');
			$lag ne '' && $lag < 3;
		}),
	"(b) idle source: lag_seconds about 0 ($lag)");
kill 'STOP', $my->pid;
ok( wait_until(
		sub {
			$lag = status_of('lag_seconds');
			$lag ne '' && $lag > 3;
		},
		60),
	"(b) frozen source: lag_seconds grows ($lag)");
kill 'CONT', $my->pid;
ok( wait_until(
		sub {
			$lag = status_of('lag_seconds');
			$lag ne '' && $lag < 3 && status_of('state') eq 'streaming';
		}),
	"(b) source continues: lag_seconds about 0 again ($lag)");

# ----------------------------------------------------------------------- (c)
# A session holds an exclusive lock on the target: the worker's apply waits for it.
my ($lock_out, $lock_err) = ('', '');
my $locker = IPC::Run::start(
	[
		'psql', '-X', '-d', $node->connstr('postgres') . ' application_name=locker',
		'-c', 'BEGIN; LOCK TABLE mon.t IN ACCESS EXCLUSIVE MODE; SELECT pg_sleep(600); COMMIT;'
	],
	'>', \$lock_out, '2>', \$lock_err);
ok( wait_until(
		sub {
			sql_pg("SELECT count(*) FROM pg_locks WHERE relation = 'mon.t'::regclass "
				  . "AND mode = 'AccessExclusiveLock' AND granted") eq '1';
		}),
	'(c) target locked');
$my->sql(join('', map { "INSERT INTO mon.t VALUES ($_, repeat('x', 80));\n" } 100 .. 199));
my $behind;
ok( wait_until(
		sub {
			$behind = status_of('bytes_behind');
			$behind ne '' && $behind > 10000;
		}),
	"(c) bytes_behind grows while the apply waits ($behind)");
sql_pg("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'locker'");
$locker->finish;
ok( wait_until(
		sub {
			$behind = status_of('bytes_behind');
			$behind ne '' && $behind < 1000;
		}),
	"(c) bytes_behind about 0 once applied ($behind)");
ok(wait_tables_equal($my, $node, ['mon.t']), '(c) the rows arrived');

sql_pg("SELECT mysql_sync.stop_sync('m')");
ok(wait_for_state($node, 'm', 'paused'), '(c) paused');
is(status_of('bytes_behind IS NULL AND binlog_retention_left IS NULL'),
	't', '(c) no monitor figures while paused (no worker)');
sql_pg("SELECT mysql_sync.resume_sync('m')");
ok(wait_for_state($node, 'm', 'streaming'), '(c) streaming again');

# ----------------------------------------------------------------------- (d)
sql_pg("INSERT INTO mon.t VALUES (500, 'made in the target')");
$my->sql("INSERT INTO mon.t VALUES (500, 'made in the source')");
my $st = wait_for_state($node, 'm', 'stopped');
ok($st, '(d) duplicate key: task stopped');
my @err = split /\|/,
  sql_pg("SELECT sqlstate, coalesce(source_table, ''), coalesce(source_file, ''), coalesce(source_pos, 0), "
	  . "state, message FROM mysql_sync.errors WHERE task = 'm' ORDER BY id DESC LIMIT 1");
is($err[0], '23505', '(d) errors row with SQLSTATE 23505');
is($err[1], 'mon.t', '(d) errors row names the source table');
like($err[2], qr/\.\d+$/, "(d) errors row has the binlog file ($err[2])");
ok($err[3] > 4, "(d) errors row has the binlog position ($err[3])");
is($err[4], 'stopped', '(d) errors row says the task stopped');
like($err[5], qr/task "m"/, '(d) the message names the task');
is(sql_pg("SELECT count(*) FROM mysql_sync.errors WHERE message LIKE '%$password%' OR hint LIKE '%$password%'"),
	'0', '(d) no password in the error history');

sql_pg('CREATE ROLE plain_user LOGIN; CREATE ROLE ops_user LOGIN IN ROLE mysql_sync_admin');
my ($out, $err) = ('', '');
$node->psql('postgres', 'SELECT count(*) FROM mysql_sync.errors',
	stdout => \$out, stderr => \$err, extra_params => [ '-U', 'plain_user' ]);
like($err, qr/permission denied/, '(d) a plain role cannot read mysql_sync.errors');
($out, $err) = ('', '');
$node->psql('postgres', 'SELECT count(*) > 0 FROM mysql_sync.errors',
	stdout => \$out, stderr => \$err, extra_params => [ '-U', 'ops_user' ]);
is($out, 't', "(d) a member of mysql_sync_admin can ($err)");

sql_pg("DELETE FROM mon.t WHERE id = 500");
sql_pg("SELECT mysql_sync.resume_sync('m')");
ok(wait_for_state($node, 'm', 'streaming'), '(d) repaired and resumed');
ok(wait_tables_equal($my, $node, ['mon.t']), '(d) tables equal after the repair');

# ----------------------------------------------------------------------- (e)
sql_pg("SELECT mysql_sync.stop_sync('m')");
ok(wait_for_state($node, 'm', 'paused'), '(e) paused');
my $needed = status_of('source_file');
for my $i (1 .. 3)
{
	$my->sql("INSERT INTO mon.t VALUES (" . (600 + $i) . ", 'while paused'); FLUSH BINARY LOGS;");
}
my ($newest) = $my->binlog_position;
$my->sql("PURGE BINARY LOGS TO '$newest'");
ok(!grep({ $_->[0] eq $needed } $my->rows('SHOW BINARY LOGS')), "(e) $needed purged");
my $attempts_before = sql_pg("SELECT run_attempts FROM mysql_sync.task_state WHERE task = 'm'");
sql_pg("SELECT mysql_sync.resume_sync('m')");
$st = wait_for_state($node, 'm', 'stopped');
ok($st, '(e) purged binlog: task stopped');
is(sql_pg("SELECT last_sqlstate FROM mysql_sync.task_state WHERE task = 'm'"), '55000', '(e) SQLSTATE 55000');
my $last_error = status_of('last_error');
like($last_error, qr/\Q$needed\E/, "(e) last_error names the missing file: $last_error");
like($last_error, qr/drop_sync\('m'\)/, '(e) last_error says drop_sync');
like($last_error, qr/start_sync.*existing_tables => 'clear'/, '(e) last_error says start_sync with clear');
is( sql_pg("SELECT sqlstate || ' ' || state FROM mysql_sync.errors WHERE task = 'm' ORDER BY id DESC LIMIT 1"),
	'55000 stopped',
	'(e) errors row 55000');
ok(wait_until(sub { !worker_pids($node) }), '(e) no worker runs');
my $attempts = sql_pg("SELECT run_attempts FROM mysql_sync.task_state WHERE task = 'm'");
sleep 4;    # several launcher naptimes (1 s) and restart delays (1 s)
is(sql_pg("SELECT run_attempts FROM mysql_sync.task_state WHERE task = 'm'"),
	$attempts, "(e) not restarted (run_attempts stays $attempts; $attempts_before before resume)");
is(status_of('state'), 'stopped', '(e) still stopped');
is(scalar(worker_pids($node)), 0, '(e) still no worker');

sql_pg("SELECT mysql_sync.drop_sync('m')");
is(sql_pg("SELECT count(*) FROM mysql_sync.errors"), '0', 'drop_sync removes the task\'s error history');

done_testing();
