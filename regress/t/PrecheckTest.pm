# Helpers for the precheck's TAP tests (040, 045): run mysql_sync.precheck() and assert which
# items did not pass.
#
#   my $r = run_precheck($node, $uri, '{shop.*}', "options => '{}'");   # { item => {status, detail, hint}, _order => [...] }
#   expect_precheck($r, 'name', binlog_format => 'failed');    # exactly these items are not passed
#   hint_sql($r->{privileges}{hint});                          # the hint's SQL, without " -- ..."
package PrecheckTest;

use strict;
use warnings;

use Exporter 'import';
use Test::More;

our @EXPORT = qw(@PRECHECK_ITEMS run_precheck precheck_summary expect_precheck hint_sql);

# The contract's items, in their order.
our @PRECHECK_ITEMS = qw(connection version binlog_enabled binlog_format binlog_row_image
  binlog_row_metadata binlog_retention server_id privileges objects_exist primary_keys
  column_types prefix_indexes target_conflict target_privileges distribution_keys);

sub run_precheck
{
	my ($node, $source, $objects, $args) = @_;
	my $extra = defined $args ? ", $args" : '';
	my $out = $node->safe_psql('postgres',
		    "SELECT item || E'\\t' || status || E'\\t' || detail || E'\\t' || coalesce(hint, '') "
		  . "FROM mysql_sync.precheck(\$s\$$source\$s\$, \$o\$$objects\$o\$$extra)");
	my %r = (_order => []);
	for my $line (split /\n/, $out)
	{
		my ($item, $status, $detail, $hint) = split /\t/, $line, 4;
		push @{ $r{_order} }, $item;
		$r{$item} = { status => $status, detail => $detail, hint => $hint };
	}
	return \%r;
}

# "item=status, ..." of the items that did not pass.
sub precheck_summary
{
	my ($r) = @_;
	return join(', ', map { "$_=" . ($r->{$_}{status} // 'missing') }
		  grep { ($r->{$_}{status} // '') ne 'passed' } @PRECHECK_ITEMS);
}

# One test: exactly the given items are not passed, with the given statuses.
sub expect_precheck
{
	my ($r, $name, %want) = @_;
	my $want = join(', ', map { "$_=$want{$_}" } grep { exists $want{$_} } @PRECHECK_ITEMS);
	my $ok = is(precheck_summary($r), $want, "$name: " . ($want eq '' ? 'every item passed' : $want));
	diag("$_: $r->{$_}{status}: $r->{$_}{detail} | hint: $r->{$_}{hint}")
	  for $ok ? () : grep { ($r->{$_}{status} // '') ne 'passed' } @PRECHECK_ITEMS;
	return $ok;
}

# The SQL part of a hint: everything before " -- " (the rest is an explanation).
sub hint_sql
{
	my ($hint) = @_;
	(my $sql = $hint) =~ s/ -- .*$//s;
	return $sql;
}

1;
