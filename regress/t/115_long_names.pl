# Names PostgreSQL cannot hold (more than 63 bytes) on MariaDB, long in characters and in bytes:
#  - the precheck's target_conflict fails before anything is created, naming each table and column
#    (and two tables that share their first 63 bytes), with the name_map entries that fix them;
#    start_sync refuses; with those entries the task runs under the suggested names;
#  - made-up index and constraint names of a long table are shortened the same way by the schema
#    sync and the DDL replay: DROP INDEX drops the right index, a widened ENUM's CHECK is replaced,
#    DROP/ADD PRIMARY KEY replaces the key;
#  - a long name arriving by DDL (ADD COLUMN, CREATE TABLE) stops the task with 42622 and the
#    name_map entry, never creating it cut.
use strict;
use warnings;
use utf8;

use FindBin;
use lib $FindBin::RealBin;

use PostgreSQL::Test::Utils;
use PostgreSQL::Test::Cluster;
use Test::More;
use MysqlSyncTest;

plan skip_all => 'mysql_sync is not installed (make install)' unless extension_installed();

my $my   = start_mariadb(name => 'src115');
my $node = pg_node('pg115');
$node->safe_psql('postgres', 'CREATE EXTENSION mysql_sync');
my $uri = $my->source_uri;

sub q1 { my ($sql) = @_; return $node->safe_psql('postgres', $sql); }

my $t64   = 't' x 64;             # 64 characters, 64 bytes
my $e32   = 'é' x 32;             # 32 characters, 64 bytes
my $c64   = 'c' x 64;
my $x1    = ('x' x 63) . '1';     # these two share their first 63 bytes
my $x2    = ('x' x 63) . '2';
my $o60   = 'o' x 60;             # fits, but its index and constraint names do not
my $utf8  = sub { my ($s) = @_; utf8::encode($s); return $s; };

$my->sql($utf8->(qq{
CREATE DATABASE ln;
CREATE TABLE ln.`$t64` (id int PRIMARY KEY, v int);
CREATE TABLE ln.wide (id int PRIMARY KEY, `$e32` int, `$c64` int);
CREATE TABLE ln.`$x1` (id int PRIMARY KEY);
CREATE TABLE ln.`$x2` (id int PRIMARY KEY);
CREATE TABLE ln.`$o60` (id int PRIMARY KEY, customer int, created int, state enum('a', 'b'),
                        KEY idx_customer (customer), KEY idx_created (created));
INSERT INTO ln.`$t64` VALUES (1, 10), (2, 20), (3, 30);
INSERT INTO ln.wide VALUES (1, 11, 111);
INSERT INTO ln.`$x1` VALUES (1);
INSERT INTO ln.`$x2` VALUES (1), (2);
INSERT INTO ln.`$o60` VALUES (1, 100, 1000, 'a');
}));

# ----------------------------------------------------------------------------- precheck
my ($status, $detail, $hint) = split /\|/, q1(qq{SELECT status || '|' || detail || '|' || coalesce(hint, '')
   FROM mysql_sync.precheck('$uri', '{ln.*}') WHERE item = 'target_conflict'}), 3;
utf8::decode($detail);
utf8::decode($hint);
is($status, 'failed', 'precheck: target_conflict fails');
like($detail, qr/table ln\.$t64 \(64 bytes, 64 characters\)/, 'precheck: a name long in characters');
like($detail, qr/column ln\.wide\.$e32 \(64 bytes, 32 characters\)/, 'precheck: a name long in bytes');
like($detail, qr/column ln\.wide\.$c64 \(64 bytes/, 'precheck: a long column name');
like($detail, qr/table ln\.$x1, table ln\.$x2 would all be "${\('x' x 63)}"/, 'precheck: two names that collide');
like($detail, qr/index idx_customer of ln\.$o60 -> /, 'precheck: a shortened index name is reported');
like($hint, qr/^name_map => '\{"ln\.$t64": "ln\.t{54}_[0-9a-f]{8}"/, 'precheck: the hint holds the name_map entries');
my ($map) = $hint =~ /name_map => '(\{.*?\})'/;
ok(defined $map, 'precheck: the name_map can be taken from the hint');

my ($out, $err) = ('', '');
$node->psql('postgres', "SELECT mysql_sync.start_sync('ln', '$uri', '{ln.*}')", stdout => \$out, stderr => \$err);
like($err, qr/target_conflict/, 'start_sync refuses, naming target_conflict');
is(q1(q{SELECT count(*) FROM pg_namespace WHERE nspname = 'ln'}), '0', 'nothing was created');

# ----------------------------------------------------------------------------- with the name_map
my $map_sql = $utf8->($map);
q1("SELECT mysql_sync.start_sync('ln', '$uri', '{ln.*}', name_map => \$m\$$map_sql\$m\$)");
ok(wait_for_state($node, 'ln', 'streaming'), 'with the hint\'s name_map the task streams');
my %target;
while ($map =~ /"([^"]+)": "([^"]+)"/g) { $target{$1} = $2; }
is(scalar(keys %target), 5, 'five entries: a table, two columns, two colliding tables');
# The quoted target of a db.table entry.
sub mapped_table { my ($schema, $table) = split /\./, $target{ $_[0] }, 2; return qq{"$schema"."$table"}; }
is(q1($utf8->(qq{SELECT string_agg(v::text, ',' ORDER BY id) FROM ${\ mapped_table("ln.$t64")}})), '10,20,30',
	'the 64-character table is there under its mapped name');
my ($col_e, $col_c) = ($target{"ln.wide.$e32"}, $target{"ln.wide.$c64"});
is(q1($utf8->(qq{SELECT "$col_e" || ',' || "$col_c" FROM ln.wide})), '11,111', 'the long columns under their mapped names');
is(q1(qq{SELECT (SELECT count(*) FROM ${\ mapped_table("ln.$x1")}) || ',' || (SELECT count(*) FROM ${\ mapped_table("ln.$x2")})}),
	'1,2', 'the two colliding tables are two tables');

# Made-up names of the long table: the same on the schema sync and the DDL replay.
sub indexes
{
	return q1(qq{SELECT string_agg(indexname, ' ' ORDER BY indexname) FROM pg_indexes
	              WHERE schemaname = 'ln' AND tablename = '$o60'});
}
my @names = split / /, indexes();
is(scalar(@names), 3, 'three indexes on the long table') or diag(indexes());
ok(!(grep { length($_) > 63 } @names), 'every index name fits 63 bytes');
$my->sql(qq{ALTER TABLE ln.`$o60` DROP INDEX idx_created; INSERT INTO ln.`$o60` VALUES (2, 200, 2000, 'b');});
ok(wait_until(sub { q1(qq{SELECT count(*) FROM ln."$o60"}) eq '2' }, 60), 'DROP INDEX replayed');
my $left = indexes();
like($left, qr/^o{54}_[0-9a-f]{8} o{54}_[0-9a-f]{8}$/, 'two indexes are left (the key and idx_customer)');
is(q1(qq{SELECT count(*) FROM pg_indexes WHERE schemaname = 'ln' AND tablename = '$o60'
          AND indexdef LIKE '%(customer)%'}), '1', 'DROP INDEX dropped idx_created, not idx_customer');
$my->sql(qq{ALTER TABLE ln.`$o60` MODIFY state enum('a', 'b', 'c'); INSERT INTO ln.`$o60` VALUES (3, 300, 3000, 'c');});
ok(wait_until(sub { q1(qq{SELECT count(*) FROM ln."$o60" WHERE state = 'c'}) eq '1' }, 60),
	'the widened ENUM: its CHECK was replaced under the same shortened name');
$my->sql(qq{ALTER TABLE ln.`$o60` DROP PRIMARY KEY, ADD PRIMARY KEY (id, customer);
            INSERT INTO ln.`$o60` VALUES (3, 301, 3001, 'a');});
ok(wait_until(sub { q1(qq{SELECT count(*) FROM ln."$o60"}) eq '4' }, 60), 'DROP/ADD PRIMARY KEY replayed');
is(q1(qq{SELECT pg_get_constraintdef(oid) FROM pg_constraint WHERE conrelid = 'ln."$o60"'::regclass AND contype = 'p'}),
	'PRIMARY KEY (id, customer)', 'the new primary key replaced the old one');
is(q1(q{SELECT state FROM mysql_sync.status WHERE task = 'ln'}), 'streaming', 'task ln still streaming');

# ----------------------------------------------------------------------------- long names by DDL
my $u32 = 'ü' x 32;
$my->sql($utf8->(qq{ALTER TABLE ln.wide ADD COLUMN `$u32` int; INSERT INTO ln.wide VALUES (2, 22, 222, 2222);}));
my $st = wait_for_state($node, 'ln', 'stopped', 60);
ok($st, 'ADD COLUMN with a 64-byte name stops the task');
my $last = $st->{last_error} // '';
utf8::decode($last);
like($last, qr/column ln\.wide\.$u32 has a name of 64 bytes, 32 characters/, 'the error names the column');
is(q1(q{SELECT sqlstate FROM mysql_sync.errors WHERE task = 'ln' ORDER BY id DESC LIMIT 1}), '42622', 'SQLSTATE 42622');
like(q1(q{SELECT hint FROM mysql_sync.errors WHERE task = 'ln' ORDER BY id DESC LIMIT 1}), qr/name_map => '\{"ln\.wide\./,
	'the hint gives the name_map entry');
is(q1(q{SELECT count(*) FROM pg_attribute WHERE attrelid = 'ln.wide'::regclass AND attnum > 0 AND NOT attisdropped}),
	'3', 'no column was created cut');

$my->sql(q{CREATE DATABASE ld; CREATE TABLE ld.small (id int PRIMARY KEY);});
q1("SELECT mysql_sync.start_sync('ld', '$uri', '{ld.*}')");
ok(wait_for_state($node, 'ld', 'streaming'), 'task ld streaming');
$my->sql(qq{CREATE TABLE ld.`${\('z' x 64)}` (id int PRIMARY KEY);});
$st = wait_for_state($node, 'ld', 'stopped', 60);
ok($st, 'CREATE TABLE with a 64-character name stops the task');
like($st->{last_error} // '', qr/the target table of ld\.z{64} has a name of 64 bytes/, 'the error names the table');
is(q1(q{SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
         WHERE n.nspname = 'ld' AND c.relname LIKE 'zzz%'}), '0', 'no table was created cut');

done_testing();
