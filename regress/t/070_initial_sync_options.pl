# Initial sync: schema completeness and the options of the load, against MariaDB:
#  - defaults, NOT NULL, identity for AUTO_INCREMENT set past the copied maximum and the
#    source's counter, unique and secondary indexes, comments, foreign keys (NOT VALID, with
#    options.foreign_keys), table_keys (a table without a primary key);
#  - existing_tables append (into a table with rows, and many-to-one), clear and fail;
#  - kill -9 during the load: the finished table is not copied again, the half-copied one goes
#    on from its last committed chunk, the tables written meanwhile end equal (progress seen
#    while copying);
#  - max_rows_per_second throttles.
use strict;
use warnings;

use FindBin;
use lib $FindBin::RealBin;

use PostgreSQL::Test::Utils;
use PostgreSQL::Test::Cluster;
use Test::More;
use Time::HiRes qw(time usleep);
use MysqlSyncTest;

plan skip_all => 'mysql_sync is not installed (make install)' unless extension_installed();

my $my   = start_mariadb(name => 'src070');
my $node = pg_node('pg070', conf => 'restart_after_crash = on');  # survives the kill -9 below
$node->safe_psql('postgres', 'CREATE EXTENSION mysql_sync');
my $uri = $my->source_uri;

sub q1 { my ($sql) = @_; return $node->safe_psql('postgres', $sql); }

# ----------------------------------------------------------------------------- schema
$my->sql(q{
CREATE DATABASE shop;
CREATE TABLE shop.customers (
  id      int AUTO_INCREMENT PRIMARY KEY,
  email   varchar(100) NOT NULL,
  name    varchar(50) DEFAULT 'anon' COMMENT 'full name',
  created datetime DEFAULT current_timestamp(),
  score   decimal(5,2) NOT NULL DEFAULT 1.50,
  flags   bit(3) DEFAULT b'101',
  born    date DEFAULT '2000-02-29',
  quote   varchar(20) DEFAULT 'it''s',
  UNIQUE KEY uq_email (email),
  KEY idx_name (name)
) COMMENT 'the customers' DEFAULT CHARSET = utf8mb4;
CREATE TABLE shop.orders (
  id          bigint AUTO_INCREMENT PRIMARY KEY,
  customer_id int NOT NULL,
  amt         decimal(10,2),
  note        text,
  KEY idx_note (note(20)),
  CONSTRAINT fk_customer FOREIGN KEY (customer_id) REFERENCES shop.customers (id) ON DELETE CASCADE
) DEFAULT CHARSET = utf8mb4;
CREATE TABLE shop.log_nopk (
  msg varchar(20) NOT NULL,
  n   int
) DEFAULT CHARSET = utf8mb4;
INSERT INTO shop.customers (email, name) VALUES ('a@x', 'Ann'), ('b@x', 'Bob'), ('c@x', NULL), ('z@x', 'Zed');
DELETE FROM shop.customers WHERE email = 'z@x';
INSERT INTO shop.orders (customer_id, amt, note) VALUES (1, 10.50, 'first'), (2, 3.00, NULL), (1, 7.25, 'ü');
INSERT INTO shop.log_nopk VALUES ('one', 1), ('two', 2);
});

# Without table_keys, the table without a primary key fails the precheck.
my ($rc, $out, $err) = $node->psql('postgres', "SELECT mysql_sync.start_sync('s0', '$uri', '{shop.*}')");
like($err, qr/primary_keys: no primary key.*shop\.log_nopk/s, 'a table without a primary key needs table_keys');

q1("SELECT mysql_sync.start_sync('s', '$uri', '{shop.*}',
      table_keys => '{\"shop.log_nopk\": {\"primary_key\": [\"msg\"]}}',
      options => '{\"foreign_keys\": true}')");
ok(wait_for_state($node, 's', 'streaming'), 'task s reaches streaming');
compare_table($my, $node, $_) for qw(shop.customers shop.orders shop.log_nopk);

is( q1(q{SELECT string_agg(column_name || '=' || COALESCE(column_default, '-'), ' ' ORDER BY ordinal_position)
            FROM information_schema.columns WHERE table_schema = 'shop' AND table_name = 'customers'}),
	q{id=- email=- name='anon'::character varying(50) created=LOCALTIMESTAMP score=1.50::numeric(5,2) }
	  . q{flags='101'::bit(3) born='2000-02-29'::date quote='it''s'::character varying(20)},
	'column defaults');
is(q1(q{SELECT attname || ':' || attidentity::text || ':' || attnotnull FROM pg_attribute
         WHERE attrelid = 'shop.customers'::regclass AND attname IN ('id')}),
	'id:d:true', 'AUTO_INCREMENT became an identity (BY DEFAULT), NOT NULL');
is(q1(q{SELECT attnotnull FROM pg_attribute WHERE attrelid = 'shop.customers'::regclass AND attname = 'email'}),
	't', 'NOT NULL kept');
# The source's counter is 5 (a deleted row had id 4): the next identity value is 5.
is(q1(q{SELECT nextval(pg_get_serial_sequence('shop.customers', 'id'))}),
	'5', 'identity sequence set past the copied maximum and the source counter');
is(q1(q{SELECT string_agg(indexrelid::regclass::text || ':' || indisunique || ':' || indisprimary, ' ' ORDER BY indexrelid::regclass::text)
          FROM pg_index WHERE indrelid = 'shop.customers'::regclass}),
	'shop.customers_idx_name:false:false shop.customers_pkey:true:true shop.customers_uq_email:true:false',
	'primary key, unique key and secondary index');
is(q1(q{SELECT string_agg(indexrelid::regclass::text, ' ' ORDER BY indexrelid::regclass::text)
          FROM pg_index WHERE indrelid = 'shop.orders'::regclass}),
	'shop.orders_fk_customer shop.orders_pkey', 'the foreign key\'s index kept; a prefix index on a TEXT column left out');
is(q1(q{SELECT obj_description('shop.customers'::regclass, 'pg_class') || '|' || col_description('shop.customers'::regclass, 3)}),
	'the customers|full name', 'table and column comments');
is(q1(q{SELECT conname || ':' || convalidated || ':' || confdeltype::text FROM pg_constraint WHERE conrelid = 'shop.orders'::regclass AND contype = 'f'}),
	'fk_customer:false:c', 'foreign key created NOT VALID with its rule');
is(q1(q{SELECT string_agg(a.attname, ',') FROM pg_index i JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY (i.indkey)
         WHERE i.indrelid = 'shop.log_nopk'::regclass AND i.indisprimary}),
	'msg', 'table_keys primary key used for the target');
is(q1(q{SELECT string_agg(c ->> 'name', ',') FROM mysql_sync.table_state, jsonb_array_elements(columns) c
         WHERE source_table = 'shop.log_nopk' AND (c ->> 'pk')::bool}),
	'msg', 'table_keys primary key recorded for apply');

$my->sql(q{
UPDATE shop.log_nopk SET n = 20 WHERE msg = 'two';
DELETE FROM shop.log_nopk WHERE msg = 'one';
INSERT INTO shop.log_nopk VALUES ('three', 3);
INSERT INTO shop.customers (email) VALUES ('new@x');
UPDATE shop.orders SET amt = amt + 1;
});
ok(wait_tables_equal($my, $node, [qw(shop.customers shop.orders shop.log_nopk)], 60),
	'changes streamed, found by the table_keys primary key');
is(q1(q{SELECT name || ' ' || score FROM shop.customers WHERE email = 'new@x'}), 'anon 1.50',
	'source defaults applied to the streamed row');

# ----------------------------------------------------------------------------- append, clear, fail
$my->sql(q{
CREATE DATABASE app;
CREATE TABLE app.items (id int PRIMARY KEY, v varchar(10));
INSERT INTO app.items VALUES (1, 'a'), (2, 'b'), (3, 'c');
CREATE TABLE app.things (id int PRIMARY KEY, v varchar(10));
INSERT INTO app.things VALUES (1, 'x');
CREATE DATABASE shard1; CREATE DATABASE shard2;
CREATE TABLE shard1.users (id int PRIMARY KEY, name varchar(20));
CREATE TABLE shard2.users (id int PRIMARY KEY, name varchar(20));
INSERT INTO shard1.users VALUES (1, 'one'), (3, 'three');
INSERT INTO shard2.users VALUES (2, 'two'), (4, 'four');
CREATE TABLE shard2.odd (id int PRIMARY KEY, other int);
});
q1(q{CREATE SCHEMA app; CREATE TABLE app.items (id int PRIMARY KEY, v varchar(10));
     INSERT INTO app.items VALUES (1000, 'kept');
     CREATE TABLE app.things (id int PRIMARY KEY, v varchar(10));
     INSERT INTO app.things VALUES (1000, 'gone')});
($rc, $out, $err) = $node->psql('postgres', "SELECT mysql_sync.start_sync('f', '$uri', '{app.items}')");
like($err, qr/target_conflict: target tables already exist/, "existing_tables 'fail' refuses an existing table");

q1("SELECT mysql_sync.start_sync('ap', '$uri', '{app.items}', initial_sync => '{schema,data}', existing_tables => 'append')");
q1("SELECT mysql_sync.start_sync('cl', '$uri', '{app.things}', existing_tables => 'clear')");
ok(wait_for_state($node, 'ap', 'streaming'), 'append task streaming');
ok(wait_for_state($node, 'cl', 'streaming'), 'clear task streaming');
is(q1('SELECT string_agg(id || v, \',\' ORDER BY id) FROM app.items'), '1a,2b,3c,1000kept',
	'append keeps the rows and loads the source rows');
is(q1('SELECT string_agg(id || v, \',\' ORDER BY id) FROM app.things'), '1x', 'clear empties, then loads');

# Many-to-one: two shards into one table.
my $names = '{"shard1.users": "merged.users", "shard2.users": "merged.users"}';
($rc, $out, $err) = $node->psql('postgres',
	"SELECT mysql_sync.start_sync('m0', '$uri', '{shard1.users, shard2.users}', name_map => '$names')");
like($err, qr/several source tables map to merged\.users.*existing_tables => 'append'/s,
	'many-to-one without append is refused with a hint');
($rc, $out, $err) = $node->psql('postgres',
	"SELECT mysql_sync.start_sync('m1', '$uri', '{shard1.users, shard2.odd}', existing_tables => 'append', "
	  . "name_map => '{\"shard1.users\": \"merged.users\", \"shard2.odd\": \"merged.users\"}')");
like($err, qr/their columns differ/, 'many-to-one with incompatible columns is a clear error');
q1("SELECT mysql_sync.start_sync('m', '$uri', '{shard1.users, shard2.users}', existing_tables => 'append', name_map => '$names')");
ok(wait_for_state($node, 'm', 'streaming'), 'many-to-one task streaming');
is(q1(q{SELECT string_agg(id || name, ',' ORDER BY id) FROM merged.users}), '1one,2two,3three,4four',
	'both shards merged into one table');
$my->sql(q{INSERT INTO shard2.users VALUES (6, 'six'); UPDATE shard1.users SET name = 'ONE' WHERE id = 1;
           DELETE FROM shard2.users WHERE id = 4;});
ok(wait_until(sub { q1(q{SELECT string_agg(id || name, ',' ORDER BY id) FROM merged.users}) eq '1ONE,2two,3three,6six' }, 60),
	'changes of both shards streamed into the merged table');

# ----------------------------------------------------------------------------- resume after kill -9
$my->sql(q{
CREATE DATABASE big;
CREATE TABLE big.a (id int PRIMARY KEY, v int);
CREATE TABLE big.b (id int PRIMARY KEY, v int, pad varchar(50));
INSERT INTO big.a SELECT seq, seq FROM big.seq_1_to_500;
INSERT INTO big.b SELECT seq, seq, REPEAT('p', 40) FROM big.seq_1_to_30000;
});
# Throttled, so that big.b takes ~15 s to copy.
q1("SELECT mysql_sync.start_sync('r', '$uri', '{big.*}', options => '{\"max_rows_per_second\": 2000}')");
my $progress;
ok( wait_until(
		sub {
			$progress = q1(q{SELECT string_agg(source_table || ':' || state || ':' || rows_copied, ' ' ORDER BY source_table)
			                   FROM mysql_sync.table_status WHERE task = 'r'});
			$progress =~ /big\.a:synced:500 big\.b:copying:([1-9]\d*)/ && $1 >= 2000;
		},
		60),
	"live progress while copying: $progress");
my $t0 = time;
my $st = sync_status($node, 'r');
is($st->{state}, 'full_load', 'status says full_load');
# Changes to both tables while b is copying: a's to a copied table, b's to copied rows and rows
# still to copy.
$my->sql(q{UPDATE big.a SET v = v + 1000 WHERE id <= 10; DELETE FROM big.a WHERE id = 500;
           INSERT INTO big.a VALUES (501, 1); UPDATE big.b SET v = -v WHERE id % 1000 = 0;
           INSERT INTO big.b VALUES (30001, 1, 'new');});
my @pids = worker_pids($node);
ok(@pids >= 1, 'workers running');
my $rpid = q1(q{SELECT pid FROM pg_stat_activity WHERE backend_type = 'mysql_sync worker' AND application_name = 'r'});
ok(kill('KILL', $rpid), "worker of r ($rpid) killed with SIGKILL during the load");
# More changes while it is down.
usleep(300_000);
$my->sql(q{UPDATE big.a SET v = 7 WHERE id = 20; DELETE FROM big.b WHERE id = 5;});
ok(wait_for_state($node, 'r', 'streaming', 120), 'r resumed and reached streaming');
my $elapsed = time - $t0;
cmp_ok($elapsed, '>=', 10, sprintf('throttled copy of b took %.1f s (30000 rows at 2000/s)', $elapsed));
ok(wait_tables_equal($my, $node, [qw(big.a big.b)], 60), 'big.a and big.b equal after the resume');
compare_table($my, $node, $_) for qw(big.a big.b);
my $log = slurp_file($node->logfile);
my $copied_a = () = $log =~ /task "r": copied big\.a/g;
my $copied_b = () = $log =~ /task "r": copied big\.b/g;
is($copied_a, 1, 'big.a (finished before the kill) was not copied again');
is($copied_b, 1, 'big.b finished once, by the resumed run');
like($log, qr/task "r": resuming the copy of big\.b after its last committed chunk/, 'the log says the copy resumed');
# rows_copied counts the rows the chunks read: 30001 if its chunk saw it.
like(q1(q{SELECT string_agg(source_table || ':' || state || ':' || rows_copied, ' ' ORDER BY source_table)
          FROM mysql_sync.table_status WHERE task = 'r'}),
	qr/^big\.a:synced:500 big\.b:synced:3000[01]$/, 'table_status after the resume');
$my->sql(q{UPDATE big.a SET v = 0 WHERE id = 1; INSERT INTO big.b VALUES (40000, 4, 'x');});
ok(wait_tables_equal($my, $node, [qw(big.a big.b)], 60), 'streaming continues after the resumed load');

$node->stop;
$my->stop;
done_testing();
