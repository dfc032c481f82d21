# Helpers for mysql_sync's TAP tests: a throwaway MariaDB server on a free TCP port,
# and PostgreSQL::Test::Cluster nodes with the extension preloaded.
#
#   use FindBin; use lib $FindBin::RealBin;     # finds this module whoever runs prove
#   use MysqlSyncTest;
#
#   my $my = start_mariadb();                   # started, with user 'sync'@'%' / 'sync'
#   $my->sql("CREATE DATABASE shop");           # stdout of the client, chomped
#   my @rows = $my->rows("SELECT id, v FROM shop.t");   # ([1, 'a'], [2, 'b'])
#   $my->sql("SELECT CURRENT_USER()", user => 'sync', tcp => 1);
#   $my->source_uri;                            # mysql://sync:sync@127.0.0.1:PORT
#   $my->stop; $my->start; $my->restart; $my->kill9;    # same port and datadir
#
#   my $node = pg_node('main');                 # started, mysql_sync preloaded
#
# The servers run as the current (non-root) user, as TAP tests must: initdb refuses root.
# Every MariaDB started here is stopped when the test script ends, even when it dies.
# Its error log goes to the TAP log directory (tmp_check/log/mariadb_NAME.log).

package MysqlSyncTest;

use strict;
use warnings;

use Carp;
use Exporter 'import';
use IPC::Run;
use POSIX qw(WNOHANG);
use Time::HiRes qw(usleep);
use PostgreSQL::Test::Utils;
use PostgreSQL::Test::Cluster;

our @EXPORT = qw(start_mariadb pg_node extension_installed wait_until);

# Everything started and not yet stopped, for the END block.
my @live;

# The mariadbd options every test server gets: the settings mysql_sync requires of a
# source (ROW, FULL image, FULL metadata) plus utf8mb4, which --no-defaults would
# otherwise leave at latin1.
my @BASE_OPTIONS = (
	'--log-bin=binlog',                       '--binlog-format=ROW',
	'--binlog-row-image=FULL',                '--binlog-row-metadata=FULL',
	'--server-id=1',                          '--character-set-server=utf8mb4',
	'--collation-server=utf8mb4_general_ci',  '--skip-name-resolve',
	'--innodb-buffer-pool-size=256M',         '--bind-address=127.0.0.1');

=pod

=head1 start_mariadb(%opts)

Creates a datadir in a test temp dir, picks a free port, starts mariadbd, waits until
it answers and creates the 'sync'@'%' account. Options:

  name          label for dirs and the log (default mariadb1, mariadb2, ...)
  port          fixed port (default: a free one)
  options       arrayref of extra mariadbd options, e.g. ['--log-bin-compress=ON']
  no_sync_user  do not create the 'sync' account
  sync_user, sync_password   account to create (default sync / sync)

=cut

my $counter = 0;

sub start_mariadb
{
	my (%opts) = @_;
	$counter++;
	my $name = $opts{name} // "mariadb$counter";
	my $base = PostgreSQL::Test::Utils::tempdir("mariadb_$name");
	# The socket gets a short dir of its own: sun_path is limited to 107 bytes and
	# tmp_check paths can be long.
	my $sockdir = PostgreSQL::Test::Utils::tempdir_short();

	my $self = bless {
		name          => $name,
		base          => $base,
		datadir       => "$base/data",
		socket        => "$sockdir/mysqld.sock",
		pidfile       => "$base/mariadbd.pid",
		log           => "$PostgreSQL::Test::Utils::log_path/mariadb_$name.log",
		port          => $opts{port} // PostgreSQL::Test::Cluster::get_free_port(),
		options       => $opts{options} // [],
		sync_user     => $opts{sync_user} // 'sync',
		sync_password => $opts{sync_password} // 'sync',
		pid           => undef,
	}, __PACKAGE__;

	$self->_install;
	$self->start;
	$self->create_sync_user unless $opts{no_sync_user};
	return $self;
}

sub name        { $_[0]{name} }
sub port        { $_[0]{port} }
sub socket_path { $_[0]{socket} }
sub datadir     { $_[0]{datadir} }
sub pid         { $_[0]{pid} }
sub logfile     { $_[0]{log} }

# mysql://user:password@127.0.0.1:port, the source string start_sync takes.
sub source_uri
{
	my ($self, %o) = @_;
	my $user = $o{user}     // $self->{sync_user};
	my $pw   = $o{password} // $self->{sync_password};
	return "mysql://$user:$pw\@127.0.0.1:$self->{port}";
}

sub _user_option
{
	# mariadbd refuses root unless told; tests normally run as postgres.
	return $> == 0 ? ('--user=root') : ();
}

sub _install
{
	my ($self) = @_;
	# normal root auth (empty password over the socket) works for whichever OS user
	# runs the tests; --skip-test-db also drops the anonymous accounts.
	my @cmd = (
		'mariadb-install-db',                     '--no-defaults',
		_user_option(),                           "--datadir=$self->{datadir}",
		'--auth-root-authentication-method=normal', '--skip-test-db',
		'--skip-name-resolve');
	my ($out, $err) = ('', '');
	IPC::Run::run(\@cmd, '<', \undef, '>', \$out, '2>', \$err)
	  or croak "mariadb-install-db failed for $self->{name}:\n$out$err";
	return;
}

=pod

=head1 $my->start

Starts mariadbd on the object's port and datadir (after stop or kill9), waits until
it answers. Dies if it is already running or does not come up in time.

=cut

sub start
{
	my ($self) = @_;
	croak "mariadb $self->{name} is already running" if $self->is_running;
	unlink $self->{socket}, $self->{pidfile};

	my @cmd = (
		'mariadbd', '--no-defaults', _user_option(),
		"--datadir=$self->{datadir}", "--socket=$self->{socket}",
		"--pid-file=$self->{pidfile}", "--port=$self->{port}",
		"--log-error=$self->{log}", @BASE_OPTIONS, @{ $self->{options} });

	my $pid = fork();
	croak "fork: $!" unless defined $pid;
	if ($pid == 0)
	{
		# Child: detach stdio from the TAP stream, so prove never waits on our pipes.
		open(STDIN,  '<',  '/dev/null');
		open(STDOUT, '>>', $self->{log});
		open(STDERR, '>&', \*STDOUT);
		exec(@cmd) or POSIX::_exit(127);
	}
	$self->{pid} = $pid;
	push @live, $self unless grep { $_ == $self } @live;

	my $deadline = time() + $PostgreSQL::Test::Utils::timeout_default;
	while (1)
	{
		last if $self->_ping;
		if (waitpid($pid, WNOHANG) == $pid)
		{
			my $status = $?;
			$self->{pid} = undef;
			croak "mariadbd $self->{name} exited during start (status $status, port $self->{port});\n"
			  . _tail($self->{log}, 20);
		}
		if (time() > $deadline)
		{
			$self->kill9;
			croak "mariadbd $self->{name} did not answer within "
			  . "$PostgreSQL::Test::Utils::timeout_default s;\n"
			  . _tail($self->{log}, 20);
		}
		usleep(100_000);
	}
	return $self;
}

sub _ping
{
	my ($self) = @_;
	my ($out, $err) = ('', '');
	return IPC::Run::run(
		[
			'mariadb-admin', '--no-defaults', "--socket=$self->{socket}",
			'--user=root', '--connect-timeout=2', 'ping'
		],
		'<', \undef, '>', \$out, '2>', \$err);
}

sub _tail
{
	my ($file, $n) = @_;
	open(my $fh, '<', $file) or return "(no log $file)\n";
	my @lines = <$fh>;
	close $fh;
	splice(@lines, 0, @lines - $n) if @lines > $n;
	return join('', @lines);
}

sub is_running
{
	my ($self) = @_;
	return 0 unless defined $self->{pid};
	# We are the parent, so reap it if it has exited (a crashed server is no zombie).
	if (waitpid($self->{pid}, WNOHANG) == $self->{pid})
	{
		$self->{pid} = undef;
		return 0;
	}
	return kill(0, $self->{pid}) ? 1 : 0;
}

sub _wait_exit
{
	my ($self, $timeout) = @_;
	my $deadline = time() + $timeout;
	while ($self->is_running)
	{
		return 0 if time() > $deadline;
		usleep(50_000);
	}
	return 1;
}

=pod

=head1 $my->stop

Clean shutdown (SHUTDOWN statement, falling back to SIGTERM, then SIGKILL after the
test timeout). A no-op when not running.

=cut

sub stop
{
	my ($self) = @_;
	return unless $self->is_running;
	my ($out, $err) = ('', '');
	IPC::Run::run(
		[
			'mariadb', '--no-defaults', "--socket=$self->{socket}",
			'--user=root', '--connect-timeout=5', '-e', 'SHUTDOWN'
		],
		'<', \undef, '>', \$out, '2>', \$err)
	  or kill('TERM', $self->{pid});
	unless ($self->_wait_exit($PostgreSQL::Test::Utils::timeout_default))
	{
		Test::More::diag("mariadb $self->{name} did not stop; SIGKILL");
		$self->kill9;
	}
	@live = grep { $_ != $self } @live;
	return;
}

=pod

=head1 $my->kill9

SIGKILL, as in a crash: no clean shutdown, InnoDB recovers on the next start.

=cut

sub kill9
{
	my ($self) = @_;
	return unless $self->is_running;
	kill('KILL', $self->{pid});
	waitpid($self->{pid}, 0);
	$self->{pid} = undef;
	@live = grep { $_ != $self } @live;
	return;
}

sub restart
{
	my ($self) = @_;
	$self->stop;
	return $self->start;
}

=pod

=head1 $my->sql($sql, %opts)

Runs SQL (any number of statements) with the mariadb client in --batch
--skip-column-names mode and returns its stdout without the final newline. Dies with
the client's error otherwise. NULL comes back as the string NULL; tabs, newlines and
backslashes inside values are escaped (\t, \n, \\), as --batch does.

  user, password  default root over the socket; 'sync' defaults its password
  tcp             connect over 127.0.0.1:port instead of the socket
  database        default database
  fail_ok         return undef instead of dying; the error is in $my->{last_error}

=head1 $my->rows($sql, %opts)

As sql(), split into rows of columns: a list of arrayrefs.

=cut

sub sql
{
	my ($self, $sql, %o) = @_;
	my $user = $o{user} // 'root';
	my @cmd = ('mariadb', '--no-defaults', '--batch', '--skip-column-names',
		"--user=$user", '--default-character-set=utf8mb4');
	my $pw = $o{password} // ($user eq $self->{sync_user} ? $self->{sync_password} : undef);
	push @cmd, "--password=$pw" if defined $pw && $pw ne '';
	if ($o{tcp})
	{
		push @cmd, '--protocol=TCP', '--host=127.0.0.1', "--port=$self->{port}";
	}
	else
	{
		push @cmd, "--socket=$self->{socket}";
	}
	push @cmd, "--database=$o{database}" if defined $o{database};

	my ($out, $err) = ('', '');
	my $ok = IPC::Run::run(\@cmd, '<', \$sql, '>', \$out, '2>', \$err,
		IPC::Run::timeout($PostgreSQL::Test::Utils::timeout_default));
	if (!$ok)
	{
		$self->{last_error} = $err;
		return undef if $o{fail_ok};
		croak "mariadb $self->{name}: query failed: $err\nquery: $sql";
	}
	$self->{last_error} = undef;
	chomp $out;
	return $out;
}

sub rows
{
	my ($self, $sql, %o) = @_;
	my $out = $self->sql($sql, %o);
	return () unless defined $out && $out ne '';
	return map { [ split /\t/, $_, -1 ] } split /\n/, $out;
}

# Runs a SQL file (e.g. ../shared/fixtures/sampledb/world.sql) through the client.
sub load_file
{
	my ($self, $file, %o) = @_;
	open(my $fh, '<', $file) or croak "cannot read $file: $!";
	local $/;
	my $sql = <$fh>;
	close $fh;
	return $self->sql($sql, %o);
}

=pod

=head1 $my->create_sync_user(%opts)

Creates (idempotently) the replication account mysql_sync connects with:
user/password (default sync/sync) @'%' with ALL PRIVILEGES ON *.*, which include
REPLICATION SLAVE, REPLICATION CLIENT (BINLOG MONITOR) and RELOAD.

=cut

sub create_sync_user
{
	my ($self, %o) = @_;
	my $user = $o{user}     // $self->{sync_user};
	my $pw   = $o{password} // $self->{sync_password};
	$self->sql(
		"CREATE USER IF NOT EXISTS '$user'\@'%' IDENTIFIED BY '$pw';\n"
		  . "GRANT ALL PRIVILEGES ON *.* TO '$user'\@'%' WITH GRANT OPTION;\n"
		  . "GRANT REPLICATION SLAVE, REPLICATION CLIENT, RELOAD ON *.* TO '$user'\@'%';"
	);
	return;
}

# (file, position) of the binlog's end, from SHOW MASTER STATUS.
sub binlog_position
{
	my ($self) = @_;
	my ($row) = $self->rows('SHOW MASTER STATUS');
	croak "binary log is off" unless $row;
	return ($row->[0], $row->[1]);
}

# @@gtid_binlog_pos, e.g. "0-1-17".
sub gtid
{
	my ($self) = @_;
	return $self->sql('SELECT @@gtid_binlog_pos');
}

END
{
	# Stop what the test left running, before File::Temp removes the dirs. Keep the
	# test's exit status: an END block's own system calls would overwrite $?.
	local $?;
	for my $my (reverse @live)
	{
		eval { $my->stop; 1 } or eval { $my->kill9 };
	}
}

=pod

=head1 pg_node($name, %opts)

A started PostgreSQL::Test::Cluster node (UTF8, C.UTF-8) with

  shared_preload_libraries = 'mysql_sync'
  mysql_sync.naptime = '1s', mysql_sync.restart_delay = '1s'
  max_worker_processes = 32   (launcher + up to max_tasks workers)

Options: preload (default 'mysql_sync'; '' for none), conf (extra postgresql.conf
text), no_start (return it initialised but stopped).

=cut

sub pg_node
{
	my ($name, %opts) = @_;
	croak "TAP tests must not run as root (initdb refuses it); run them as postgres "
	  . "or use scripts/test"
	  if $> == 0;
	my $preload = $opts{preload} // 'mysql_sync';
	my $node = PostgreSQL::Test::Cluster->new($name);
	$node->init(extra => [ '--encoding=UTF8', '--locale=C.UTF-8' ]);
	my $conf = '';
	$conf .= "shared_preload_libraries = '$preload'\n" if $preload ne '';
	# The mysql_sync.* GUCs are placeholders until the library defines them; '1s'
	# reads as one second whatever time unit they are defined with.
	$conf .= "mysql_sync.naptime = '1s'\n";
	$conf .= "mysql_sync.restart_delay = '1s'\n";
	$conf .= "max_worker_processes = 32\n";
	$conf .= "$opts{conf}\n" if defined $opts{conf};
	$node->append_conf('postgresql.conf', $conf);
	$node->start unless $opts{no_start};
	return $node;
}

# True when mysql_sync is installed in the PostgreSQL on PATH (library and control
# file), i.e. when shared_preload_libraries and CREATE EXTENSION can work.
sub extension_installed
{
	my ($pkglibdir, $sharedir) = ('', '');
	IPC::Run::run([ 'pg_config', '--pkglibdir' ], '>', \$pkglibdir) or return 0;
	IPC::Run::run([ 'pg_config', '--sharedir' ],  '>', \$sharedir)  or return 0;
	chomp($pkglibdir, $sharedir);
	return (-e "$pkglibdir/mysql_sync.so"
		  && -e "$sharedir/extension/mysql_sync.control") ? 1 : 0;
}

# Polls $cond->() every 100 ms until it returns true; returns 1, or 0 after the
# timeout (default: the TAP timeout, PG_TEST_TIMEOUT_DEFAULT).
sub wait_until
{
	my ($cond, $timeout) = @_;
	$timeout //= $PostgreSQL::Test::Utils::timeout_default;
	my $deadline = time() + $timeout;
	while (1)
	{
		return 1 if $cond->();
		return 0 if time() > $deadline;
		usleep(100_000);
	}
}

1;
