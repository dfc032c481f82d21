# A Citus target on a real cluster: a coordinator and two worker nodes (three PostgreSQL
# instances on loopback ports, citus first in shared_preload_libraries, citus_add_node). The
# precheck names an unreachable worker node; a sakila-like database and MySQL's world sample are
# synced, world.city into a table the user distributed beforehand (existing_tables => 'append'),
# world.countrylanguage into a plain table the user distributes while the task streams; a write
# workload (inserts, updates of distribution keys, deletes, multi-statement transactions, an ADD
# COLUMN) runs across a kill -9 of the mysql_sync worker, of the coordinator and of one worker
# node. At the end every table equals the source row by row through the coordinator, each shard's
# rows hash to that shard (counted in the shards themselves), the coordinator's shell tables are
# empty, no prepared transaction is left on the worker nodes, verify() is ok, and resync_table
# copies a distributed and a reference table again.
use strict;
use warnings;

use FindBin;
use lib $FindBin::RealBin;

use PostgreSQL::Test::Utils;
use PostgreSQL::Test::Cluster;
use Test::More;
use MysqlSyncTest;
use PrecheckTest;
use CitusTest;

plan skip_all => 'mysql_sync is not installed (make install)' unless extension_installed();
plan skip_all => 'skipped: Citus not installed (../shared/tools/install-citus)' unless citus_installed();

my $world_sql = "$FindBin::RealBin/../../../shared/fixtures/sampledb/world.sql";
plan skip_all => "no $world_sql" unless -r $world_sql;

my $my = start_mariadb(name => 'src130');
$my->load_file($world_sql);
load_sakila_like($my);
my $uri = $my->source_uri;
my @TABLES = (@SAKILA_TABLES, @WORLD_TABLES);
my $options = q{'{"reference_tables": ["sakila.rental", "sakila.language", "sakila.category"]}'};

my $cluster = citus_cluster('c130', workers => 2);
my $node = $cluster->{coordinator};
my ($w1, $w2) = @{ $cluster->{workers} };
sub q1 { my ($sql) = @_; return $node->safe_psql('postgres', $sql); }

is(q1(q{SELECT count(*) FROM pg_dist_node WHERE shouldhaveshards AND isactive}), '2', 'two worker nodes hold shards');

# An unreachable worker node fails the precheck, naming it.
$w2->stop;
my $r = run_precheck($node, $uri, '{sakila.*, world.*}', "options => $options");
is($r->{distribution_keys}{status}, 'failed', 'precheck with a worker node down: distribution_keys failed');
like($r->{distribution_keys}{detail}, qr/Citus worker nodes cannot be reached: 127\.0\.0\.1:${\ $w2->port }/,
	'... naming the unreachable node');
like($r->{distribution_keys}{hint}, qr/citus_disable_node/, '... hint: start it or take it out');
$w2->start;
$r = run_precheck($node, $uri, '{sakila.*, world.*}', "options => $options");
is($r->{distribution_keys}{status}, 'passed', 'with the node back: passed') or diag($r->{distribution_keys}{detail});

# world.city distributed by the user beforehand (2 shards); world.countrylanguage a plain table.
q1(q{CREATE SCHEMA world;
     CREATE TABLE world.city ("ID" integer NOT NULL, "Name" character(35) NOT NULL DEFAULT '',
       "CountryCode" character(3) NOT NULL DEFAULT '', "District" character(20) NOT NULL DEFAULT '',
       "Population" integer NOT NULL DEFAULT 0, PRIMARY KEY ("ID"));
     SELECT create_distributed_table('world.city', 'ID', shard_count => 2);
     CREATE TABLE world.countrylanguage ("CountryCode" character(3) NOT NULL, "Language" character(30) NOT NULL,
       "IsOfficial" text NOT NULL DEFAULT 'F', "Percentage" numeric(4,1) NOT NULL DEFAULT 0.0,
       PRIMARY KEY ("CountryCode", "Language"));});

q1("SELECT mysql_sync.start_sync('c', '$uri', '{sakila.*, world.*}', existing_tables => 'append', options => $options)");
ok(wait_for_state($node, 'c', 'streaming', 300), 'task c reaches streaming');
is( q1(q{SELECT string_agg(table_name || ':' || citus_table_type || ':' || shard_count, ' ' ORDER BY table_name::text)
           FROM citus_tables}),
	'sakila.actor:distributed:8 sakila.category:reference:1 sakila.customer:distributed:8 sakila.film:distributed:8 '
	  . 'sakila.film_actor:distributed:8 sakila.film_category:distributed:8 sakila.language:reference:1 '
	  . 'sakila.payment:distributed:8 sakila.rental:reference:1 sakila.staff:distributed:8 '
	  . 'world.city:distributed:2 world.country:distributed:8',
	'tables created from the worker through Citus; the user\'s world.city kept; countrylanguage still local');
is( q1(q{SELECT count(DISTINCT nodeport) FROM pg_dist_shard_placement p JOIN pg_dist_shard s USING (shardid)
          WHERE s.logicalrelid = 'sakila.payment'::regclass}),
	'2', 'sakila.payment has shards on both worker nodes');
citus_tables_ok($my, $node, [ grep { $_ ne 'world.countrylanguage' } @TABLES ]);
compare_table($my, $node, 'world.countrylanguage', name => 'world.countrylanguage (plain table): equal');

my $workload = sakila_world_workload($my, 400);
sub applied { return $node->safe_psql('postgres', "SELECT changes_applied FROM mysql_sync.status WHERE task = 'c'") }
sub wait_applied
{
	my ($n) = @_;
	return wait_until(sub { my $a = eval { applied() }; defined $a && $a >= $n || $workload->done }, 180);
}

# kill -9 of the mysql_sync worker.
ok(wait_applied(300), 'changes stream');
my @pids = worker_pids($node);
ok(@pids && kill('KILL', $pids[0]), 'the mysql_sync worker killed with SIGKILL');
ok(wait_until(sub { my @p = worker_pids($node); @p == 1 && $p[0] != ($pids[0] // 0) }, 120),
	'a new worker runs after the crash restart');

# The user distributes world.countrylanguage while the task streams into it.
# Citus copies the local rows into the shards and leaves them in the shell until told otherwise.
q1(q{SELECT create_distributed_table('world.countrylanguage', 'CountryCode', colocate_with => 'world.country');
     SELECT truncate_local_data_after_distributing_table('world.countrylanguage');});
is(citus_kind_of($node, 'world.countrylanguage'), 'distributed', 'world.countrylanguage distributed by the user');

# kill -9 of the coordinator (postmaster and all its processes), then its start.
ok(wait_applied(applied() + 300), 'changes stream after the distribution');
kill9_server($node);
$node->start;
ok(wait_until(sub { scalar(worker_pids($node)) == 1 }, 120), 'the worker runs again after the coordinator crash');

# An ADD COLUMN mid-stream, then kill -9 of one worker node; the task retries until it is back.
$my->sql('ALTER TABLE sakila.film ADD COLUMN popularity INT NOT NULL DEFAULT 0; '
	  . 'UPDATE sakila.film SET popularity = film_id % 7 WHERE film_id <= 300');
ok(wait_applied(applied() + 300), 'changes stream after the ADD COLUMN');
kill9_server($w1);
sleep 3;
$w1->start;
ok(wait_until(sub { (eval { sync_status($node, 'c')->{state} } // '') eq 'streaming' }, 180),
	'the task streams again once the worker node is back');

is($workload->wait, 0, 'workload done');
ok(wait_tables_equal($my, $node, \@TABLES, 300), 'every table caught up');
is(q1("SELECT state FROM mysql_sync.status WHERE task = 'c'"), 'streaming', 'task streaming');
like(q1(q{SELECT string_agg(DISTINCT state || ': ' || message, E'\n') FROM mysql_sync.errors WHERE task = 'c'}),
	qr/^failed: .*connection to the remote node .*:${\ $w1->port } failed/m,
	'the worker node\'s crash is in mysql_sync.errors as a failure, which the launcher retried');
is(q1(q{SELECT count(*) FROM mysql_sync.errors WHERE task = 'c' AND state <> 'failed'}), '0',
	'... and no error needed a person (stopped)');
is(q1(q{SELECT count(*) FROM run_command_on_shards('sakila.film',
          $$SELECT 1 FROM pg_attribute WHERE attrelid = '%s'::regclass AND attname = 'popularity'$$)
          WHERE result = '1'}),
	'8', 'the ADD COLUMN reached every shard of sakila.film');
ok( wait_until(
		sub {
			$w1->safe_psql('postgres', 'SELECT count(*) FROM pg_prepared_xacts') eq '0'
			  && $w2->safe_psql('postgres', 'SELECT count(*) FROM pg_prepared_xacts') eq '0';
		},
		60),
	'no prepared transaction left on the worker nodes (Citus recovered the two-phase commits)');
citus_tables_ok($my, $node, \@TABLES);

# verify() and resync_table on a distributed and a reference table.
is(q1(q{SELECT string_agg(DISTINCT status, ',') FROM mysql_sync.verify('c')}), 'ok', 'verify(): every table ok');
q1("SELECT mysql_sync.resync_table('c', 'sakila.film_actor')");
q1("SELECT mysql_sync.resync_table('c', 'sakila.rental')");
ok( wait_until(
		sub {
			q1(q{SELECT count(*) FROM mysql_sync.table_requests WHERE task = 'c'}) eq '0'
			  && q1(q{SELECT count(*) FROM mysql_sync.table_status WHERE task = 'c' AND (state <> 'synced' OR last_error IS NOT NULL)}) eq '0';
		},
		180),
	'both resyncs done, without error');
is(citus_kind_of($node, 'sakila.film_actor') . ' ' . citus_kind_of($node, 'sakila.rental'), 'distributed reference',
	'the fresh copies are a distributed and a reference table again');
citus_tables_ok($my, $node, [ 'sakila.film_actor', 'sakila.rental' ]);

done_testing();
