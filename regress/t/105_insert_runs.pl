# Long runs of inserts (written for a multi-insert path that measured no gain and was removed;
# the behaviour it had to keep is what any insert path must keep):
#  (a) a mix of inserts, updates and deletes of the same rows in one source transaction and
#      across tables keeps per-row order (insert then update, delete then re-insert, inserts
#      into two tables interleaved), in a transaction of 3000+ inserts and in many small ones;
#  (b) a target with a row trigger on one table and a check constraint on another
#      gets the same rows (the trigger fires once per row; the check is enforced);
#  (c) a duplicate key in the middle of a long run of inserts stops the task with SQLSTATE 23505,
#      naming the task, the table, the duplicated key and the binlog position; nothing of that
#      source transaction is applied; after the repair it is applied whole.
use strict;
use warnings;

use FindBin;
use lib $FindBin::RealBin;

use PostgreSQL::Test::Utils;
use PostgreSQL::Test::Cluster;
use Test::More;
use MysqlSyncTest;

plan skip_all => 'mysql_sync is not installed (make install)' unless extension_installed();

my $my   = start_mariadb(name => 'src105');
my $node = pg_node('pg105');
$node->safe_psql('postgres', 'CREATE EXTENSION mysql_sync');
my @TABLES = qw(m.a m.b m.c);

sub sql_pg { return $node->safe_psql('postgres', $_[0]) }

$my->sql(q{
CREATE DATABASE m;
CREATE TABLE m.a (id int PRIMARY KEY, v varchar(40), n int NOT NULL);
CREATE TABLE m.b (id int, k varchar(10), n int, PRIMARY KEY (id, k));
CREATE TABLE m.c (id int PRIMARY KEY, n int NOT NULL);
INSERT INTO m.a VALUES (1, 'one', 1);
});
sql_pg("SELECT mysql_sync.start_sync('t', '" . $my->source_uri . "', '{m.*}')");
ok(wait_for_state($node, 't', 'streaming'), 'task streaming');

# (b) target-side features: a row trigger, a check constraint
sql_pg(q{
CREATE TABLE public.c_audit (id int, n int);
CREATE FUNCTION public.c_audit() RETURNS trigger LANGUAGE plpgsql AS
  $$BEGIN INSERT INTO public.c_audit VALUES (NEW.id, NEW.n); RETURN NEW; END$$;
CREATE TRIGGER c_audit AFTER INSERT ON m.c FOR EACH ROW EXECUTE FUNCTION public.c_audit();
ALTER TABLE m.c ENABLE ALWAYS TRIGGER c_audit;
ALTER TABLE m.b ADD CONSTRAINT b_n_small CHECK (n < 1000000);
});

# (a) one source transaction: 3000 inserts into m.a interleaved with inserts into m.b, updates of
# rows inserted just before, a delete and re-insert of the same key, and a trigger table.
my $sql = "START TRANSACTION;\n";
for my $i (2 .. 3001)
{
	$sql .= "INSERT INTO m.a VALUES ($i, 'a$i', $i);\n";
	$sql .= "INSERT INTO m.b VALUES ($i, 'k', $i);\n" if $i % 3 == 0;
	$sql .= "UPDATE m.a SET n = n + 1000000 WHERE id = $i;\n" if $i % 500 == 0;
	$sql .= "DELETE FROM m.a WHERE id = " . ($i - 1) . ";\nINSERT INTO m.a VALUES (" . ($i - 1) . ", 'again', 7);\n"
	  if $i % 700 == 0;
	$sql .= "INSERT INTO m.c VALUES ($i, $i);\n" if $i % 250 == 0;
}
$sql .= "UPDATE m.b SET n = -n WHERE id = 3;\nCOMMIT;\n";
$my->sql($sql);
# and many small transactions of one insert each (grouped into one batch by the worker)
$my->sql(join('', map { "INSERT INTO m.a VALUES ($_, 'small', $_);\n" } 4001 .. 4300));
ok(wait_tables_equal($my, $node, \@TABLES, 120), '(a) tables equal after the mixed transaction');
compare_table($my, $node, $_, name => "(a) $_ equal") for @TABLES;
is(sql_pg('SELECT n FROM m.a WHERE id = 1000'), '1001000', '(a) update of a row inserted just before');
is(sql_pg('SELECT v || n FROM m.a WHERE id = 1399'), 'again7', '(a) delete then re-insert of a key');
is(sql_pg('SELECT n FROM m.b WHERE id = 3'), '-3', '(a) update after the inserts');
is(sql_pg('SELECT count(*) FROM public.c_audit'), '12', '(b) the row trigger fired once per row');

# (c) a duplicate in the middle of a run of inserts
sql_pg(q{INSERT INTO m.a VALUES (5500, 'from pg', 0)});
my ($file) = $my->binlog_position;
$sql = "START TRANSACTION;\n" . join('', map { "INSERT INTO m.a VALUES ($_, 'run', $_);\n" } 5001 .. 6000) . "COMMIT;\n";
$my->sql($sql);
my $st = wait_for_state($node, 't', 'stopped', 60);
ok($st, '(c) a duplicate key inside a run of inserts stops the task');
my $err = $st ? $st->{last_error} // '' : '';
like($err, qr/task "t"/,              '(c) last_error names the task');
like($err, qr/\bm\.a\b/,              '(c) last_error names the table');
like($err, qr/key \(id\)=\(5500\)/,   '(c) last_error names the duplicated key');
like($err, qr/\Q$file\E:\d+/,         '(c) last_error names the binlog position');
is(sql_pg(q{SELECT last_sqlstate FROM mysql_sync.task_state WHERE task = 't'}), '23505', '(c) SQLSTATE 23505');
is(sql_pg('SELECT count(*) FROM m.a WHERE id BETWEEN 5001 AND 6000'), '1', '(c) none of the transaction applied');
sql_pg(q{DELETE FROM m.a WHERE id = 5500});
sql_pg(q{SELECT mysql_sync.resume_sync('t')});
ok(wait_for_state($node, 't', 'streaming', 60), '(c) streaming after the repair');
ok(wait_tables_equal($my, $node, \@TABLES, 60), '(c) the whole transaction arrived');
is(sql_pg(q{SELECT v FROM m.a WHERE id = 5500}), 'run', '(c) the target has the source row');

done_testing();
