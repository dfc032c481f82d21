# Privileges and the source password:
#  - a plain login role (not superuser, not in mysql_sync_admin) can neither call the functions
#    nor read the views or the catalog, also after being given USAGE on the schema;
#  - a member of mysql_sync_admin can call them (start a task, stop, resume, drop, precheck,
#    verify) and read tasks/status/table_status, sees the password as ********, and cannot read
#    the catalog tables that hold it; binlog_events also needs pg_read_server_files;
#  - the password (a distinctive string) never shows in the views, in the errors of a failing
#    connection (start_sync, precheck, the worker's last_error), in pg_stat_activity.query of the
#    launcher and the worker, nor anywhere in the PostgreSQL server log of the whole test
#    (log_min_messages = debug1, so that debug messages are searched too).
# The node runs with log_statement = none: with 'all' (the TAP default) PostgreSQL itself logs
# each statement, start_sync's source argument included, before any extension code runs.
use strict;
use warnings;

use FindBin;
use lib $FindBin::RealBin;

use PostgreSQL::Test::Utils;
use PostgreSQL::Test::Cluster;
use Test::More;
use MysqlSyncTest;

plan skip_all => 'mysql_sync is not installed (make install)' unless extension_installed();

my $PASSWORD = 'Pw7xQz_sEcReT_4417';
my $my = start_mariadb(name => 'src081', sync_user => 'syncer', sync_password => $PASSWORD);
my $node = pg_node('pg081', conf => "log_statement = none\nlog_min_messages = debug1");
$node->safe_psql('postgres', 'CREATE EXTENSION mysql_sync');
my $uri = $my->source_uri;
like($uri, qr/\Q$PASSWORD\E/, 'the source URI carries the password');

$my->sql(q{CREATE DATABASE sec; CREATE TABLE sec.t (id int PRIMARY KEY, v text);
           INSERT INTO sec.t VALUES (1, 'one'), (2, 'two');});
$node->safe_psql('postgres', q{
CREATE ROLE plain LOGIN;
CREATE ROLE admin1 LOGIN;
GRANT mysql_sync_admin TO admin1;
GRANT CREATE ON DATABASE postgres TO admin1;
});

# psql as a role: (rc, stdout, stderr)
sub as_role
{
	my ($role, $sql) = @_;
	my ($out, $err) = ('', '');
	my $rc = $node->psql('postgres', $sql, stdout => \$out, stderr => \$err,
		extra_params => [ '-U', $role ]);
	return ($rc, $out, $err);
}

# Denied calls carry another password: PostgreSQL logs the statement of a permission error
# (log_min_error_statement) before any function of the extension runs, and that is the caller's
# own text.
my $other_uri = $my->source_uri(password => 'not_the_password');
my %CALLS = (
	start_sync   => "SELECT mysql_sync.start_sync('p', '$other_uri', '{sec.*}')",
	stop_sync    => "SELECT mysql_sync.stop_sync('s')",
	resume_sync  => "SELECT mysql_sync.resume_sync('s')",
	drop_sync    => "SELECT mysql_sync.drop_sync('s')",
	precheck     => "SELECT * FROM mysql_sync.precheck('$other_uri', '{sec.*}')",
	resync_table => "SELECT mysql_sync.resync_table('s', 'sec.t')",
	verify       => "SELECT * FROM mysql_sync.verify('s')",
	binlog_events => "SELECT * FROM mysql_sync.binlog_events('/nonexistent/binlog.000001')",
	_signal_task => "SELECT mysql_sync._signal_task('s', true)",
	_precheck    => "SELECT * FROM mysql_sync._precheck('$other_uri', '{sec.*}', '{}', 'fail', '{}', '{}', '{}', '{}')",
	_live_status => "SELECT * FROM mysql_sync._live_status()",
);
my @RELATIONS = qw(tasks status table_status task_config task_state table_state);

# ----------------------------------------------------------------------------- a task, as superuser
$node->safe_psql('postgres', "SELECT mysql_sync.start_sync('s', '$uri', '{sec.*}')");
ok(wait_for_state($node, 's', 'streaming'), 'task s streaming');

# ----------------------------------------------------------------------------- plain role
for my $f (sort keys %CALLS)
{
	my ($rc, $out, $err) = as_role('plain', $CALLS{$f});
	like($err, qr/permission denied for schema mysql_sync/, "plain role: $f denied (no schema usage)");
}
for my $r (@RELATIONS)
{
	my ($rc, $out, $err) = as_role('plain', "SELECT * FROM mysql_sync.$r");
	like($err, qr/permission denied for schema mysql_sync/, "plain role: $r denied (no schema usage)");
}
# Even with USAGE on the schema (a DBA's slip), the functions and relations stay closed.
$node->safe_psql('postgres', 'GRANT USAGE ON SCHEMA mysql_sync TO plain');
for my $f (sort keys %CALLS)
{
	my ($rc, $out, $err) = as_role('plain', $CALLS{$f});
	like($err, qr/permission denied for function \Q$f\E/, "plain role with schema usage: $f denied");
}
for my $r (@RELATIONS)
{
	my ($rc, $out, $err) = as_role('plain', "SELECT * FROM mysql_sync.$r");
	like($err, qr/permission denied for (view|table) \Q$r\E/, "plain role with schema usage: $r denied");
}
is($node->safe_psql('postgres', q{
	SELECT count(*) FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
	 WHERE n.nspname = 'mysql_sync' AND has_function_privilege('public', p.oid, 'EXECUTE')}),
	'0', 'no function of mysql_sync is executable by PUBLIC');

# ----------------------------------------------------------------------------- admin role
my ($rc, $out, $err) = as_role('admin1', "SELECT task || ' ' || source FROM mysql_sync.tasks");
is($out, "s mysql://syncer:********\@127.0.0.1:" . $my->port, 'admin reads tasks; the password shows as ********');
($rc, $out, $err) = as_role('admin1', "SELECT state FROM mysql_sync.status WHERE task = 's'");
is($out, 'streaming', 'admin reads status');
($rc, $out, $err) = as_role('admin1', "SELECT target_table || ' ' || state FROM mysql_sync.table_status");
is($out, 'sec.t synced', 'admin reads table_status');
for my $r (qw(task_config task_state table_state))
{
	($rc, $out, $err) = as_role('admin1', "SELECT * FROM mysql_sync.$r");
	like($err, qr/permission denied for table $r/, "admin cannot read the catalog table $r");
}
($rc, $out, $err) = as_role('admin1', 'SELECT source FROM mysql_sync.task_config');
like($err, qr/permission denied for table task_config/, "admin cannot read task_config's source column");
for my $f (qw(_signal_task _precheck))
{
	($rc, $out, $err) = as_role('admin1', $CALLS{$f});
	like($err, qr/permission denied for function $f/, "admin cannot call the internal $f");
}

($rc, $out, $err) = as_role('admin1', "SELECT * FROM mysql_sync.precheck('$uri', '{sec.*}')");
is($rc, 0, 'admin runs precheck');
like($out, qr/^connection\|passed\|/m, 'precheck connects');
unlike($out . $err, qr/\Q$PASSWORD\E/, 'precheck output has no password');
($rc, $out, $err) = as_role('admin1', "SELECT state FROM mysql_sync.start_sync('a1', '$uri', '{sec.*}', "
	  . "name_map => '{\"sec\": \"sec_a1\"}')");
is($rc, 0, 'admin starts a task') or diag($err);
ok(wait_for_state($node, 'a1', 'streaming'), 'the admin\'s task streams');
$my->sql("INSERT INTO sec.t VALUES (3, 'three')");
ok(wait_until(sub { tables_equal($my, $node, 'sec.t', target => 'sec_a1.t') }), 'and follows the source');
# verify and resync_table may still say "not supported yet": only the privilege is checked.
($rc, $out, $err) = as_role('admin1', "SELECT source_table, status FROM mysql_sync.verify('a1')");
unlike($err, qr/permission denied/, 'admin may call verify');
for my $f (qw(stop_sync resume_sync))
{
	($rc, $out, $err) = as_role('admin1', "SELECT mysql_sync.$f('a1')");
	is($rc, 0, "admin calls $f") or diag($err);
}
($rc, $out, $err) = as_role('admin1', $CALLS{resync_table});
unlike($err, qr/permission denied/, 'admin may call resync_table');
($rc, $out, $err) = as_role('admin1', $CALLS{binlog_events});
like($err, qr/permission denied to read binlog files on the server.*\n.*pg_read_server_files/,
	'binlog_events also needs pg_read_server_files (it reads server files)');
$node->safe_psql('postgres', 'GRANT pg_read_server_files TO admin1');
($rc, $out, $err) = as_role('admin1', $CALLS{binlog_events});
unlike($err, qr/permission denied/, 'with pg_read_server_files the admin may call binlog_events');
($rc, $out, $err) = as_role('admin1', "SELECT mysql_sync.drop_sync('a1', drop_tables => true)");
is($rc, 0, 'admin calls drop_sync') or diag($err);

# ----------------------------------------------------------------------------- password never shown
my $closed_port = PostgreSQL::Test::Cluster::get_free_port();
(my $bad_uri = $uri) =~ s/:\d+$/:$closed_port/;
($rc, $out, $err) = as_role('admin1', "SELECT mysql_sync.start_sync('bad', '$bad_uri', '{sec.*}')");
like($err, qr/precheck failed:.*connection: cannot reach 127\.0\.0\.1:$closed_port/s,
	'start_sync against a closed port fails on the connection item');
unlike($err, qr/\Q$PASSWORD\E/, 'the error does not show the password');
($rc, $out, $err) = as_role('admin1', "SELECT * FROM mysql_sync.precheck('$bad_uri', '{sec.*}')");
like($out, qr/^connection\|failed\|cannot reach/m, 'precheck reports the connection failure');
unlike($out . $err, qr/\Q$PASSWORD\E/, 'and does not show the password');
(my $wrong_pw_uri = $uri) =~ s/\Q$PASSWORD\E/${PASSWORD}_wrong/;
($rc, $out, $err) = as_role('admin1', "SELECT * FROM mysql_sync.precheck('$wrong_pw_uri', '{sec.*}')");
like($out, qr/^connection\|failed\|access denied for user 'syncer'/m, 'a wrong password: access denied');
unlike($out . $err, qr/\Q$PASSWORD\E/, 'the wrong password is not shown either');
($rc, $out, $err) = as_role('admin1', "SELECT mysql_sync.start_sync('bad', 'mysql://syncer:$PASSWORD\@127.0.0.1:99999', '{sec.*}')");
like($err, qr/invalid source URI: the port/, 'an invalid URI is refused');
unlike($err, qr/\Q$PASSWORD\E/, 'without echoing the password');

# A task whose worker cannot connect (the precheck's connection item skipped): its last_error.
my $log_offset = -s $node->logfile;
$node->safe_psql('postgres', "SELECT mysql_sync.start_sync('bad', '$bad_uri', '{sec.*}', "
	  . "options => '{\"skip_precheck\": [\"connection\"]}')");
ok(wait_until(sub { my $s = sync_status($node, 'bad'); $s && defined $s->{last_error} }),
	'the worker of task bad records a failure');
my $st = sync_status($node, 'bad');
like($st->{last_error}, qr/cannot connect to the MySQL source 'syncer' at 127\.0\.0\.1:$closed_port/,
	'last_error names user and endpoint');
my $views = $node->safe_psql('postgres',
	'SELECT (SELECT json_agg(t)::text FROM mysql_sync.tasks t) || (SELECT json_agg(s)::text FROM mysql_sync.status s) '
	  . '|| (SELECT json_agg(x)::text FROM mysql_sync.table_status x)');
like($views, qr/"task":"bad"/, 'the views list the tasks');
unlike($views, qr/\Q$PASSWORD\E/, 'no view shows the password');

my $activity = $node->safe_psql('postgres', q{
	SELECT string_agg(backend_type || ': ' || coalesce(query, ''), E'\n') FROM pg_stat_activity
	 WHERE backend_type IN ('mysql_sync worker', 'mysql_sync launcher')});
like($activity, qr/mysql_sync launcher/, 'pg_stat_activity lists the launcher');
like($activity, qr/mysql_sync worker/, 'and the worker');
unlike($activity, qr/\Q$PASSWORD\E/, 'their pg_stat_activity.query does not show the password');

# The whole server log, once the worker's connection error is in it.
$node->wait_for_log(qr/ERROR:  mysql_sync task "bad": cannot connect to the MySQL source/, $log_offset);
my $log = slurp_file($node->logfile);
like($log, qr/ERROR:  mysql_sync task "bad": cannot connect to the MySQL source 'syncer' at 127\.0\.0\.1:$closed_port/,
	'the log has the worker\'s connection error');
like($log, qr/mysql_sync task "s": worker started/, 'and the worker starts');
like($log, qr/ERROR:  task "bad": precheck failed/, 'the failed start_sync is logged');
like($log, qr/STATEMENT:  SELECT mysql_sync.start_sync\('p', 'mysql:\/\/syncer:not_the_password/,
	'a permission error logs its statement (PostgreSQL does, before the function runs)');
unlike($log, qr/\Q$PASSWORD\E/, 'the password appears nowhere in the PostgreSQL log');
unlike($log, qr/\Q$PASSWORD\E/i, 'not even in another case');

done_testing();
