# Task lifecycle against MariaDB:
#  - stop_sync / resume_sync with writes in between: the target ends equal, and a ledger row
#    bumped once per source transaction shows that nothing was applied twice or lost; the
#    target does not move while the task is paused; stop and resume during a running workload;
#  - drop_sync without and with drop_tables: tables kept or dropped, catalog rows gone, worker
#    gone, later source writes no longer arrive; the name can be used again;
#  - mysql_sync.max_tasks: a task beyond the limit waits (no worker, a WARNING from start_sync
#    and in the log) and starts when a slot frees.
use strict;
use warnings;

use FindBin;
use lib $FindBin::RealBin;

use POSIX ();
use Time::HiRes qw(usleep);
use PostgreSQL::Test::Utils;
use PostgreSQL::Test::Cluster;
use Test::More;
use MysqlSyncTest;

plan skip_all => 'mysql_sync is not installed (make install)' unless extension_installed();

my $my   = start_mariadb(name => 'src080');
my $node = pg_node('pg080', conf => 'mysql_sync.max_tasks = 2');
$node->safe_psql('postgres', 'CREATE EXTENSION mysql_sync');
my $uri = $my->source_uri;

sub q1 { my ($sql) = @_; return $node->safe_psql('postgres', $sql); }

# The pid of the task's worker, or '' when it has none.
sub task_worker
{
	my ($task) = @_;
	return q1("SELECT pid FROM pg_stat_activity WHERE backend_type = 'mysql_sync worker' "
		  . "AND application_name = '$task'");
}

sub ledger_pg { return q1('SELECT n FROM life.ledger WHERE id = 1') }
sub ledger_my { return $my->sql('SELECT n FROM life.ledger WHERE id = 1') }

# One source transaction: a few row changes and the ledger bump.
sub life_txn
{
	my ($i) = @_;
	my $id = 1 + $i % 150;
	return "BEGIN;\n"
	  . "INSERT INTO life.t (id, n, v) VALUES ($id, 1, 'w$i') ON DUPLICATE KEY UPDATE n = n + 1, v = 'u$i';\n"
	  . ($i % 7 == 0 ? "DELETE FROM life.t WHERE id = " . (1 + ($i * 13) % 150) . ";\n" : '')
	  . "UPDATE life.ledger SET n = n + 1 WHERE id = 1;\nCOMMIT;\n";
}

sub run_txns
{
	my ($from, $to) = @_;
	$my->sql(join('', map { life_txn($_) } $from .. $to));
	return;
}

# ----------------------------------------------------------------------------- stop / resume
$my->sql(q{
CREATE DATABASE life;
CREATE TABLE life.t (id int PRIMARY KEY, n int NOT NULL, v varchar(20));
CREATE TABLE life.ledger (id int PRIMARY KEY, n bigint NOT NULL);
INSERT INTO life.ledger VALUES (1, 0);
INSERT INTO life.t SELECT seq, 0, 'seed' FROM life.seq_1_to_100;
});
q1("SELECT mysql_sync.start_sync('life', '$uri', '{life.*}')");
ok(wait_for_state($node, 'life', 'streaming'), 'task life streaming');
run_txns(1, 20);
ok(wait_until(sub { ledger_pg() eq '20' }), 'first 20 transactions applied');

my ($rc, $out, $err) = $node->psql('postgres', "SELECT mysql_sync.stop_sync('no_such_task')");
like($err, qr/task "no_such_task" does not exist/, 'stop_sync of an unknown task is an error');

q1("SELECT mysql_sync.stop_sync('life')");
my $st = sync_status($node, 'life');
is($st->{state}, 'paused', 'stop_sync leaves the task paused');
ok(wait_until(sub { task_worker('life') eq '' }), 'the worker of the paused task exits');
is(q1("SELECT enabled FROM mysql_sync.tasks WHERE task = 'life'"), 'f', 'tasks.enabled is false');
my $paused_pos = q1("SELECT source_file || ':' || source_pos FROM mysql_sync.status WHERE task = 'life'");

run_txns(21, 70);
is(ledger_my(), '70', 'source ledger after the writes made while paused');
# Nothing may arrive while paused; give a wrongly running worker time to show itself.
sleep(2);
is(ledger_pg(), '20', 'the target does not change while the task is paused');
is(q1("SELECT source_file || ':' || source_pos FROM mysql_sync.status WHERE task = 'life'"), $paused_pos,
	'the stored position does not move while paused');
is(sync_status($node, 'life')->{state}, 'paused', 'still paused after the writes (the launcher left it alone)');

q1("SELECT mysql_sync.resume_sync('life')");
ok(wait_for_state($node, 'life', 'streaming'), 'resume_sync: streaming again');
ok(wait_until(sub { ledger_pg() eq '70' }), 'the writes made while paused arrive');
compare_table($my, $node, $_, name => "$_: equal after stop, writes, resume") for qw(life.t life.ledger);
isnt(q1("SELECT source_file || ':' || source_pos FROM mysql_sync.status WHERE task = 'life'"), $paused_pos,
	'the position moved on after the resume');
q1("SELECT mysql_sync.resume_sync('life')");
is(sync_status($node, 'life')->{state}, 'streaming', 'resume_sync of a streaming task changes nothing');

# Stop and resume twice while a workload runs (a child process).
my $workload = start_workload(
	sub {
		for my $i (71 .. 370)
		{
			$my->sql(life_txn($i));
			usleep(10_000);
		}
		return 0;
	});
for my $round (1 .. 2)
{
	ok(wait_until(sub { ledger_pg() > 70 + 100 * ($round - 1) }), "round $round: changes arrive");
	q1("SELECT mysql_sync.stop_sync('life')");
	ok(wait_until(sub { task_worker('life') eq '' }), "round $round: stopped during the workload");
	usleep(500_000);
	q1("SELECT mysql_sync.resume_sync('life')");
}
is($workload->wait, 0, 'workload of 300 transactions ran');
is(ledger_my(), '370', 'source ledger 370');
ok(wait_until(sub { ledger_pg() eq '370' }), 'ledger 370 in PostgreSQL: every transaction applied once');
compare_table($my, $node, $_, name => "$_: equal after stop/resume during a workload") for qw(life.t life.ledger);
is(sync_status($node, 'life')->{state}, 'streaming', 'life streaming at the end');

# ----------------------------------------------------------------------------- drop_sync
sub catalog_rows
{
	my ($task) = @_;
	return q1("SELECT (SELECT count(*) FROM mysql_sync.task_config WHERE task = '$task') || ',' || "
		  . "(SELECT count(*) FROM mysql_sync.task_state WHERE task = '$task') || ',' || "
		  . "(SELECT count(*) FROM mysql_sync.table_state WHERE task = '$task')");
}

like(catalog_rows('life'), qr/^1,1,2$/, 'catalog rows of life before the drop');
q1("SELECT mysql_sync.drop_sync('life')");
is(catalog_rows('life'), '0,0,0', 'drop_sync removes the catalog rows (config, state, tables)');
is(q1("SELECT count(*) FROM mysql_sync.status WHERE task = 'life'"), '0', 'no status row');
ok(wait_until(sub { task_worker('life') eq '' }), 'the worker of the dropped task exits');
is(q1('SELECT count(*) FROM life.t') . ',' . ledger_pg(), $my->sql('SELECT count(*) FROM life.t') . ',370',
	'drop_sync without drop_tables keeps the tables and their rows');
run_txns(371, 380);
sleep(2);
is(ledger_pg(), '370', 'writes after the drop do not arrive');
($rc, $out, $err) = $node->psql('postgres', "SELECT mysql_sync.drop_sync('life')");
like($err, qr/task "life" does not exist/, 'dropping it again is an error naming the task');

# The name can be used again; the kept tables are reloaded with existing_tables clear.
q1("SELECT mysql_sync.start_sync('life', '$uri', '{life.*}', existing_tables => 'clear')");
ok(wait_for_state($node, 'life', 'streaming'), 'a new task with the same name streams');
ok(wait_until(sub { ledger_pg() eq '380' }), 'and holds the source state (ledger 380)');
compare_table($my, $node, 'life.t', name => 'life.t equal after drop and start again');

q1("SELECT mysql_sync.drop_sync('life', drop_tables => true)");
is(catalog_rows('life'), '0,0,0', 'drop_sync(drop_tables) removes the catalog rows');
is(q1(q{SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
         WHERE n.nspname = 'life' AND c.relkind = 'r'}), '0', 'drop_tables => true drops the target tables');
ok(wait_until(sub { task_worker('life') eq '' }), 'and its worker exits');

# ----------------------------------------------------------------------------- max_tasks = 2
$my->sql(join('', map { "CREATE DATABASE q$_; CREATE TABLE q$_.t (id int PRIMARY KEY, v int);"
			  . "INSERT INTO q$_.t VALUES (1, $_), (2, $_);\n" } 1 .. 3));
q1("SELECT mysql_sync.start_sync('q$_', '$uri', '{q$_.*}')") for 1, 2;
ok(wait_for_state($node, "q$_", 'streaming'), "task q$_ streaming") for 1, 2;
my $log_offset = -s $node->logfile;
($rc, $out, $err) = $node->psql('postgres', "SELECT state FROM mysql_sync.start_sync('q3', '$uri', '{q3.*}')");
is($rc, 0, 'start_sync of a third task with max_tasks = 2 succeeds');
like($err, qr/WARNING:  task "q3" waits for a free task slot: 2 tasks already run and mysql_sync\.max_tasks is 2/,
	'start_sync warns that the task waits for a slot');
like($err, qr/HINT:  .*stop_sync.*max_tasks/, 'the warning hints at stop_sync or raising max_tasks');
$node->wait_for_log(qr/mysql_sync task "q3": cannot run: all 2 task slots are in use/, $log_offset);
pass('the launcher logs that q3 cannot run');
is(task_worker('q3'), '', 'q3 has no worker');
is(sync_status($node, 'q3')->{state}, 'prechecking', 'q3 has not started');
is(scalar(worker_pids($node)), 2, 'two workers run');

q1("SELECT mysql_sync.stop_sync('q1')");
ok(wait_for_state($node, 'q3', 'streaming'), 'q3 starts and streams once q1 stops');
compare_table($my, $node, 'q3.t', name => 'q3.t equal');
$my->sql('INSERT INTO q1.t VALUES (3, 3); INSERT INTO q2.t VALUES (3, 3); INSERT INTO q3.t VALUES (3, 3);');
ok(wait_tables_equal($my, $node, [qw(q2.t q3.t)]), 'q2 and q3 stream');

($rc, $out, $err) = $node->psql('postgres', "SELECT mysql_sync.resume_sync('q1')");
like($err, qr/WARNING:  task "q1" waits for a free task slot/, 'resume_sync over the limit warns as well');
$log_offset = -s $node->logfile;
$node->wait_for_log(qr/mysql_sync task "q1": cannot run: all 2 task slots are in use/, $log_offset);
is(task_worker('q1'), '', 'the resumed q1 waits without a worker');
q1("SELECT mysql_sync.drop_sync('q2')");
ok(wait_for_state($node, 'q1', 'streaming'), 'q1 runs once q2 is dropped');
ok(wait_tables_equal($my, $node, [qw(q1.t q3.t)]), 'q1 caught up with the row written while it waited');
is(scalar(worker_pids($node)), 2, 'two workers run at the end');

done_testing();
