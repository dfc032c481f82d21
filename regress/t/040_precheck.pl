# precheck against a MariaDB in each misconfiguration: each time exactly the expected item
# fails (every other item keeps its expected status), and applying the item's hint (the SQL
# before " -- ", or the restart it describes) makes it pass. A correct set-up passes everything.
# Also: start_sync refuses with one ERROR listing the failed items with their hints, and
# options.skip_precheck downgrades a named item to a warning.
use strict;
use warnings;

use FindBin;
use lib $FindBin::RealBin;

use PostgreSQL::Test::Utils;
use PostgreSQL::Test::Cluster;
use Test::More;
use MysqlSyncTest;
use PrecheckTest;

plan skip_all => 'mysql_sync is not installed (make install)' unless extension_installed();

my @ITEMS = @PRECHECK_ITEMS;

my $my   = start_mariadb(name => 'src040');
my $node = pg_node('pg040');
$node->safe_psql('postgres', 'CREATE EXTENSION mysql_sync');

$my->sql(q{
CREATE DATABASE shop;
CREATE TABLE shop.items (id int PRIMARY KEY, name varchar(40));
CREATE TABLE shop.orders (id bigint PRIMARY KEY, item_id int, amount decimal(10,2));
INSERT INTO shop.items VALUES (1, 'one'), (2, 'two');
});

# Runs mysql_sync.precheck; returns { item => {status, detail, hint}, _order => [items] }.
sub precheck
{
	my (%a) = @_;
	return run_precheck($node, $a{source} // $my->source_uri, $a{objects} // '{shop.*}', $a{args});
}

sub summary { return precheck_summary(@_) }
sub expect  { return expect_precheck(@_) }

# Runs a hint's SQL on MariaDB as root.
sub apply_on_mariadb
{
	my ($hint) = @_;
	my $sql = hint_sql($hint);
	$my->sql("$sql;");
	return $sql;
}

# ------------------------------------------------------------------ a correct set-up
my $r = precheck();
is_deeply($r->{_order}, \@ITEMS, 'items come in the contract order');
expect($r, 'correct set-up');
like($r->{version}{detail}, qr/^MariaDB 10\./, 'version names the server');
like($r->{objects_exist}{detail}, qr/^2 tables match/, 'objects_exist counts the tables');

# ------------------------------------------------------------------ binlog_enabled
$my->restart(options => ['--skip-log-bin']);
$r = precheck();
expect($r, 'restarted without log-bin', binlog_enabled => 'failed');
like($r->{binlog_enabled}{hint}, qr/--log-bin=binlog/, 'hint: restart with --log-bin=binlog');
$my->restart(options => []);    # the base options have --log-bin=binlog, as the hint says
expect(precheck(), 'restarted with log-bin');

# ------------------------------------------------------------------ binlog_format
$my->restart(options => ['--binlog-format=STATEMENT']);
$r = precheck();
expect($r, 'binlog_format STATEMENT', binlog_format => 'failed');
like($r->{binlog_format}{detail}, qr/STATEMENT/, 'detail names STATEMENT');
is(apply_on_mariadb($r->{binlog_format}{hint}), q{SET GLOBAL binlog_format = 'ROW'}, 'hint is SET GLOBAL');
expect(precheck(), 'after the STATEMENT hint');
$my->restart(options => []);

$my->sql(q{SET GLOBAL binlog_format = 'MIXED'});
$r = precheck();
expect($r, 'binlog_format MIXED', binlog_format => 'failed');
apply_on_mariadb($r->{binlog_format}{hint});
expect(precheck(), 'after the MIXED hint');

# ------------------------------------------------------------------ binlog_row_image
$my->restart(options => ['--binlog-row-image=MINIMAL']);
$r = precheck();
expect($r, 'binlog_row_image MINIMAL', binlog_row_image => 'failed');
is(apply_on_mariadb($r->{binlog_row_image}{hint}), q{SET GLOBAL binlog_row_image = 'FULL'}, 'hint is SET GLOBAL');
expect(precheck(), 'after the MINIMAL hint');
$my->restart(options => []);

$my->sql(q{SET GLOBAL binlog_row_image = 'NOBLOB'});
$r = precheck();
expect($r, 'binlog_row_image NOBLOB', binlog_row_image => 'warning');
apply_on_mariadb($r->{binlog_row_image}{hint});
expect(precheck(), 'after the NOBLOB hint');

# ------------------------------------------------------------------ binlog_row_metadata
$my->sql(q{SET GLOBAL binlog_row_metadata = 'MINIMAL'});
$r = precheck();
expect($r, 'binlog_row_metadata MINIMAL', binlog_row_metadata => 'warning');
apply_on_mariadb($r->{binlog_row_metadata}{hint});
expect(precheck(), 'after the binlog_row_metadata hint');

# ------------------------------------------------------------------ binlog_retention
$my->sql(q{SET GLOBAL binlog_expire_logs_seconds = 3600});
$r = precheck();
expect($r, 'binlogs kept 1 hour', binlog_retention => 'failed');
like($r->{binlog_retention}{detail}, qr/under 1 day/, 'detail: under 1 day');
$my->sql(q{SET GLOBAL binlog_expire_logs_seconds = 259200});
$r = precheck();
expect($r, 'binlogs kept 3 days', binlog_retention => 'warning');
is(apply_on_mariadb($r->{binlog_retention}{hint}),
	'SET GLOBAL binlog_expire_logs_seconds = 604800', 'hint sets 7 days');
$r = precheck();
expect($r, 'after the retention hint');
like($r->{binlog_retention}{detail}, qr/7 days/, 'detail: 7 days');

# A start position in a purged binlog (initial_sync '{}').
my ($old_file) = $my->binlog_position;
$my->sql('FLUSH BINARY LOGS');
my ($cur_file) = $my->binlog_position;
$my->sql("PURGE BINARY LOGS TO '$cur_file'");
# (initial_sync '{}' creates nothing: the target table has to exist)
$node->safe_psql('postgres', q{CREATE SCHEMA shop; CREATE TABLE shop.items (id int PRIMARY KEY, name varchar(40))});
$r = precheck(objects => '{shop.items}',
	args => qq{initial_sync => '{}', options => '{"start_position": {"file": "$old_file", "pos": 4}}'});
expect($r, 'start_position in a purged binlog', binlog_retention => 'failed');
like($r->{binlog_retention}{detail}, qr/\Q$old_file\E, which is purged/, 'detail names the purged file');
$r = precheck(objects => '{shop.items}',
	args => qq{initial_sync => '{}', options => '{"start_position": {"file": "$cur_file", "pos": 4}}'});
expect($r, 'start_position in a binlog that is still there');
$r = precheck(objects => '{shop.items}',
	args => qq{initial_sync => '{}', options => '{"start_position": {"file": "$cur_file", "pos": 999999999}}'});
expect($r, 'start_position past the end of its binlog', binlog_retention => 'failed');
$node->safe_psql('postgres', 'DROP SCHEMA shop CASCADE');

# ------------------------------------------------------------------ server_id
$r = precheck(args => q{options => '{"server_id": 1}'});
expect($r, "the source's own server_id", server_id => 'failed');
like($r->{server_id}{hint}, qr/options => '\{"server_id": (\d+)\}'/, 'hint gives another server_id');
my ($sid) = $r->{server_id}{hint} =~ /"server_id": (\d+)/;
expect(precheck(args => qq{options => '{"server_id": $sid}'}), 'with the suggested server_id');

# ------------------------------------------------------------------ privileges
# The least a task needs on MariaDB 10.11 (no RELOAD, no LOCK TABLES: the copies take no lock),
# plus REPLICATION MASTER ADMIN so that the server_id item can list the replicas.
$my->sql(q{
CREATE USER 'lp'@'%' IDENTIFIED BY 'lp';
GRANT REPLICATION SLAVE, BINLOG MONITOR, REPLICATION MASTER ADMIN ON *.* TO 'lp'@'%';
GRANT SELECT ON shop.* TO 'lp'@'%';
});
my $lp = $my->source_uri(user => 'lp', password => 'lp');
$r = precheck(source => $lp);
expect($r, 'least-privileged user');
like($r->{privileges}{detail}, qr/'lp'\@'%' has REPLICATION SLAVE, BINLOG MONITOR and SELECT/, 'privileges detail');
like($r->{privileges}{detail}, qr/in short chunks, each in a source transaction of its own, with no lock.*exact snapshot position/,
	'... and how the full load copies (MariaDB: exact snapshot positions)');

for my $case (
	[ 'REPLICATION SLAVE', q{REVOKE REPLICATION SLAVE ON *.* FROM 'lp'@'%'}, {} ],
	[ 'BINLOG MONITOR',    q{REVOKE BINLOG MONITOR ON *.* FROM 'lp'@'%'},    {} ],
	[ 'SELECT on shop.*',  q{REVOKE SELECT ON shop.* FROM 'lp'@'%'}, { objects_exist => 'warning' } ])
{
	my ($what, $revoke, $also) = @$case;
	$my->sql($revoke);
	$r = precheck(source => $lp);
	expect($r, "user lacking $what", privileges => 'failed', %$also);
	like($r->{privileges}{hint}, qr/^GRANT .* TO 'lp'\@'%'$/, "hint is a GRANT: $r->{privileges}{hint}");
	apply_on_mariadb($r->{privileges}{hint});
	expect(precheck(source => $lp), "after the GRANT for $what");
}

# Without REPLICATION MASTER ADMIN the replicas cannot be listed: a warning.
$my->sql(q{REVOKE REPLICATION MASTER ADMIN ON *.* FROM 'lp'@'%'});
$r = precheck(source => $lp);
expect($r, 'user lacking REPLICATION MASTER ADMIN', server_id => 'warning');
like($r->{server_id}{hint}, qr/^GRANT REPLICATION MASTER ADMIN ON \*\.\* TO 'lp'\@'%'/, 'hint grants it');
apply_on_mariadb($r->{server_id}{hint});
expect(precheck(source => $lp), 'after the GRANT for REPLICATION MASTER ADMIN');

# SELECT through a role: it counts only when the role is active at login (a default role).
$my->sql(q{
REVOKE SELECT ON shop.* FROM 'lp'@'%';
CREATE ROLE sync_reader;
GRANT SELECT ON shop.* TO sync_reader;
GRANT sync_reader TO 'lp'@'%';
});
$r = precheck(source => $lp);
expect($r, 'SELECT through a role that is not a default role',
	privileges => 'failed', objects_exist => 'warning');
like($r->{privileges}{detail}, qr/not active at login.*sync_reader/, 'detail names the inactive role');
$my->sql(q{SET DEFAULT ROLE sync_reader FOR 'lp'@'%'});
$r = precheck(source => $lp);
expect($r, 'SELECT through the default role');
like($r->{privileges}{detail}, qr/active role sync_reader/, 'detail names the active role');

# Table-level grants: enough for a table named outright.
$my->sql(q{SET DEFAULT ROLE NONE FOR 'lp'@'%'; GRANT SELECT ON shop.items TO 'lp'@'%'});
expect(precheck(source => $lp, objects => '{shop.items}'), 'table-level SELECT on the named table');
$r = precheck(source => $lp, objects => '{shop.items, shop.orders}');
expect($r, 'no SELECT on one named table', privileges => 'failed', objects_exist => 'warning');
is($r->{privileges}{hint}, q{GRANT SELECT ON `shop`.`orders` TO 'lp'@'%'}, 'hint grants that table');
apply_on_mariadb($r->{privileges}{hint});
expect(precheck(source => $lp, objects => '{shop.items, shop.orders}'), 'after the table GRANT');

# ------------------------------------------------------------------ connection
$r = precheck(source => $my->source_uri(password => 'wrong'));
expect($r, 'wrong password', connection => 'failed',
	map { $_ => 'warning' } @ITEMS[ 1 .. 12 ]);
like($r->{connection}{detail}, qr/^access denied for user 'sync'/, 'detail: access denied');
$r = precheck(source => $my->source_uri . '?ssl_mode=require');
like($r->{connection}{detail}, qr/^TLS required \(ssl_mode=require\) but the server .* does not offer it/,
	'detail: TLS not offered');

# ------------------------------------------------------------------ primary_keys
$my->sql(q{
CREATE TABLE shop.nopk (code varchar(10) NOT NULL, qty int, UNIQUE KEY code (code));
CREATE TABLE shop.nokey (a int, b int);
});
$r = precheck(objects => '{shop.nopk}');
expect($r, 'a table without a primary key', primary_keys => 'failed');
is(hint_sql($r->{primary_keys}{hint}), 'ALTER TABLE `shop`.`nopk` ADD PRIMARY KEY (`code`)',
	'hint adds the primary key on the unique NOT NULL key');
apply_on_mariadb($r->{primary_keys}{hint});
expect(precheck(objects => '{shop.nopk}'), 'after the primary key hint');
$r = precheck(objects => '{shop.nokey}');
expect($r, 'a table without any key', primary_keys => 'failed');
like($r->{primary_keys}{hint}, qr/^ALTER TABLE `shop`.`nokey` ADD PRIMARY KEY \(/, 'hint: ADD PRIMARY KEY');
$my->sql('DROP TABLE shop.nokey');

# ------------------------------------------------------------------ prefix_indexes
$my->sql(q{CREATE TABLE shop.pfx (id int PRIMARY KEY, c varchar(100), UNIQUE KEY uc (c(10)))});
$r = precheck(objects => '{shop.pfx}');
expect($r, 'a unique key on a column prefix', prefix_indexes => 'failed');
is(apply_on_mariadb($r->{prefix_indexes}{hint}),
	'ALTER TABLE `shop`.`pfx` DROP INDEX `uc`, ADD UNIQUE KEY `uc` (`c`)', 'hint rebuilds the key on whole columns');
expect(precheck(objects => '{shop.pfx}'), 'after the prefix hint');
$my->sql(q{CREATE TABLE shop.pfx2 (c varchar(100), PRIMARY KEY (c(20)))});
$r = precheck(objects => '{shop.pfx2}');
expect($r, 'a primary key on a column prefix', prefix_indexes => 'failed');
apply_on_mariadb($r->{prefix_indexes}{hint});
expect(precheck(objects => '{shop.pfx2}'), 'after the primary key prefix hint');

# ------------------------------------------------------------------ column_types
# (every MariaDB type maps; nothing to misconfigure here)

# ------------------------------------------------------------------ objects_exist
$r = precheck(objects => '{shop.Items}');
expect($r, 'a pattern matching nothing', objects_exist => 'failed');
like($r->{objects_exist}{hint}, qr/did you mean shop\.items\?/, 'hint suggests the table');
my ($suggested) = $r->{objects_exist}{hint} =~ /did you mean (\S+)\?/;
expect(precheck(objects => "{$suggested}"), 'with the suggested name');

$my->sql(q{CREATE VIEW shop.item_names AS SELECT name FROM shop.items});
$r = precheck(objects => '{shop.item%}');
expect($r, 'a view matched by a pattern', objects_exist => 'warning');
like($r->{objects_exist}{detail}, qr/skipped, not base tables: shop\.item_names \(view\)/, 'detail names the view');
$r = precheck(objects => '{shop.item_names}');
expect($r, 'a pattern matching only a view', objects_exist => 'failed');
$my->sql(q{DROP VIEW shop.item_names});

$my->sql(q{CREATE TABLE shop._items_gho (id int PRIMARY KEY, name varchar(40))});
$r = precheck(objects => '{shop.items}');
expect($r, 'gh-ost table of a synced table', objects_exist => 'warning');
like($r->{objects_exist}{detail}, qr/shop\._items_gho \(gh-ost\)/, 'detail names the gh-ost table');
$my->sql(q{DROP TABLE shop._items_gho; CREATE TABLE shop._orders_new (id bigint PRIMARY KEY)});
$r = precheck(objects => '{shop.orders}');
expect($r, 'pt-online-schema-change table', objects_exist => 'warning');
like($r->{objects_exist}{detail}, qr/shop\._orders_new \(pt-online-schema-change\)/, 'detail names the pt-osc table');
$my->sql(q{DROP TABLE shop._orders_new});

# ------------------------------------------------------------------ target_conflict
$node->safe_psql('postgres', q{CREATE SCHEMA shop; CREATE TABLE shop.items (id int PRIMARY KEY, name varchar(40))});
$r = precheck(objects => '{shop.items}');
expect($r, 'a conflicting target table', target_conflict => 'failed');
is(hint_sql($r->{target_conflict}{hint}), 'DROP TABLE shop.items', 'hint drops it');
$r = precheck(objects => '{shop.items}', args => q{existing_tables => 'clear'});
expect($r, "the same with existing_tables => 'clear'", target_conflict => 'warning');
$r = precheck(objects => '{shop.items}', args => q{initial_sync => '{data}'});
expect($r, 'an existing target table that fits, without schema sync');
$node->safe_psql('postgres', q{ALTER TABLE shop.items ADD COLUMN extra int NOT NULL, DROP COLUMN name});
$r = precheck(objects => '{shop.items}', args => q{initial_sync => '{data}'});
expect($r, 'an existing target table that does not fit', target_conflict => 'failed');
like($r->{target_conflict}{detail}, qr/lacks the source's column name.*NOT NULL column extra/,
	'detail names the missing and the extra column');
$r = precheck(objects => '{shop.items}');
$node->safe_psql('postgres', hint_sql($r->{target_conflict}{hint}));
expect(precheck(objects => '{shop.items}'), 'after the DROP TABLE hint');
$r = precheck(objects => '{shop.items, shop.orders}', args => q{name_map => '{"shop.orders": "shop.items"}'});
expect($r, 'two source tables into one target', target_conflict => 'failed');
like($r->{target_conflict}{detail}, qr/several source tables map to shop\.items: shop\.items, shop\.orders \(their columns also differ/,
	'detail: several sources into one target, and their columns differ');
$r = precheck(objects => '{shop.items, shop.orders}',
	args => q{existing_tables => 'append', name_map => '{"shop.orders": "shop.items"}'});
expect($r, 'many-to-one with append but different columns', target_conflict => 'failed');
like($r->{target_conflict}{detail}, qr/but their columns differ/, 'detail: append needs compatible columns');
$node->safe_psql('postgres', 'DROP SCHEMA shop');

# ------------------------------------------------------------------ start_sync
$my->sql(q{SET GLOBAL binlog_format = 'STATEMENT'});
my ($rc, $out, $err) = $node->psql('postgres',
	"SELECT mysql_sync.start_sync('t040', \$s\$" . $my->source_uri . "\$s\$, '{shop.items}')");
isnt($rc, 0, 'start_sync refuses a failed precheck');
like($err, qr/task "t040": precheck failed:\s+binlog_format: binlog_format is STATEMENT.*\(fix: SET GLOBAL binlog_format = 'ROW'/s,
	'one ERROR lists the failed item with its hint');
unlike($err, qr/^\s+(?!binlog_format)\w+: .*\(fix:/m, 'and no other item');
is($node->safe_psql('postgres', q{SELECT count(*) FROM mysql_sync.tasks WHERE task = 't040'}), '0', 'no task created');
$my->sql(q{SET GLOBAL binlog_format = 'ROW'; SET GLOBAL binlog_expire_logs_seconds = 3600});
($rc, $out, $err) = $node->psql('postgres',
	"SELECT task FROM mysql_sync.start_sync('t040', \$s\$" . $my->source_uri
	  . "\$s\$, '{shop.items}', options => '{\"skip_precheck\": [\"binlog_retention\"]}')");
is($rc, 0, 'skip_precheck accepts the failed item');
like($err, qr/WARNING:.*precheck binlog_retention/, 'as a WARNING');
$node->safe_psql('postgres', q{SELECT mysql_sync.drop_sync('t040', true)});
$my->sql(q{SET GLOBAL binlog_expire_logs_seconds = 0});

expect(precheck(), 'correct set-up at the end');

$node->stop;
$my->stop;
done_testing();
