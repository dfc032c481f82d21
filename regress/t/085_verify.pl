# verify(): source against target at one consistent point, while the task streams.
#  - tables with a composite key, a varchar key, name_map'd columns and json, decimal, datetime,
#    timestamp, blob, enum, bit, float and unsigned bigint values;
#  - verify() says ok while a write workload runs on the source (transactions that move amounts
#    between rows, so a comparison at two different points would see a difference);
#  - target rows changed, deleted and added by hand are reported by key, and only they;
#  - one table by name; unknown task or table; a paused task; a role without the grant.
use strict;
use warnings;

use FindBin;
use lib $FindBin::RealBin;

use POSIX ();
use PostgreSQL::Test::Utils;
use PostgreSQL::Test::Cluster;
use Test::More;
use Time::HiRes qw(usleep);
use MysqlSyncTest;

plan skip_all => 'mysql_sync is not installed (make install)' unless extension_installed();

my $my   = start_mariadb(name => 'src085');
my $node = pg_node('pg085');
$node->safe_psql('postgres', 'CREATE EXTENSION mysql_sync');
my $uri = $my->source_uri;

sub q1 { my ($sql) = @_; return $node->safe_psql('postgres', $sql); }

$my->sql(q{
CREATE DATABASE shop;
CREATE TABLE shop.items (
  id      int PRIMARY KEY,
  name    varchar(50) NOT NULL,
  price   decimal(12,2),
  big     bigint unsigned,
  ratio   float,
  doc     json,
  created datetime(3),
  seen    timestamp(6) NULL,
  img     blob,
  kind    enum('a','b','c'),
  flags   bit(5),
  padded  char(6)
) DEFAULT CHARSET = utf8mb4;
CREATE TABLE shop.lines (
  order_id int NOT NULL,
  line_no  smallint NOT NULL,
  qty      int NOT NULL,
  note     varchar(20),
  PRIMARY KEY (order_id, line_no)
) DEFAULT CHARSET = utf8mb4;
CREATE TABLE shop.events (
  at   datetime(3) NOT NULL,
  code varbinary(8) NOT NULL,
  v    int,
  PRIMARY KEY (at, code)
);
CREATE TABLE shop.tags (
  code  varchar(20) PRIMARY KEY,
  label text,
  at    date
) DEFAULT CHARSET = utf8mb4;
});

# 2,500 items (more than two chunks of 1,000), 600 lines, 30 tags.
my @values;
for my $i (1 .. 2500)
{
	push @values,
	  sprintf("(%d, 'item %d ü', %d.%02d, %s, %s, '{\"n\": %d, \"tags\": [\"x\", %d]}', "
		  . "'2024-02-29 10:11:%02d.%03d', '2024-03-01 00:00:%02d.123456', X'%02x00ff', '%s', b'%05b', 'p%d')",
		$i, $i, $i, $i % 100, ($i % 7 == 0 ? '18446744073709551615' : $i * 1000),
		($i % 5 == 0 ? 'NULL' : "$i.25"), $i, $i, $i % 60, $i % 1000, $i % 60, $i % 256,
		('a', 'b', 'c')[ $i % 3 ], $i % 32, $i % 1000);
}
$my->sql("INSERT INTO shop.items VALUES " . join(",\n", @values));
@values = ();
for my $o (1 .. 200)
{
	push @values, "($o, $_, " . ($o * $_) . ", 'n$o.$_')" for 1 .. 3;
}
$my->sql("INSERT INTO shop.lines VALUES " . join(",\n", @values));
$my->sql("INSERT INTO shop.events VALUES "
	  . join(",\n", map { sprintf("('2024-05-%02d 12:00:00.%03d', X'%04x', %d)", $_, $_, $_ * 257, $_) } 1 .. 20));
$my->sql("INSERT INTO shop.tags VALUES "
	  . join(",\n", map { sprintf("('tag-%02d', 'Label %d', '2024-01-%02d')", $_, $_, $_) } 1 .. 30));

q1("SELECT mysql_sync.start_sync('v', '$uri', '{shop.*}', name_map => '{\"shop.items.name\": \"title\"}')");
ok(wait_for_state($node, 'v', 'streaming'), 'task v streams');

sub verify_rows
{
	my ($args) = @_;
	my $out = q1("SELECT source_table, target_table, status, source_rows, target_rows, mismatched_rows, "
		  . "COALESCE(detail, '') FROM mysql_sync.verify($args) ORDER BY source_table");
	return map { [ split /\|/, $_, 7 ] } split /\n/, $out;
}

my @rows = verify_rows("'v'");
is(scalar(@rows), 4, 'one row per table');
is_deeply([ map { "$_->[0] $_->[1] $_->[2] $_->[3] $_->[4] $_->[5]" } @rows ],
	[
		'shop.events shop.events ok 20 20 0', 'shop.items shop.items ok 2500 2500 0',
		'shop.lines shop.lines ok 600 600 0', 'shop.tags shop.tags ok 30 30 0'
	],
	'after the initial copy: every table ok, with its row counts')
  or diag(explain \@rows);

# ------------------------------------------------------------------- under a write workload
my $stop_file     = $node->basedir . '/stop_workload';
my $progress_file = $node->basedir . '/workload_progress';

sub workload_done
{
	open(my $f, '<', $progress_file) or return 0;
	my $n = <$f>;
	close $f;
	return defined $n ? $n + 0 : 0;
}
my $workload = start_workload(
	sub {
		my $n = 0;
		until (-e $stop_file)
		{
			$n++;
			if (open(my $progress, '>', "$progress_file.tmp"))
			{
				print $progress "$n\n";
				close $progress;
				rename("$progress_file.tmp", $progress_file);
			}
			my $a = 1 + ($n * 37) % 2400;
			my $b = 1 + ($n * 53) % 2400;
			my $o = 1 + $n % 200;
			# Moves an amount between two rows in one transaction, adds and removes rows.
			$my->sql(qq{START TRANSACTION;
UPDATE shop.items SET price = price - 1, doc = JSON_SET(doc, '\$.n', $n), seen = NOW(6) WHERE id = $a;
UPDATE shop.items SET price = price + 1, created = NOW(3), img = CONCAT(X'00ff', '$n') WHERE id = $b;
UPDATE shop.lines SET qty = qty + 1, note = 'w$n' WHERE order_id = $o AND line_no = 1;
INSERT INTO shop.items (id, name, price, big, kind) VALUES (3000 + $n, 'new $n', 1.5, 18446744073709551615, 'c');
DELETE FROM shop.items WHERE id = 2999 + $n;
COMMIT;
INSERT INTO shop.lines VALUES (1000 + $n, 1, $n, NULL);
DELETE FROM shop.lines WHERE order_id = 999 + $n;
});
			usleep(20_000);
		}
		return 0;
	});

ok(wait_until(sub { workload_done() >= 5 }), 'the workload runs');
my $before = workload_done();
my $all_ok = 1;
for my $round (1 .. 10)
{
	usleep(200_000);
	my @r = verify_rows("'v'");
	# ok, and no note: the worker was streaming and held at the source snapshot's position.
	my @bad = grep { $_->[2] ne 'ok' || $_->[6] ne '' } @r;
	if (@bad || @r != 4)
	{
		$all_ok = 0;
		diag("verify round $round while writing: ", explain(\@r));
	}
}
ok($all_ok, 'verify says ok ten times while the source is being written');
cmp_ok(workload_done() - $before, '>=', 10, 'the source was written meanwhile (transactions)');
my $holds = () = slurp_file($node->logfile) =~ /holding at binlog \S+ while verify\(\) takes its snapshot/g;
cmp_ok($holds, '>=', 10, 'the worker held at the source snapshot\'s position for each verify');

open(my $fh, '>', $stop_file) or die;
close $fh;
is($workload->wait, 0, 'the workload ran without errors');

# ---------------------------------------------------------------- differences made by hand
ok( wait_until(sub { join(',', map { $_->[2] } verify_rows("'v'")) eq 'ok,ok,ok,ok' }),
	'after the workload: still ok');
q1(q{UPDATE shop.items SET title = 'changed by hand' WHERE id = 5});
q1(q{DELETE FROM shop.items WHERE id = 7});
q1(q{INSERT INTO shop.items (id, title) VALUES (999999, 'extra')});
q1(q{DELETE FROM shop.lines WHERE order_id = 150 AND line_no = 2});
q1(q{UPDATE shop.lines SET qty = -1, note = 'x' WHERE order_id = 151 AND line_no = 3});
q1(q{INSERT INTO shop.lines VALUES (150, 9, 1, 'extra')});
q1(q{INSERT INTO shop.tags VALUES ('zz-extra', 'extra', NULL)});
q1(q{INSERT INTO shop.tags VALUES ('TAG-01', 'differs by case only', NULL)});
q1(q{INSERT INTO shop.events VALUES ('2024-05-03 12:00:00.003', '\\x0304', 3)});
q1(q{UPDATE shop.tags SET at = '1999-01-01' WHERE code = 'tag-07'});

@rows = verify_rows("'v'");
my %by = map { $_->[0] => $_ } @rows;
is($by{'shop.items'}[2], 'mismatch', 'items: mismatch');
is($by{'shop.items'}[5], 3, 'items: exactly 3 mismatched rows');
is($by{'shop.items'}[6], 'id=5 (different: title), id=7 (missing in target), id=999999 (extra in target)',
	'items: the keys and what differs');
is($by{'shop.items'}[4], $by{'shop.items'}[3], 'items: one row deleted and one added: equal counts');
is($by{'shop.lines'}[5], 3, 'lines (composite key): 3 mismatched rows');
is($by{'shop.lines'}[6],
	'(order_id=150, line_no=2) (missing in target), (order_id=151, line_no=3) (different: qty, note), '
	  . '(order_id=150, line_no=9) (extra in target)',
	'lines: composite keys named');
is($by{'shop.tags'}[6], 'code=tag-07 (different: at), code=TAG-01 (extra in target), code=zz-extra (extra in target)',
	'tags (varchar key, case-insensitive on the source): the extra rows found through key lookups on the source');
is($by{'shop.events'}[6], '(at=2024-05-03 12:00:00.003, code=\\x0304) (extra in target)',
	'events (datetime + varbinary key): the extra row found through a key lookup on the source');

# One table by name.
@rows = verify_rows("'v', 'shop.tags'");
is(scalar(@rows), 1, 'verify of one table: one row');
is("$rows[0][0] $rows[0][2] $rows[0][5]", 'shop.tags mismatch 3', 'verify of one table: its result');

# Errors.
my ($rc, $out, $err) = $node->psql('postgres', "SELECT * FROM mysql_sync.verify('v', 'shop.nope')",
	extra_params => [ '-v', 'VERBOSITY=verbose' ]);
like($err, qr/42P01: task "v" does not sync table "shop\.nope".*HINT:.*table_status/s, 'unknown table: 42P01 with a hint');
($rc, $out, $err) = $node->psql('postgres', "SELECT * FROM mysql_sync.verify('nope')",
	extra_params => [ '-v', 'VERBOSITY=verbose' ]);
like($err, qr/42704: task "nope" does not exist.*HINT:.*mysql_sync\.tasks/s, 'unknown task: 42704 with a hint');

q1(q{CREATE ROLE alice LOGIN});
($rc, $out, $err) = $node->psql('postgres', "SELECT * FROM mysql_sync.verify('v')",
	extra_params => [ '-U', 'alice', '-v', 'VERBOSITY=verbose' ]);
like($err, qr/42501: permission denied/, 'a role without mysql_sync_admin is denied');
q1(q{GRANT mysql_sync_admin TO alice});
($rc, $out, $err) = $node->psql('postgres', "SELECT status FROM mysql_sync.verify('v', 'shop.lines')",
	extra_params => [ '-U', 'alice' ]);
is($out, 'mismatch', 'a member of mysql_sync_admin may verify');

# A paused task is compared at its stored position, and the detail says so.
q1(q{SELECT mysql_sync.stop_sync('v')});
$my->sql(q{UPDATE shop.tags SET label = 'after the pause' WHERE code = 'tag-01'});
@rows = verify_rows("'v', 'shop.tags'");
is($rows[0][5], 4, 'paused: the change not applied yet counts as a difference');
like($rows[0][6], qr/code=tag-01 \(different: label\).*the task is not streaming \(state paused/,
	'paused: the detail says the task is not streaming');

$node->stop;
done_testing();
