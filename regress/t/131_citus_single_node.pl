# A Citus target on one node that holds the shards itself (citus_set_coordinator_host +
# shouldhaveshards): the precheck's Citus items (no node holding shards, as a fresh coordinator
# ships; citus not first in shared_preload_libraries; a unique key without the distribution
# key), then a sakila-like database and MySQL's world synced (created from the worker, colocated
# by key type, options.shard_count, reference tables by options.reference_tables), a write
# workload with an ADD COLUMN and a kill -9 of the mysql_sync worker, verify() and resync_table on
# a distributed and a reference table. At every stage each table equals the source row by row
# through Citus, its shards hold its rows (each on the shard it hashes to) and the coordinator's
# shell tables stay empty.
use strict;
use warnings;

use FindBin;
use lib $FindBin::RealBin;

use PostgreSQL::Test::Utils;
use PostgreSQL::Test::Cluster;
use Test::More;
use Time::HiRes qw(usleep);
use MysqlSyncTest;
use PrecheckTest;
use CitusTest;

plan skip_all => 'mysql_sync is not installed (make install)' unless extension_installed();
plan skip_all => 'skipped: Citus not installed (../shared/tools/install-citus)' unless citus_installed();

my $world_sql = "$FindBin::RealBin/../../../shared/fixtures/sampledb/world.sql";
plan skip_all => "no $world_sql" unless -r $world_sql;

my $my = start_mariadb(name => 'src131');
$my->load_file($world_sql);
load_sakila_like($my);
my $uri = $my->source_uri;
my @TABLES = (@SAKILA_TABLES, @WORLD_TABLES);
my $references = '["sakila.rental", "sakila.language", "sakila.category"]';

# A coordinator as Citus ships it: no node holds shards.
my $cluster = citus_cluster('c131', workers => 0, no_shards => 1);
my $node = $cluster->{coordinator};
sub q1 { my ($sql) = @_; return $node->safe_psql('postgres', $sql); }

my $r = run_precheck($node, $uri, '{sakila.*, world.*}');
is($r->{distribution_keys}{status}, 'failed', 'precheck: distribution_keys fails on a coordinator without shards');
like($r->{distribution_keys}{detail}, qr/no node of the Citus cluster holds shards/, '... saying that no node holds shards');
like($r->{distribution_keys}{hint}, qr/citus_add_node.*shouldhaveshards/, '... hint: citus_add_node or shouldhaveshards');
like($r->{distribution_keys}{detail},
	qr/sakila\.rental: the distribution key \(rental_id\) is not part of the unique key \(rental_date, inventory_id, customer_id\)/,
	'... and which table has a unique key without its distribution key');
my ($rc, $out, $err) = $node->psql('postgres', "SELECT mysql_sync.start_sync('s', '$uri', '{sakila.*, world.*}')");
like($err, qr/distribution_keys: no node of the Citus cluster holds shards/, 'start_sync refuses the task');

q1("SELECT citus_set_node_property('127.0.0.1', " . $node->port . ", 'shouldhaveshards', true)");
$r = run_precheck($node, $uri, '{sakila.*, world.*}', "options => '{\"reference_tables\": $references}'");
is($r->{distribution_keys}{status}, 'passed', 'shards on the coordinator and rental a reference table: passed')
  or diag($r->{distribution_keys}{detail});
like($r->{distribution_keys}{detail}, qr/shards on 127\.0\.0\.1:\d+/, '... naming the node that holds them');

# citus after mysql_sync in shared_preload_libraries.
$node->adjust_conf('postgresql.conf', 'shared_preload_libraries', "'mysql_sync,citus'");
$node->restart;
$r = run_precheck($node, $uri, '{sakila.*, world.*}', "options => '{\"reference_tables\": $references}'");
is($r->{distribution_keys}{status}, 'failed', 'citus not first in shared_preload_libraries: failed');
like($r->{distribution_keys}{detail}, qr/citus is not the first of shared_preload_libraries \('mysql_sync,citus'\)/,
	'... saying so');
like($r->{distribution_keys}{hint}, qr/shared_preload_libraries = 'citus,mysql_sync'/, '... hint: citus first');
$node->adjust_conf('postgresql.conf', 'shared_preload_libraries', "'citus,mysql_sync'");
$node->restart;

# Options only Citus has are refused elsewhere; here they are accepted.
q1("SELECT mysql_sync.start_sync('s', '$uri', '{sakila.*, world.*}',
      options => '{\"reference_tables\": $references, \"shard_count\": 4}')");
ok(wait_for_state($node, 's', 'streaming', 300), 'task s reaches streaming');
is( q1(q{SELECT string_agg(table_name || ':' || citus_table_type || ':' || shard_count, ' ' ORDER BY table_name::text)
           FROM citus_tables}),
	'sakila.actor:distributed:4 sakila.category:reference:1 sakila.customer:distributed:4 sakila.film:distributed:4 '
	  . 'sakila.film_actor:distributed:4 sakila.film_category:distributed:4 sakila.language:reference:1 '
	  . 'sakila.payment:distributed:4 sakila.rental:reference:1 sakila.staff:distributed:4 '
	  . 'world.city:distributed:4 world.country:distributed:4 world.countrylanguage:distributed:4',
	'the worker created every table through Citus: distributed in options.shard_count shards, or reference');
is( q1(q{SELECT count(DISTINCT colocation_id) FROM citus_tables
          WHERE table_name::text IN ('sakila.actor', 'sakila.film', 'sakila.film_actor', 'sakila.payment')}),
	'1', 'tables with integer distribution keys are colocated');
is( q1(q{SELECT count(DISTINCT colocation_id) FROM citus_tables
          WHERE table_name::text IN ('world.country', 'world.countrylanguage')}),
	'1', 'country and countrylanguage (char(3) keys) are colocated');
is(q1(q{SELECT count(*) FROM pg_indexes WHERE indexname = 'rental_rental_date' AND indexdef LIKE 'CREATE UNIQUE%'}),
	'1', 'the reference table keeps its unique key');
citus_tables_ok($my, $node, \@TABLES);

# The write workload; an ADD COLUMN, and a kill -9 of the worker, while it runs.
my $workload = sakila_world_workload($my, 200);
ok(wait_until(sub { q1("SELECT changes_applied FROM mysql_sync.status WHERE task = 's'") > 200 }, 120),
	'changes stream');
$my->sql('ALTER TABLE sakila.film ADD COLUMN popularity INT NOT NULL DEFAULT 0; '
	  . 'UPDATE sakila.film SET popularity = film_id % 7 WHERE film_id <= 300');
my @pids = worker_pids($node);
ok(@pids && kill('KILL', $pids[0]), 'the mysql_sync worker killed with SIGKILL');
ok(wait_until(sub { my @p = worker_pids($node); @p == 1 && $p[0] != ($pids[0] // 0) }, 120),
	'a new worker runs after the crash restart');
is($workload->wait, 0, 'workload done');
ok(wait_tables_equal($my, $node, \@TABLES, 300), 'every table caught up');
is(q1("SELECT state || ' ' || coalesce(last_error, '') FROM mysql_sync.status WHERE task = 's'"),
	'streaming ', 'task streaming, no error');
is(q1(q{SELECT count(*) FROM run_command_on_shards('sakila.film',
          $$SELECT 1 FROM pg_attribute WHERE attrelid = '%s'::regclass AND attname = 'popularity'$$)
          WHERE result = '1'}),
	'4', 'the ADD COLUMN reached every shard of sakila.film');
citus_tables_ok($my, $node, \@TABLES);

# verify() and resync_table on a distributed and a reference table.
is( q1(q{SELECT string_agg(source_table || ':' || status, ' ' ORDER BY source_table) FROM mysql_sync.verify('s')
          WHERE source_table IN ('sakila.film', 'sakila.language', 'world.city')}),
	'sakila.film:ok sakila.language:ok world.city:ok', 'verify(): ok on distributed and reference tables');
q1("UPDATE sakila.film SET title = 'DIVERGED' WHERE film_id = 5");
like(q1(q{SELECT status || ' ' || mismatched_rows || ' ' || detail FROM mysql_sync.verify('s', 'sakila.film')}),
	qr/^mismatch 1 /, 'verify() finds a row changed on the target');
q1("SELECT mysql_sync.resync_table('s', 'sakila.film')");
q1("SELECT mysql_sync.resync_table('s', 'sakila.language')");
ok( wait_until(
		sub {
			q1(q{SELECT count(*) FROM mysql_sync.table_requests WHERE task = 's'}) eq '0'
			  && q1(q{SELECT count(*) FROM mysql_sync.table_status WHERE task = 's' AND (state <> 'synced' OR last_error IS NOT NULL)}) eq '0';
		},
		180),
	'both resyncs done');
is(citus_kind_of($node, 'sakila.film') . ' ' . citus_kind_of($node, 'sakila.language'), 'distributed reference',
	'the fresh copies are distributed and reference tables again');
is(q1(q{SELECT count(DISTINCT colocation_id) FROM citus_tables WHERE table_name::text IN ('sakila.film', 'sakila.actor')}),
	'1', 'the resynced film is colocated with actor again');
is(q1(q{SELECT count(*) FROM pg_class WHERE relname LIKE '%__mysql_sync_resync%'}), '0', 'no shadow table left');
citus_tables_ok($my, $node, [ 'sakila.film', 'sakila.language' ]);
is(q1(q{SELECT string_agg(DISTINCT status, ',') FROM mysql_sync.verify('s')}), 'ok', 'verify(): every table ok');

# The backfill engine on Citus under writes: resync_table of two distributed tables the workload
# changes (payment: inserts and deletes; city: updates and keys moving to other shards) and an
# alter_sync of a new table a second writer changes meanwhile, in chunks of 500 rows: chunks
# through Citus's COPY (and the stage where the stream wrote a row first), the stream's changes
# applied leniently to the shadows and the added table until their last chunk.
q1("ALTER SYSTEM SET mysql_sync.copy_range_rows = 500");
q1("SELECT pg_reload_conf()");
$my->sql("CREATE DATABASE more; USE more; CREATE TABLE more.t (id INT PRIMARY KEY, v INT NOT NULL); "
	  . "INSERT INTO more.t SELECT seq, seq FROM seq_1_to_6000");
my $applied = q1("SELECT changes_applied FROM mysql_sync.status WHERE task = 's'");
$workload = sakila_world_workload($my, 400, pause_us => 30_000);
my $writer = start_workload(
	sub {
		for my $i (1 .. 400)
		{
			my ($u, $d) = (1 + ($i * 37) % 6000, 1 + ($i * 53) % 6000);
			$my->sql("START TRANSACTION; UPDATE more.t SET v = v + 1 WHERE id = $u; "
				  . "DELETE FROM more.t WHERE id = $d; INSERT INTO more.t VALUES (" . (10000 + $i) . ", $i); "
				  . "UPDATE more.t SET id = id + 20000 WHERE id = " . (1 + ($i * 71) % 6000) . "; COMMIT");
			usleep(30_000);
		}
		return 0;
	});
ok(wait_until(sub { q1("SELECT changes_applied FROM mysql_sync.status WHERE task = 's'") > $applied + 100 }, 120),
	'the workload streams');
q1("SELECT mysql_sync.resync_table('s', 'sakila.payment')");
q1("SELECT mysql_sync.resync_table('s', 'world.city')");
q1("SELECT mysql_sync.alter_sync('s', add_objects => '{more.t}')");
ok( wait_until(
		sub {
			q1(q{SELECT count(*) FROM mysql_sync.table_requests WHERE task = 's'}) eq '0'
			  && q1(q{SELECT count(*) FROM mysql_sync.table_status WHERE task = 's' AND source_table = 'more.t'}) eq '1'
			  && q1(q{SELECT count(*) FROM mysql_sync.table_status WHERE task = 's' AND (state <> 'synced' OR last_error IS NOT NULL)}) eq '0';
		},
		300),
	'resyncs and alter_sync done under writes');
cmp_ok(q1(q{SELECT min(chunks_copied) FROM mysql_sync.table_status WHERE task = 's'
             AND source_table IN ('sakila.payment', 'world.city', 'more.t')}), '>=', 8, '... each in chunks');
is($workload->wait, 0, 'workload done');
is($writer->wait,   0, 'writer of more.t done');
ok(wait_tables_equal($my, $node, [ @TABLES, 'more.t' ], 300), 'every table caught up, more.t too');
is(citus_kind_of($node, 'more.t') . ' ' . citus_kind_of($node, 'sakila.payment') . ' ' . citus_kind_of($node, 'world.city'),
	'distributed distributed distributed', 'the added table and the fresh copies are distributed');
citus_tables_ok($my, $node, [ 'sakila.payment', 'world.city', 'more.t' ]);
is(q1("SELECT state || ' ' || coalesce(last_error, '') FROM mysql_sync.status WHERE task = 's'"),
	'streaming ', 'task streaming, no error');

done_testing();
