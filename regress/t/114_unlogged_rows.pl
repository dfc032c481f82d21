# Statements that change rows without row events (options.ddl kind unlogged_rows), on MariaDB:
#  - apply (the default): TRUNCATE PARTITION, then rows inserted again into the truncated partition
#    with the same keys (held back from the stale target, brought by the repair), DROP PARTITION,
#    REORGANIZE PARTITION of a LIST table (MariaDB drops the rows no partition holds), EXCHANGE
#    PARTITION with a synced table, DISCARD + IMPORT TABLESPACE: each table is copied again by an
#    automatic resync while the stream goes on, and ends equal to the source;
#  - pause: the task pauses before the statement, resume_sync repairs the table;
#  - fail: the task stops with 0A000 naming the statement;
#  - ignore: the target keeps its rows, table_status counts the statement (unlogged_rows_ignored)
#    and says so in last_error; resync_table repairs it and resets the count;
#  - PARTITION BY / ADD PARTITION / REMOVE PARTITIONING stay no-ops (no copy).
use strict;
use warnings;

use FindBin;
use lib $FindBin::RealBin;

use File::Copy ();
use PostgreSQL::Test::Utils;
use PostgreSQL::Test::Cluster;
use Test::More;
use MysqlSyncTest;

plan skip_all => 'mysql_sync is not installed (make install)' unless extension_installed();

my $my   = start_mariadb(name => 'src110', options => ['--innodb-file-per-table=ON']);
my $node = pg_node('pg110');
$node->safe_psql('postgres', 'CREATE EXTENSION mysql_sync');
my $uri = $my->source_uri;

sub q1 { my ($sql) = @_; return $node->safe_psql('postgres', $sql); }

sub table_state
{
	my ($task, $table) = @_;
	return q1("SELECT state FROM mysql_sync.table_status WHERE task = '$task' AND source_table = '$table'");
}

# Rows 1..250 in a table partitioned by ranges of 100, and a plain table that keeps streaming.
sub create_tables
{
	my ($db) = @_;
	my @values = map { "($_, 'v$_')" } 1 .. 250;
	$my->sql(qq{
CREATE DATABASE $db;
CREATE TABLE $db.p (id int PRIMARY KEY, v varchar(20)) DEFAULT CHARSET = utf8mb4
  PARTITION BY RANGE (id) (PARTITION p0 VALUES LESS THAN (100), PARTITION p1 VALUES LESS THAN (200),
                           PARTITION p2 VALUES LESS THAN MAXVALUE);
INSERT INTO $db.p VALUES @{[join ', ', @values]};
CREATE TABLE $db.plain (id int AUTO_INCREMENT PRIMARY KEY, v varchar(20)) DEFAULT CHARSET = utf8mb4;
INSERT INTO $db.plain (v) VALUES ('before');
});
}

# ----------------------------------------------------------------------------- apply (default)
create_tables('r');
$my->sql(q{
CREATE TABLE r.l (id int PRIMARY KEY, v int) DEFAULT CHARSET = utf8mb4
  PARTITION BY LIST (id) (PARTITION l1 VALUES IN (1, 2, 3), PARTITION l2 VALUES IN (4, 5));
INSERT INTO r.l VALUES (1, 1), (2, 2), (3, 3), (4, 4);
CREATE TABLE r.stage (id int PRIMARY KEY, v varchar(20)) DEFAULT CHARSET = utf8mb4;
INSERT INTO r.stage VALUES (300, 'staged'), (301, 'staged');
CREATE TABLE r.donor (id int PRIMARY KEY, v varchar(20)) DEFAULT CHARSET = utf8mb4;
INSERT INTO r.donor VALUES (7, 'from the donor'), (8, 'from the donor');
CREATE TABLE r.imported (id int PRIMARY KEY, v varchar(20)) DEFAULT CHARSET = utf8mb4;
INSERT INTO r.imported VALUES (1, 'old'), (2, 'old'), (3, 'old');
});
q1("SELECT mysql_sync.start_sync('r', '$uri', '{r.*}')");
ok(wait_for_state($node, 'r', 'streaming'), 'task r streaming');
is(q1(q{SELECT count(*) FROM r.p}), '250', 'initial copy');

# TRUNCATE PARTITION deletes 99 rows without row events; the same keys come back at once: applied
# to the stale target they would collide with the rows it still has.
$my->sql(q{
ALTER TABLE r.p TRUNCATE PARTITION p0;
INSERT INTO r.p VALUES (1, 'again'), (2, 'again');
UPDATE r.p SET v = 'changed' WHERE id = 150;
INSERT INTO r.plain (v) VALUES ('during');
});
ok(wait_until(sub { table_state('r', 'r.p') eq 'synced' && tables_equal($my, $node, 'r.p') }, 90),
	'TRUNCATE PARTITION: the table is copied again and equals the source');
compare_table($my, $node, 'r.p');
is(q1(q{SELECT count(*) FROM r.p}), '153', 'the truncated rows are gone, the new ones there');
ok(wait_tables_equal($my, $node, ['r.plain'], 30), 'the other table streamed on');
is(q1(q{SELECT state FROM mysql_sync.status WHERE task = 'r'}), 'streaming', 'the task kept streaming');
is(q1(q{SELECT count(*) FROM mysql_sync.table_requests WHERE task = 'r'}), '0', 'the repair request is done');
is(q1(q{SELECT count(*) FROM mysql_sync.schema_history WHERE task = 'r' AND ddl LIKE '%TRUNCATE PARTITION%'}),
	'0', 'no schema version for a partition operation');

# DROP PARTITION, then rows changed in the stream right after it.
$my->sql(q{
ALTER TABLE r.p DROP PARTITION p1;
INSERT INTO r.p VALUES (120, 'back in p2');
DELETE FROM r.p WHERE id = 2;
});
ok(wait_until(sub { table_state('r', 'r.p') eq 'synced' && tables_equal($my, $node, 'r.p') }, 90),
	'DROP PARTITION: repaired');
compare_table($my, $node, 'r.p');

# MariaDB's REORGANIZE of a LIST partition drops the rows no new partition holds (id 3 here),
# without a row event.
$my->sql(q{ALTER TABLE r.l REORGANIZE PARTITION l1 INTO (PARTITION l1 VALUES IN (1, 2));});
is(join(',', map { $_->[0] } $my->rows('SELECT id FROM r.l ORDER BY id')), '1,2,4',
	'the source lost row 3 in the REORGANIZE');
ok(wait_until(sub { tables_equal($my, $node, 'r.l') }, 90), 'REORGANIZE PARTITION: repaired');

# EXCHANGE PARTITION swaps rows between two synced tables: both are repaired.
$my->sql(q{ALTER TABLE r.p EXCHANGE PARTITION p2 WITH TABLE r.stage;});
ok(wait_until(sub { tables_equal($my, $node, 'r.p') && tables_equal($my, $node, 'r.stage') }, 120),
	'EXCHANGE PARTITION: both tables repaired');
compare_table($my, $node, 'r.stage');

# DISCARD + IMPORT TABLESPACE: r.imported gets r.donor's rows from the donor's files.
my $dir = $my->datadir . '/r';
$my->sql(q{
FLUSH TABLES r.donor FOR EXPORT;
system cp -p $DIR/donor.ibd $DIR/donor.cfg $DIR/../;
UNLOCK TABLES;
} =~ s/\$DIR/$dir/gr);
$my->sql(q{ALTER TABLE r.imported DISCARD TABLESPACE;});
File::Copy::copy($my->datadir . '/donor.ibd', "$dir/imported.ibd") or die "copy: $!";
File::Copy::copy($my->datadir . '/donor.cfg', "$dir/imported.cfg") or die "copy: $!";
$my->sql(q{ALTER TABLE r.imported IMPORT TABLESPACE; INSERT INTO r.plain (v) VALUES ('after import');});
is(join(',', map { $_->[0] } $my->rows('SELECT id FROM r.imported ORDER BY id')), '7,8',
	'the source holds the imported rows');
ok(wait_until(sub { table_state('r', 'r.imported') eq 'synced' && tables_equal($my, $node, 'r.imported') }, 90),
	'DISCARD + IMPORT TABLESPACE: repaired after the import');
compare_table($my, $node, 'r.imported');

# Partitioning changes that keep the rows: nothing is copied (the log would say so).
my $log_offset = -s $node->logfile;
my $copied_at = sub {
	join ' ', slurp_file($node->logfile, $log_offset) =~ /(resync of r\.(?:plain|l) done)/g;
};
my $before = '';
$my->sql(q{
ALTER TABLE r.plain PARTITION BY HASH (id) PARTITIONS 2;
ALTER TABLE r.l ADD PARTITION (PARTITION l3 VALUES IN (9));
ALTER TABLE r.plain REMOVE PARTITIONING;
INSERT INTO r.plain (v) VALUES ('last');
});
ok(wait_tables_equal($my, $node, ['r.plain', 'r.l'], 30), 'row-preserving partitioning changes: still equal');
is($copied_at->(), $before, 'and no table was copied again');
is(q1(q{SELECT count(*) FROM mysql_sync.errors WHERE task = 'r'}), '0', 'task r had no error');

# A repair that cannot run (a view depends on the target, which the copy replaces) leaves the table
# failed and its changes held back, across a restart too; resync_table repairs it once the view is gone.
q1(q{CREATE VIEW public.p_view AS SELECT * FROM r.p});
$my->sql(q{ALTER TABLE r.p TRUNCATE PARTITION p0; INSERT INTO r.p VALUES (5, 'held back');});
ok(wait_until(sub { table_state('r', 'r.p') eq 'failed' }, 60), 'a repair that cannot run: the table is failed');
like(q1(q{SELECT last_error FROM mysql_sync.table_status WHERE task = 'r' AND source_table = 'r.p'}),
	qr/repair failed.*p_view.*held back/s, 'last_error says why and that its changes are held back');
is(q1(q{SELECT state FROM mysql_sync.status WHERE task = 'r'}), 'streaming', 'the task goes on streaming');
q1(q{SELECT mysql_sync.stop_sync('r')});
ok(wait_for_state($node, 'r', 'paused'), 'stopped');
q1(q{SELECT mysql_sync.resume_sync('r')});
ok(wait_for_state($node, 'r', 'streaming'), 'resumed');
$my->sql(q{INSERT INTO r.p VALUES (6, 'held back'); INSERT INTO r.plain (v) VALUES ('after the restart');});
ok(wait_tables_equal($my, $node, ['r.plain'], 30), 'the other tables stream');
is(q1(q{SELECT count(*) FROM r.p WHERE id IN (5, 6)}), '0', 'the failed table\'s changes stay held back after the restart');
q1(q{DROP VIEW public.p_view});
q1(q{SELECT mysql_sync.resync_table('r', 'r.p')});
ok(wait_until(sub { table_state('r', 'r.p') eq 'synced' && tables_equal($my, $node, 'r.p') }, 90),
	'resync_table repairs the failed table');

# ----------------------------------------------------------------------------- pause
create_tables('rp');
q1("SELECT mysql_sync.start_sync('rp', '$uri', '{rp.*}', options => '{\"ddl\": {\"unlogged_rows\": \"pause\"}}')");
ok(wait_for_state($node, 'rp', 'streaming'), 'task rp streaming');
$my->sql(q{ALTER TABLE rp.p TRUNCATE PARTITION p1; INSERT INTO rp.plain (v) VALUES ('after');});
my $st = wait_for_state($node, 'rp', 'paused', 60);
ok($st, 'pause: the task pauses before the statement');
like($st->{detail} // '', qr/TRUNCATE PARTITION/, 'pause: the detail names the statement');
is(q1(q{SELECT count(*) FROM rp.p}), '250', 'pause: nothing applied yet');
q1(q{SELECT mysql_sync.resume_sync('rp')});
ok(wait_until(sub { table_state('rp', 'rp.p') eq 'synced' && tables_equal($my, $node, 'rp.p') }, 90),
	'pause: resume_sync repairs the table');
ok(wait_tables_equal($my, $node, ['rp.plain'], 30), 'pause: the later changes are applied');

# ----------------------------------------------------------------------------- fail
create_tables('rf');
q1("SELECT mysql_sync.start_sync('rf', '$uri', '{rf.*}', options => '{\"ddl\": {\"unlogged_rows\": \"fail\"}}')");
ok(wait_for_state($node, 'rf', 'streaming'), 'task rf streaming');
$my->sql(q{ALTER TABLE rf.p TRUNCATE PARTITION p0;});
$st = wait_for_state($node, 'rf', 'stopped', 60);
ok($st, 'fail: the task stops');
like($st->{last_error} // '', qr/unlogged_rows.*TRUNCATE PARTITION on rf\.p/, 'fail: the error names the statement');
is(q1(q{SELECT sqlstate FROM mysql_sync.errors WHERE task = 'rf' ORDER BY id DESC LIMIT 1}), '0A000',
	'fail: SQLSTATE 0A000');

# ----------------------------------------------------------------------------- ignore, counted
create_tables('ri');
q1("SELECT mysql_sync.start_sync('ri', '$uri', '{ri.*}', options => '{\"ddl\": {\"unlogged_rows\": \"ignore\"}}')");
ok(wait_for_state($node, 'ri', 'streaming'), 'task ri streaming');
$my->sql(q{ALTER TABLE ri.p TRUNCATE PARTITION p0; ALTER TABLE ri.p TRUNCATE PARTITION p1;
           INSERT INTO ri.plain (v) VALUES ('after');});
ok(wait_tables_equal($my, $node, ['ri.plain'], 30), 'ignore: the stream goes on');
ok(wait_until(sub { q1(q{SELECT unlogged_rows_ignored FROM mysql_sync.table_status
                          WHERE task = 'ri' AND source_table = 'ri.p'}) eq '2' }, 30),
	'ignore: table_status.unlogged_rows_ignored counts both statements');
like(q1(q{SELECT last_error FROM mysql_sync.table_status WHERE task = 'ri' AND source_table = 'ri.p'}),
	qr/without row events.*ignored.*resync_table/, 'ignore: last_error says what was ignored and what repairs it');
is(q1(q{SELECT count(*) FROM ri.p}), '250', 'ignore: the target kept the rows');
is(q1(q{SELECT state FROM mysql_sync.status WHERE task = 'ri'}), 'streaming', 'ignore: still streaming');
q1(q{SELECT mysql_sync.resync_table('ri', 'ri.p')});
ok(wait_until(sub { table_state('ri', 'ri.p') eq 'synced' && tables_equal($my, $node, 'ri.p') }, 90),
	'ignore: resync_table repairs it');
is(q1(q{SELECT unlogged_rows_ignored || ':' || coalesce(last_error, '') FROM mysql_sync.table_status
         WHERE task = 'ri' AND source_table = 'ri.p'}), '0:', 'ignore: the repair resets the count');

done_testing();
