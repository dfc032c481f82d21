# Topologies, several tasks at once against two MariaDB servers:
#  - many-to-one: a table of each server, each in its own task, into one PostgreSQL table
#    (existing_tables 'append', name_map to the same target; disjoint keys), loaded while the
#    other task streams into it, then written on both servers at once while both stream;
#    drop_sync(drop_tables => true) of one task keeps the table the other still writes;
#  - one-to-many: one source database in two tasks with different target schemas, each equal
#    to the source, each with its own position: stopping one leaves the other streaming and
#    its position moving, and the stopped one catches up on resume.
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

my $ma   = start_mariadb(name => 'src083a');
my $mb   = start_mariadb(name => 'src083b');
my $node = pg_node('pg083');
$node->safe_psql('postgres', 'CREATE EXTENSION mysql_sync');

sub q1 { my ($sql) = @_; return $node->safe_psql('postgres', $sql); }

sub position
{
	my ($task) = @_;
	return q1("SELECT source_file || ':' || source_pos FROM mysql_sync.status WHERE task = '$task'");
}

# Compares "file:pos" texts (binlog.000001:1234), file first.
sub pos_cmp
{
	my ($x, $y) = @_;
	my ($xf, $xp) = $x =~ /^(.*):(\d+)$/;
	my ($yf, $yp) = $y =~ /^(.*):(\d+)$/;
	return ($xf cmp $yf) || ($xp <=> $yp);
}

# ----------------------------------------------------------------------------- many-to-one
my $table_ddl = q{CREATE TABLE shop.orders (id bigint PRIMARY KEY, amount decimal(10,2) NOT NULL,
                  note varchar(40), origin char(1) NOT NULL)};
$ma->sql("CREATE DATABASE shop; $table_ddl; "
	  . "INSERT INTO shop.orders SELECT seq, seq * 1.5, CONCAT('a', seq), 'a' FROM shop.seq_1_to_500;");
$mb->sql("CREATE DATABASE shop; $table_ddl; "
	  . "INSERT INTO shop.orders SELECT 1000000 + seq, seq * 2.5, CONCAT('b', seq), 'b' FROM shop.seq_1_to_700;");

# The merged target holds exactly the union of both sources.
sub merged_equal
{
	my $sql = "SELECT CONCAT_WS('|', id, amount, IFNULL(note, 'NULL'), origin) FROM shop.orders";
	my @src = sort (split(/\n/, $ma->sql($sql)), split(/\n/, $mb->sql($sql)));
	my $pg = $node->safe_psql('postgres',
		"SELECT concat_ws('|', id, amount, coalesce(note, 'NULL'), origin) FROM merged.orders");
	my @dst = sort split /\n/, $pg;
	return join("\n", @src) eq join("\n", @dst);
}

my $map = '{"shop.orders": "merged.orders"}';
q1("SELECT mysql_sync.start_sync('ta', '" . $ma->source_uri . "', '{shop.orders}', "
	  . "existing_tables => 'append', name_map => '$map')");
ok(wait_for_state($node, 'ta', 'streaming'), 'task ta (server a) streams into merged.orders');
# Server a keeps writing while task tb loads server b's rows into the same table.
$ma->sql('INSERT INTO shop.orders VALUES (501, 1, NULL, \'a\'); UPDATE shop.orders SET amount = 0 WHERE id <= 10;');
q1("SELECT mysql_sync.start_sync('tb', '" . $mb->source_uri . "', '{shop.orders}', "
	  . "existing_tables => 'append', name_map => '$map')");
$ma->sql('DELETE FROM shop.orders WHERE id BETWEEN 11 AND 20;');
ok(wait_for_state($node, 'tb', 'streaming'), 'task tb (server b) streams into merged.orders');
ok(wait_until(\&merged_equal), 'merged.orders holds the rows of both servers');
is(q1('SELECT count(*) FROM merged.orders'), 500 + 1 - 10 + 700, 'row count of the union');
is(q1("SELECT string_agg(task || '=' || target_table, ',' ORDER BY task) FROM mysql_sync.table_status"),
	'ta=merged.orders,tb=merged.orders', 'both tasks write merged.orders');

# Both servers written at once, from two child processes, while both tasks stream.
my @children;
for my $side ([ $ma, 0 ], [ $mb, 1000000 ])
{
	my ($srv, $base) = @$side;
	push @children, start_workload(
		sub {
			for my $i (1 .. 150)
			{
				my $id = $base + 1 + ($i * 7) % 700;
				$srv->sql("BEGIN; INSERT INTO shop.orders VALUES ($base + 2000 + $i, $i, 'new', "
					  . ($base ? "'b'" : "'a'")
					  . "); UPDATE shop.orders SET amount = amount + 1, note = 'up$i' WHERE id = $id; "
					  . "DELETE FROM shop.orders WHERE id = $base + 1 + ($i * 11) % 700; COMMIT;");
			}
			return 0;
		});
}
for my $side (0 .. $#children)
{
	is($children[$side]->wait, 0, "writer $side done");
}
ok(wait_until(\&merged_equal), 'merged.orders equal to the union after concurrent writes on both servers');
is(sync_status($node, $_)->{state}, 'streaming', "$_ still streaming") for qw(ta tb);

# Dropping one task with its tables keeps the table the other task still writes.
q1("SELECT mysql_sync.drop_sync('ta', drop_tables => true)");
is(q1("SELECT to_regclass('merged.orders') IS NOT NULL"), 't',
	'drop_sync(ta, drop_tables) keeps merged.orders, which tb still writes');
$mb->sql("INSERT INTO shop.orders VALUES (1009999, 9, 'after drop', 'b')");
ok(wait_until(sub { q1('SELECT count(*) FROM merged.orders WHERE id = 1009999') eq '1' }),
	'tb keeps streaming into merged.orders');

# ----------------------------------------------------------------------------- one-to-many
$ma->sql(q{
CREATE DATABASE crm;
CREATE TABLE crm.customers (id int PRIMARY KEY, name varchar(30), visits int NOT NULL DEFAULT 0);
INSERT INTO crm.customers SELECT seq, CONCAT('c', seq), 0 FROM crm.seq_1_to_300;
});
my $uri = $ma->source_uri;
q1("SELECT mysql_sync.start_sync('x', '$uri', '{crm.*}', name_map => '{\"crm\": \"crm_x\"}')");
q1("SELECT mysql_sync.start_sync('y', '$uri', '{crm.*}', name_map => '{\"crm\": \"crm_y\"}')");
ok(wait_for_state($node, $_, 'streaming'), "task $_ streaming") for qw(x y);
$ma->sql('UPDATE crm.customers SET visits = visits + 1 WHERE id % 3 = 0; DELETE FROM crm.customers WHERE id > 290;');

sub both_equal
{
	return tables_equal($ma, $node, 'crm.customers', target => 'crm_x.customers')
	  && tables_equal($ma, $node, 'crm.customers', target => 'crm_y.customers');
}
ok(wait_until(\&both_equal), 'both targets follow the source');
compare_table($ma, $node, 'crm.customers', target => "crm_$_.customers", name => "crm_$_.customers equal")
  for qw(x y);
isnt(q1("SELECT server_id FROM mysql_sync.task_config WHERE task = 'x'"),
	q1("SELECT server_id FROM mysql_sync.task_config WHERE task = 'y'"),
	'the two tasks on one server use different server ids');

q1("SELECT mysql_sync.stop_sync('x')");
ok(wait_until(sub { q1(q{SELECT count(*) FROM pg_stat_activity WHERE application_name = 'x'
                           AND backend_type = 'mysql_sync worker'}) eq '0' }), 'x stopped');
my $x_pos = position('x');
my $y_pos = position('y');
my $x_visits = q1('SELECT sum(visits) FROM crm_x.customers');
$ma->sql('UPDATE crm.customers SET visits = visits + 10 WHERE id <= 100; INSERT INTO crm.customers VALUES (1000, \'new\', 1);');
ok(wait_until(sub { tables_equal($ma, $node, 'crm.customers', target => 'crm_y.customers') }),
	'y keeps following while x is stopped');
ok(pos_cmp(position('y'), $y_pos) > 0, "y's position advanced (" . position('y') . " > $y_pos)");
is(position('x'), $x_pos, "x's position stays at $x_pos");
is(q1('SELECT sum(visits) FROM crm_x.customers'), $x_visits, 'crm_x does not change while x is stopped');
is(sync_status($node, 'y')->{state}, 'streaming', 'y streaming');

q1("SELECT mysql_sync.resume_sync('x')");
ok(wait_until(\&both_equal), 'x catches up after resume: both targets equal to the source');
ok(pos_cmp(position('x'), $x_pos) > 0, "x's position advanced after resume");
is(sync_status($node, $_)->{state}, 'streaming', "$_ streaming at the end") for qw(x y tb);

done_testing();
