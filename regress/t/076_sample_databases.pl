# The initial copy on real sample data and under concurrent writes, against MariaDB:
#  - MySQL's world and world_x samples (../shared/fixtures/sampledb) copied with the default
#    options, compared table by table, then a write workload streamed and compared again;
#    world_x.countryinfo holds JSON documents, a STORED generated column `_id` (its unique key)
#    and a VIRTUAL generated column: both arrive as plain columns holding the source's values
#    (the target is a copy of the data, not of the generation rules), and the table, having no
#    primary key, needs table_keys (the default precheck says so);
#  - every character set the issue names, on the copy path (050 covers the binlog path);
#  - a 300k-row table written to across its key range (inserts, updates, primary key updates,
#    deletes) for the whole duration of its copy ends equal.
use strict;
use warnings;

use FindBin;
use lib $FindBin::RealBin;

use PostgreSQL::Test::Utils;
use PostgreSQL::Test::Cluster;
use Test::More;
use Time::HiRes qw(usleep);
use POSIX ();
use MysqlSyncTest;

plan skip_all => 'mysql_sync is not installed (make install)' unless extension_installed();

my $fixtures  = "$FindBin::RealBin/../../../shared/fixtures/sampledb";
my $world_sql = "$fixtures/world.sql";
my $worldx_sql = "$fixtures/world_x.mariadb.sql";

my $my   = start_mariadb(name => 'src076');
my $node = pg_node('pg076');
$node->safe_psql('postgres', 'CREATE EXTENSION mysql_sync');
my $uri = $my->source_uri;

sub q1 { my ($sql) = @_; return $node->safe_psql('postgres', $sql); }

# ----------------------------------------------------------------------------- world, world_x
subtest 'world and world_x (../shared/fixtures/sampledb)' => sub {
	plan skip_all => "needs ../shared/fixtures/sampledb/world.sql and world_x.mariadb.sql, which are not beside this checkout"
	  unless -r $world_sql && -r $worldx_sql;
	$my->load_file($world_sql);
	$my->load_file($worldx_sql);
	is($my->sql('SELECT COUNT(*) FROM world.city') . ' ' . $my->sql('SELECT COUNT(*) FROM world_x.city') . ' '
		  . $my->sql('SELECT COUNT(*) FROM world_x.countryinfo'),
		'4079 4079 239', 'world and world_x loaded into MariaDB');

	my @world  = qw(world.city world.country world.countrylanguage);
	my @worldx = qw(world_x.city world_x.country world_x.countryinfo world_x.countrylanguage);

	# Defaults: countryinfo has no primary key (only a unique key on a nullable generated column).
	my ($rc, $out, $err) = $node->psql('postgres', "SELECT mysql_sync.start_sync('s0', '$uri', '{world.*, world_x.*}')");
	like($err, qr/primary_keys: no primary key.*world_x\.countryinfo/s,
		'with the defaults, countryinfo (no primary key) needs table_keys');

	q1("SELECT mysql_sync.start_sync('w', '$uri', '{world.*, world_x.*}',
	      table_keys => '{\"world_x.countryinfo\": {\"primary_key\": [\"_id\"]}}')");
	ok(wait_for_state($node, 'w', 'streaming'), 'task w (world and world_x) reaches streaming');
	is( q1(q{SELECT string_agg(source_table || ':' || state || ':' || rows_copied, ' ' ORDER BY source_table)
	           FROM mysql_sync.table_status WHERE task = 'w'}),
		'world.city:synced:4079 world.country:synced:239 world.countrylanguage:synced:984 '
		  . 'world_x.city:synced:4079 world_x.country:synced:239 world_x.countryinfo:synced:239 '
		  . 'world_x.countrylanguage:synced:984',
		'table_status: seven tables synced with their row counts');
	compare_table($my, $node, $_, name => "$_: initial copy equal") for @world, @worldx;

	# The generated columns are plain columns in the target, with the source's values.
	my $ci = pg_column_types($node, 'world_x', 'countryinfo');
	is(join(' ', map { "$_=" . ($ci->{$_} // '-') } qw(doc _id _json_schema)),
		'doc=jsonb _id=bytea _json_schema=jsonb', 'countryinfo column types');
	is( q1(q{SELECT string_agg(attname || ':' || (attgenerated = '')::text, ' ' ORDER BY attnum) FROM pg_attribute
	          WHERE attrelid = 'world_x.countryinfo'::regclass AND attnum > 0}),
		'doc:true _id:true _json_schema:true', 'generated columns arrive as plain (not generated) columns');
	is( q1(q{SELECT count(*) FILTER (WHERE convert_from(_id, 'UTF8') = doc ->> '_id')
	              || ' ' || count(*) FILTER (WHERE _json_schema = '{"type": "object"}')
	           FROM world_x.countryinfo}),
		'239 239', 'their values are the source\'s: _id = doc->>_id, the virtual column\'s constant');
	is( q1(q{SELECT convert_from(_id, 'UTF8') || ' ' || (doc #>> '{geography,Continent}') FROM world_x.countryinfo
	          WHERE doc ->> 'Code' = 'NLD'}),
		'00005de917d8000000000000009e Europe', 'JSON documents queryable in PostgreSQL');

	# A write workload on both samples while streaming: inserts, updates (JSON documents, the
	# generated key through its document, a primary key), deletes, in multi-statement transactions.
	$my->sql(q{
	SET NAMES utf8mb4;
	BEGIN;
	UPDATE world.city SET Population = Population + 1 WHERE CountryCode = 'NLD';
	INSERT INTO world.city (Name, CountryCode, District, Population) VALUES ('Zürich-Nord', 'CHE', 'Zürich', 12345);
	DELETE FROM world.countrylanguage WHERE CountryCode = 'ABW';
	UPDATE world.country SET Continent = 'Antarctica', GNP = NULL, LocalName = '南極 😀' WHERE Code = 'ATA';
	COMMIT;
	UPDATE world.countrylanguage SET Language = 'Schwiizerdütsch' WHERE CountryCode = 'CHE' AND Language = 'German';
	DELETE FROM world.city WHERE ID BETWEEN 3000 AND 3100;
	BEGIN;
	UPDATE world_x.countryinfo SET doc = JSON_SET(doc, '$.demographics.Population', 1234, '$.note', 'ünï 😀')
	 WHERE JSON_VALUE(doc, '$.Code') = 'USA';
	INSERT INTO world_x.countryinfo (doc) VALUES ('{"_id": "zzz-new", "Code": "ZZZ", "Name": "Zedland 😀", "geography": {"Region": "Nowhere"}}');
	DELETE FROM world_x.countryinfo WHERE JSON_VALUE(doc, '$.Code') = 'ABW';
	UPDATE world_x.countryinfo SET doc = JSON_SET(doc, '$._id', 'afg-moved') WHERE JSON_VALUE(doc, '$.Code') = 'AFG';
	COMMIT;
	UPDATE world_x.city SET Info = JSON_SET(Info, '$.Population', 1) WHERE CountryCode = 'NLD';
	INSERT INTO world_x.city (Name, CountryCode, District, Info) VALUES ('Ünïcode 日本', 'CHE', 'Zürich', '{"Population": 5}');
	UPDATE world_x.city SET ID = 99999 WHERE ID = 1;
	DELETE FROM world_x.city WHERE ID BETWEEN 100 AND 120;
	UPDATE world_x.countrylanguage SET Percentage = Percentage / 2 WHERE CountryCode = 'CHE';
	UPDATE world_x.country SET Capital = NULL WHERE Code = 'NLD';
	});
	ok(wait_tables_equal($my, $node, [ @world, @worldx ], 120), 'world and world_x changes streamed');
	compare_table($my, $node, $_, name => "$_: equal after streaming") for @world, @worldx;
	is( q1(q{SELECT string_agg((doc ->> 'Code') || '=' || convert_from(_id, 'UTF8'), ',' ORDER BY doc ->> 'Code')
	           FROM world_x.countryinfo WHERE doc ->> 'Code' IN ('AFG', 'ABW', 'ZZZ')}),
		'AFG=afg-moved,ZZZ=zzz-new',
		'countryinfo: the generated key followed its document (a key update), insert and delete applied');
	is(q1(q{SELECT (doc ->> 'note') || ' ' || (doc #>> '{demographics,Population}') FROM world_x.countryinfo WHERE doc ->> 'Code' = 'USA'}),
		'ünï 😀 1234', 'updated JSON document');
};

# ----------------------------------------------------------------------------- charsets on copy
# One column per character set, holding characters of that set (the client sends UTF-8 and
# MariaDB stores them in the column's charset); the copy converts each to UTF-8.
$my->sql(q{
SET NAMES utf8mb4;
CREATE DATABASE cs;
CREATE TABLE cs.t (id int PRIMARY KEY,
  u8   varchar(20) CHARACTER SET utf8mb4, l1  varchar(20) CHARACTER SET latin1,
  w50  varchar(20) CHARACTER SET cp1250,  w51 varchar(20) CHARACTER SET cp1251,
  gbk  varchar(20) CHARACTER SET gbk,     b5  varchar(20) CHARACTER SET big5,
  ujis varchar(20) CHARACTER SET ujis,    sj  varchar(20) CHARACTER SET sjis,
  bin  varchar(20) CHARACTER SET binary,  bc  char(4) CHARACTER SET binary,
  tl1  text CHARACTER SET latin1,         tsj text CHARACTER SET sjis);
INSERT INTO cs.t VALUES
 (1, 'é😀𝄞日本', 'café ÿ ß Æ', 'Řeřicha žluť', 'Жизнь щёлк', '汉字简体', '漢字繁體', 'かな漢字カナ', 'カナ漢字ｶﾅ',
     x'00FF80', x'0102', 'naïve ¼', 'ソフト表'),
 (2, '', '', '', '', '', '', '', '', '', '', '', ''),
 (3, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL),
 (4, 'a''b\\c', 'x,y "z"', 'ŁódźĄę', 'Ђурђевдан', '中文，标点', '臺灣：標點', '｢日本｣', '表示「ソ」',
     x'', x'FFFFFFFF', REPEAT('é', 300), REPEAT('ソ', 300));
});
q1("SELECT mysql_sync.start_sync('cs', '$uri', '{cs.t}')");
ok(wait_for_state($node, 'cs', 'streaming'), 'task cs reaches streaming');
compare_table($my, $node, 'cs.t', name => 'cs.t: every charset copied equal');
is( q1(q{SELECT concat_ws('|', u8, l1, w50, w51, gbk, b5, ujis, sj, encode(bin, 'hex'), encode(bc, 'hex'), tl1, tsj)
           FROM cs.t WHERE id = 1}),
	'é😀𝄞日本|café ÿ ß Æ|Řeřicha žluť|Жизнь щёлк|汉字简体|漢字繁體|かな漢字カナ|カナ漢字ｶﾅ|00ff80|01020000|naïve ¼|ソフト表',
	'each charset read natively in PostgreSQL as the same characters');
is(q1(q{SELECT length(tl1) || ' ' || length(tsj) FROM cs.t WHERE id = 4}), '300 300', 'long latin1/sjis text');

# ----------------------------------------------------------------------------- writes during the copy
# 300k rows; a background client changes rows across the whole key range (update, primary key
# update, delete, insert, each its own transaction) from before start_sync until the task
# streams, so every part of the copy overlaps changes.
my $rows = 300_000;
$my->sql(qq{
CREATE DATABASE churn;
CREATE TABLE churn.t (id int PRIMARY KEY, v int NOT NULL, note varchar(60));
INSERT INTO churn.t SELECT seq, seq, REPEAT('n', 40) FROM churn.seq_1_to_$rows;
CREATE TABLE churn.ctl (id int PRIMARY KEY, stop int NOT NULL, iters int NOT NULL);
INSERT INTO churn.ctl VALUES (1, 0, 0);
DELIMITER //
CREATE PROCEDURE churn.run()
BEGIN
  DECLARE i INT DEFAULT 0;
  DECLARE t_end DATETIME DEFAULT NOW() + INTERVAL 100 SECOND;  -- under the client's 120 s timeout
  WHILE (SELECT stop FROM churn.ctl WHERE id = 1) = 0 AND NOW() < t_end DO
    SET i = i + 1;
    UPDATE churn.t SET v = v + 1, note = CONCAT('u', i) WHERE id = 1 + (i * 7919) % $rows;
    UPDATE churn.t SET id = id + 1000000 WHERE id = 1 + (i * 15485863) % $rows;
    DELETE FROM churn.t WHERE id = 1 + (i * 104729) % $rows;
    INSERT INTO churn.t VALUES ($rows + i, i, CONCAT('new ', i));
    UPDATE churn.ctl SET iters = i WHERE id = 1;
    DO SLEEP(0.005);
  END WHILE;
END//
DELIMITER ;
});
my $writer = start_workload(
	sub {
		my $ok = defined $my->sql('CALL churn.run()', fail_ok => 1);
		print STDERR "writer: $my->{last_error}\n" unless $ok;
		return $ok ? 0 : 1;
	});
my $iters = sub { $my->sql('SELECT iters FROM churn.ctl WHERE id = 1') };
ok(wait_until(sub { $iters->() >= 20 }, 60), 'the writer is changing churn.t');

# Throttled so that the copy lasts a few seconds however fast the machine is: the test must see
# the writer at work while the table is copying.
q1("SELECT mysql_sync.start_sync('ch', '$uri', '{churn.t}', options => '{\"max_rows_per_second\": 50000}')");
my ($during, $seen) = (0, '');
ok( wait_until(
		sub {
			$seen = q1(q{SELECT state || ':' || rows_copied FROM mysql_sync.table_status WHERE task = 'ch'});
			return 0 unless $seen =~ /^copying:(\d+)$/ && $1 > 0;
			$during = $iters->();
			return 1;
		},
		120),
	"churn.t seen while copying ($seen)");
ok(wait_for_state($node, 'ch', 'streaming', 300), 'task ch reaches streaming');
my $after = $iters->();
cmp_ok($after, '>', $during, "the writer kept changing rows during the copy (iteration $during while copying, $after at streaming)");
$my->sql('UPDATE churn.ctl SET stop = 1 WHERE id = 1');
is($writer->wait, 0, 'the writer finished without errors');
my $final = $iters->();
is($my->sql('SELECT COUNT(*) FROM churn.t WHERE id > 1000000') > 0 ? 'moved' : 'none', 'moved',
	'primary key updates happened');
ok(wait_tables_equal($my, $node, ['churn.t'], 180), "churn.t equal after $final writer iterations");
compare_table($my, $node, 'churn.t', name => 'churn.t: written during its copy, ends equal');
my $st = sync_status($node, 'ch');
is($st->{last_error}, undef, 'task ch has no last_error');

$node->stop;
$my->stop;
done_testing();
