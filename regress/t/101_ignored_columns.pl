# Columns whose ADD COLUMN the DDL policy ignored (options.ddl {"add_column": "ignore"}) have no
# target column. The stream leaves them out, and so must every copy and verify():
#  - ig.t gets two ignored columns, one in the middle (ahead of a FLOAT and a DATETIME, whose
#    values the copy converts) and one FIRST, ahead of the key;
#  - verify() compares the target's columns only: ok, then mismatch for rows changed by hand;
#  - resync_table copies the target's columns only and repairs the target; verify() says ok;
#    inserts, updates and deletes after it (setting the ignored columns) arrive;
#  - alter_sync adds a table after the DDL, and the task keeps streaming both;
#  - after a PostgreSQL restart (the columns come from the catalog) a resync still leaves them out;
#  - a resync of a table with an ignored AUTO_INCREMENT column goes on while an ignored ADD COLUMN
#    of another table is applied, and ends equal; an ignored ADD COLUMN of the table itself
#    starts its copy again into a new shadow.
use strict;
use warnings;

use FindBin;
use lib $FindBin::RealBin;

use PostgreSQL::Test::Utils;
use PostgreSQL::Test::Cluster;
use Test::More;
use MysqlSyncTest;

plan skip_all => 'mysql_sync is not installed (make install)' unless extension_installed();

my $BIG_ROWS = 12_000;
my $RATE     = 1500;    # options.max_rows_per_second: a copy of ig.big lasts about 8 s

my $my   = start_mariadb(name => 'src101');
my $node = pg_node('pg101');
$node->safe_psql('postgres', 'CREATE EXTENSION mysql_sync');
my $uri = $my->source_uri;

sub q1 { my ($sql) = @_; return $node->safe_psql('postgres', $sql); }

# Target column names in attnum order.
sub target_columns
{
	my ($schema, $table) = @_;
	return q1(qq{SELECT string_agg(attname, ' ' ORDER BY attnum) FROM pg_attribute
	              WHERE attrelid = format('%I.%I', '$schema', '$table')::regclass
	                AND attnum > 0 AND NOT attisdropped});
}

# Source and target equal on the target's columns.
sub equal_on_target
{
	my (@tables) = @_;
	return wait_until(
		sub {
			for my $t (@tables) { return 0 unless tables_equal($my, $node, $t, target_columns_only => 1) }
			return 1;
		},
		90);
}

sub table_state
{
	my ($table) = @_;
	return q1(qq{SELECT state || ' ' || coalesce(last_error, '-') FROM mysql_sync.table_status
	              WHERE task = 'ig' AND source_table = '$table'});
}

sub requests_left { return q1(q{SELECT count(*) FROM mysql_sync.table_requests WHERE task = 'ig'}); }

# Requests a resync and waits for its end; true when it replaced the target without an error.
sub resync
{
	my ($table) = @_;
	my ($schema, $name) = split /\./, $table;
	my $oid = q1(qq{SELECT '"$schema"."$name"'::regclass::oid});
	q1(qq{SELECT mysql_sync.resync_table('ig', '$table')});
	return 0 unless wait_until(sub { requests_left() eq '0' && table_state($table) =~ /^synced/ }, 120);
	my $state = table_state($table);
	diag("resync of $table: $state") unless $state eq 'synced -';
	return $state eq 'synced -' && q1(qq{SELECT '"$schema"."$name"'::regclass::oid}) ne $oid;
}

# verify() rows as "table status source_rows target_rows mismatched detail".
sub verify_rows
{
	my ($table) = @_;
	my $arg = defined $table ? ", '$table'" : '';
	return q1(qq{SELECT string_agg(concat_ws(' ', source_table, status, source_rows, target_rows,
	                                         mismatched_rows, detail), E'\\n' ORDER BY source_table)
	               FROM mysql_sync.verify('ig'$arg)});
}

$my->sql(qq{
CREATE DATABASE ig;
CREATE TABLE ig.t (id int PRIMARY KEY, a varchar(20), f float, d datetime(3), n int NOT NULL DEFAULT 0)
  DEFAULT CHARSET = utf8mb4;
INSERT INTO ig.t SELECT seq, CONCAT('a', seq), seq / 4, '2024-02-29 10:11:12.345' + INTERVAL seq SECOND, seq
  FROM ig.seq_1_to_500;
CREATE TABLE ig.big (id int PRIMARY KEY, v varchar(40)) DEFAULT CHARSET = utf8mb4;
INSERT INTO ig.big SELECT seq, CONCAT('big ', seq) FROM ig.seq_1_to_$BIG_ROWS;
CREATE TABLE ig.u (id int PRIMARY KEY, v varchar(20)) DEFAULT CHARSET = utf8mb4;
INSERT INTO ig.u SELECT seq, CONCAT('u', seq) FROM ig.seq_1_to_50;
});

q1(qq{SELECT mysql_sync.start_sync('ig', '$uri', '{ig.t, ig.big}',
        options => '{"ddl": {"add_column": "ignore"}, "max_rows_per_second": $RATE}')});
ok(wait_for_state($node, 'ig', 'streaming', 180), 'task ig streaming');
ok(equal_on_target(qw(ig.t ig.big)), 'equal after the initial sync');

# ----------------------------------------------------------------------------- ignored columns
$my->sql(q{
ALTER TABLE ig.t ADD COLUMN extra varchar(10) AFTER a;
ALTER TABLE ig.t ADD COLUMN lead_at datetime(6) FIRST;
INSERT INTO ig.t (lead_at, id, a, extra, f, d, n)
  VALUES ('2020-01-01 00:00:00.5', 1001, 'new', 'x1001', 1.25, '2024-03-01 00:00:00.001', 1001);
UPDATE ig.t SET extra = CONCAT('e', id), lead_at = NOW(6), a = CONCAT('changed ', id) WHERE id <= 10;
});
ok(wait_until(sub { q1(q{SELECT count(*) FROM ig.t WHERE id = 1001 OR a = 'changed 10'}) eq '2' }, 60),
	'rows after the ignored ADD COLUMNs arrive');
is(target_columns('ig', 't'), 'id a f d n', 'the ignored columns are not on the target');
is(q1(q{SELECT "columns" @> '[{"name": "extra", "target": ""}, {"name": "lead_at", "target": ""}]'
          FROM mysql_sync.table_state WHERE task = 'ig' AND source_table = 'ig.t'}), 't',
	'table_state records them without a target column');
ok(equal_on_target('ig.t'), 'ig.t equal on the target columns');

is(verify_rows('ig.t'), 'ig.t ok 501 501 0', 'verify compares the replicated columns only');

# ----------------------------------------------------------------------------- resync
# Rows the stream will not touch, changed by hand: verify sees them, the resync repairs them.
q1(q{DELETE FROM ig.t WHERE id BETWEEN 20 AND 22; UPDATE ig.t SET a = 'damaged', f = -1 WHERE id = 30;
     INSERT INTO ig.t (id, a, n) VALUES (9999, 'not on the source', 0);});
like(verify_rows('ig.t'), qr/^ig\.t mismatch 501 499 5 .*id=20 \(missing in target\).*id=30 \(different: a, f\).*id=9999 \(extra in target\)/,
	'verify reports the rows changed by hand, by key and column');

ok(resync('ig.t'), 'resync_table of ig.t (two ignored columns) replaced the target');
is(target_columns('ig', 't'), 'id a f d n', 'the resynced target has the same columns');
ok(equal_on_target('ig.t'), 'ig.t equal after the resync');
is(verify_rows('ig.t'), 'ig.t ok 501 501 0', 'verify: ok after the resync');

$my->sql(q{
INSERT INTO ig.t (id, a, extra, lead_at, f, d, n) VALUES (1002, 'after resync', 'x', NOW(), 2.5, NULL, 2);
UPDATE ig.t SET a = 'updated after resync', extra = 'y' WHERE id = 100;
DELETE FROM ig.t WHERE id IN (101, 1001);
});
ok(wait_until(sub { q1(q{SELECT count(*) FROM ig.t WHERE id IN (1002, 101, 1001) OR a = 'updated after resync'}) eq '2' }, 60),
	'insert, update and delete after the resync arrive');
ok(equal_on_target('ig.t'), 'ig.t equal after the changes that follow the resync');

# ----------------------------------------------------------------------------- alter_sync
q1(q{SELECT mysql_sync.alter_sync('ig', add_objects => '{ig.u}')});
ok(wait_until(sub { requests_left() eq '0' && table_state('ig.u') =~ /^synced/ }, 120), 'alter_sync added ig.u');
is(table_state('ig.u'), 'synced -', 'ig.u: no error');
$my->sql(q{
INSERT INTO ig.u VALUES (51, 'u51');
INSERT INTO ig.t (id, a, extra, n) VALUES (1003, 'after alter_sync', 'z', 3);
UPDATE ig.t SET extra = 'w', n = n + 1 WHERE id = 200;
});
ok(wait_until(sub { q1(q{SELECT count(*) FROM ig.t WHERE id = 1003}) eq '1' && q1(q{SELECT count(*) FROM ig.u WHERE id = 51}) eq '1' }, 60),
	'both tables stream after alter_sync');
ok(equal_on_target(qw(ig.t ig.u)), 'ig.t and ig.u equal after alter_sync');

# ----------------------------------------------------------------------------- after a restart
$node->restart;
ok(wait_for_state($node, 'ig', 'streaming', 120), 'streaming after a PostgreSQL restart');
$my->sql(q{INSERT INTO ig.t (id, a, extra, n) VALUES (1004, 'after restart', 'r', 4);});
ok(wait_until(sub { q1(q{SELECT count(*) FROM ig.t WHERE id = 1004}) eq '1' }, 60), 'a row after the restart arrives');
ok(resync('ig.t'), 'resync_table after the restart (columns from the catalog)');
ok(equal_on_target('ig.t'), 'ig.t equal after the second resync');

# ----------------------------------------------------------------------------- resync interrupted
# ig.big gets an ignored AUTO_INCREMENT column (the swap sets the identities of the target's
# columns only). Its copy lasts seconds (max_rows_per_second). An ignored ADD COLUMN of ig.t does
# not concern it; one of ig.big itself starts its copy again, into a new shadow.
$my->sql(q{
ALTER TABLE ig.big ADD COLUMN late int NOT NULL AUTO_INCREMENT UNIQUE FIRST;
INSERT INTO ig.big (id, v) VALUES (100000, 'after the ignored column');
});
ok(wait_until(sub { q1(q{SELECT count(*) FROM ig.big WHERE id = 100000}) eq '1' }, 60), 'ig.big streams with its ignored column');
my $big_oid = q1(q{SELECT 'ig.big'::regclass::oid});
my $log_offset = -s $node->logfile;
q1(q{SELECT mysql_sync.resync_table('ig', 'ig.big')});
ok(wait_until(sub { table_state('ig.big') =~ /^copying/ }, 60), 'ig.big is being copied');
$my->sql(q{
ALTER TABLE ig.t ADD COLUMN third int DEFAULT 3;
INSERT INTO ig.big (id, v) VALUES (100001, 'during the resync');
UPDATE ig.big SET v = 'changed during the resync' WHERE id = 5;
INSERT INTO ig.t (id, a, third) VALUES (1005, 'during the resync', 33);
ALTER TABLE ig.big ADD COLUMN fourth int DEFAULT 4;
INSERT INTO ig.big (id, v) VALUES (100002, 'after its own DDL');
});
ok(wait_until(sub { requests_left() eq '0' && table_state('ig.big') =~ /^synced/ }, 180), 'the resync of ig.big ended');
is(table_state('ig.big'), 'synced -', 'ig.big: no error');
isnt(q1(q{SELECT 'ig.big'::regclass::oid}), $big_oid, 'ig.big was replaced');
like(slurp_file($node->logfile, $log_offset), qr/the resync of ig\.big starts again after a DDL of the table/,
	'its own DDL started the copy again');
is(target_columns('ig', 'big'), 'id v', 'ig.big keeps its columns');
ok(equal_on_target('ig.big'), 'ig.big equal after the interrupted resync');

$my->sql(q{DELETE FROM ig.big WHERE id = 6; UPDATE ig.t SET a = 'last' WHERE id = 1;});
ok(wait_until(sub { q1(q{SELECT count(*) FROM ig.big WHERE id = 6}) eq '0' }, 60), 'ig.big streams after the resync');
ok(equal_on_target(qw(ig.t ig.big ig.u)), 'all tables equal at the end');
is(verify_rows(), "ig.big ok 12002 12002 0\nig.t ok 503 503 0\nig.u ok 51 51 0", 'verify: every table ok');
is(q1(q{SELECT state FROM mysql_sync.status WHERE task = 'ig'}), 'streaming', 'task ig still streaming');

$node->stop;
$my->stop;
done_testing();
