# The binlog decoder on binlogs written during the test by a real MariaDB, value by value:
#  - tables with every MariaDB column type at its edges (min, max, 0, NULL, empty,
#    multi-byte text in many character sets, zero dates, 2^64-1, 65-digit decimals,
#    nested JSON, geometry), inserted, updated and deleted in three binlog files;
#  - (1) every row image the CLI prints equals what MariaDB's SELECT returns for that row
#    at that time (insert/update after-images, update/delete before-images), both sides
#    cast in PostgreSQL to the contract's mapped type and compared as canonical text;
#  - (2) every value agrees with `mariadb-binlog --base64-output=decode-rows -vv` on the
#    same files (by rule per type where its printed form differs, see mb_agrees);
#  - zero dates are null (nullable) or -infinity (NOT NULL) with the default invalid_dates;
#  - mysql_sync.binlog_events() on each file returns exactly the CLI's lines (as jsonb).
use strict;
use warnings;

use FindBin;
use lib $FindBin::RealBin;

use Encode ();
use IPC::Run;
use JSON::PP;
use Socket qw(AF_INET6 inet_pton inet_aton);
use Time::Local qw(timegm);
use PostgreSQL::Test::Utils;
use PostgreSQL::Test::Cluster;
use Test::More;
use MysqlSyncTest;

plan skip_all => 'mysql_sync is not installed (make install)' unless extension_installed();

my $bindir = `pg_config --bindir`;
chomp $bindir;
my $cli = "$bindir/mysql-sync-binlog";
plan skip_all => "no $cli" unless -x $cli;

my $my   = start_mariadb(name => 'src050');
my $node = pg_node('pg050');
$node->safe_psql('postgres', 'CREATE EXTENSION mysql_sync');

# ------------------------------------------------------------------------ schema and rows
# The SQL is UTF-8 bytes (no `use utf8`): it goes to the client as it is written here.
$my->sql(<<'SQL');
CREATE DATABASE dv;
USE dv;
CREATE TABLE t_int (id int PRIMARY KEY,
  ti tinyint, tiu tinyint unsigned, si smallint, siu smallint unsigned,
  mi mediumint, miu mediumint unsigned, i int, iu int unsigned,
  bi bigint, biu bigint unsigned, b bool);
CREATE TABLE t_num (id int PRIMARY KEY,
  d65 decimal(65,30), d650 decimal(65,0), d10 decimal(10,2), d55 decimal(5,5), d1 decimal(1,0),
  du decimal(20,6) unsigned, f float, f72 float(7,2), dbl double, dbl2 double(20,5));
CREATE TABLE t_bit (id int PRIMARY KEY, b1 bit(1), b5 bit(5), b9 bit(9), b64 bit(64));
CREATE TABLE t_time (id int PRIMARY KEY, yr year,
  d date, dnn date NOT NULL DEFAULT '2000-01-01',
  dt0 datetime, dt1 datetime(1), dt2 datetime(2), dt3 datetime(3), dt4 datetime(4), dt5 datetime(5), dt6 datetime(6),
  dtnn datetime NOT NULL DEFAULT '2000-01-01 00:00:00',
  ts0 timestamp NULL, ts1 timestamp(1) NULL, ts2 timestamp(2) NULL, ts3 timestamp(3) NULL,
  ts4 timestamp(4) NULL, ts5 timestamp(5) NULL, ts6 timestamp(6) NULL,
  tsnn timestamp NOT NULL DEFAULT '2000-01-01 00:00:00',
  tm0 time, tm1 time(1), tm2 time(2), tm3 time(3), tm4 time(4), tm5 time(5), tm6 time(6));
CREATE TABLE t_str (id int PRIMARY KEY, c char(10), c255 char(255), vc varchar(10), vc300 varchar(300),
  tt tinytext, tx text, mt mediumtext, lt longtext,
  c3 varchar(20) CHARACTER SET utf8mb3, uca varchar(20) COLLATE utf8mb4_uca1400_ai_ci,
  nopad varchar(20) COLLATE utf8mb4_nopad_bin) DEFAULT CHARSET=utf8mb4;
CREATE TABLE t_cs (id int PRIMARY KEY,
  l1 varchar(20) CHARACTER SET latin1, l1c char(5) CHARACTER SET latin1,
  l2 varchar(20) CHARACTER SET latin2, cp1250 varchar(20) CHARACTER SET cp1250,
  cp1251 varchar(20) CHARACTER SET cp1251, koi8r varchar(20) CHARACTER SET koi8r,
  greek varchar(20) CHARACTER SET greek, gbk varchar(20) CHARACTER SET gbk, gb2312 varchar(20) CHARACTER SET gb2312,
  big5 varchar(20) CHARACTER SET big5, sjis varchar(20) CHARACTER SET sjis, cp932 varchar(20) CHARACTER SET cp932,
  ujis varchar(20) CHARACTER SET ujis, euckr varchar(20) CHARACTER SET euckr,
  ucs2 varchar(20) CHARACTER SET ucs2, ucs2c char(5) CHARACTER SET ucs2, utf16 varchar(20) CHARACTER SET utf16,
  utf16le varchar(20) CHARACTER SET utf16le, utf32 varchar(20) CHARACTER SET utf32, utf32c char(4) CHARACTER SET utf32,
  asc1 varchar(20) CHARACTER SET ascii, txl1 text CHARACTER SET latin1, txgbk text CHARACTER SET gbk);
CREATE TABLE t_bin (id int PRIMARY KEY, bn binary(4), bn1 binary(1), vb varbinary(10), vb300 varbinary(300),
  tb tinyblob, bl blob, mb mediumblob, lb longblob);
CREATE TABLE t_misc (id int PRIMARY KEY,
  en enum('a','b','c d','é','x,y'), st set('x','y','z','ü','w1','w2','w3','w4','w5','w6'),
  js json, g geometry, pt point, ls linestring, pg polygon, mp multipoint, gc geometrycollection,
  u uuid, i6 inet6, i4 inet4);
SQL

# Phase A (binlog file 2): inserts.
$my->sql('FLUSH BINARY LOGS');
$my->sql(<<'SQL');
USE dv;
SET time_zone = '+00:00';
SET sql_mode = 'STRICT_ALL_TABLES';
INSERT INTO t_int VALUES
 (1, -128, 0, -32768, 0, -8388608, 0, -2147483648, 0, -9223372036854775808, 0, 0),
 (2, 127, 255, 32767, 65535, 8388607, 16777215, 2147483647, 4294967295, 9223372036854775807, 18446744073709551615, 1),
 (3, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0),
 (4, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL),
 (5, -1, 128, -1, 32768, -1, 8388608, -1, 2147483648, -1, 9223372036854775808, 127);
INSERT INTO t_num VALUES
 (1, 99999999999999999999999999999999999.999999999999999999999999999999,
     99999999999999999999999999999999999999999999999999999999999999999, 99999999.99, 0.99999, 9,
     99999999999999.999999, 3.40282e38, 99999.99, 1e308, 999999999999999.99999),
 (2, -99999999999999999999999999999999999.999999999999999999999999999999,
     -99999999999999999999999999999999999999999999999999999999999999999, -99999999.99, -0.99999, -9,
     0, -3.40282e38, -99999.99, -1.7976931348623157e308, -999999999999999.99999),
 (3, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0),
 (4, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL),
 (5, 0.000000000000000000000000000001, 1, 0.01, 0.00001, 1, 0.000001, 1.17549e-38, 0.01, 2.2250738585072014e-308, 0.00001),
 (6, -0.000000000000000000000000000001, -1, -0.01, -0.00001, -1, 12345678901234.5, 0.1, -0.01, 0.1, 0.1),
 (7, 12345678901234567890123456789012345.123456789012345678901234567890,
     12345678901234567890123456789012345678901234567890123456789012345, 12.5, 0.5, 5,
     1.5, 1e-45, 1.5, 4.9406564584124654e-324, 1.5),
 (8, 1.5, 10000000000000000000000000000000000000000000000000000000000000000, 1234.56, 0.12345, 0,
     0, -0.0, 0, -0e0, -0.0);
INSERT INTO t_bit VALUES (1, b'0', b'00000', b'000000000', 0), (2, b'1', b'11111', b'111111111', 18446744073709551615),
 (3, NULL, NULL, NULL, NULL), (4, b'1', b'10101', b'100000001', b'1000000000000000000000000000000000000000000000000000000000000001');
INSERT INTO t_time VALUES
 (1, 1901, '1000-01-01', '1000-01-01', '1000-01-01 00:00:00', '1000-01-01 00:00:00.0', '1000-01-01 00:00:00.00',
  '1000-01-01 00:00:00.000', '1000-01-01 00:00:00.0000', '1000-01-01 00:00:00.00000', '1000-01-01 00:00:00.000000',
  '1000-01-01 00:00:00',
  '1970-01-01 00:00:01', '1970-01-01 00:00:01.0', '1970-01-01 00:00:01.00', '1970-01-01 00:00:01.000',
  '1970-01-01 00:00:01.0000', '1970-01-01 00:00:01.00000', '1970-01-01 00:00:01.000000', '1970-01-01 00:00:01',
  '-838:59:59', '-838:59:59.0', '-838:59:59.00', '-838:59:59.000', '-838:59:59.0000', '-838:59:59.00000', '-838:59:59.000000'),
 (2, 2155, '9999-12-31', '9999-12-31', '9999-12-31 23:59:59', '9999-12-31 23:59:59.9', '9999-12-31 23:59:59.99',
  '9999-12-31 23:59:59.999', '9999-12-31 23:59:59.9999', '9999-12-31 23:59:59.99999', '9999-12-31 23:59:59.999999',
  '9999-12-31 23:59:59',
  '2038-01-19 03:14:07', '2038-01-19 03:14:07.9', '2038-01-19 03:14:07.99', '2038-01-19 03:14:07.999',
  '2038-01-19 03:14:07.9999', '2038-01-19 03:14:07.99999', '2038-01-19 03:14:07.999999', '2038-01-19 03:14:07',
  '838:59:59', '838:59:59.9', '838:59:59.99', '838:59:59.999', '838:59:59.9999', '838:59:59.99999', '838:59:59.999999'),
 (3, 2000, '2024-02-29', '2024-02-29', '2024-02-29 13:14:15', '2024-02-29 13:14:15.1', '2024-02-29 13:14:15.12',
  '2024-02-29 13:14:15.123', '2024-02-29 13:14:15.1234', '2024-02-29 13:14:15.12345', '2024-02-29 13:14:15.123456',
  '2024-02-29 13:14:15',
  '2024-02-29 13:14:15', '2024-02-29 13:14:15.1', '2024-02-29 13:14:15.12', '2024-02-29 13:14:15.123',
  '2024-02-29 13:14:15.1234', '2024-02-29 13:14:15.12345', '2024-02-29 13:14:15.123456', '2024-02-29 13:14:15',
  '-00:00:00.5', '-00:00:00.1', '-00:00:00.01', '-00:00:00.001', '-00:00:00.0001', '-00:00:00.00001', '-00:00:00.000001'),
 (4, NULL, NULL, '2000-01-01', NULL, NULL, NULL, NULL, NULL, NULL, NULL, '2000-01-01 00:00:00',
  NULL, NULL, NULL, NULL, NULL, NULL, NULL, '2000-01-01 00:00:00', NULL, NULL, NULL, NULL, NULL, NULL, NULL),
 (5, 1970, '1970-01-01', '1970-01-01', '1999-12-31 23:59:59', '1999-12-31 23:59:59.5', '2000-01-01 00:00:00.05',
  '1999-12-31 23:59:59.001', '2000-06-15 12:00:00.0001', '2000-06-15 12:00:00.00001', '2000-06-15 12:00:00.000001',
  '1999-12-31 23:59:59',
  '2000-06-15 12:00:00', '2000-06-15 12:00:00.5', '2000-06-15 12:00:00.05', '2000-06-15 12:00:00.001',
  '2000-06-15 12:00:00.0001', '2000-06-15 12:00:00.00001', '2000-06-15 12:00:00.000001', '2000-06-15 12:00:00',
  '00:00:00', '-12:34:56.7', '100:00:00.01', '-01:02:03.456', '23:59:59.9999', '-00:00:01.00001', '-34:56:07.890123');
SET sql_mode = '';
INSERT INTO t_time VALUES
 (6, 0, '0000-00-00', '0000-00-00', '0000-00-00 00:00:00', '0000-00-00 00:00:00.0', '0000-00-00 00:00:00.00',
  '0000-00-00 00:00:00.000', '0000-00-00 00:00:00.0000', '0000-00-00 00:00:00.00000', '0000-00-00 00:00:00.000000',
  '0000-00-00 00:00:00',
  '0000-00-00 00:00:00', '0000-00-00 00:00:00', '0000-00-00 00:00:00', '0000-00-00 00:00:00',
  '0000-00-00 00:00:00', '0000-00-00 00:00:00', '0000-00-00 00:00:00', '0000-00-00 00:00:00',
  '00:00:00', '00:00:00.0', '00:00:00.00', '00:00:00.000', '00:00:00.0000', '00:00:00.00000', '00:00:00.000000'),
 (7, 2001, '2020-00-15', '2020-02-00', '2020-00-00 10:00:00', '2020-01-00 00:00:00.5', NULL, NULL, NULL, NULL, NULL,
  '0000-01-01 00:00:00', NULL, NULL, NULL, NULL, NULL, NULL, NULL, '2000-01-01 00:00:00', NULL, NULL, NULL, NULL, NULL, NULL, NULL);
SET sql_mode = 'STRICT_ALL_TABLES';
INSERT INTO t_str VALUES
 (1, 'abc', 'x', 'héllo', REPEAT('ü', 300), 'tiny 😀', 'line1\nline2\ttab \\ back, comma', '日本語テキスト', REPEAT('😀', 1000), 'ç3', 'ǅ uca', 'nopad  '),
 (2, '', '', '', '', '', '', '', '', '', '', ''),
 (3, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL),
 (4, 'pad  ', REPEAT('é', 255), 'trail  ', 'q''s "dq" \\', '\rcr', 'ä', '𝄞 clef', CONCAT(REPEAT('x', 70000), 'ë'), '€', 'ß', '\t'),
 (5, '😀😀😀😀😀😀😀😀😀😀', ' lead', ' ', 'ʼ', 'NULL', 'null', '\\N', '''', '"', 'ﬁ', ' ');
INSERT INTO t_cs VALUES
 (1, 'Grüße €', 'ÿÿ', 'Łódź', 'Příliš žluťoučký', 'Съешь же ещё', 'Привет', 'Καλημέρα', '中文简体', '简体中文', '繁體中文', 'ｱｲｳ日本語', '～①日本', 'ひらがな漢字', '한국어', 'ucs2 Ω', 'Ωü', 'utf16 😀', 'le 😀', 'utf32 😀', '😀ab',
  'plain ascii', REPEAT('ñ', 300), REPEAT('中', 300)),
 (2, '', '', '', '', '', '', '', '', '', '', '', '', '', '', '', '', '', '', '', '', '', '', ''),
 (3, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL),
 (4, '‚ƒ„…†‡ˆ‰Š‹ŒŽ', 'a  ', 'ő', 'ő', 'ў', 'ё', 'ΐ', '〇', '、', '，', 'a\\b~c', '￢', 'a\\b~ア', '가', ' ', ' ', '\r', '𝄞', '𝄞', ' ', '~\\', 'x', 'y');
INSERT INTO t_bin VALUES
 (1, x'00000000', x'00', x'00', x'00', x'00', x'00', x'00', x'00'),
 (2, x'FFFFFFFF', x'FF', x'FF', REPEAT(x'FF', 300), x'FF', x'FF', x'FF', REPEAT(x'FFEE', 40000)),
 (3, x'', x'', x'', x'', x'', x'', x'', x''),
 (4, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL),
 (5, x'01', x'20', x'0A0D5C27', x'E282AC', x'5C', x'0001020304', x'C3', x'00FF');
INSERT INTO t_misc VALUES
 (1, 'a', 'x', '{"a": 1, "b": [1, 2.5, "x", true, false, null, {"c": {"d": [[]]}}], "e": "ü😀\\n\\"q\\"", "big": 18446744073709551615, "neg": -9223372036854775808, "f": 1.5e300}',
  ST_GeomFromText('POINT(1 2)'), ST_GeomFromText('POINT(-1.5 1e300)'), ST_GeomFromText('LINESTRING(0 0, 1 1, 2 0)'),
  ST_GeomFromText('POLYGON((0 0, 10 0, 10 10, 0 10, 0 0), (2 2, 3 2, 3 3, 2 2))'), ST_GeomFromText('MULTIPOINT(1 1, 2 2)'),
  ST_GeomFromText('GEOMETRYCOLLECTION(POINT(1 1), LINESTRING(0 0, 1 1))'),
  '123e4567-e89b-12d3-a456-426655440000', '2001:db8::ff00:42:8329', '192.168.0.1'),
 (2, 'c d', '', '[]', ST_GeomFromText('POINT(0 0)', 4326), NULL, NULL, NULL, NULL, ST_GeomFromText('GEOMETRYCOLLECTION EMPTY'),
  '00000000-0000-0000-0000-000000000000', '::', '0.0.0.0'),
 (3, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL),
 (4, 'é', 'x,y,z,ü,w1,w2,w3,w4,w5,w6', '"str"', ST_GeomFromText('LINESTRING(1 1, 2 2)'), NULL, NULL, NULL, NULL, NULL,
  'ffffffff-ffff-ffff-ffff-ffffffffffff', 'ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff', '255.255.255.255'),
 (5, 'x,y', 'ü,w6', '{}', NULL, NULL, NULL, NULL, NULL, NULL, '6ccd780c-baba-1026-9564-5b8c656024db', '::ffff:1.2.3.4', '10.0.0.1'),
 (6, 'b', 'y,z', '{"k": {"k": {"k": {"k": [1, {"k": "v"}]}}}, "": ""}', NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL),
 (7, 'a', 'x', '12345678901234567890', NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL),
 (8, 'a', 'x', 'null', NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL);
SET sql_mode = '';
-- not a member: ENUM stores index 0 (''), SET drops the unknown member
INSERT INTO t_misc (id, en, st) VALUES (9, 'nonexistent', 'x,nonexistent');
SQL

my @tables = qw(t_int t_num t_bit t_time t_str t_cs t_bin t_misc);
my %snap;    # phase => table => id => [ values as SELECT returns them, normalized ]
my %spec;    # table => [ column specs ]
$spec{$_} = column_specs($_) for @tables;
$snap{A} = { map { $_ => select_rows($_) } @tables };

# Phase B (file 3): updates, each row at most once (to and from NULL, edges, zero dates).
$my->sql('FLUSH BINARY LOGS');
$my->sql(<<'SQL');
USE dv;
SET time_zone = '+00:00';
SET sql_mode = 'STRICT_ALL_TABLES';
UPDATE t_int SET ti = 127, tiu = 255, si = 32767, siu = 65535, mi = 8388607, miu = 16777215, i = 2147483647,
  iu = 4294967295, bi = 9223372036854775807, biu = 18446744073709551615, b = -128 WHERE id IN (1, 4);
UPDATE t_int SET ti = NULL, tiu = NULL, bi = NULL, biu = NULL WHERE id = 2;
UPDATE t_num SET d65 = -d65, d650 = d650 - 1, d10 = d10 / 2, f = -f, dbl = dbl / 3, dbl2 = 1e-5 WHERE id IN (1, 5, 6, 7);
UPDATE t_num SET d65 = 1, d650 = 2, d10 = 3, d55 = 0.4, d1 = 5, du = 6, f = 7, f72 = 8, dbl = 9, dbl2 = 10 WHERE id = 4;
UPDATE t_bit SET b1 = b'1', b5 = b'01110', b9 = b'011111110', b64 = 9223372036854775808 WHERE id = 3;
UPDATE t_bit SET b1 = NULL, b64 = 1 WHERE id = 1;
UPDATE t_time SET yr = 1999, d = '1999-12-31', dt6 = '1999-12-31 23:59:59.999999', ts3 = '2001-09-09 01:46:40.123',
  tm3 = '-837:00:00.001', tm0 = NULL WHERE id IN (1, 4);
SET sql_mode = '';
UPDATE t_time SET d = '0000-00-00', dnn = '0000-00-00', dt3 = '0000-00-00 00:00:00', dtnn = '0000-00-00 00:00:00',
  ts6 = '0000-00-00 00:00:00', tsnn = '0000-00-00 00:00:00' WHERE id = 3;
UPDATE t_time SET d = '2021-03-04', dnn = '2021-03-04', dt0 = '2021-03-04 05:06:07', tsnn = '2021-03-04 05:06:07',
  ts0 = '2021-03-04 05:06:07' WHERE id = 6;
SET sql_mode = 'STRICT_ALL_TABLES';
UPDATE t_str SET c = 'changed', vc300 = CONCAT(LEFT(vc300, 299), '✓'), lt = NULL, tx = '' WHERE id = 1;
UPDATE t_str SET c = 'ünïcödé', c255 = '😀', vc = 'x', tt = '日本', tx = 'Ω', mt = '', lt = 'back\\slash', c3 = 'ü', uca = 'z', nopad = 'q' WHERE id = 3;
UPDATE t_cs SET l1 = 'Ä', gbk = '汉字', big5 = '漢字', sjis = 'カナ\\', ujis = 'かな', euckr = '가나', ucs2 = 'Ω', utf16 = '😀', utf32 = '😀',
  cp1251 = 'Ж', koi8r = 'Ж', cp1250 = 'Ř', l2 = 'Ř', greek = 'Ω', gb2312 = '汉', cp932 = 'ｶﾅ', txl1 = 'é', txgbk = '字' WHERE id = 3;
UPDATE t_cs SET l1 = NULL, sjis = '', ucs2c = 'Ωx' WHERE id = 1;
UPDATE t_bin SET bn = x'0000', vb = x'FF00', lb = NULL, tb = '' WHERE id = 1;
UPDATE t_bin SET bn = x'DEADBEEF', bn1 = x'7F', vb = '', vb300 = x'80', tb = x'00', bl = REPEAT(x'AB', 1000), mb = x'', lb = x'01' WHERE id = 4;
UPDATE t_misc SET en = 'x,y', st = 'w6', js = '{"updated": [true, {"deep": {"er": [1.25, -0, "\\u00e9"]}}]}',
  g = ST_GeomFromText('MULTIPOLYGON(((0 0, 1 0, 1 1, 0 0)))'), u = NULL, i6 = '::1', i4 = '127.0.0.1' WHERE id = 3;
UPDATE t_misc SET en = NULL, st = NULL, js = NULL, g = NULL, pt = NULL, gc = NULL, u = NULL, i6 = NULL, i4 = NULL WHERE id = 1;
SQL
$snap{B} = { map { $_ => select_rows($_) } @tables };

# Phase C (file 4): deletes.
$my->sql('FLUSH BINARY LOGS');
$my->sql(<<'SQL');
USE dv;
DELETE FROM t_int WHERE id IN (1, 2, 3);
DELETE FROM t_num WHERE id IN (1, 4, 8);
DELETE FROM t_bit WHERE id = 2;
DELETE FROM t_time WHERE id IN (2, 3, 6, 7);
DELETE FROM t_str WHERE id IN (1, 4);
DELETE FROM t_cs WHERE id IN (1, 3, 4);
DELETE FROM t_bin WHERE id IN (2, 3);
DELETE FROM t_misc WHERE id IN (1, 2, 3, 9);
SQL
$my->sql('FLUSH BINARY LOGS');

my $datadir = $my->datadir;
my %phase_of = ('binlog.000002' => 'A', 'binlog.000003' => 'B', 'binlog.000004' => 'C');
my @files    = map { "$datadir/$_" } sort keys %phase_of;
ok(-s $_, "binlog $_ written") for @files;

# ------------------------------------------------------------------------ the CLI
my ($out, $err) = ('', '');
my $ok = IPC::Run::run([ $cli, @files ], '>', \$out, '2>', \$err);
ok($ok, 'mysql-sync-binlog exits 0 on the three files');
is($err, '', 'mysql-sync-binlog writes nothing to stderr');
my @lines = split /\n/, $out;
my $json   = JSON::PP->new->utf8;
my @events = map { $json->decode($_) } @lines;
my @rowsev = grep { $_->{type} =~ /^(insert|update|delete)$/ && ($_->{schema} // '') eq 'dv' } @events;
my %nrows;
$nrows{ $_->{file} }{ $_->{type} }++ for @rowsev;
is_deeply(
	\%nrows,
	{
		'binlog.000002' => { insert => 47 },
		'binlog.000003' => { update => 22 },
		'binlog.000004' => { delete => 22 }
	},
	'row events per file and type');

# ------------------------------------------------------------------------ (1) against SELECT
# Every image of every row event, against the snapshot of the row taken after its phase
# (before-images of phase B against A, of phase C against B).
my %items;    # table => [ [label, spec, cli value, select value] ]
my $nvalues = 0;
my %columns_checked;
for my $ev (@rowsev)
{
	my $t     = $ev->{table};
	my $phase = $phase_of{ $ev->{file} };
	is_deeply($ev->{columns}, [ map { $_->{name} } @{ $spec{$t} } ], "column names of $t in the CLI's rows")
	  unless $columns_checked{$t}++;
	for my $img ('before', 'after')
	{
		my $vals = $ev->{$img} or next;
		my $snapphase =
		    $img eq 'after' ? $phase
		  : $phase eq 'B'   ? 'A'
		  :                   'B';
		my $id  = $vals->[0];
		my $row = $snap{$snapphase}{$t}{$id};
		unless ($row)
		{
			fail("$t id $id ($ev->{type} $img at $ev->{file}:$ev->{pos}) has no SELECT row in phase $snapphase");
			next;
		}
		for my $i (0 .. $#{ $spec{$t} })
		{
			my $s = $spec{$t}[$i];
			push @{ $items{$t} },
			  [ "$ev->{file}:$ev->{pos} $ev->{type} $img id=$id $t.$s->{name} ($s->{ct})",
				$s, $vals->[$i], $row->[$i] ];
			$nvalues++;
		}
	}
}
for my $t (@tables)
{
	my @bad = compare_in_pg($items{$t});
	is(scalar(@bad), 0, "$t: " . scalar(@{ $items{$t} }) . " CLI values equal MariaDB's SELECT")
	  or diag(join("\n", @bad[ 0 .. ($#bad < 30 ? $#bad : 29) ]));
}
cmp_ok($nvalues, '>', 1500, "values compared against SELECT: $nvalues");

# Zero dates with the default invalid_dates: null, or -infinity in NOT NULL columns.
my ($zero) = grep { $_->{table} eq 't_time' && $_->{type} eq 'insert' && $_->{after}[0] eq '6' } @rowsev;
my %z;
@z{ @{ $zero->{columns} } } = @{ $zero->{after} };
is_deeply(
	[ @z{qw(yr d dnn dt0 dt6 dtnn ts0 ts6 tsnn tm0 tm6)} ],
	[ '0', undef, '-infinity', undef, undef, '-infinity', undef, undef, '-infinity', '00:00:00', '00:00:00.000000' ],
	'zero date, datetime and timestamp: null when nullable, -infinity when NOT NULL');
my ($partial) = grep { $_->{table} eq 't_time' && $_->{type} eq 'insert' && $_->{after}[0] eq '7' } @rowsev;
@z{ @{ $partial->{columns} } } = @{ $partial->{after} };
is_deeply([ @z{qw(d dnn dt0 dt1 dtnn)} ], [ undef, '-infinity', undef, undef, '-infinity' ],
	'dates with a zero month, day or year (2020-00-15, 2020-02-00, 0000-01-01): null / -infinity');

# ------------------------------------------------------------------------ (2) against mariadb-binlog
# mariadb-binlog prints the rows of a statement's rows events together, after the last
# of them, so rows are matched by their order in each file rather than by position.
my %mb;    # file => [ { type, table, before => [...], after => [...] } ]
for my $f (@files)
{
	my ($mbout, $mberr) = ('', '');
	IPC::Run::run([ 'mariadb-binlog', '--base64-output=decode-rows', '-vv', $f ], '>', \$mbout, '2>', \$mberr)
	  or die "mariadb-binlog $f failed: $mberr";
	(my $base = $f) =~ s{.*/}{};
	my ($row, $section);
	for my $l (split /\n/, $mbout)
	{
		if ($l =~ /^### (INSERT INTO|UPDATE|DELETE FROM) `([^`]*)`\.`([^`]*)`$/)
		{
			$row = { type => $1, table => $3 };
			$section = $1 eq 'INSERT INTO' ? 'after' : 'before';
			push @{ $mb{$base} }, $row if $2 eq 'dv';
			next;
		}
		if ($l eq '### SET')   { $section = 'after';  next; }
		if ($l eq '### WHERE') { $section = 'before'; next; }
		if ($l =~ m{^###   \@(\d+)=(.*?) */\* (.*?) meta=\d+ nullable=\d is_null=(\d) \*/$}s)
		{
			$row->{$section}[ $1 - 1 ] = { raw => $2, type => $3, is_null => $4 };
		}
	}
}
my (@mbbad, %mbcount);
for my $file (sort keys %phase_of)
{
	my @c = grep { $_->{file} eq $file } @rowsev;
	my @m = @{ $mb{$file} // [] };
	if (@c != @m)
	{
		push @mbbad, "$file: CLI has " . scalar(@c) . " rows, mariadb-binlog " . scalar(@m);
		next;
	}
	my %optype = (insert => 'INSERT INTO', update => 'UPDATE', delete => 'DELETE FROM');
	for my $k (0 .. $#c)
	{
		my ($cr, $mr) = ($c[$k], $m[$k]);
		my $t = $cr->{table};
		if ($mr->{table} ne $t || $mr->{type} ne $optype{ $cr->{type} })
		{
			push @mbbad, "$file:$cr->{pos}: CLI row $k is $cr->{type} $t, mariadb-binlog's $mr->{type} $mr->{table}";
			next;
		}
		for my $img ('before', 'after')
		{
			next unless $cr->{$img};
			for my $i (0 .. $#{ $spec{$t} })
			{
				my $s     = $spec{$t}[$i];
				my $label = "$file:$cr->{pos} $cr->{type} $img id=$cr->{$img}[0] $t.$s->{name} ($s->{ct})";
				my $why   = mb_agrees($s, $cr->{$img}[$i], $mr->{$img}[$i]);
				$mbcount{ $s->{kind} }++;
				push @mbbad, "$label: $why" if $why;
			}
		}
	}
}
is(scalar(@mbbad), 0, 'every CLI value agrees with mariadb-binlog -vv ('
	  . join(', ', map { "$_ $mbcount{$_}" } sort keys %mbcount) . ')')
  or diag(join("\n", @mbbad[ 0 .. ($#mbbad < 30 ? $#mbbad : 29) ]));

# ------------------------------------------------------------------------ binlog_events()
for my $f (@files)
{
	(my $base = $f) =~ s{.*/}{};
	my @mine = grep { $events[$_]{file} eq $base } 0 .. $#events;
	my $arr  = join(',', map { "'" . unpack('H*', $lines[$_]) . "'" } @mine);
	my $res  = $node->safe_psql(
		'postgres', qq{
		WITH c AS (SELECT ord, convert_from(decode(h, 'hex'), 'UTF8')::jsonb AS j
		             FROM unnest(ARRAY[$arr]::text[]) WITH ORDINALITY AS u(h, ord)),
		     e AS (SELECT ord, e FROM mysql_sync.binlog_events('$f') WITH ORDINALITY AS x(e, ord))
		SELECT count(c.ord) || ' ' || count(e.ord) || ' '
		       || count(*) FILTER (WHERE c.j IS DISTINCT FROM e.e)
		  FROM c FULL JOIN e USING (ord)});
	my $n = scalar(@mine);
	is($res, "$n $n 0", "binlog_events('$base') returns the CLI's $n lines, equal as jsonb");
}

done_testing();

# ======================================================================== helpers

# Column specs of dv.TABLE from information_schema: name, MariaDB type, the contract's
# PostgreSQL type, the kind of comparison and the SELECT expression giving a text that
# PostgreSQL reads as that type.
sub column_specs
{
	my ($t) = @_;
	my @specs;
	for my $r (
		$my->rows(
			    "SELECT COLUMN_NAME, DATA_TYPE, COLUMN_TYPE, IS_NULLABLE, IFNULL(CHARACTER_SET_NAME, ''), "
			  . "IFNULL(NUMERIC_PRECISION, 0), IFNULL(NUMERIC_SCALE, 0), IFNULL(DATETIME_PRECISION, 0), "
			  . "IFNULL(CHARACTER_MAXIMUM_LENGTH, 0) FROM information_schema.COLUMNS "
			  . "WHERE TABLE_SCHEMA = 'dv' AND TABLE_NAME = '$t' ORDER BY ORDINAL_POSITION"))
	{
		my ($name, $dt, $ct, $nullable, $cs, $prec, $scale, $fsp, $len) = @$r;
		my $uns = $ct =~ /unsigned/;
		my $m   = "`$name`";
		my %s   = (name => $name, dt => $dt, ct => $ct, nullable => $nullable eq 'YES', cs => $cs,
			unsigned => $uns, expr => "CAST($m AS CHAR)");
		if    ($dt eq 'tinyint')   { @s{qw(kind pg)} = ('num', 'smallint') }
		elsif ($dt eq 'smallint')  { @s{qw(kind pg)} = ('num', $uns ? 'integer' : 'smallint') }
		elsif ($dt eq 'mediumint') { @s{qw(kind pg)} = ('num', 'integer') }
		elsif ($dt eq 'int')       { @s{qw(kind pg)} = ('num', $uns ? 'bigint' : 'integer') }
		elsif ($dt eq 'bigint')    { @s{qw(kind pg)} = ('num', $uns ? 'numeric(20,0)' : 'bigint') }
		elsif ($dt eq 'decimal')   { @s{qw(kind pg)} = ('num', "numeric($prec,$scale)") }
		elsif ($dt eq 'year')      { @s{qw(kind pg)} = ('num', 'smallint') }
		elsif ($dt eq 'float')
		{
			# SELECT prints a float with 6 digits; as DOUBLE it is the exact binary value.
			@s{qw(kind pg expr)} = ('float4', 'real', "CAST($m AS DOUBLE)");
		}
		elsif ($dt eq 'double') { @s{qw(kind pg)} = ('float8', 'double precision') }
		elsif ($dt eq 'bit')
		{
			my ($n) = $ct =~ /\((\d+)\)/;
			@s{qw(kind pg expr bits)} = ('bit', "bit($n)", "LPAD(BIN($m), $n, '0')", $n);
		}
		elsif ($dt eq 'date')     { @s{qw(kind pg)} = ('date', 'date') }
		elsif ($dt eq 'datetime') { @s{qw(kind pg)} = ('ts',   "timestamp($fsp) without time zone") }
		elsif ($dt eq 'timestamp')
		{
			# the sessions run with time_zone = '+00:00'
			@s{qw(kind pg expr)} = ('tstz', "timestamp($fsp) with time zone", "CONCAT(CAST($m AS CHAR), '+00')");
		}
		elsif ($dt eq 'time') { @s{qw(kind pg)} = ('interval', 'interval') }
		elsif ($dt =~ /^(char|varchar)$/)
		{
			@s{qw(kind pg expr)} = ('text', "$dt($len)", "CONVERT($m USING utf8mb4)");
		}
		elsif ($name eq 'js')
		{
			# MariaDB's JSON is a LONGTEXT with a json_valid check: the binlog has its text.
			@s{qw(kind pg expr)} = ('json', 'jsonb', "CONVERT($m USING utf8mb4)");
		}
		elsif ($dt =~ /text$/) { @s{qw(kind pg expr)} = ('text', 'text', "CONVERT($m USING utf8mb4)") }
		elsif ($dt =~ /^(enum|set)$/)
		{
			my @members;
			push @members, Encode::decode_utf8($1 =~ s/''/'/gr) while $ct =~ /'((?:[^']|'')*)'/g;
			@s{qw(kind pg expr members)} = ($dt, 'text', "CONVERT($m USING utf8mb4)", \@members);
		}
		elsif ($dt =~ /^(binary|varbinary|tinyblob|blob|mediumblob|longblob)$/)
		{
			@s{qw(kind pg expr)} = ('bytea', 'bytea', "CONCAT('\\\\x', LOWER(HEX($m)))");
			$s{fixed} = $dt eq 'binary';
		}
		elsif ($dt =~ /^(geometry|point|linestring|polygon|multipoint|multilinestring|multipolygon|geometrycollection)$/)
		{
			# the contract's bytea of MySQL's SRID + WKB, which is what HEX() of the column gives
			@s{qw(kind pg expr)} = ('bytea', 'bytea', "CONCAT('\\\\x', LOWER(HEX($m)))");
		}
		elsif ($dt =~ /^(uuid|inet6|inet4)$/)
		{
			# Not in the contract's type mapping (the schema sync refuses them); the binlog has
			# them as BINARY(16)/(4) and the CLI prints those bytes: SELECT's text is turned into
			# the same bytes in Perl (uuid without dashes, inet4/6 via inet_aton/inet_pton).
			@s{qw(kind pg fixed)} = ('bytea', 'bytea', 1);
			$s{fromtext} = $dt;
		}
		else { die "no comparison rule for $t.$name ($ct)" }
		push @specs, \%s;
	}
	return \@specs;
}

# id => [ values ] of dv.TABLE now: SELECT's text (NULL as undef), normalized to what
# the CLI must print: zero/invalid dates as null or -infinity, uuid/inet as bytea text.
sub select_rows
{
	my ($t) = @_;
	my $specs = $spec{$t};
	my $cols  = join(', ', map { "HEX(CONVERT(($_->{expr}) USING utf8mb4))" } @$specs);
	my %rows;
	for my $r ($my->rows("SET time_zone = '+00:00'; SELECT $cols FROM dv.$t ORDER BY id"))
	{
		my @v;
		for my $i (0 .. $#$specs)
		{
			my $s = $specs->[$i];
			my $x = $r->[$i] eq 'NULL' ? undef : pack('H*', $r->[$i]);
			if (defined $x && $s->{kind} =~ /^(date|ts|tstz)$/ && $x =~ /^(\d{4})-(\d\d)-(\d\d)/
				&& ($1 == 0 || $2 == 0 || $3 == 0))
			{
				$x = $s->{nullable} ? undef : '-infinity';
			}
			if (defined $x && $s->{fromtext})
			{
				my $bytes =
				    $s->{fromtext} eq 'uuid'  ? pack('H*', $x =~ s/-//gr)
				  : $s->{fromtext} eq 'inet4' ? inet_aton($x)
				  :                             inet_pton(AF_INET6, $x);
				die "cannot read $s->{fromtext} '$x'" unless defined $bytes;
				$x = '\\x' . unpack('H*', $bytes);
			}
			push @v, $x;
		}
		$rows{ $v[0] } = \@v;
	}
	return \%rows;
}

sub pg_literal
{
	my ($v) = @_;
	return 'NULL::text' unless defined $v;
	# hex of the UTF-8 bytes: no quoting or escaping can go wrong
	return "convert_from(decode('" . unpack('H*', $v) . "', 'hex'), 'UTF8')";
}

# The canonical text of a value of kind/type in PostgreSQL (TimeZone UTC).
sub pg_canon
{
	my ($s, $lit) = @_;
	my $k = $s->{kind};
	return "($lit)::real::float8::text" if $k eq 'float4';
	return "($lit)::$s->{pg}::text"     if $k =~ /^(num|float8|bit|date|ts|tstz|interval|bytea)$/;
	return "(($lit)::jsonb)::text || ' / ' || $lit" if $k eq 'json';    # same JSON and same text
	return $lit;                                                        # text, char, enum, set
}

# Compares [label, spec, cli, select] items in PostgreSQL: both cast to the mapped type,
# canonical texts equal; for types whose text form has one spelling (integers, numeric,
# bit, bytea, date), the CLI's text must also be exactly PostgreSQL's output of it.
# Returns the differences as text lines.
sub compare_in_pg
{
	my ($items) = @_;
	return ('no values') unless $items && @$items;
	my @vals;
	for my $it (@$items)
	{
		my ($label, $s, $c, $m) = @$it;
		my ($cl, $ml) = (pg_literal(defined $c ? Encode::encode_utf8($c) : undef), pg_literal($m));
		my $form = $s->{kind} =~ /^(num|bit|bytea|date)$/ ? "($cl)::$s->{pg}::text IS NOT DISTINCT FROM $cl" : 'true';
		push @vals, "(" . pg_literal($label) . ", " . pg_canon($s, $cl) . ", " . pg_canon($s, $ml) . ", $form)";
	}
	my $sql = "SET TimeZone = 'UTC'; SET DateStyle = 'ISO, YMD'; SET IntervalStyle = 'postgres'; SET extra_float_digits = 1;\n"
	  . "SELECT l || E'\\n      CLI:    ' || coalesce(c, '(null)') || E'\\n      SELECT: ' || coalesce(m, '(null)')"
	  . " || CASE WHEN f THEN '' ELSE E'\\n      (CLI text is not PostgreSQL''s output form)' END\n"
	  . "  FROM (VALUES " . join(",\n", @vals) . ") v(l, c, m, f)\n WHERE c IS DISTINCT FROM m OR NOT f";
	my ($rc, $o, $e) = $node->psql('postgres', $sql);
	return ("comparison query failed: $e") if $rc != 0;
	return map { Encode::decode_utf8($_) } split /\n(?=\S)/, $o;
}

# MariaDB charset name -> Perl Encode name, to read mariadb-binlog's raw bytes.
sub encode_name
{
	my ($cs) = @_;
	my %n = (
		utf8mb4 => 'UTF-8', utf8mb3 => 'UTF-8', latin1 => 'cp1252', latin2 => 'iso-8859-2',
		cp1250  => 'cp1250', cp1251 => 'cp1251', koi8r => 'koi8-r', greek => 'iso-8859-7',
		gbk     => 'cp936',  gb2312 => 'euc-cn', big5 => 'big5-eten', sjis => 'shiftjis',
		cp932   => 'cp932',  ujis => 'euc-jp', euckr => 'euc-kr', ucs2 => 'UCS-2BE',
		utf16   => 'UTF-16BE', utf16le => 'UTF-16LE', utf32 => 'UTF-32BE', ascii => 'ascii');
	return $n{$cs} // die "no Encode name for charset $cs";
}

# Does the CLI's value agree with mariadb-binlog -vv's `@N=...` for it? Returns '' or why not.
# mariadb-binlog's forms and the rules used:
#   integers  signed, then "(unsigned)" for negative raw values: the one matching the column
#   DECIMAL   the same digits; BIT b'...'; YEAR, DATETIME, TIME the same text
#   FLOAT     "%g" (6 digits), DOUBLE "%.20g": the CLI's value printed the same way
#   DATE      'YYYY:MM:DD'; TIMESTAMP seconds since the epoch with the fraction
#   zero dates: mariadb-binlog prints the zeros, the CLI null (or -infinity when NOT NULL)
#   ENUM      the index (0 = ''), SET the bitmap in storage (little-endian) byte order
#   strings   the raw bytes in the column's charset, bytes < 0x20 as \xNN; decoded with
#             Perl's Encode (CLI text) or compared as bytes (binary, geometry; BINARY(n)
#             without the trailing zero bytes, which mariadb-binlog leaves out)
sub mb_agrees
{
	my ($s, $c, $mv) = @_;
	my $show = defined $c ? "'$c'" : 'null';
	return "mariadb-binlog has no value" unless $mv;
	my ($raw, $type) = ($mv->{raw}, $mv->{type});
	if ($mv->{is_null})
	{
		return defined $c ? "mariadb-binlog NULL, CLI $show" : '';
	}
	my $zero_rule = sub {
		my ($is_zero, $expect) = @_;
		return undef unless $is_zero;
		my $want = $s->{nullable} ? undef : '-infinity';
		return (defined $c ? $c : '') eq ($want // '') && defined($c) == defined($want)
		  ? '' : "zero date $raw: CLI $show, want " . ($want // 'null');
	};
	my $want;
	if ($type =~ /^(TINYINT|SHORTINT|MEDIUMINT|INT|LONGINT)$/)
	{
		my ($signed, $unsigned) = $raw =~ /^(-?\d+)(?: \((\d+)\))?$/ or return "unparsed $raw";
		$want = $s->{unsigned} && defined $unsigned ? $unsigned : $signed;
	}
	elsif ($type =~ /^DECIMAL/) { $want = $raw }
	elsif ($type eq 'YEAR')
	{
		# mariadb-binlog prints 1900 + the stored byte, also for YEAR 0000 (stored as 0)
		$want = $raw eq '1900' ? '0' : $raw;
	}
	elsif ($type eq 'FLOAT')
	{
		return defined $c && sprintf('%g', unpack('f', pack('f', $c))) eq $raw ? '' : "FLOAT $raw, CLI $show";
	}
	elsif ($type eq 'DOUBLE')
	{
		return defined $c && sprintf('%.20g', $c) eq $raw ? '' : "DOUBLE $raw, CLI $show";
	}
	elsif ($type =~ /^BIT/) { ($want) = $raw =~ /^b'([01]*)'$/ }
	elsif ($type eq 'DATE')
	{
		my ($y, $mo, $d) = $raw =~ /^'(\d+):(\d+):(\d+)'$/ or return "unparsed $raw";
		my $z = $zero_rule->($y == 0 || $mo == 0 || $d == 0);
		return $z if defined $z;
		$want = "$y-$mo-$d";
	}
	elsif ($type =~ /^DATETIME/)
	{
		my ($y, $mo, $d) = $raw =~ /^'(\d+)-(\d+)-(\d+) / or return "unparsed $raw";
		my $z = $zero_rule->($y == 0 || $mo == 0 || $d == 0);
		return $z if defined $z;
		($want) = $raw =~ /^'(.*)'$/;
	}
	elsif ($type =~ /^TIMESTAMP/)
	{
		my ($sec, $frac) = $raw =~ /^(\d+)(\.\d+)?$/ or return "unparsed $raw";
		my $z = $zero_rule->($sec == 0 && ($frac // 0) == 0);
		return $z if defined $z;
		my ($y, $mo, $d, $h, $mi, $se, $f) =
		  ($c // '') =~ /^(\d{4})-(\d\d)-(\d\d) (\d\d):(\d\d):(\d\d)(\.\d+)?\+00$/
		  or return "TIMESTAMP $raw, CLI $show (unparsed)";
		my $epoch = timegm($se, $mi, $h, $d, $mo - 1, $y) . ($f // '');
		return $epoch eq $raw ? '' : "TIMESTAMP $raw, CLI $show ($epoch)";
	}
	elsif ($type =~ /^TIME/) { ($want) = $raw =~ /^'(.*)'$/ }
	elsif ($type =~ /^ENUM/)
	{
		$want = $raw == 0 ? '' : $s->{members}[ $raw - 1 ];
	}
	elsif ($type =~ /^SET/)
	{
		my ($bits) = $raw =~ /^b'([01]+)'$/ or return "unparsed $raw";
		my @bytes = map { oct("0b$_") } $bits =~ /(.{8})/g;
		my @on;
		for my $b (0 .. $#bytes)
		{
			for my $k (0 .. 7) { push @on, $s->{members}[ $b * 8 + $k ] if $bytes[$b] & (1 << $k) }
		}
		$want = join(',', @on);
	}
	elsif ($type =~ /^(STRING|VARSTRING|TINYBLOB|BLOB|MEDIUMBLOB|LONGBLOB|GEOMETRY)/)
	{
		my ($q) = $raw =~ /^'(.*)'$/s or return "unparsed $raw";
		(my $bytes = $q) =~ s/\\x([0-9a-f]{2})/chr(hex($1))/ge;
		if ($s->{kind} eq 'bytea')
		{
			my $h = unpack('H*', $bytes);
			my $ch = ($c // '') =~ s/^\\x//r;
			$ch = strip_zero_bytes($ch) if $s->{fixed};
			return $ch eq $h ? '' : "bytes $h, CLI $show";
		}
		my $text = eval { Encode::decode(encode_name($s->{cs}), $bytes, Encode::FB_CROAK) };
		return "mariadb-binlog bytes " . unpack('H*', $bytes) . " are not $s->{cs} for Perl's Encode: $@"
		  unless defined $text;
		# MariaDB's sjis reads 0x815F as U+005C (backslash, which it also writes as 0x815F);
		# Perl's shiftjis table (JIS X 0208) says U+FF3C.
		$text =~ s/\x{FF3C}/\\/g if $s->{cs} eq 'sjis';
		$want = $text;
	}
	else { return "no rule for mariadb-binlog type $type" }
	return "unparsed $raw" unless defined $want;
	return defined $c && $c eq $want ? '' : "mariadb-binlog $raw (-> '$want'), CLI $show";
}

# hex without its trailing zero bytes (whole bytes only)
sub strip_zero_bytes
{
	my ($h) = @_;
	$h = substr($h, 0, -2) while length($h) >= 2 && substr($h, -2) eq '00';
	return $h;
}
