# resync_table and alter_sync on a running task, under writes.
#   - bad arguments give clear errors (unknown task, table not in the task, patterns
#     matching nothing, removing every table, a view depending on the target);
#   - resync_table copies rs.big (200k rows) again while a workload writes to it and to
#     rs.other: rows damaged by hand in the target are repaired, and every change is
#     applied exactly once (relative updates n = n + 1 and a ledger would show a double or
#     a lost one); the target keeps its privileges, comment and index names;
#   - alter_sync adds rs.extra while it is written to (backfilled, then streamed) and
#     removes rs.gone (its later changes are not applied, its target is kept);
#   - the worker killed with SIGKILL in the middle of a resync's copy comes back, goes on
#     after the shadow's last committed chunk, and ends consistent.
use strict;
use warnings;

use FindBin;
use lib $FindBin::RealBin;

use POSIX ();
use Time::HiRes qw(usleep time);
use PostgreSQL::Test::Utils;
use PostgreSQL::Test::Cluster;
use Test::More;
use MysqlSyncTest;

plan skip_all => 'mysql_sync is not installed (make install)' unless extension_installed();

my $ROWS         = 200_000;
my $TRANSACTIONS = 1200;

my $my   = start_mariadb(name => 'src095');
my $node = pg_node('pg095', conf => 'restart_after_crash = on');
$node->safe_psql('postgres', 'CREATE EXTENSION mysql_sync');

$my->sql(qq{
CREATE DATABASE rs;
CREATE TABLE rs.big (id int PRIMARY KEY, n bigint NOT NULL DEFAULT 0, v varchar(40), KEY k_v (v));
INSERT INTO rs.big SELECT seq, 0, CONCAT('row ', seq) FROM rs.seq_1_to_$ROWS;
CREATE TABLE rs.other (id int PRIMARY KEY, n bigint NOT NULL DEFAULT 0, v varchar(40));
INSERT INTO rs.other SELECT seq, 0, 'o' FROM rs.seq_1_to_100;
CREATE TABLE rs.extra (id int AUTO_INCREMENT PRIMARY KEY, n bigint NOT NULL DEFAULT 0, v varchar(40));
INSERT INTO rs.extra (n, v) SELECT 0, CONCAT('e', seq) FROM rs.seq_1_to_5000;
CREATE TABLE rs.gone (id int PRIMARY KEY, v varchar(40));
INSERT INTO rs.gone VALUES (1, 'before');
CREATE TABLE rs.ledger (id int PRIMARY KEY, n bigint NOT NULL, last_tx int);
INSERT INTO rs.ledger VALUES (1, 0, 0);
});

# max_rows_per_second keeps a copy of rs.big going for several seconds: long enough to see the
# other tables stream during a resync's copy, and to kill the worker in the middle of one.
$node->safe_psql('postgres',
	"SELECT mysql_sync.start_sync('rs', '"
	  . $my->source_uri
	  . "', '{rs.big, rs.other, rs.gone, rs.ledger}', options => '{\"max_rows_per_second\": 25000}')");
ok(wait_for_state($node, 'rs', 'streaming', 180), 'task rs reaches streaming');
ok(wait_tables_equal($my, $node, [qw(rs.big rs.other rs.gone rs.ledger)], 60), 'equal after the initial sync');

# ---------------------------------------------------------------------- bad arguments
sub sql_error
{
	my ($sql) = @_;
	my ($out, $err) = ('', '');
	$node->psql('postgres', "\\set VERBOSITY verbose\n$sql", stdout => \$out, stderr => \$err);
	return $err;
}

like(sql_error(q{SELECT mysql_sync.resync_table('nope', 'rs.big')}),
	qr/42704: task "nope" does not exist/, 'resync_table: unknown task');
like(sql_error(q{SELECT mysql_sync.resync_table('rs', 'rs.extra')}),
	qr/42P01: task "rs" does not sync the table "rs.extra".*HINT:.*table_status/s, 'resync_table: table not in the task');
like(sql_error(q{SELECT mysql_sync.resync_table('rs', 'big')}),
	qr/42P01: task "rs" does not sync the table "big"/, 'resync_table: table without its database');
like(sql_error(q{SELECT mysql_sync.alter_sync('nope', '{rs.extra}')}),
	qr/42704: task "nope" does not exist/, 'alter_sync: unknown task');
like(sql_error(q{SELECT mysql_sync.alter_sync('rs', '{rs.nothing_%}')}),
	qr/42P01: task "rs": add_objects pattern "rs.nothing_%" matches no source table/, 'alter_sync: add pattern matching nothing');
like(sql_error(q{SELECT mysql_sync.alter_sync('rs', '{rs.oth*}')}),
	qr/22023: task "rs": add_objects pattern "rs.oth\*" matches only tables the task syncs already/,
	'alter_sync: add pattern matching only synced tables');
like(sql_error(q{SELECT mysql_sync.alter_sync('rs', remove_objects => '{rs.zz*}')}),
	qr/42P01: task "rs": remove_objects pattern "rs.zz\*" matches none of its tables/, 'alter_sync: remove pattern matching nothing');
like(sql_error(q{SELECT mysql_sync.alter_sync('rs', remove_objects => '{rs.*}')}),
	qr/22023: task "rs": alter_sync would remove every table of the task.*drop_sync/s, 'alter_sync: removing every table');
like(sql_error(q{SELECT mysql_sync.alter_sync('rs')}),
	qr/22023: task "rs": alter_sync needs add_objects or remove_objects/, 'alter_sync: nothing to do');
like(sql_error(q{SELECT mysql_sync.alter_sync('rs', '{nodot}')}), qr/22023/, 'alter_sync: malformed pattern');
$node->safe_psql('postgres', 'CREATE VIEW public.other_view AS SELECT * FROM rs.other');
like(sql_error(q{SELECT mysql_sync.resync_table('rs', 'rs.other')}),
	qr/2BP01: task "rs": cannot resync rs.other: .*views public.other_view.*HINT:  Drop them/s,
	'resync_table: a view on the target is named');
$node->safe_psql('postgres', 'DROP VIEW public.other_view');
is($node->safe_psql('postgres', 'SELECT count(*) FROM mysql_sync.table_requests'), '0', 'no request recorded by the failed calls');

# ------------------------------------------------ the target damaged, decorated by hand
# Rows the workload never touches (it writes ids 1..1000 and from 1,000,000 on).
$node->safe_psql('postgres', q{
DELETE FROM rs.big WHERE id BETWEEN 150001 AND 150100;
UPDATE rs.big SET v = 'damaged' WHERE id BETWEEN 160001 AND 160050;
INSERT INTO rs.big VALUES (190000000, 0, 'not on the source');
CREATE ROLE reader095;
GRANT SELECT ON rs.big TO reader095;
COMMENT ON TABLE rs.big IS 'the big one';
CREATE INDEX big_n_idx ON rs.big (n);
CREATE INDEX big_n_idx2 ON rs.big (n);
});
ok(!tables_equal($my, $node, 'rs.big'), 'rs.big differs from the source after the damage');
my $old_oid = $node->safe_psql('postgres', q{SELECT 'rs.big'::regclass::oid});
my $old_indexes = $node->safe_psql('postgres',
	q{SELECT string_agg(indexrelid::regclass::text, ',' ORDER BY indexrelid::regclass::text) FROM pg_index WHERE indrelid = 'rs.big'::regclass});

# ---------------------------------------------------------------------- the workload
my $progress_file = PostgreSQL::Test::Utils::tempdir() . '/progress';

sub progress
{
	open(my $fh, '<', $progress_file) or return 0;
	my $line = <$fh> // '0';
	close $fh;
	return $line =~ /^(\d+)/ ? $1 : 0;
}

sub transaction
{
	my ($i) = @_;
	my $hot = 1 + ($i * 37) % 1000;
	my $sql = "BEGIN;\n"
	  . "UPDATE rs.big SET n = n + 1, v = 'w$i' WHERE id = $hot;\n"
	  . "UPDATE rs.big SET n = n + 1 WHERE id BETWEEN $hot AND $hot + 20;\n"
	  . "INSERT INTO rs.big VALUES (" . (1_000_000 + $i) . ", $i, 'new $i');\n"
	  . "UPDATE rs.other SET n = n + 1 WHERE id = " . (1 + $i % 100) . ";\n"
	  . "INSERT INTO rs.other VALUES (" . (1000 + $i) . ", $i, 'o$i');\n"
	  . "UPDATE rs.extra SET n = n + 1 WHERE id = " . (1 + ($i * 13) % 5000) . ";\n"
	  . "INSERT INTO rs.extra (n, v) VALUES ($i, 'x$i');\n";
	$sql .= "DELETE FROM rs.big WHERE id = " . (1_000_000 + $i - 5) . ";\n" if $i % 10 == 0;
	$sql .= "DELETE FROM rs.extra WHERE id = " . (1 + ($i * 7) % 5000) . ";\n" if $i % 9 == 0;
	$sql .= "UPDATE rs.ledger SET n = n + 1, last_tx = $i WHERE id = 1;\nCOMMIT;\n";
	return $sql;
}

my $workload = start_workload(
	sub {
		for my $i (1 .. $TRANSACTIONS)
		{
			my $sql = transaction($i);
			if (!defined $my->sql($sql, fail_ok => 1))
			{
				print STDERR "workload: transaction $i failed: $my->{last_error}\n";
				return 1;
			}
			if (open(my $fh, '>', "$progress_file.tmp"))
			{
				print $fh "$i\n";
				close $fh;
				rename("$progress_file.tmp", $progress_file);
			}
		}
		return 0;
	});

sub wait_progress
{
	my ($n) = @_;
	return wait_until(sub { progress() >= $n || $workload->done }, 180);
}

sub table_state
{
	my ($table) = @_;
	my ($out, $err) = ('', '');
	eval {
		$node->psql('postgres',
			"SELECT state || ' ' || rows_copied FROM mysql_sync.table_status WHERE task = 'rs' AND source_table = '$table'",
			stdout => \$out, stderr => \$err);
	};
	return $out;
}

sub requests_left
{
	my ($out, $err) = ('', '');
	eval {
		$node->psql('postgres', "SELECT count(*) FROM mysql_sync.table_requests WHERE task = 'rs'",
			stdout => \$out, stderr => \$err);
	};
	return $out eq '' ? -1 : $out;
}

# ------------------------------------------------------------- resync under writes
wait_progress(100);
$node->safe_psql('postgres', q{SELECT mysql_sync.resync_table('rs', 'rs.big')});
ok(wait_until(sub { table_state('rs.big') =~ /^copying/ }, 60), 'rs.big shows copying in table_status');
ok( wait_until(
		sub {
			$node->safe_psql('postgres', q{SELECT detail FROM mysql_sync.status WHERE task = 'rs'}) =~
			  /copying 1 table in chunks while the stream goes on: rs\.big/
			  || table_state('rs.big') !~ /^copying/;
		},
		60)
	  && table_state('rs.big') =~ /^copying/,
	'status.detail names the resync and its progress');

# The copy runs in chunks between the stream's batches: the other tables keep streaming. One
# statement reads rs.other's row count, the ledger and whether rs.big is still copying (one
# snapshot): both must advance while the copy still runs (it lasts seconds: max_rows_per_second).
my $during = q{SELECT (SELECT count(*) FROM rs.other) || ' ' || (SELECT n FROM rs.ledger) || ' ' ||
  (SELECT state || ' ' || rows_copied FROM mysql_sync.table_state WHERE task = 'rs' AND source_table = 'rs.big')};
my ($other0, $ledger0, $state0, $copied0) = split ' ', $node->safe_psql('postgres', $during);
my ($advanced, $copy_advanced) = (0, 0);
wait_until(
	sub {
		my ($other, $ledger, $state, $copied) = split ' ', $node->safe_psql('postgres', $during);
		return 1 if $state ne 'copying';
		$advanced = 1 if $state0 eq 'copying' && $other > $other0 && $ledger > $ledger0;
		$copy_advanced = 1 if $state0 eq 'copying' && $copied > $copied0;
		return $advanced && $copy_advanced;
	},
	60);
ok($advanced, "rs.other and rs.ledger stream while rs.big is being copied (from $other0 rows, ledger $ledger0)");
ok($copy_advanced, "the copy of rs.big commits in chunks meanwhile (from $copied0 rows)");
ok(wait_until(sub { requests_left() eq '0' && table_state('rs.big') =~ /^synced/ }, 120), 'the resync of rs.big completed');
isnt($node->safe_psql('postgres', q{SELECT 'rs.big'::regclass::oid}), $old_oid, 'rs.big is a new table (swapped)');
is($node->safe_psql('postgres', q{SELECT has_table_privilege('reader095', 'rs.big', 'SELECT')}), 't',
	'the privileges of the old target are kept');
is($node->safe_psql('postgres', q{SELECT obj_description('rs.big'::regclass, 'pg_class')}), 'the big one',
	'the table comment is kept');
is( $node->safe_psql('postgres',
		q{SELECT string_agg(indexrelid::regclass::text, ',' ORDER BY indexrelid::regclass::text) FROM pg_index WHERE indrelid = 'rs.big'::regclass}),
	$old_indexes,
	"the index names are kept ($old_indexes)");
is($node->safe_psql('postgres', q{SELECT count(*) FROM pg_class WHERE relname LIKE '%mysql_sync_resync%'}), '0',
	'no shadow table is left');
like(table_state('rs.big'), qr/^synced (\d+)$/, 'table_status has the resync row count');
# The stream applied rs.big's changes to the old target and to the shadow meanwhile: the swap
# needed no catch-up.
my ($chunks) = slurp_file($node->logfile) =~ /resync of rs\.big done: the fresh copy \(\d+ rows in (\d+) chunks\) replaced the target/;
cmp_ok($chunks // 0, '>', 1, 'the fresh copy was written in ' . ($chunks // 'no') . ' chunks');

# --------------------------------------------------------- alter_sync add under writes
wait_progress(250);
$node->safe_psql('postgres', q{SELECT mysql_sync.alter_sync('rs', add_objects => '{rs.ext*}')});
ok(wait_until(sub { requests_left() eq '0' && table_state('rs.extra') =~ /^synced/ }, 120), 'rs.extra was added');
is($node->safe_psql('postgres', q{SELECT array_to_string(objects, ',') FROM mysql_sync.tasks WHERE task = 'rs'}),
	'rs.big,rs.other,rs.gone,rs.ledger,rs.ext*', 'task objects list the added pattern');
ok(wait_until(sub { $node->safe_psql('postgres', 'SELECT count(*) FROM rs.extra WHERE n > 0') > 0 }, 60),
	'rs.extra receives streamed changes');

# ---------------------------------------------------------------- alter_sync remove
$node->safe_psql('postgres', q{SELECT mysql_sync.alter_sync('rs', remove_objects => '{rs.gone}')});
ok(wait_until(sub { requests_left() eq '0' && table_state('rs.gone') eq '' }, 60), 'rs.gone was removed from the task');
is($node->safe_psql('postgres', q{SELECT array_to_string(objects, ',') FROM mysql_sync.tasks WHERE task = 'rs'}),
	'rs.big,rs.other,rs.ledger,rs.ext*', 'task objects no longer list rs.gone');
$my->sql(q{INSERT INTO rs.gone VALUES (2, 'after'); UPDATE rs.gone SET v = 'changed' WHERE id = 1;
           UPDATE rs.ledger SET last_tx = last_tx WHERE id = 1; INSERT INTO rs.other VALUES (999999, 0, 'marker')});
ok(wait_until(sub { $node->safe_psql('postgres', 'SELECT count(*) FROM rs.other WHERE id = 999999') eq '1' }, 60),
	'a later change to rs.other arrived');
is($node->safe_psql('postgres', q{SELECT string_agg(id || ':' || v, ',' ORDER BY id) FROM rs.gone}), '1:before',
	'the removed table keeps its rows and gets no more changes');

# ------------------------------------------------- kill -9 in the middle of a resync
wait_progress(400);
$node->safe_psql('postgres', q{SELECT mysql_sync.resync_table('rs', 'rs.big')});
my $copying = wait_until(
	sub {
		my $s = table_state('rs.big');
		return $s =~ /^copying (\d+)$/ && $1 >= 20_000;
	},
	60);
ok($copying, 'the second resync of rs.big is copying');
my @pids = worker_pids($node);
is(scalar @pids, 1, 'one worker runs');
ok(kill('KILL', $pids[0]), "worker $pids[0] killed with SIGKILL during the copy") if @pids;
ok(wait_until(sub { my @p = worker_pids($node); @p == 1 && $p[0] != ($pids[0] // 0) }, 90),
	'a new worker runs after the crash restart');
ok(wait_until(sub { requests_left() eq '0' && table_state('rs.big') =~ /^synced/ }, 180),
	'the interrupted resync went on and completed');
like(slurp_file($node->logfile), qr/task "rs": resuming the copy of rs\.big after its last committed chunk/,
	'it resumed after the shadow\'s last committed chunk');
is($node->safe_psql('postgres', q{SELECT count(*) FROM pg_class WHERE relname LIKE '%mysql_sync_resync%'}), '0',
	'no shadow table is left after the restart');

# --------------------------------------------------------------------------- the end
is($workload->wait, 0, 'workload finished');
is(progress(), $TRANSACTIONS, "all $TRANSACTIONS transactions ran");

ok(wait_tables_equal($my, $node, [qw(rs.big rs.other rs.extra rs.ledger)], 180), 'all tables equal the source after the workload');
compare_table($my, $node, $_, name => "$_: equal at the end") for qw(rs.big rs.other rs.extra rs.ledger);
my ($ln) = $my->sql('SELECT CONCAT(n, \' \', last_tx) FROM rs.ledger');
is($node->safe_psql('postgres', q{SELECT n || ' ' || last_tx FROM rs.ledger}), $ln, "ledger equal ($ln)");
is($node->safe_psql('postgres', 'SELECT count(*) FROM rs.big WHERE id = 190000000'), '0',
	'the row that was only in the target is gone');
my $st = sync_status($node, 'rs');
is($st->{state}, 'streaming', 'the task is streaming');

# A resync while the stream is behind: a backlog of rs.big changes (100 transactions of 4000
# rows) is in the binlog when rs.other's short copy starts, so its chunks wait for the stream to
# reach their position before they are written.
$my->sql(join '',
	map { "BEGIN; UPDATE rs.big SET n = n + 1 WHERE id BETWEEN " . (($_ % 50) * 4000 + 1) . " AND " . (($_ % 50 + 1) * 4000) . "; COMMIT;\n" }
	  0 .. 99);
$node->safe_psql('postgres', q{UPDATE rs.other SET v = 'damaged' WHERE id = 2});
$node->safe_psql('postgres', q{SELECT mysql_sync.resync_table('rs', 'rs.other')});
ok(wait_until(sub { requests_left() eq '0' && table_state('rs.other') =~ /^synced/ }, 120),
	'the resync of rs.other during a backlog completed');
ok(wait_tables_equal($my, $node, [qw(rs.big rs.other rs.ledger)], 180), 'rs.big and rs.other equal the source after the backlog');

# The added table has an identity (AUTO_INCREMENT); a resync keeps its sequence's name and
# moves it past the copied rows.
my $seq = $node->safe_psql('postgres', q{SELECT pg_get_serial_sequence('rs.extra', 'id')});
isnt($seq, '', "rs.extra was created with an identity ($seq)");
$node->safe_psql('postgres', q{SELECT mysql_sync.resync_table('rs', 'rs.extra')});
ok(wait_until(sub { requests_left() eq '0' && table_state('rs.extra') =~ /^synced/ }, 120), 'the resync of rs.extra completed');
is($node->safe_psql('postgres', q{SELECT pg_get_serial_sequence('rs.extra', 'id')}), $seq, 'the identity sequence keeps its name');
is($node->safe_psql('postgres', q{SELECT nextval(pg_get_serial_sequence('rs.extra', 'id')) > max(id) FROM rs.extra}), 't',
	'the identity sequence is past the copied rows');
compare_table($my, $node, 'rs.extra', name => 'rs.extra: equal after its resync');

# A paused task keeps the request and services it when resumed.
$node->safe_psql('postgres', q{SELECT mysql_sync.stop_sync('rs')});
ok(wait_until(sub { scalar(worker_pids($node)) == 0 }, 60), 'the paused task has no worker');
$node->safe_psql('postgres', q{UPDATE rs.other SET v = 'damaged while paused' WHERE id = 1});
$node->safe_psql('postgres', q{SELECT mysql_sync.resync_table('rs', 'rs.other')});
is(requests_left(), '1', 'the request of a paused task waits');
like(table_state('rs.other'), qr/^synced/, 'rs.other stays synced meanwhile');
$node->safe_psql('postgres', q{SELECT mysql_sync.resume_sync('rs')});
ok(wait_until(sub { requests_left() eq '0' && table_state('rs.other') =~ /^synced/ }, 120), 'the resync ran after resume_sync');
ok(wait_tables_equal($my, $node, [qw(rs.other)], 60), 'rs.other repaired by the resync after the resume');

# drop_sync drops the shadow table of an unfinished resync (here one left as by a paused task).
$node->safe_psql('postgres', q{SELECT mysql_sync.stop_sync('rs')});
$node->safe_psql('postgres', q{SELECT mysql_sync.resync_table('rs', 'rs.other')});
$node->safe_psql('postgres', q{CREATE TABLE rs.other__mysql_sync_resync (LIKE rs.other)});
$node->safe_psql('postgres', q{SELECT mysql_sync.drop_sync('rs')});
is($node->safe_psql('postgres', q{SELECT to_regclass('rs.other__mysql_sync_resync') IS NULL AND to_regclass('rs.other') IS NOT NULL}),
	't', 'drop_sync drops the shadow of an unfinished resync and keeps the target');
is($node->safe_psql('postgres', 'SELECT count(*) FROM mysql_sync.table_requests'), '0', 'its requests are gone with the task');

$node->stop;
$my->stop;
done_testing();
