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
#   $my->restart(options => ['--skip-log-bin']);         # other mariadbd options from now on
#
#   my $node = pg_node('main');                 # started, mysql_sync preloaded
#   my $c = citus_cluster('c', workers => 2);   # Citus coordinator + worker nodes (citus_installed())
#   kill9_server($node);                        # SIGKILL to the postmaster and all its processes
#
# The servers run as the current (non-root) user, as TAP tests must: initdb refuses root.
# Every MariaDB started here is stopped when the test script ends, even when it dies.
# Its error log goes to the TAP log directory (tmp_check/log/mariadb_NAME.log).

package MysqlSyncTest;

use strict;
use warnings;

use Carp;
use File::Copy ();
use Exporter 'import';
use IPC::Run;
use POSIX qw(WNOHANG);
use Time::HiRes qw(usleep);
use JSON::PP;
use PostgreSQL::Test::Utils;
use PostgreSQL::Test::Cluster;

our @EXPORT = qw(start_mariadb pg_node extension_installed wait_until
  sync_status wait_for_state worker_pids compare_table tables_equal
  wait_tables_equal pg_column_types start_workload binlog_cli decode_binlog
  citus_installed citus_cluster kill9_server);

# Everything started and not yet stopped, for the END block.
my @live;
# Every server created, to keep their binlogs when a test failed.
my @all;

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
	push @all, $self;
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

# A private tmpdir: servers of other test runs share /tmp, and mariadb-install-db once
# failed on a temporary table name clash there.
sub _tmpdir
{
	my ($self) = @_;
	my $dir = "$self->{datadir}.tmp";
	mkdir $dir unless -d $dir;
	return $dir;
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
		'--skip-name-resolve', "--tmpdir=" . $self->_tmpdir);
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
		"--log-error=$self->{log}", "--tmpdir=" . $self->_tmpdir, @BASE_OPTIONS,
		@{ $self->{options} });

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

=pod

=head1 $my->restart(%opts)

Clean stop, then start on the same port and datadir. Option:

  options   arrayref that replaces the extra mariadbd options from now on (also for
            later start/restart calls), e.g. ['--skip-log-bin'] or
            ['--binlog-format=STATEMENT']; [] goes back to the base options only.
            Without it the current options are kept.

=head1 $my->options

The current extra mariadbd options (arrayref).

=cut

sub restart
{
	my ($self, %o) = @_;
	$self->stop;
	$self->{options} = [ @{ $o{options} } ] if exists $o{options};
	return $self->start;
}

sub options { $_[0]{options} }

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
	# eval: IPC::Run dies (e.g. "ack Broken pipe") when the client exits before it has
	# read all of the SQL, as it does when the server is down.
	my $ok = eval {
		IPC::Run::run(\@cmd, '<', \$sql, '>', \$out, '2>', \$err,
			IPC::Run::timeout($PostgreSQL::Test::Utils::timeout_default));
	};
	$err .= $@ if !$ok && $@;
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

=pod

=head1 $my->serve_binlogs(@paths)

Makes the server serve binlog files another server wrote (MySQL's, say), as MariaDB's own test
suite does (suite/rpl/t/rpl_from_mysql80.test): FLUSH BINARY LOGS, a clean stop, each file
copied into the datadir as the next binlog.NNNNNN and appended to binlog.index, and a start (the
server opens a new file of its own after them). Returns the names the files got, in order.

=cut

sub serve_binlogs
{
	my ($self, @paths) = @_;
	$self->sql('FLUSH BINARY LOGS');
	$self->stop;
	my $index = "$self->{datadir}/binlog.index";
	open(my $in, '<', $index) or croak "cannot read $index: $!";
	my @lines = grep { /\S/ } <$in>;
	close $in;
	my ($last) = $lines[-1] =~ /binlog\.(\d+)/ or croak "no binlog in $index";
	my @names;
	open(my $out, '>>', $index) or croak "cannot append to $index: $!";
	for my $path (@paths)
	{
		my $name = sprintf('binlog.%06d', ++$last);
		File::Copy::copy($path, "$self->{datadir}/$name") or croak "cannot copy $path: $!";
		print $out "./$name\n";
		push @names, $name;
	}
	close $out;
	$self->start;
	return @names;
}

END
{
	# Stop what the test left running, before File::Temp removes the dirs. Keep the
	# test's exit status: an END block's own system calls would overwrite $?.
	my $status = $?;
	local $?;
	# A copy: stop() removes the server from @live, which would free the loop's elements.
	my @running = reverse @live;
	for my $my (@running)
	{
		eval { $my->stop; 1 } or eval { $my->kill9 };
	}
	# After a failure, keep each server's binlogs beside the logs (tmp_check/log/
	# mariadb_NAME_binlogs), for mysql-sync-binlog: the datadirs are removed on exit.
	my $builder = Test::More->builder;
	if (@all && ($status != 0 || !$builder->is_passing))
	{
		for my $my (@all)
		{
			my $dest = "$PostgreSQL::Test::Utils::log_path/mariadb_$my->{name}_binlogs";
			eval {
				mkdir $dest;
				for my $f (glob("$my->{datadir}/binlog.*"))
				{
					File::Copy::copy($f, $dest);
				}
				1;
			};
		}
	}
}

=pod

=head1 pg_node($name, %opts)

A started PostgreSQL::Test::Cluster node (UTF8, C.UTF-8) with

  shared_preload_libraries = 'mysql_sync'
  mysql_sync.naptime = '1s', mysql_sync.restart_delay = '1s'
  max_worker_processes = 32   (launcher + up to max_tasks workers)

Options: preload (default 'mysql_sync'; '' for none), conf (extra postgresql.conf
text), no_start (return it initialised but stopped), allows_streaming (replication
connections allowed: for base backups and standbys), install_path (another PostgreSQL
installation, e.g. one with an earlier release of mysql_sync).

=cut

sub pg_node
{
	my ($name, %opts) = @_;
	croak "TAP tests must not run as root (initdb refuses it); run them as postgres "
	  . "or use scripts/test"
	  if $> == 0;
	my $preload = $opts{preload} // 'mysql_sync';
	my $node = PostgreSQL::Test::Cluster->new($name,
		$opts{install_path} ? (install_path => $opts{install_path}) : ());
	$node->init(
		extra            => [ '--encoding=UTF8', '--locale=C.UTF-8' ],
		allows_streaming => $opts{allows_streaming} // 0);
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

=pod

=head1 binlog_cli()

The mysql-sync-binlog installed beside the PostgreSQL on PATH.

=head1 decode_binlog(@cli_args)

Runs mysql-sync-binlog with the arguments (files, or --source URI ...) and returns its events
as hashrefs (one per JSON line); dies when it fails.

=cut

sub binlog_cli
{
	my $bindir = '';
	IPC::Run::run([ 'pg_config', '--bindir' ], '>', \$bindir) or croak 'pg_config failed';
	chomp $bindir;
	return "$bindir/mysql-sync-binlog";
}

sub decode_binlog
{
	my (@args) = @_;
	my ($out, $err) = ('', '');
	IPC::Run::run([ binlog_cli(), @args ], '<', \undef, '>', \$out, '2>', \$err)
	  or croak "mysql-sync-binlog @args failed: $err";
	my $json = JSON::PP->new->utf8;
	return map { $json->decode($_) } grep { $_ ne '' } split /\n/, $out;
}

=pod

=head1 citus_installed()

True when Citus (citus.so and its control file) is installed in the PostgreSQL on PATH
(../shared/tools/install-citus builds it into the system PostgreSQL; scripts/test's private
copy takes it along).

=head1 citus_cluster($name, %opts)

A started Citus cluster on free loopback ports: `workers` worker nodes (default 2) and a
coordinator, each with citus first in shared_preload_libraries and CREATE EXTENSION citus;
the coordinator also preloads mysql_sync and has the extension (created with
citus.enable_metadata_sync off, so that Citus does not create it on the worker nodes, which
need not have mysql_sync). The coordinator is in the metadata (citus_set_coordinator_host),
each worker node added with citus_add_node. With workers => 0 the coordinator holds the shards
itself (shouldhaveshards), unless no_shards => 1 (a coordinator as Citus ships it: no node
holds shards). Every node: restart_after_crash = on (a crashed backend restarts the server, as in
production), citus.shard_count = 8 (small clusters, quick tests), citus.recover_2pc_interval =
1s, log_statement = none (Citus would log every shard command). Options: conf (more
postgresql.conf lines for every node), coordinator_preload (default 'citus,mysql_sync').
Returns { coordinator => $node, workers => [ $node, ... ] }.

=head1 kill9_server($node)

SIGKILL to the node's postmaster and every process it started, as a machine crash would do;
waits until all are gone. $node->start brings it back (crash recovery).

=cut

sub citus_installed
{
	my ($pkglibdir, $sharedir) = ('', '');
	IPC::Run::run([ 'pg_config', '--pkglibdir' ], '>', \$pkglibdir) or return 0;
	IPC::Run::run([ 'pg_config', '--sharedir' ],  '>', \$sharedir)  or return 0;
	chomp($pkglibdir, $sharedir);
	return (-e "$pkglibdir/citus.so" && -e "$sharedir/extension/citus.control") ? 1 : 0;
}

sub citus_cluster
{
	my ($name, %opts) = @_;
	my $workers = $opts{workers} // 2;
	my $conf = "listen_addresses = '127.0.0.1'\nrestart_after_crash = on\ncitus.shard_count = 8\n"
	  . "citus.recover_2pc_interval = '1s'\nlog_statement = none\n" . ($opts{conf} // '');
	my @nodes;
	for my $i (1 .. $workers)
	{
		my $w = pg_node("${name}_w$i", preload => 'citus', conf => $conf);
		$w->safe_psql('postgres', 'CREATE EXTENSION citus');
		push @nodes, $w;
	}
	my $c = pg_node("${name}_c", preload => $opts{coordinator_preload} // 'citus,mysql_sync', conf => $conf);
	$c->safe_psql('postgres', 'CREATE EXTENSION citus');
	$c->safe_psql('postgres', "SELECT citus_set_coordinator_host('127.0.0.1', " . $c->port . ')');
	$c->safe_psql('postgres', "SELECT citus_add_node('127.0.0.1', " . $_->port . ')') for @nodes;
	$c->safe_psql('postgres',
		"SELECT citus_set_node_property('127.0.0.1', " . $c->port . ", 'shouldhaveshards', true)")
	  if !@nodes && !$opts{no_shards};
	$c->safe_psql('postgres',
		'BEGIN; SET LOCAL citus.enable_metadata_sync = off; CREATE EXTENSION mysql_sync; COMMIT;');
	return { coordinator => $c, workers => \@nodes };
}

sub kill9_server
{
	my ($node) = @_;
	my $pidfile = $node->data_dir . '/postmaster.pid';
	open(my $fh, '<', $pidfile) or croak "no $pidfile: $!";
	my $postmaster = <$fh>;
	close $fh;
	chomp $postmaster;
	# The postmaster's children, from /proc (field 4 of stat is the parent pid).
	my @children;
	for my $stat (glob('/proc/[0-9]*/stat'))
	{
		open(my $s, '<', $stat) or next;
		my $line = <$s>;
		close $s;
		next unless defined $line && $line =~ /^(\d+) \(.*\) \S (\d+)/;
		push @children, $1 if $2 == $postmaster;
	}
	kill('KILL', $postmaster, @children);
	$node->{_pid} = undef;    # known stopped: $node->start starts it again
	wait_until(sub { !grep { kill(0, $_) } $postmaster, @children }, 60)
	  or croak "processes of " . $node->name . " survived SIGKILL";
	return;
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

=pod

=head1 start_workload($code)

Runs $code->() in a forked child, which leaves with its return value as exit code
through POSIX::_exit (so that the END blocks stopping the servers run in the parent
only); a die in it is printed and exits 1. Returns an object:

  $w->done    true once the child has exited (reaps it; never blocks)
  $w->wait    waits for the child; its exit code

=cut

sub start_workload
{
	my ($code) = @_;
	my $pid = fork();
	croak "fork: $!" unless defined $pid;
	if ($pid == 0)
	{
		my $rc = 1;
		eval { $rc = $code->(); 1 } or print STDERR "workload died: $@\n";
		POSIX::_exit($rc // 1);
	}
	return bless { pid => $pid, status => undef }, 'MysqlSyncTest::Workload';
}

# ------------------------------------------------------------------------------------
# Task status and process helpers.
# ------------------------------------------------------------------------------------

=pod

=head1 sync_status($node, $task)

The task's row of mysql_sync.status as a hashref (undef when there is none or the
server cannot be reached, e.g. during a crash restart).

=head1 wait_for_state($node, $task, $state_or_regex, $timeout)

Polls mysql_sync.status until state matches (a string or a qr//); returns the status
hashref, or undef after the timeout (the last status is printed with diag).

=head1 worker_pids($node)

Pids of the 'mysql_sync worker' backends in pg_stat_activity (empty while the server
is down).

=cut

sub sync_status
{
	my ($node, $task) = @_;
	my ($out, $err) = ('', '');
	my $q = "SELECT row_to_json(s) FROM mysql_sync.status s WHERE task = '$task'";
	# eval: psql dies with the server (broken pipe) during a crash restart.
	my $rc = eval { $node->psql('postgres', $q, stdout => \$out, stderr => \$err) };
	return undef if !defined $rc || $rc != 0 || $out eq '';
	return JSON::PP::decode_json($out);
}

sub wait_for_state
{
	my ($node, $task, $want, $timeout) = @_;
	my $last;
	my $match = sub {
		my ($st) = @_;
		return 0 unless defined $st && defined $st->{state};
		return ref($want) eq 'Regexp' ? $st->{state} =~ $want : $st->{state} eq $want;
	};
	my $ok = wait_until(sub { $last = sync_status($node, $task); $match->($last) }, $timeout);
	return $last if $ok;
	Test::More::diag("task $task did not reach state $want; last status: "
		  . (defined $last ? JSON::PP->new->canonical->encode($last) : '(none)'));
	return undef;
}

sub worker_pids
{
	my ($node) = @_;
	my ($out, $err) = ('', '');
	eval {
		$node->psql('postgres',
			"SELECT pid FROM pg_stat_activity WHERE backend_type = 'mysql_sync worker' ORDER BY pid",
			stdout => \$out, stderr => \$err);
	};
	return grep { /^\d+$/ } split /\n/, $out;
}

# PostgreSQL column types of a target table: { column => 'numeric(20,0)', ... }
# (format_type of the attribute, so typmods are included).
sub pg_column_types
{
	my ($node, $schema, $table) = @_;
	my $out = $node->safe_psql('postgres', qq{
		SELECT a.attname || E'\\t' || format_type(a.atttypid, a.atttypmod)
		  FROM pg_attribute a
		 WHERE a.attrelid = format('%I.%I', '$schema', '$table')::regclass
		   AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum});
	return { map { split /\t/, $_, 2 } split /\n/, $out };
}

# ------------------------------------------------------------------------------------
# Row-by-row comparison of a MariaDB table and its PostgreSQL target.
# ------------------------------------------------------------------------------------

=pod

=head1 compare_table($my, $node, 'db.table', %opts)

One test: fetches every row of the MariaDB table and of its target (default
"db"."table", or opts target => 'schema.table'), each value converted to a canonical
text per MariaDB column type on both sides, and compares the row sets sorted by the
primary key (sorted in Perl: MariaDB's and PostgreSQL's collations order differently).
On failure prints the row counts and the first differing rows (up to 10). Returns
true when equal. With target_columns_only => 1 only the source columns the target has
are compared (a column whose ADD COLUMN the DDL policy ignored has no target column).

Canonical forms: integers, decimals, year, enum, set, char/varchar/text as their text
(char without trailing spaces, as both sides compare it); binary types as lower-case
hex; bit(n) as n binary digits; date 'YYYY-MM-DD'; datetime 'YYYY-MM-DD HH:MM:SS.ffffff';
timestamp the same in UTC; time as signed seconds with 6 decimals (PG interval epoch);
float as %.6g and double as %.15g; JSON (a jsonb target) parsed and re-encoded with
sorted keys. Values travel hex-encoded, so no byte is lost to the clients' escaping.

=head1 tables_equal($my, $node, 'db.table', %opts)

The same comparison without a test: true or false (false also when a side cannot be
read, e.g. while a server restarts).

=head1 wait_tables_equal($my, $node, [ 'db.t1', ... ], $timeout)

Polls tables_equal for all tables until they all match; returns 1 or 0.

=cut

sub _col_specs
{
	my ($my, $node, $db, $table, $tschema, $ttable, $target_columns_only) = @_;
	my @cols = $my->rows(
		"SELECT COLUMN_NAME, DATA_TYPE, COLUMN_TYPE FROM information_schema.COLUMNS "
		  . "WHERE TABLE_SCHEMA = '$db' AND TABLE_NAME = '$table' ORDER BY ORDINAL_POSITION");
	croak "no columns for $db.$table in MariaDB" unless @cols;
	my @pk = map { $_->[0] } $my->rows(
		"SELECT COLUMN_NAME FROM information_schema.KEY_COLUMN_USAGE "
		  . "WHERE TABLE_SCHEMA = '$db' AND TABLE_NAME = '$table' "
		  . "AND CONSTRAINT_NAME = 'PRIMARY' ORDER BY ORDINAL_POSITION");
	my $pgtypes = pg_column_types($node, $tschema, $ttable);

	my @specs;
	for my $c (@cols)
	{
		my ($name, $dt, $ct) = @$c;
		next if $target_columns_only && !exists $pgtypes->{$name};
		$dt = lc $dt;
		my $m = "`$name`";
		(my $pgname = $name) =~ s/"/""/g;
		my $p = qq{"$pgname"};
		my $pgtype = $pgtypes->{$name} // '';
		my ($mexpr, $pexpr, $kind) = ("CAST($m AS CHAR)", "$p\::text", 'text');
		if ($dt =~ /^(binary|varbinary|tinyblob|blob|mediumblob|longblob)$/)
		{
			($mexpr, $pexpr, $kind) = ("LOWER(HEX($m))", "encode($p, 'hex')", 'raw');
		}
		elsif ($dt eq 'bit')
		{
			my ($n) = $ct =~ /\((\d+)\)/;
			$n //= 1;
			($mexpr, $pexpr) = ("LPAD(BIN($m + 0), $n, '0')", "$p\::text");
		}
		elsif ($dt =~ /^(char|varchar|tinytext|text|mediumtext|longtext|enum|set)$/)
		{
			$mexpr = "CONVERT($m USING utf8mb4)";
			$kind = 'json' if $pgtype eq 'jsonb' || $pgtype eq 'json';
		}
		elsif ($dt eq 'date')
		{
			($mexpr, $pexpr) = ("DATE_FORMAT($m, '%Y-%m-%d')", "to_char($p, 'YYYY-MM-DD')");
		}
		elsif ($dt eq 'datetime')
		{
			($mexpr, $pexpr) = ("DATE_FORMAT($m, '%Y-%m-%d %H:%i:%s.%f')",
				"to_char($p, 'YYYY-MM-DD HH24:MI:SS.US')");
		}
		elsif ($dt eq 'timestamp')
		{
			# the MariaDB session runs with time_zone = '+00:00'
			($mexpr, $pexpr) = ("DATE_FORMAT($m, '%Y-%m-%d %H:%i:%s.%f')",
				"to_char($p AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS.US')");
		}
		elsif ($dt eq 'time')
		{
			($mexpr, $pexpr) = (
				"CAST((TIME_TO_SEC($m) DIV 1) * 1000000 + IF($m < 0, -1, 1) * MICROSECOND($m) AS CHAR)",
				"(extract(epoch FROM $p) * 1000000)::numeric(30,0)::text");
			$kind = 'int';
		}
		elsif ($dt eq 'float')
		{
			$kind = 'float';
		}
		elsif ($dt eq 'double')
		{
			$kind = 'double';
		}
		push @specs, { name => $name, mexpr => $mexpr, pexpr => $pexpr, kind => $kind };
	}
	return (\@specs, \@pk);
}

sub _canon
{
	my ($kind, $hex) = @_;
	return undef unless defined $hex;
	return lc $hex if $kind eq 'raw';
	my $v = pack('H*', $hex);    # UTF-8 bytes, kept as bytes (diag prints them as they are)
	if ($kind eq 'float')  { return sprintf('%.6g',  $v); }
	if ($kind eq 'double') { return sprintf('%.15g', $v); }
	if ($kind eq 'int')    { return 0 + $v; }
	if ($kind eq 'json')
	{
		my $codec = JSON::PP->new->utf8->allow_nonref->canonical;
		my $j = eval { $codec->decode($v) };
		return defined $j || $v eq 'null' ? $codec->encode($j) : "(invalid json) $v";
	}
	return $v;
}

# (\@mariadb_rows, \@pg_rows, \@column_names), rows as arrayrefs of canonical values
# (undef = NULL), sorted by primary key. Dies when a side cannot be read.
sub _fetch_both
{
	my ($my, $node, $src, %o) = @_;
	my ($db, $table) = split /\./, $src, 2;
	my ($tschema, $ttable) = defined $o{target} ? split(/\./, $o{target}, 2) : ($db, $table);
	my ($specs, $pk) = _col_specs($my, $node, $db, $table, $tschema, $ttable, $o{target_columns_only});

	my $mq = "SET time_zone = '+00:00'; SELECT CONCAT_WS(',', "
	  . join(', ', map { "IFNULL(HEX($_->{mexpr}), 'N')" } @$specs)
	  . ") FROM `$db`.`$table`";
	my $pq = "SELECT concat_ws(',', "
	  . join(', ', map { "coalesce(encode(convert_to($_->{pexpr}, 'UTF8'), 'hex'), 'N')" } @$specs)
	  . qq{) FROM "$tschema"."$ttable"};
	# raw (already hex) columns are hex-encoded once more for transport on both sides

	my $parse = sub {
		my ($line) = @_;
		my @f = split /,/, $line, -1;
		croak "column count mismatch in '$line'" unless @f == @$specs;
		return [ map {
			my $h = $f[$_];
			$h eq 'N' ? undef : do {
				my $k = $specs->[$_]{kind};
				$k eq 'raw' ? lc(pack('H*', $h)) : _canon($k, $h);
			}
		} 0 .. $#f ];
	};
	my $mout = $my->sql($mq);
	my $pout = $node->safe_psql('postgres', $pq);
	my @mrows = map { $parse->($_) } grep { $_ ne '' } split /\n/, $mout;
	my @prows = map { $parse->($_) } grep { $_ ne '' } split /\n/, $pout;

	my %pos;
	@pos{ map { $_->{name} } @$specs } = 0 .. $#$specs;
	my @keyidx = @$pk ? map { $pos{$_} } @$pk : (0 .. $#$specs);
	my $key = sub {
		my ($r) = @_;
		return join("\x01", map { defined $r->[$_] ? $r->[$_] : "\x00NULL" } @keyidx);
	};
	my $cmp = sub {
		my ($x, $y) = @_;
		for my $i (@keyidx)
		{
			my ($u, $v) = ($x->[$i] // '', $y->[$i] // '');
			my $c = ($u =~ /^-?\d+(\.\d+)?$/ && $v =~ /^-?\d+(\.\d+)?$/) ? ($u <=> $v) : ($u cmp $v);
			return $c if $c;
		}
		return 0;
	};
	@mrows = sort { $cmp->($a, $b) } @mrows;
	@prows = sort { $cmp->($a, $b) } @prows;
	return (\@mrows, \@prows, [ map { $_->{name} } @$specs ], $key);
}

sub _fmt_row
{
	my ($cols, $r) = @_;
	return '(none)' unless defined $r;
	return '{' . join(', ', map { "$cols->[$_]=" . (defined $r->[$_] ? "'$r->[$_]'" : 'NULL') } 0 .. $#$cols) . '}';
}

# Differences as text lines (empty when equal), at most $max.
sub _diff_rows
{
	my ($mrows, $prows, $cols, $key, $max) = @_;
	my (%m, %p);
	$m{ $key->($_) } = $_ for @$mrows;
	$p{ $key->($_) } = $_ for @$prows;
	my @diff;
	push @diff, sprintf('row counts: mariadb %d, postgresql %d', scalar @$mrows, scalar @$prows)
	  if @$mrows != @$prows;
	my %seen;
	for my $k (map { $key->($_) } @$mrows, @$prows)
	{
		next if $seen{$k}++;
		my ($x, $y) = ($m{$k}, $p{$k});
		my $same = defined $x && defined $y
		  && join("\x02", map { $_ // "\x00" } @$x) eq join("\x02", map { $_ // "\x00" } @$y);
		next if $same;
		push @diff, "  mariadb:    " . _fmt_row($cols, $x) . "\n  postgresql: " . _fmt_row($cols, $y);
		last if @diff >= $max;
	}
	return @diff;
}

sub compare_table
{
	my ($my, $node, $src, %o) = @_;
	my $name = $o{name} // "$src: all rows equal in PostgreSQL";
	my ($mrows, $prows, $cols, $key) = eval { _fetch_both($my, $node, $src, %o) };
	unless ($mrows)
	{
		Test::More::fail($name);
		Test::More::diag("cannot read $src: $@");
		return 0;
	}
	my @diff = _diff_rows($mrows, $prows, $cols, $key, 10);
	my $ok = Test::More::ok(!@diff && @$mrows == @$prows, $name . ' (' . scalar(@$mrows) . ' rows)');
	Test::More::diag("differences in $src:\n" . join("\n", @diff)) unless $ok;
	return $ok;
}

sub tables_equal
{
	my ($my, $node, $src, %o) = @_;
	my ($mrows, $prows, $cols, $key) = eval { _fetch_both($my, $node, $src, %o) };
	return 0 unless $mrows;
	return !_diff_rows($mrows, $prows, $cols, $key, 1);
}

sub wait_tables_equal
{
	my ($my, $node, $tables, $timeout) = @_;
	return wait_until(
		sub {
			for my $t (@$tables) { return 0 unless tables_equal($my, $node, $t) }
			return 1;
		},
		$timeout);
}

package MysqlSyncTest::Workload;

sub done
{
	my ($self) = @_;
	return 1 if defined $self->{status};
	if (waitpid($self->{pid}, POSIX::WNOHANG()) == $self->{pid})
	{
		$self->{status} = $? >> 8;
		return 1;
	}
	return 0;
}

sub wait
{
	my ($self) = @_;
	unless ($self->done)
	{
		waitpid($self->{pid}, 0);
		$self->{status} = $? >> 8;
	}
	return $self->{status};
}

1;
