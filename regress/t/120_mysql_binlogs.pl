# MySQL-written binlogs through the live path. No MySQL server runs here, so a MariaDB serves
# MySQL's binlog files as MariaDB's own test suite does (suite/rpl/t/rpl_from_mysql80.test): the
# files are put into its binlog directory and index, and a real server sends real MySQL bytes
# through the real replication protocol to the raw reader.
#  A. Every MySQL 5.6+ binlog of ../shared/fixtures/binlog and mariadb-test-data's MySQL 8.0.40
#     file (zstd TRANSACTION_PAYLOAD, PARTIAL_UPDATE_ROWS) streams exactly as the file decodes
#     (mysql-sync-binlog --source against mysql-sync-binlog FILE); semi-sync acknowledgements.
#  B. Tasks stream the fixtures with rows into PostgreSQL (tables created by the binlog's own
#     CREATE TABLE, or stand-ins for tables created before the file begins): the tables end equal
#     to what mysql-sync-binlog decodes from the same file, and the task's position is the MySQL
#     GTID set of what it read (plain and tagged GTIDs).
#  C. The worker is killed with -9 while it applies a compressed transaction; it resumes exactly
#     once.
#  D. A statement-based LOAD DATA into a synced table stops the task naming the table; an event type
#     no server defines stops it naming the type and position.
# Fixtures with rows left out of B, and why: json.binlog.000001 (its partial JSON updates come with
# binlog_row_image = MINIMAL, which the task refuses), mdev35643's t2 (its row is inserted by a
# statement, which no row-based replica can apply), and files whose tables were created before the
# file begins with types MariaDB cannot stand in for (MySQL's JSON, VECTOR).
use strict;
use warnings;

use FindBin;
use lib $FindBin::RealBin;

use Compress::Zlib ();
use File::Basename qw(basename);
use IPC::Run;
use JSON::PP;
use Time::HiRes qw(usleep);
use PostgreSQL::Test::Utils;
use PostgreSQL::Test::Cluster;
use Test::More;
use MysqlSyncTest;

plan skip_all => 'mysql_sync is not installed (make install)' unless extension_installed();

my $fixtures = "$FindBin::RealBin/../../../shared/fixtures/binlog";
plan skip_all => 'needs ../shared/fixtures/binlog (MySQL-written binlogs), which is not beside this checkout'
  unless -f "$fixtures/MANIFEST.tsv";
my $test_data = $ENV{MYSQL_SYNC_MARIADB_TEST_DATA} // '/usr/share/mysql/mysql-test';
my $mdev = "$test_data/std_data/mdev35643_mysql_80_binlog.000001";
ok(-s $mdev, "mariadb-test-data's MySQL 8.0.40 binlog is there (scripts/install-deps installs mariadb-test-data)")
  or BAIL_OUT("no $mdev");

# ----------------------------------------------------------------------------- the files
# MySQL 5.6 and later (the formats a live MySQL source sends: CRC32, rows v2, GTIDs) whose file
# decode succeeds.
my @mysql_files;
open(my $manifest, '<', "$fixtures/MANIFEST.tsv") or die "MANIFEST.tsv: $!";
<$manifest>;
while (my $line = <$manifest>)
{
	my ($path, undef, undef, $server) = split /\t/, $line;
	next unless $server =~ /^(5\.[67]|8\.|9\.)/;
	my $file = "$fixtures/$path";
	my @events = eval { decode_binlog($file) };
	next unless @events;
	# A relay log's ROTATE inside the file: a source's dump thread takes it for the file's end.
	my @rotates = grep { $events[$_]{type} eq 'rotate' } 0 .. $#events;
	next if @rotates && $rotates[0] != $#events;
	push @mysql_files, $file;
}
push @mysql_files, $mdev;
cmp_ok(scalar @mysql_files, '>=', 40, scalar(@mysql_files) . ' MySQL-written binlog files');

# The tasks of part B, in the order their files are served (a task reads on into the files
# after its own, so none of those touches its tables).
my @tasks = (
	{ name => 'ape80', file => "$fixtures/apecloud/mysql-bin.000080", db => 'a', tables => ['emoji'],
	  what => 'MySQL 5.7.40, GTIDs, utf8mb4' },
	{ name => 'ape57', file => "$fixtures/apecloud/mysql-bin.000057", db => 'a', tables => ['b'],
	  keys => { 'a.b' => ['id'] }, what => 'MySQL 8.0.31, zstd payloads, GTIDs' },
	{ name => 'mdev', file => $mdev, db => 'test', tables => ['t1'],
	  what => 'MySQL 8.0.40, zstd payload of 100 rows, latin1' },
	{ name => 'boxer', file => "$fixtures/boxercrab/32_delete_rows_v2/log.bin", db => 'default',
	  tables => ['boxercrab'], what => 'MySQL 5.7.30, GTIDs, insert and delete' },
	{ name => 'tagged', file => "$fixtures/rust_mysql_common/binlog_transaction_with_GTID_TAG.000001",
	  db => 'test', tables => ['orders'], what => 'MySQL 9.6.0, tagged GTIDs',
	  stand_in => [ 'orders (id int PRIMARY KEY, qty int, price decimal(10,2))',
		'orders (id int PRIMARY KEY, qty int, price numeric(10,2))' ] },
	{ name => 'tc', file => "$fixtures/rust_mysql_common/transaction_compression.000001", db => 'test',
	  tables => ['tb1'], what => 'MySQL 8.0.32, zstd payload',
	  stand_in => [ 'tb1 (a int PRIMARY KEY)', 'tb1 (a int PRIMARY KEY)' ] },);
my $load_file = "$fixtures/boxercrab/17_18_load/log.bin";
my %in_b = map { $_->{file} => 1 } @tasks;
my @order = ((grep { !$in_b{$_} } @mysql_files), (map { $_->{file} } @tasks));

my $my = start_mariadb(name => 'src120');
# The test cluster's default is restart_after_crash = off; the worker's kill -9 must not end it.
my $node = pg_node('pg120', conf => 'restart_after_crash = on');
$node->safe_psql('postgres', 'CREATE EXTENSION mysql_sync');
sub q1 { my ($sql) = @_; return $node->safe_psql('postgres', $sql); }

my @served = $my->serve_binlogs(@order);
my %served_as;
@served_as{@order} = @served;
my $uri = $my->source_uri;

# ----------------------------------------------------------------------------- A. the stream
# What a file's events say, without where they came from: the stream names the file as served,
# and the server's artificial events (pos 0) are not in the file.
sub comparable
{
	my ($events, $file) = @_;
	my $json = JSON::PP->new->canonical;
	return [ map { my %e = %$_; delete $e{file}; $json->encode(\%e) }
		  grep { $_->{pos} != 0 && (!defined $file || $_->{file} eq $file) } @$events ];
}

for my $path (@order)
{
	my $name = $served_as{$path};
	my $label = basename($path) . " as $name";
	my @file_events = decode_binlog($path);
	my @stream_events = eval { decode_binlog('--source', $uri, '--start-file', $name, '--server-id', 91) };
	if ($@)
	{
		fail("$label: streamed");
		diag($@);
		next;
	}
	is_deeply(comparable(\@stream_events, $name), comparable(\@file_events), "$label: streamed as decoded");
}

# ----------------------------------------------------------------------------- B. tasks
# The GTID set of the files from $from on (MySQL's text form), as a task reading them holds it:
# each file's PREVIOUS_GTIDS and every transaction's GTID. Written apart from the C++ code.
sub gtid_set_text
{
	my (%set) = @_;    # "uuid\ttag" -> { gno => 1 }
	my %by_uuid;
	for my $key (keys %set)
	{
		my ($uuid, $tag) = split /\t/, $key, -1;
		my @gnos = sort { $a <=> $b } keys %{ $set{$key} };
		my @parts;
		while (@gnos)
		{
			my $first = shift @gnos;
			my $last = $first;
			$last = shift @gnos while @gnos && $gnos[0] == $last + 1;
			push @parts, $first == $last ? $first : "$first-$last";
		}
		$by_uuid{$uuid}{$tag} = join(':', @parts);
	}
	return join(',', map { my $u = $_; join(':', $u, map { $_ eq '' ? $by_uuid{$u}{$_} : "$_:$by_uuid{$u}{$_}" }
				sort keys %{ $by_uuid{$u} }) } sort keys %by_uuid);
}

sub expected_gtids
{
	my ($from) = @_;
	my %set;
	my $add = sub {
		my ($text) = @_;
		for my $group (split /,/, $text)
		{
			my ($uuid, @fields) = split /:/, $group;
			my $tag = '';
			for my $f (@fields)
			{
				if ($f !~ /^\d/) { $tag = lc $f; next }
				my ($a, $b) = split /-/, $f;
				$set{ lc($uuid) . "\t$tag" }{$_} = 1 for $a .. ($b // $a);
			}
		}
	};
	my $started = 0;
	for my $path (@order)
	{
		$started ||= $path eq $from;
		next unless $started;
		for my $e (decode_binlog($path))
		{
			$add->($e->{gtid}) if $e->{type} eq 'previous_gtids' && defined $e->{gtid};
			$add->($e->{gtid}) if $e->{type} eq 'gtid' && $e->{gtid};
		}
	}
	return gtid_set_text(%set);
}

# The rows a table ends with when the file's row events are replayed (each row as its values).
sub expected_rows
{
	my ($path, $db, $table) = @_;
	my %rows;
	my $key = sub { join("\x1f", map { $_ // "\x00" } @{ $_[0] }) };
	for my $e (decode_binlog($path))
	{
		next unless ($e->{schema} // '') eq $db && ($e->{table} // '') eq $table;
		delete $rows{ $key->($e->{before}) } if $e->{type} eq 'update' || $e->{type} eq 'delete';
		$rows{ $key->($e->{after}) } = 1 if $e->{type} eq 'insert' || $e->{type} eq 'update';
	}
	return [ sort keys %rows ];
}

sub target_rows
{
	my ($schema, $table) = @_;
	my $cols = q1(qq{SELECT string_agg(quote_ident(attname) || '::text', ', ' ORDER BY attnum) FROM pg_attribute
	                  WHERE attrelid = '"$schema"."$table"'::regclass AND attnum > 0 AND NOT attisdropped});
	my $json = JSON::PP->new->utf8;
	my @rows = map { join("\x1f", map { $_ // "\x00" } @{ $json->decode($_) }) }
	  grep { $_ ne '' } split /\n/, q1(qq{SELECT array_to_json(ARRAY[$cols]) FROM "$schema"."$table"});
	return [ sort @rows ];
}

sub file_number { my ($name) = @_; return ($name // '') =~ /(\d+)$/ ? $1 + 0 : -1 }
my $last_served = file_number($served[-1]);

# Starts a task at the start of its file; its schema is fx_<name>.
sub start_task
{
	my ($t, %o) = @_;
	my $schema = "fx_$t->{name}";
	q1("CREATE SCHEMA IF NOT EXISTS $schema");
	my @objects = map { "$t->{db}.$_" } @{ $t->{tables} };
	my $sql_log_bin = 'SET SESSION sql_log_bin = 0;';    # these tables are not in the served files
	$my->sql("$sql_log_bin CREATE DATABASE IF NOT EXISTS `$t->{db}`");
	if ($t->{stand_in})
	{
		$my->sql("$sql_log_bin CREATE TABLE IF NOT EXISTS `$t->{db}`.$t->{stand_in}[0]");
		q1("CREATE TABLE IF NOT EXISTS $schema.$t->{stand_in}[1]");
	}
	else
	{
		# The task needs a source table to start with; its own tables come with their CREATE TABLE.
		$my->sql("$sql_log_bin CREATE TABLE IF NOT EXISTS `$t->{db}`.mysql_sync_anchor (id int PRIMARY KEY)");
		q1("CREATE TABLE IF NOT EXISTS $schema.mysql_sync_anchor (id int PRIMARY KEY)");
		push @objects, "$t->{db}.mysql_sync_anchor";
	}
	my $keys = JSON::PP->new->canonical->encode({ map { $_ => { primary_key => $t->{keys}{$_} } } keys %{ $t->{keys} // {} } });
	my $options = JSON::PP->new->canonical->encode({
		start_position => { file => $served_as{ $t->{file} }, pos => 4 },
		skip_precheck => ['objects_exist'] });
	my $task = $o{task} // $t->{name};
	q1("SELECT mysql_sync.start_sync('$task', '$uri', '{" . join(',', @objects) . "}', initial_sync => '{}', "
		  . "existing_tables => 'append', name_map => '{\"$t->{db}\": \"$schema\"}', table_keys => '$keys', "
		  . "options => '$options')");
	return $task;
}

# Waits until the task has read every served file (its position is in the server's own file after
# them), or stopped.
sub wait_through
{
	my ($task) = @_;
	my $last;
	my $done = wait_until(sub {
		$last = sync_status($node, $task);
		return 0 unless $last;
		return 1 if $last->{state} =~ /^(stopped|failed)$/ && $last->{last_error};
		return file_number($last->{source_file}) > $last_served;
	});
	return $last;
}

for my $t (@tasks)
{
	start_task($t);
	my $st = wait_through($t->{name});
	ok($st && file_number($st->{source_file}) > $last_served, "$t->{name} ($t->{what}): read through the files")
	  or diag(explain($st));
	for my $table (@{ $t->{tables} })
	{
		my $expected = expected_rows($t->{file}, $t->{db}, $table);
		is_deeply(target_rows("fx_$t->{name}", $table), $expected,
			"$t->{name}: fx_$t->{name}.$table equals the decoded file (" . scalar(@$expected) . ' rows)');
	}
	my $gtids = expected_gtids($t->{file});
	is(q1("SELECT source_gtid FROM mysql_sync.task_state WHERE task = '$t->{name}'"), $gtids,
		"$t->{name}: the position is the GTID set read ($gtids)")
	  if $gtids ne '';
	q1("SELECT mysql_sync.drop_sync('$t->{name}')");
}

# ----------------------------------------------------------------------------- C. kill -9
# The target exists beforehand (existing_tables append takes it over at the binlog's CREATE TABLE)
# with a trigger that makes each row of the compressed transaction (a >= 1000) take 30 ms.
my ($mdev_task) = grep { $_->{name} eq 'mdev' } @tasks;
q1(q{CREATE SCHEMA fx_kill;
	CREATE TABLE fx_kill.t1 (a int PRIMARY KEY, b int, c varchar(1024));
	CREATE FUNCTION fx_kill.slow() RETURNS trigger LANGUAGE plpgsql AS
	  $$BEGIN IF NEW.a >= 1000 THEN PERFORM pg_sleep(0.03); END IF; RETURN NEW; END$$;
	CREATE TRIGGER slow BEFORE INSERT ON fx_kill.t1 FOR EACH ROW EXECUTE FUNCTION fx_kill.slow();
	ALTER TABLE fx_kill.t1 ENABLE ALWAYS TRIGGER slow;});
start_task({ %$mdev_task, name => 'kill' });
ok(wait_until(sub {
	q1("SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'mysql_sync worker' AND wait_event = 'PgSleep'") > 0 }),
	'the worker applies the compressed transaction');
my ($worker) = worker_pids($node);
kill 'KILL', $worker;
ok(wait_until(sub { my ($w) = worker_pids($node); defined $w && $w != $worker }), 'the worker is back after kill -9');
ok(wait_until(sub { eval { q1(q{CREATE OR REPLACE FUNCTION fx_kill.slow() RETURNS trigger LANGUAGE plpgsql AS
	  $$BEGIN RETURN NEW; END$$}); 1 } }), 'the trigger no longer sleeps');
my $st = wait_through('kill');
ok($st && file_number($st->{source_file}) > $last_served, 'the killed task read through the files')
  or diag(explain($st));
my $expected = expected_rows($mdev, 'test', 't1');
is_deeply(target_rows('fx_kill', 't1'), $expected, 'fx_kill.t1 equals the decoded file after kill -9');
is(q1("SELECT changes_applied FROM mysql_sync.table_status WHERE task = 'kill' AND source_table = 'test.t1'"),
	scalar(@$expected), 'every row change counted once (table_status.changes_applied)');
q1("SELECT mysql_sync.drop_sync('kill')");

# ----------------------------------------------------------------------------- semi-sync
# Semi-sync: a replica that asks for it acknowledges each transaction, and the source counts it.
$my->sql('CREATE DATABASE semi; CREATE TABLE semi.t (id int PRIMARY KEY)');
$my->sql('SET GLOBAL rpl_semi_sync_master_enabled = ON, GLOBAL rpl_semi_sync_master_timeout = 10000');
my ($semi_out, $semi_err) = ('', '');
my $status = sub { my ($v) = $my->rows("SHOW STATUS LIKE '$_[0]'"); return $v->[1] };
my ($file, $pos) = $my->binlog_position;
my $semi = IPC::Run::start([ binlog_cli(), '--source', $uri, '--start-file', $file, '--start-pos', $pos, '--follow',
		'--semi-sync', '--server-id', 92 ], '<', \undef, '>', \$semi_out, '2>', \$semi_err);
ok(wait_until(sub { $semi->pump_nb; $status->('Rpl_semi_sync_master_clients') == 1 }),
	'the semi-sync replica is connected (Rpl_semi_sync_master_clients)');
$my->sql("INSERT INTO semi.t VALUES ($_)") for 1 .. 3;
ok(wait_until(sub { $semi->pump_nb; $status->('Rpl_semi_sync_master_yes_tx') >= 3 }),
	'the source counts 3 acknowledged transactions (Rpl_semi_sync_master_yes_tx)');
is($status->('Rpl_semi_sync_master_no_tx'), 0, 'none waited out the timeout');
ok(wait_until(sub { $semi->pump_nb; $semi_out =~ /"table":"t".*"after":\["3"\]/s }), 'the stream carried the rows');
$semi->kill_kill;
$my->sql('SET GLOBAL rpl_semi_sync_master_enabled = OFF');

# ----------------------------------------------------------------------------- D. LOAD DATA, unknown types
# A statement-based LOAD DATA (BEGIN_LOAD_QUERY 17 + EXECUTE_LOAD_QUERY 18) streams: its statement
# reaches the DDL planner, which stops the task at a change of a synced table, as for any
# statement-based change. An event type no server defines (the file's BEGIN_LOAD_QUERY rewritten
# as type 99, its CRC32 computed again) stops the task naming the type and its position.
my $unknown_file = PostgreSQL::Test::Utils::tempdir() . '/unknown_type.bin';
{
	open(my $in, '<:raw', $load_file) or die "$load_file: $!";
	local $/;
	my $bytes = <$in>;
	close $in;
	my $at = 304;    # the BEGIN_LOAD_QUERY: 35 bytes, CRC32 in the last 4
	is(ord(substr($bytes, $at + 4, 1)), 17, 'the event at 304 is a BEGIN_LOAD_QUERY');
	my $length = unpack('V', substr($bytes, $at + 9, 4));
	substr($bytes, $at + 4, 1) = chr(99);
	substr($bytes, $at + $length - 4, 4) = pack('V', Compress::Zlib::crc32(substr($bytes, $at, $length - 4)));
	open(my $out, '>:raw', $unknown_file) or die "$unknown_file: $!";
	print $out $bytes;
	close $out;
}
my @load = $my->serve_binlogs($load_file, $unknown_file);
@served_as{ $load_file, $unknown_file } = @load;
# The table was created before the file begins: a stand-in makes it a table of the task.
my @boxercrab = ('boxercrab (id int PRIMARY KEY, title varchar(40))') x 2;
start_task({ name => 'load', file => $load_file, db => 'default', tables => ['boxercrab'], stand_in => \@boxercrab });
$st = wait_for_state($node, 'load', 'stopped');
like($st->{last_error} // '', qr/statement-based change of synced table default\.boxercrab/,
	'a statement-based LOAD DATA into a synced table stops the task naming the table')
  or diag(explain($st));
is($st->{source_file}, $load[0], 'before the LOAD DATA: the task stays in the file');
is(q1("SELECT sqlstate FROM mysql_sync.errors WHERE task = 'load' ORDER BY id DESC LIMIT 1"), '0A000',
	'with SQLSTATE 0A000');
q1("SELECT mysql_sync.drop_sync('load')");

start_task({ name => 'unknown', file => $unknown_file, db => 'default', tables => ['boxercrab'], stand_in => \@boxercrab });
$st = wait_for_state($node, 'unknown', 'stopped');
like($st->{last_error} // '', qr/binlog event type 99 \(unknown_99\) at binlog \Q$load[1]\E:304 is not supported/,
	'an unknown event type stops the task naming its type and position')
  or diag(explain($st));
is(q1("SELECT sqlstate FROM mysql_sync.errors WHERE task = 'unknown' ORDER BY id DESC LIMIT 1"), '0A000',
	'with SQLSTATE 0A000');

done_testing();
