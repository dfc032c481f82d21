# TLS to MariaDB with a CA generated here (openssl): the server gets a certificate for
# 127.0.0.1 and localhost (subjectAltName), and the sync account REQUIRE SSL, so that any
# plain-text connection of mysql_sync (precheck, snapshot/copy, binlog stream) is refused.
#  - precheck: ssl_mode=disable is refused (access denied); ssl_mode=require and
#    verify_identity with the right CA pass "over TLS"; verify_ca with another CA fails with a
#    TLS error and a hint;
#  - start_sync with verify_identity: initial copy and streaming work (the stream's own
#    connection is TLS too, or the server would refuse it), also after stop/resume (the resumed
#    worker connects only for the stream); the server counts the TLS handshakes;
#  - a worker whose TLS check fails (precheck item skipped) records a TLS error (08P01);
#  - a certificate for another host name: verify_ca passes, verify_identity fails.
use strict;
use warnings;

use FindBin;
use lib $FindBin::RealBin;

use IPC::Run;
use PostgreSQL::Test::Utils;
use PostgreSQL::Test::Cluster;
use Test::More;
use MysqlSyncTest;

plan skip_all => 'mysql_sync is not installed (make install)' unless extension_installed();

my $dir = PostgreSQL::Test::Utils::tempdir('tls');

sub openssl
{
	my @args = @_;
	my ($out, $err) = ('', '');
	IPC::Run::run([ 'openssl', @args ], '<', \undef, '>', \$out, '2>', \$err)
	  or die "openssl @args failed: $err";
	return $out;
}

# A self-signed CA: $dir/NAME.pem and NAME.key.
sub make_ca
{
	my ($name) = @_;
	openssl('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '2', '-subj', "/CN=mysql_sync test $name",
		'-keyout', "$dir/$name.key", '-out', "$dir/$name.pem");
	return "$dir/$name.pem";
}

# A server certificate signed by CA for the subjectAltName given.
sub make_cert
{
	my ($name, $ca, $san) = @_;
	openssl('req', '-newkey', 'rsa:2048', '-nodes', '-subj', "/CN=$name", '-keyout', "$dir/$name.key",
		'-out', "$dir/$name.csr");
	open(my $fh, '>', "$dir/$name.ext") or die $!;
	print $fh "subjectAltName = $san\n";
	close $fh;
	openssl('x509', '-req', '-in', "$dir/$name.csr", '-CA', "$dir/$ca.pem", '-CAkey', "$dir/$ca.key",
		'-CAcreateserial', '-days', '2', '-extfile', "$dir/$name.ext", '-out', "$dir/$name.pem");
	return ("$dir/$name.pem", "$dir/$name.key");
}

my $ca       = make_ca('ca');
my $other_ca = make_ca('other_ca');
my ($cert, $key) = make_cert('server', 'ca', 'IP:127.0.0.1, DNS:localhost');
my ($wrong_cert, $wrong_key) = make_cert('elsewhere', 'ca', 'DNS:elsewhere.example');
like(openssl('x509', '-in', $cert, '-noout', '-ext', 'subjectAltName'), qr/IP Address:127\.0\.0\.1/,
	'server certificate for 127.0.0.1');

# The server reads its certificate from fixed names, so that FLUSH SSL can swap it later.
for my $f ([ $cert, 'live.pem' ], [ $key, 'live.key' ])
{
	File::Copy::copy($f->[0], "$dir/$f->[1]") or die "copy: $!";
}
my $my = start_mariadb(name => 'src082',
	options => [ "--ssl-ca=$ca", "--ssl-cert=$dir/live.pem", "--ssl-key=$dir/live.key" ]);
is($my->sql("SELECT VARIABLE_VALUE FROM information_schema.GLOBAL_VARIABLES WHERE VARIABLE_NAME = 'HAVE_SSL'"),
	'YES', 'MariaDB has TLS');
$my->sql("ALTER USER 'sync'\@'%' REQUIRE SSL");
$my->sql(q{CREATE DATABASE tls; CREATE TABLE tls.t (id int PRIMARY KEY, v varchar(20));
           INSERT INTO tls.t VALUES (1, 'one'), (2, 'two');});

my $node = pg_node('pg082');
$node->safe_psql('postgres', 'CREATE EXTENSION mysql_sync');
sub q1 { my ($sql) = @_; return $node->safe_psql('postgres', $sql); }

my $base = $my->source_uri;
sub tls_uri { my ($query) = @_; return "$base?$query"; }

sub connection_item
{
	my ($uri) = @_;
	return q1("SELECT status || '|' || detail || '|' || coalesce(hint, '') FROM mysql_sync.precheck('$uri', '{tls.*}') "
		  . "WHERE item = 'connection'");
}

# ----------------------------------------------------------------------------- precheck
like(connection_item(tls_uri('ssl_mode=disable')), qr/^failed\|access denied for user 'sync'/,
	'ssl_mode=disable: refused by the server (the user requires TLS)');
like(connection_item(tls_uri('ssl_mode=require')), qr/^passed\|connected to 127\.0\.0\.1:\d+ as 'sync' over TLS/,
	'ssl_mode=require connects over TLS');
like(connection_item(tls_uri("ssl_mode=verify_identity&ssl_ca=$ca")), qr/^passed\|.* over TLS/,
	'verify_identity with the right CA passes');
my $bad = connection_item(tls_uri("ssl_mode=verify_ca&ssl_ca=$other_ca"));
like($bad, qr/^failed\|TLS handshake with 127\.0\.0\.1:\d+ failed \(ssl_mode=verify_ca\): .*certificate/i,
	'verify_ca with another CA: a TLS error');
like($bad, qr/\|Check ssl_mode and ssl_ca/, 'with a hint on ssl_mode and ssl_ca');
my ($rc, $out, $err) = $node->psql('postgres',
	"SELECT mysql_sync.start_sync('wrongca', '" . tls_uri("ssl_mode=verify_ca&ssl_ca=$other_ca") . "', '{tls.*}')");
like($err, qr/precheck failed:.*connection: TLS handshake/s, 'start_sync with the wrong CA is refused');
($rc, $out, $err) = $node->psql('postgres', "SELECT mysql_sync.start_sync('plain', '$base', '{tls.*}')");
like($err, qr/precheck failed:.*connection: access denied/s, 'start_sync without TLS is refused');

# ----------------------------------------------------------------------------- a task over TLS
my $ssl_accepts = sub {
	return $my->sql("SELECT VARIABLE_VALUE FROM information_schema.GLOBAL_STATUS WHERE VARIABLE_NAME = 'SSL_ACCEPTS'");
};
my $accepts0 = $ssl_accepts->();
my $uri = tls_uri("ssl_mode=verify_identity&ssl_ca=$ca");
q1("SELECT mysql_sync.start_sync('tls', '$uri', '{tls.*}')");
ok(wait_for_state($node, 'tls', 'streaming'), 'task over TLS (verify_identity) streams');
compare_table($my, $node, 'tls.t', name => 'initial copy over TLS');
$my->sql(q{INSERT INTO tls.t VALUES (3, 'three'); UPDATE tls.t SET v = 'uno' WHERE id = 1;});
ok(wait_tables_equal($my, $node, ['tls.t']), 'changes stream over TLS');
cmp_ok($ssl_accepts->(), '>', $accepts0, 'the server accepted TLS handshakes for the task');
is(q1("SELECT source FROM mysql_sync.tasks WHERE task = 'tls'"),
	"mysql://sync:********\@127.0.0.1:" . $my->port . "?ssl_mode=verify_identity&ssl_ca=$ca",
	'tasks shows the TLS options, not the password');

# After a stop, the resumed worker only opens the binlog stream: it must be TLS as well.
q1("SELECT mysql_sync.stop_sync('tls')");
ok(wait_until(sub { q1(q{SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'mysql_sync worker'}) eq '0' }),
	'stopped');
$my->sql(q{INSERT INTO tls.t VALUES (4, 'four'); DELETE FROM tls.t WHERE id = 2;});
my $accepts1 = $ssl_accepts->();
q1("SELECT mysql_sync.resume_sync('tls')");
ok(wait_tables_equal($my, $node, ['tls.t']), 'resumed: the binlog stream over TLS brings the changes');
is(sync_status($node, 'tls')->{state}, 'streaming', 'streaming after the resume');
cmp_ok($ssl_accepts->(), '>', $accepts1, 'the resumed stream connected with TLS');
my ($dump) = $my->rows(q{SELECT USER, COMMAND FROM information_schema.PROCESSLIST WHERE COMMAND LIKE 'Binlog Dump%'});
is(join(' ', @{ $dump // [] }), 'sync Binlog Dump', "the binlog dump runs as 'sync' (REQUIRE SSL)");

# ----------------------------------------------------------------------------- the worker's error
q1("SELECT mysql_sync.start_sync('wrongca', '" . tls_uri("ssl_mode=verify_ca&ssl_ca=$other_ca")
	  . "', '{tls.*}', name_map => '{\"tls\": \"tls_w\"}', options => '{\"skip_precheck\": [\"connection\"]}')");
ok(wait_until(sub { my $s = sync_status($node, 'wrongca'); $s && defined $s->{last_error} }),
	'the worker with the wrong CA records a failure');
like(sync_status($node, 'wrongca')->{last_error}, qr/TLS connection to the MySQL source 'sync' at 127\.0\.0\.1:\d+ failed/,
	'last_error: the TLS connection failed');
is(q1("SELECT last_sqlstate FROM mysql_sync.task_state WHERE task = 'wrongca'"), '08P01', 'SQLSTATE 08P01');
q1("SELECT mysql_sync.drop_sync('wrongca')");

# ----------------------------------------------------------------------------- host name check
File::Copy::copy($wrong_cert, "$dir/live.pem") or die $!;
File::Copy::copy($wrong_key,  "$dir/live.key") or die $!;
$my->sql('FLUSH SSL');
like(connection_item(tls_uri("ssl_mode=verify_ca&ssl_ca=$ca")), qr/^passed\|/,
	'a certificate for elsewhere.example: verify_ca passes (the chain is good)');
like(connection_item(tls_uri("ssl_mode=verify_identity&ssl_ca=$ca")),
	qr/^failed\|TLS handshake with 127\.0\.0\.1:\d+ failed \(ssl_mode=verify_identity\)/,
	'verify_identity fails: the name does not match 127.0.0.1');

done_testing();
