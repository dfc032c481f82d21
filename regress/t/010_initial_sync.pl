# Initial sync and streaming, checked row by row against MariaDB:
#  - MySQL's `world` sample (city, country, countrylanguage) copied by start_sync;
#  - a table with every common column type at its limits (and NULLs), copied, then
#    changed in MariaDB (insert, update incl. primary key, delete) and streamed;
#  - the target column types follow the contract's type mapping.
use strict;
use warnings;

use FindBin;
use lib $FindBin::RealBin;

use PostgreSQL::Test::Utils;
use PostgreSQL::Test::Cluster;
use Test::More;
use MysqlSyncTest;

plan skip_all => 'mysql_sync is not installed (make install)' unless extension_installed();

my $world_sql = "$FindBin::RealBin/../../../shared/fixtures/sampledb/world.sql";

my $my   = start_mariadb(name => 'src010');
my $node = pg_node('pg010');
$node->safe_psql('postgres', 'CREATE EXTENSION mysql_sync');
my $uri = $my->source_uri;

# ----------------------------------------------------------------------------- world
subtest 'world (../shared/fixtures/sampledb/world.sql)' => sub {
	plan skip_all => "needs ../shared/fixtures/sampledb/world.sql, which is not beside this checkout"
	  unless -r $world_sql;
	$my->load_file($world_sql);
	is($my->sql('SELECT COUNT(*) FROM world.city'), '4079', 'world loaded into MariaDB');

	my $started = $node->safe_psql('postgres',
		"SELECT task || ' ' || state FROM mysql_sync.start_sync('w', '$uri', '{world.*}')");
	like($started, qr/^w \w+$/, "start_sync('w') returns the task's status row ($started)");

	ok(wait_for_state($node, 'w', 'streaming'), 'task w reaches streaming');
	is( $node->safe_psql('postgres',
			"SELECT string_agg(source_table || ':' || target_table || ':' || state || ':' || rows_copied, ' ' ORDER BY source_table) "
			  . "FROM mysql_sync.table_status WHERE task = 'w'"),
		'world.city:world.city:synced:4079 world.country:world.country:synced:239 '
		  . 'world.countrylanguage:world.countrylanguage:synced:984',
		'table_status: three tables synced with their row counts');
	compare_table($my, $node, $_) for qw(world.city world.country world.countrylanguage);

	my $ct = pg_column_types($node, 'world', 'country');
	is_deeply(
		[ @{$ct}{qw(Code Name Continent SurfaceArea IndepYear Population LifeExpectancy GNP)} ],
		[
			'character(3)', 'character(52)', 'text', 'numeric(10,2)',
			'smallint', 'integer', 'numeric(3,1)', 'numeric(10,2)'
		],
		'world.country column types');
	is( $node->safe_psql('postgres', q{
			SELECT string_agg(a.attname, ',' ORDER BY array_position(i.indkey::int2[], a.attnum))
			  FROM pg_index i JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY (i.indkey)
			 WHERE i.indrelid = 'world.countrylanguage'::regclass AND i.indisprimary}),
		'CountryCode,Language', 'countrylanguage keeps its composite primary key');

	# A few changes to world stream too.
	$my->sql(q{
		UPDATE world.city SET Population = Population + 1 WHERE CountryCode = 'NLD';
		DELETE FROM world.countrylanguage WHERE CountryCode = 'ABW';
		INSERT INTO world.city (Name, CountryCode, District, Population) VALUES ('Zürich-Nord', 'CHE', 'Zürich', 12345);
		UPDATE world.country SET Continent = 'Antarctica', GNP = NULL WHERE Code = 'ATA';});
	ok(wait_tables_equal($my, $node, [qw(world.city world.country world.countrylanguage)]),
		'world changes streamed');
	compare_table($my, $node, $_) for qw(world.city world.country world.countrylanguage);
};

# ----------------------------------------------------------------------------- types
$my->sql(q{
CREATE DATABASE types;
CREATE TABLE types.alltypes (
  id   int PRIMARY KEY,
  ti   tinyint,            tiu  tinyint unsigned,
  si   smallint,           siu  smallint unsigned,
  mi   mediumint,          miu  mediumint unsigned,
  i    int,                iu   int unsigned,
  bi   bigint,             biu  bigint unsigned,
  d65  decimal(65,30),     d10  decimal(10,2),
  f    float,              dbl  double,
  c    char(10),           vc   varchar(100),
  tx   text,               bl   blob,
  vb   varbinary(20),
  dt   date,               dtm  datetime(6),
  ts   timestamp(3) NULL,  tm   time,
  tm3  time(3),            js   json,
  en   enum('a','b','c d'), yr  year,
  bt   bit(5)
) DEFAULT CHARSET = utf8mb4;
SET time_zone = '+00:00';
INSERT INTO types.alltypes VALUES
 (1, 127, 255, 32767, 65535, 8388607, 16777215, 2147483647, 4294967295,
  9223372036854775807, 18446744073709551615,
  99999999999999999999999999999999999.999999999999999999999999999999, 99999999.99,
  3.14159, 2.718281828459045,
  'abc', 'héllo wörld 😀 日本語', 'line1\nline2\ttab \\\\ back, comma', x'00FF00FF7F80', x'00',
  '9999-12-31', '2024-02-29 13:14:15.123456', '2038-01-19 03:14:07.999', '838:59:59',
  '-12:34:56.789', '{"a": 1, "b": [1, 2.5, "x"], "c": {"d": null}, "e": "ü😀"}', 'c d', 2155, b'11111'),
 (2, -128, 0, -32768, 0, -8388608, 0, -2147483648, 0,
  -9223372036854775808, 0,
  -99999999999999999999999999999999999.999999999999999999999999999999, -12.34,
  -1.5e-10, -1.7976931348623157e308,
  '', '', '', x'', x'FF',
  '1000-01-01', '1000-01-01 00:00:00.000000', '1970-01-01 00:00:01.000', '-838:59:59',
  '00:00:00.001', '[]', 'a', 1901, b'00000'),
 (3, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0.00, 0, 0,
  'x', 'quote '' dq " backslash \\\\ ', '😀', x'00', x'000000',
  '2000-01-01', '2000-01-01 00:00:00.5', '2000-01-01 00:00:00.000', '00:00:00',
  '-00:00:01.5', '"str"', 'b', 2000, b'10101'),
 (4, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
  NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL);
});
is($my->sql('SELECT COUNT(*) FROM types.alltypes'), '4', 'types table loaded');

$node->safe_psql('postgres', "SELECT mysql_sync.start_sync('ty', '$uri', '{types.alltypes}')");
ok(wait_for_state($node, 'ty', 'streaming'), 'task ty reaches streaming');
compare_table($my, $node, 'types.alltypes', name => 'types.alltypes: initial copy equal');

my %want = (
	id  => 'integer',        ti  => 'smallint',
	tiu => 'smallint',       si  => 'smallint',
	siu => 'integer',        mi  => 'integer',
	miu => 'integer',        i   => 'integer',
	iu  => 'bigint',         bi  => 'bigint',
	biu => 'numeric(20,0)',  d65 => 'numeric(65,30)',
	d10 => 'numeric(10,2)',  f   => 'real',
	dbl => 'double precision', c => 'character(10)',
	vc  => 'character varying(100)', tx => 'text',
	bl  => 'bytea',          vb  => 'bytea',
	dt  => 'date',           dtm => 'timestamp(6) without time zone',
	ts  => 'timestamp(3) with time zone', tm => qr/^interval/,
	tm3 => qr/^interval/,    js  => 'jsonb',
	en  => 'text',           yr  => 'smallint',
	bt  => 'bit(5)');
my $types = pg_column_types($node, 'types', 'alltypes');
for my $col (sort keys %want)
{
	my $got = $types->{$col} // '(missing)';
	if (ref $want{$col}) { like($got, $want{$col}, "type of alltypes.$col: $got") }
	else                 { is($got, $want{$col}, "type of alltypes.$col") }
}
my ($rc, $out, $err) = $node->psql('postgres',
	"BEGIN; INSERT INTO types.alltypes (id, en) VALUES (99, 'zz'); ROLLBACK;");
like($err, qr/check constraint/, 'enum column has a CHECK constraint refusing other values');

# Streamed changes on every type: updates (incl. to and from NULL, and of the primary
# key), deletes, inserts at the limits again.
$my->sql(q{
SET time_zone = '+00:00';
UPDATE types.alltypes SET ti = -1, tiu = 1, si = -2, siu = 2, mi = -3, miu = 3, i = -4, iu = 4,
  bi = -5, biu = 18446744073709551614, d65 = -0.000000000000000000000000000001, d10 = -0.01,
  f = 1e30, dbl = 1e-300, c = 'ñ', vc = '𝄞 clef', tx = 'updated', bl = x'DEADBEEF00', vb = x'FF00',
  dt = '2024-02-29', dtm = '2024-12-31 23:59:59.999999', ts = '2001-09-09 01:46:40.123',
  tm = '-00:00:01', tm3 = '838:59:58.999', js = '{"z": [true, false, null]}', en = 'a', yr = 1999,
  bt = b'01010'
 WHERE id = 1;
UPDATE types.alltypes SET ti = 5, tiu = 200, si = 6, siu = 60000, mi = 7, miu = 16000000, i = 8,
  iu = 4000000000, bi = 9, biu = 18446744073709551615, d65 = 1.5, d10 = 2.25, f = -0.25, dbl = 0.1,
  c = 'cccccccccc', vc = 'ok', tx = '', bl = x'', vb = x'00', dt = '1999-12-31',
  dtm = '1999-12-31 23:59:59', ts = '1999-12-31 23:59:59.999', tm = '-838:59:59', tm3 = '01:02:03.004',
  js = '123', en = 'c d', yr = 1901, bt = b'10000'
 WHERE id = 4;
UPDATE types.alltypes SET ti = NULL, tiu = NULL, si = NULL, siu = NULL, mi = NULL, miu = NULL,
  i = NULL, iu = NULL, bi = NULL, biu = NULL, d65 = NULL, d10 = NULL, f = NULL, dbl = NULL, c = NULL,
  vc = NULL, tx = NULL, bl = NULL, vb = NULL, dt = NULL, dtm = NULL, ts = NULL, tm = NULL, tm3 = NULL,
  js = NULL, en = NULL, yr = NULL, bt = NULL
 WHERE id = 3;
UPDATE types.alltypes SET id = 30 WHERE id = 3;
DELETE FROM types.alltypes WHERE id = 2;
INSERT INTO types.alltypes VALUES
 (5, -128, 255, -32768, 65535, -8388608, 16777215, -2147483648, 4294967295,
  -9223372036854775808, 18446744073709551615,
  -99999999999999999999999999999999999.999999999999999999999999999999, -99999999.99,
  -3.4e38, 1.7976931348623157e308,
  'end', '漢字かな交じり', REPEAT('long text ', 1000), REPEAT(x'00FF', 3000), x'7F',
  '1000-01-01', '9999-12-31 23:59:59.999999', '2038-01-19 03:14:07.999', '838:59:59',
  '-838:59:59.000', '{"k": "v\\\\"q"}', 'b', 2155, b'11111'),
 (6, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
  NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL);
BEGIN;
INSERT INTO types.alltypes (id, vc) VALUES (7, 'multi 1');
UPDATE types.alltypes SET vc = 'multi 2', tm = '100:00:00' WHERE id = 7;
INSERT INTO types.alltypes (id, bl) VALUES (8, x'00');
COMMIT;
BEGIN;
INSERT INTO types.alltypes (id, vc) VALUES (9, 'rolled back');
DELETE FROM types.alltypes WHERE id = 1;
ROLLBACK;
});
is($my->sql('SELECT GROUP_CONCAT(id ORDER BY id) FROM types.alltypes'),
	'1,4,5,6,7,8,30', 'MariaDB rows after the changes');
ok(wait_tables_equal($my, $node, ['types.alltypes'], 60), 'type changes streamed');
compare_table($my, $node, 'types.alltypes', name => 'types.alltypes: streamed changes equal');

my $st = sync_status($node, 'ty');
is($st->{state}, 'streaming', 'ty still streaming');
cmp_ok($st->{changes_applied}, '>=', 8, "ty changes_applied counts the row changes ($st->{changes_applied})");
is($st->{last_error}, undef, 'ty has no last_error');

# Spot checks in PostgreSQL's own terms, independent of the comparison helper.
is( $node->safe_psql('postgres',
		q{SELECT biu::text || ' ' || d65::text || ' ' || encode(bl, 'hex') || ' ' || tm::text || ' ' || bt::text
		    FROM types.alltypes WHERE id = 5}),
	'18446744073709551615 -99999999999999999999999999999999999.999999999999999999999999999999 '
	  . ('00ff' x 3000) . ' 838:59:59 11111',
	'row 5 read natively in PostgreSQL');
is( $node->safe_psql('postgres',
		q{SELECT extract(epoch FROM tm3)::text || ' ' || (js ->> 'k') FROM types.alltypes WHERE id = 5}),
	'-3020399.000000 v"q', 'negative time and JSON string read natively');

# ----------------------------------------------------------------------------- more types
# Further common types: fixed binary, SET, bit(1)/bit(64), the text sizes, a latin1
# column (converted to UTF8), fractional TIME/TIMESTAMP, unsigned decimal.
$my->sql(q{
CREATE TABLE types.more (
  id   bigint unsigned PRIMARY KEY,
  bn   binary(4),          st   set('x','y','z'),
  b1   bit(1),             b64  bit(64),
  tt   tinytext,           mt   mediumtext,    lt longtext,
  l1   varchar(20) CHARACTER SET latin1,
  t6   time(6),            ts6  timestamp(6) NULL,
  dt0  datetime,           du   decimal(12,4) unsigned,
  d0   decimal(5,0),       dbl  double
) DEFAULT CHARSET = utf8mb4;
SET time_zone = '+00:00';
INSERT INTO types.more VALUES
 (18446744073709551615, x'00FF', 'x,z', b'1', b'1111111111111111111111111111111111111111111111111111111111111111',
  'tiny ä', 'medium 😀', REPEAT('long ', 5000), 'café naïve', '-838:59:58.999999',
  '2038-01-19 03:14:07.999999', '2024-02-29 23:59:59', 99999999.9999, -99999, 0.1),
 (0, x'41424344', '', b'0', b'0', '', '', '', '', '00:00:00.000001', '1970-01-01 00:00:01.000000',
  '1000-01-01 00:00:00', 0, 0, -0.0),
 (1, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL);
});
$node->safe_psql('postgres', "SELECT mysql_sync.start_sync('more', '$uri', '{types.more}')");
ok(wait_for_state($node, 'more', 'streaming'), 'task more reaches streaming');
compare_table($my, $node, 'types.more', name => 'types.more: initial copy equal');
my $mt = pg_column_types($node, 'types', 'more');
is_deeply(
	[ @{$mt}{qw(id bn st b1 b64 tt mt lt l1 ts6 dt0 du d0 dbl)} ],
	[
		'numeric(20,0)', 'bytea', 'text', 'bit(1)', 'bit(64)', 'text', 'text', 'text',
		'character varying(20)', 'timestamp(6) with time zone', 'timestamp(0) without time zone',
		'numeric(12,4)', 'numeric(5,0)', 'double precision'
	],
	'types.more column types');
$my->sql(q{
SET time_zone = '+00:00';
UPDATE types.more SET bn = x'FFFF0000', st = 'y', b1 = b'0', b64 = b'1000000000000000000000000000000000000000000000000000000000000001',
  tt = 'ü', l1 = 'Ærø', t6 = '838:59:59.000000', ts6 = '2000-01-01 00:00:00.000001', du = 0.0001, d0 = 12345,
  dbl = 1e-320 WHERE id = 0;
UPDATE types.more SET id = 2 WHERE id = 1;
INSERT INTO types.more (id, bn, l1, b64) VALUES (3, x'00', 'ÿ', b'101');
});
ok(wait_tables_equal($my, $node, ['types.more'], 60), 'types.more changes streamed');
compare_table($my, $node, 'types.more', name => 'types.more: streamed changes equal');

# The comparison helper is honest: with the task paused, each small change to one
# value in the target makes it report a difference, and restoring the value makes the
# tables equal again.
$node->safe_psql('postgres', "SELECT mysql_sync.stop_sync('ty')");
ok(wait_for_state($node, 'ty', 'paused'), 'ty paused for the helper self-check');
$node->safe_psql('postgres',
	'CREATE TABLE public.bk AS SELECT * FROM types.alltypes WHERE id = 5');
my %mutations = (
	biu => 'biu - 1',
	d65 => 'd65 + 0.000000000000000000000000000001',
	dbl => 'dbl * (1 - 1e-13)',
	f   => 'f * 1.0001',
	vc  => q{vc || 'x'},
	c   => q{'End'},
	bl  => q{bl || '\x00'::bytea},
	dt  => q{dt + 1},
	dtm => q{dtm + interval '1 microsecond'},
	ts  => q{ts + interval '1 millisecond'},
	tm  => q{tm - interval '1 second'},
	tm3 => q{tm3 + interval '1 millisecond'},
	js  => q{js || '{"x": 1}'},
	bt  => q{B'11110'},
	yr  => 'yr - 1',
	ti  => 'NULL');
for my $col (sort keys %mutations)
{
	$node->safe_psql('postgres', "UPDATE types.alltypes SET $col = $mutations{$col} WHERE id = 5");
	ok(!tables_equal($my, $node, 'types.alltypes'), "helper detects a changed $col");
	$node->safe_psql('postgres',
		"UPDATE types.alltypes t SET $col = b.$col FROM public.bk b WHERE t.id = 5 AND b.id = 5");
}
$node->safe_psql('postgres', 'DELETE FROM types.alltypes WHERE id = 6');
ok(!tables_equal($my, $node, 'types.alltypes'), 'helper detects a missing row');
$node->safe_psql('postgres', 'INSERT INTO types.alltypes (id) VALUES (6), (10)');
ok(!tables_equal($my, $node, 'types.alltypes'), 'helper detects an extra row');
$node->safe_psql('postgres', 'DELETE FROM types.alltypes WHERE id = 10');
ok(tables_equal($my, $node, 'types.alltypes'), 'equal again after restoring every value');

$node->stop;
$my->stop;
done_testing();
