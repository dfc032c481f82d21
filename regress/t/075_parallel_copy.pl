# Initial sync over several source connections (options.parallel), in chunks of
# mysql_sync.copy_range_rows rows, against MariaDB:
#  - parallel 1, 2 and 4 give targets equal to the source, with writes during the copy (every
#    chunk is reconciled with the stream's changes);
#  - every table is copied in chunks, whatever its key (integer, unsigned bigint, string,
#    composite); a big table with an integer key is split between the connections;
#  - kill -9 in the middle of a table: the resumed run continues after the last committed chunk
#    of each of its segments (the log says so, and rows_copied shows no chunk copied twice),
#    while writes touch copied rows, rows still to copy, and move rows across the cursor.
use strict;
use warnings;

use FindBin;
use lib $FindBin::RealBin;

use PostgreSQL::Test::Utils;
use PostgreSQL::Test::Cluster;
use Test::More;
use Time::HiRes qw(usleep);
use MysqlSyncTest;

plan skip_all => 'mysql_sync is not installed (make install)' unless extension_installed();

my $my   = start_mariadb(name => 'src075');
my $node = pg_node('pg075', conf => "restart_after_crash = on\nmysql_sync.copy_range_rows = 1000");
$node->safe_psql('postgres', 'CREATE EXTENSION mysql_sync');
my $uri = $my->source_uri;

sub q1 { my ($sql) = @_; return $node->safe_psql('postgres', $sql); }

# ----------------------------------------------------------------------------- parallel 1, 2, 4
my @tables = qw(big mid strkey comp tiny);
for my $n (1, 2, 4) {
	$my->sql(qq{
CREATE DATABASE p$n;
CREATE TABLE p$n.big (id int PRIMARY KEY, v int, pad varchar(40));
CREATE TABLE p$n.mid (id bigint unsigned PRIMARY KEY, v varchar(10));
CREATE TABLE p$n.strkey (code varchar(20) PRIMARY KEY, v int);
CREATE TABLE p$n.comp (a int, b int, v int, PRIMARY KEY (a, b));
CREATE TABLE p$n.tiny (id smallint PRIMARY KEY, v int);
INSERT INTO p$n.big SELECT seq, seq * 2, REPEAT('x', 30) FROM p$n.seq_1_to_12000;
INSERT INTO p$n.mid SELECT seq + 18446744073709540000, CONCAT('m', seq) FROM p$n.seq_1_to_2500;
INSERT INTO p$n.strkey SELECT CONCAT('k', seq), seq FROM p$n.seq_1_to_700;
INSERT INTO p$n.comp SELECT seq % 7, seq, seq FROM p$n.seq_1_to_900;
INSERT INTO p$n.tiny SELECT CAST(seq AS SIGNED) - 50, seq FROM p$n.seq_1_to_100;
});
}
for my $n (1, 2, 4) {
	q1("SELECT mysql_sync.start_sync('par$n', '$uri', '{p$n.*}', options => '{\"parallel\": $n}')");
	# Writes while the copy runs: they land before or after the connections' snapshots.
	$my->sql(qq{UPDATE p$n.big SET v = -v WHERE id % 500 = 0; DELETE FROM p$n.big WHERE id BETWEEN 3000 AND 3010;
	            INSERT INTO p$n.big VALUES (20000, 1, 'new'); UPDATE p$n.mid SET v = 'changed' WHERE v = 'm7';
	            DELETE FROM p$n.strkey WHERE code = 'k5'; INSERT INTO p$n.comp VALUES (9, 9, 9);
	            UPDATE p$n.tiny SET id = 1000 WHERE id = -49;});
}
for my $n (1, 2, 4) {
	ok(wait_for_state($node, "par$n", 'streaming', 180), "task par$n (parallel $n) reaches streaming");
	ok(wait_tables_equal($my, $node, [ map { "p$n.$_" } @tables ], 120), "parallel $n: every table equal");
	compare_table($my, $node, "p$n.$_") for @tables;
}
my $log = slurp_file($node->logfile);
like($log, qr/task "par4": copying 5 tables in chunks over 4 source connections/, 'parallel 4 opened 4 connections');
like($log, qr/task "par1": copying 5 tables in chunks over 1 source connections/, 'parallel 1 opened 1 connection');
is(q1(q{SELECT count(*) FROM mysql_sync.table_state WHERE task LIKE 'par%' AND backfill IS NOT NULL}),
	'0', 'no table keeps copy state once the loads are done');
# rows_copied counts the rows the chunks read, once: a row deleted before its chunk was read is not
# counted, one inserted before it is.
like(q1(q{SELECT string_agg(source_table || ':' || rows_copied, ' ' ORDER BY source_table)
            FROM mysql_sync.table_status WHERE task = 'par2'}),
	qr/^p2\.big:(11989|11990|12000|12001) p2\.comp:90[01] p2\.mid:2500 p2\.strkey:(699|700) p2\.tiny:100$/,
	'rows_copied per table, each row counted once');
cmp_ok(q1(q{SELECT min(chunks_copied) FROM mysql_sync.table_status WHERE task = 'par2' AND source_table <> 'p2.tiny'}),
	'>=', 1, 'every table copied in chunks');
is(q1(q{SELECT chunks_copied >= 12 FROM mysql_sync.table_status WHERE task = 'par2' AND source_table = 'p2.big'}),
	't', 'p2.big in chunks of at most 1000 rows');
$my->sql(q{UPDATE p2.big SET v = 0 WHERE id = 1; DELETE FROM p4.comp WHERE a = 1;});
ok(wait_tables_equal($my, $node, [qw(p2.big p4.comp)], 60), 'streaming follows the parallel loads');

# ----------------------------------------------------------------------------- resume from a key range
$my->sql(q{
CREATE DATABASE r;
CREATE TABLE r.big (id int PRIMARY KEY, v int, pad varchar(40));
CREATE TABLE r.small (id int PRIMARY KEY, v int);
INSERT INTO r.big SELECT seq, seq, REPEAT('p', 30) FROM r.seq_1_to_30000;
INSERT INTO r.small SELECT seq, seq FROM r.seq_1_to_100;
});
# Throttled (2 connections x 1500 rows/s): r.big takes ~20 s, in ranges of 1000 rows.
q1("SELECT mysql_sync.start_sync('r', '$uri', '{r.*}', options => '{\"max_rows_per_second\": 3000, \"parallel\": 2}')");
my $progress;
ok( wait_until(
		sub {
			$progress = q1(q{SELECT string_agg(source_table || ':' || state || ':' || rows_copied || '/' || rows_estimate, ' '
			                   ORDER BY source_table) FROM mysql_sync.table_status WHERE task = 'r'});
			$progress =~ /r\.big:copying:(\d+)\/\d+/ && $1 >= 4000;
		},
		90),
	"live progress while copying: $progress");
like($progress, qr/r\.big:copying:\d+\/[1-9]\d*/, 'rows_estimate shown with the progress');
# r.big is split between the two connections: each segment records its last written key.
my $last_key = q1(q{SELECT max((s -> 'after' ->> 0)::int) FROM mysql_sync.table_state,
                           jsonb_array_elements(backfill -> 'segments') s WHERE task = 'r' AND source_table = 'r.big'});
cmp_ok($last_key, '>=', 1000, "table_state records the last written key of each segment ($last_key)");
is(q1(q{SELECT jsonb_array_length(backfill -> 'segments') FROM mysql_sync.table_state WHERE task = 'r' AND source_table = 'r.big'}),
	'2', 'r.big is split into two segments, one per connection');
is(sync_status($node, 'r')->{state}, 'full_load', 'status says full_load');

# Writes to finished ranges, unfinished ones, and rows moving across the boundary both ways.
$my->sql(q{UPDATE r.big SET v = v + 1000 WHERE id <= 10; DELETE FROM r.big WHERE id = 5;
           UPDATE r.big SET id = 29990 + 20000 WHERE id = 20;
           UPDATE r.big SET id = -1 WHERE id = 29000;
           UPDATE r.big SET v = -v WHERE id % 1000 = 0; INSERT INTO r.big VALUES (30001, 1, 'new');
           UPDATE r.small SET v = 0 WHERE id = 1;});
my $rpid = q1(q{SELECT pid FROM pg_stat_activity WHERE backend_type = 'mysql_sync worker' AND application_name = 'r'});
ok(kill('KILL', $rpid), "worker of r ($rpid) killed with SIGKILL in the middle of r.big");
usleep(300_000);
# More while it is down: again both sides of the boundary (the resumed snapshot may see them).
$my->sql(q{UPDATE r.big SET v = 7 WHERE id = 30; DELETE FROM r.big WHERE id = 25000;
           UPDATE r.big SET id = 60000 WHERE id = 40; UPDATE r.big SET id = -2 WHERE id = 28000;});
ok(wait_for_state($node, 'r', 'streaming', 180), 'r resumed and reached streaming');
ok(wait_tables_equal($my, $node, [qw(r.big r.small)], 60), 'r.big and r.small equal after the resume and catch-up');
compare_table($my, $node, $_) for qw(r.big r.small);
$log = slurp_file($node->logfile);
my ($before, $chunks) = $log =~ /task "r": resuming the copy of r\.big after its last committed chunk \((\d+) rows, (\d+) chunks\)/;
ok(defined $before, 'the resumed run continues r.big after its last committed chunks');
# The worker commits asynchronously: the newest chunks seen may be lost with the crash, their
# rows with their key. Whatever survived is kept.
cmp_ok($before, '>=', 1000, "$before rows in $chunks chunks kept from the killed run");
my $copied = q1(q{SELECT rows_copied FROM mysql_sync.table_status WHERE task = 'r' AND source_table = 'r.big'});
# Rows moved ahead of the cursor are read again (4 of them), deleted ones not at all (3).
cmp_ok($copied, '<=', 30005, "r.big rows_copied $copied: no chunk was copied twice");
cmp_ok($copied, '>=', 29995, "r.big rows_copied $copied: every chunk was copied");
is(q1(q{SELECT count(*) FROM mysql_sync.table_state WHERE task = 'r' AND backfill IS NOT NULL}),
	'0', 'no copy state left');
$my->sql(q{UPDATE r.big SET v = 0 WHERE id IN (1, 29999); INSERT INTO r.small VALUES (500, 5);});
ok(wait_tables_equal($my, $node, [qw(r.big r.small)], 60), 'streaming continues after the resumed load');

$node->stop;
$my->stop;
done_testing();
