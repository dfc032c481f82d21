# Helpers for the Citus TAP tests (130, 131): a sakila-like database and MySQL's world sample on
# the source, a write workload on both, and the checks that every synced table reached the
# shards: equal to the source row by row through the coordinator, each shard's rows hashing to
# that shard (counted in the shards themselves), the coordinator's shell tables empty.
#
#   load_sakila_like($my);                       # CREATE DATABASE sakila ... (11 tables, ~25k rows)
#   my $w = sakila_world_workload($my, 300);    # forked: inserts, updates (also of distribution
#                                                # keys), deletes, multi-statement transactions
#   citus_tables_ok($my, $coordinator, [ 'sakila.film', ... ]);   # the checks above, as tests
package CitusTest;

use strict;
use warnings;

use Exporter 'import';
use Test::More;
use Time::HiRes qw(usleep);
use MysqlSyncTest;

our @EXPORT = qw(@SAKILA_TABLES @WORLD_TABLES load_sakila_like sakila_world_workload workload_transaction_sql
  citus_tables_ok
  citus_kind_of);

our @SAKILA_TABLES = map { "sakila.$_" }
  qw(actor category customer film film_actor film_category language payment rental staff);
our @WORLD_TABLES = qw(world.city world.country world.countrylanguage);

# The sakila sample's shape (types, keys, defaults, ON UPDATE timestamps, ENUM, SET, YEAR, BLOB,
# a binary-collated VARCHAR, composite keys, a unique key without the primary key's columns on
# rental) with generated rows.
sub load_sakila_like
{
	my ($my) = @_;
	$my->sql(<<'SQL');
CREATE DATABASE sakila CHARACTER SET utf8mb4;
USE sakila;
CREATE TABLE actor (actor_id SMALLINT UNSIGNED NOT NULL AUTO_INCREMENT, first_name VARCHAR(45) NOT NULL,
  last_name VARCHAR(45) NOT NULL, last_update TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP ON UPDATE CURRENT_TIMESTAMP,
  PRIMARY KEY (actor_id), KEY idx_actor_last_name (last_name));
CREATE TABLE language (language_id TINYINT UNSIGNED NOT NULL AUTO_INCREMENT, name CHAR(20) NOT NULL,
  last_update TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP ON UPDATE CURRENT_TIMESTAMP, PRIMARY KEY (language_id));
CREATE TABLE category (category_id TINYINT UNSIGNED NOT NULL AUTO_INCREMENT, name VARCHAR(25) NOT NULL,
  last_update TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP ON UPDATE CURRENT_TIMESTAMP, PRIMARY KEY (category_id));
CREATE TABLE film (film_id SMALLINT UNSIGNED NOT NULL AUTO_INCREMENT, title VARCHAR(128) NOT NULL,
  description TEXT, release_year YEAR, language_id TINYINT UNSIGNED NOT NULL,
  rental_duration TINYINT UNSIGNED NOT NULL DEFAULT 3, rental_rate DECIMAL(4,2) NOT NULL DEFAULT 4.99,
  length SMALLINT UNSIGNED, replacement_cost DECIMAL(5,2) NOT NULL DEFAULT 19.99,
  rating ENUM('G','PG','PG-13','R','NC-17') DEFAULT 'G',
  special_features SET('Trailers','Commentaries','Deleted Scenes','Behind the Scenes'),
  last_update TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP ON UPDATE CURRENT_TIMESTAMP,
  PRIMARY KEY (film_id), KEY idx_title (title), KEY idx_fk_language_id (language_id));
CREATE TABLE film_actor (actor_id SMALLINT UNSIGNED NOT NULL, film_id SMALLINT UNSIGNED NOT NULL,
  last_update TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP ON UPDATE CURRENT_TIMESTAMP,
  PRIMARY KEY (actor_id, film_id), KEY idx_fk_film_id (film_id));
CREATE TABLE film_category (film_id SMALLINT UNSIGNED NOT NULL, category_id TINYINT UNSIGNED NOT NULL,
  last_update TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP ON UPDATE CURRENT_TIMESTAMP,
  PRIMARY KEY (film_id, category_id));
CREATE TABLE customer (customer_id SMALLINT UNSIGNED NOT NULL AUTO_INCREMENT, store_id TINYINT UNSIGNED NOT NULL,
  first_name VARCHAR(45) NOT NULL, last_name VARCHAR(45) NOT NULL, email VARCHAR(50),
  active BOOLEAN NOT NULL DEFAULT TRUE, create_date DATETIME NOT NULL,
  last_update TIMESTAMP NULL DEFAULT CURRENT_TIMESTAMP ON UPDATE CURRENT_TIMESTAMP,
  PRIMARY KEY (customer_id), KEY idx_last_name (last_name));
CREATE TABLE staff (staff_id TINYINT UNSIGNED NOT NULL AUTO_INCREMENT, first_name VARCHAR(45) NOT NULL,
  last_name VARCHAR(45) NOT NULL, picture BLOB, email VARCHAR(50), store_id TINYINT UNSIGNED NOT NULL,
  active BOOLEAN NOT NULL DEFAULT TRUE, username VARCHAR(16) NOT NULL, password VARCHAR(40) BINARY,
  last_update TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP ON UPDATE CURRENT_TIMESTAMP, PRIMARY KEY (staff_id));
CREATE TABLE rental (rental_id INT NOT NULL AUTO_INCREMENT, rental_date DATETIME NOT NULL,
  inventory_id MEDIUMINT UNSIGNED NOT NULL, customer_id SMALLINT UNSIGNED NOT NULL, return_date DATETIME,
  staff_id TINYINT UNSIGNED NOT NULL,
  last_update TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP ON UPDATE CURRENT_TIMESTAMP,
  PRIMARY KEY (rental_id), UNIQUE KEY (rental_date, inventory_id, customer_id));
CREATE TABLE payment (payment_id SMALLINT UNSIGNED NOT NULL AUTO_INCREMENT, customer_id SMALLINT UNSIGNED NOT NULL,
  staff_id TINYINT UNSIGNED NOT NULL, rental_id INT, amount DECIMAL(5,2) NOT NULL, payment_date DATETIME NOT NULL,
  last_update TIMESTAMP NULL DEFAULT CURRENT_TIMESTAMP ON UPDATE CURRENT_TIMESTAMP, PRIMARY KEY (payment_id));

INSERT INTO language (name) VALUES ('English'), ('Italian'), ('Japanese'), ('Mandarin'), ('French'), ('German');
INSERT INTO category (name) SELECT CONCAT('Category ', seq) FROM seq_1_to_16;
INSERT INTO actor (first_name, last_name) SELECT CONCAT('First', seq), CONCAT('Last', seq % 120) FROM seq_1_to_200;
INSERT INTO film (title, description, release_year, language_id, rental_duration, rental_rate, length,
                  replacement_cost, rating, special_features)
  SELECT CONCAT('FILM ', seq), CONCAT('A tale of ', seq, ' and ', REPEAT('é', seq % 7)), 2000 + seq % 20,
         1 + seq % 6, 3 + seq % 5, 0.99 + (seq % 5), 46 + seq % 140, 9.99 + (seq % 21),
         ELT(1 + seq % 5, 'G', 'PG', 'PG-13', 'R', 'NC-17'),
         IF(seq % 4 = 0, NULL, ELT(1 + seq % 3, 'Trailers', 'Commentaries,Deleted Scenes', 'Behind the Scenes'))
    FROM seq_1_to_1000;
INSERT INTO film_actor (actor_id, film_id) SELECT 1 + (f.seq * 7 + a.seq * 31) % 200, f.seq
  FROM seq_1_to_1000 f, seq_1_to_5 a;
INSERT INTO film_category (film_id, category_id) SELECT seq, 1 + seq % 16 FROM seq_1_to_1000;
INSERT INTO customer (store_id, first_name, last_name, email, active, create_date)
  SELECT 1 + seq % 2, CONCAT('Cust', seq), CONCAT('Omer', seq % 90), CONCAT('c', seq, '@example.org'),
         seq % 13 <> 0, '2006-02-14 22:04:36' + INTERVAL seq MINUTE FROM seq_1_to_599;
INSERT INTO staff (first_name, last_name, picture, email, store_id, username, password)
  VALUES ('Mike', 'Hillyer', UNHEX('89504E470D0A1A0A0000000D'), 'Mike@sakilastaff.com', 1, 'Mike',
          '8cb2237d0679ca88db6464eac60da96345513964'),
         ('Jon', 'Stephens', NULL, 'Jon@sakilastaff.com', 2, 'Jon', NULL);
INSERT INTO rental (rental_date, inventory_id, customer_id, return_date, staff_id)
  SELECT '2005-05-24 22:53:30' + INTERVAL seq MINUTE, 1 + seq % 4581, 1 + seq % 599,
         IF(seq % 9 = 0, NULL, '2005-05-26 22:04:30' + INTERVAL seq MINUTE), 1 + seq % 2 FROM seq_1_to_8000;
INSERT INTO payment (customer_id, staff_id, rental_id, amount, payment_date)
  SELECT 1 + seq % 599, 1 + seq % 2, seq, 0.99 + seq % 10, '2005-05-25 11:30:37' + INTERVAL seq MINUTE
    FROM seq_1_to_8000;
SQL
	return;
}

# A forked workload of `transactions` source transactions on sakila and world, each of several
# statements: inserts (AUTO_INCREMENT keys), updates of plain columns and of distribution keys
# (film_actor.actor_id of one film's first actor once per film, actor.actor_id, city.ID: the row
# moves to another shard; actor ids move far apart, as MariaDB's AUTO_INCREMENT follows them), deletes, and
# every tenth transaction rolled back (nothing in the binlog). Retries a statement the source
# refuses while it restarts. Returns the MysqlSyncTest::Workload.
sub sakila_world_workload
{
	my ($my, $transactions, %opts) = @_;
	my $pause_us = $opts{pause_us} // 20_000;
	return start_workload(
		sub {
			for my $i (1 .. $transactions)
			{
				my $sql = workload_transaction_sql($i);
				my $tries = 0;
				until (defined $my->sql($sql, fail_ok => 1))
				{
					if (++$tries > 600)
					{
						print STDERR "workload transaction $i failed: $my->{last_error}";
						return 1;
					}
					usleep(200_000);    # the source restarts
				}
				usleep($pause_us);
			}
			return 0;
		});
}

# The SQL of the workload's transaction number $i.
sub workload_transaction_sql
{
	my ($i) = @_;
	my $end = $i % 10 == 0 ? 'ROLLBACK' : 'COMMIT';
	my $a = 1 + $i % 200;
	my $f = 1 + ($i * 13) % 1000;
	my $sql = join("\n",
		'START TRANSACTION;',
		"INSERT INTO sakila.actor (first_name, last_name) VALUES ('W$i', 'Workload');",
		"UPDATE sakila.film SET rental_rate = rental_rate + 0.01, special_features = 'Trailers' "
		  . "WHERE film_id = $f;",
		# a distribution key moves: the row leaves its shard for another
		"UPDATE sakila.film_actor SET actor_id = actor_id + 1000 WHERE film_id = $f "
		  . "ORDER BY actor_id LIMIT 1;",
		"INSERT INTO sakila.rental (rental_date, inventory_id, customer_id, staff_id) "
		  . "VALUES (NOW() + INTERVAL $i SECOND, $i, 1 + $i % 599, 1);",
		"INSERT INTO sakila.payment (customer_id, staff_id, rental_id, amount, payment_date) "
		  . "VALUES (1 + $i % 599, 2, LAST_INSERT_ID(), 2.99, NOW());",
		"UPDATE sakila.customer SET email = CONCAT('w$i', email) WHERE customer_id = 1 + $i % 599;",
		"DELETE FROM sakila.payment WHERE payment_id = $i * 7;",
		"UPDATE world.city SET Population = Population + $i WHERE ID = 1 + ($i * 17) % 4000;",
		"UPDATE world.country SET LifeExpectancy = IFNULL(LifeExpectancy, 50) + 0.1 "
		  . "WHERE Code = (SELECT Code FROM (SELECT Code FROM world.country ORDER BY Code "
		  . "LIMIT 1 OFFSET " . ($i % 239) . ") c);",
		"DELETE FROM world.countrylanguage ORDER BY CountryCode, Language LIMIT 1;",
		($i % 25 == 0
			? "UPDATE world.city SET ID = ID + 100000 WHERE ID = " . (1 + $i % 4000) . ';'
			: ''),
		($i % 30 == 0
			? "UPDATE sakila.actor SET actor_id = " . (30000 + 50 * $i) . " WHERE actor_id = $a;"
			: ''),
		"$end;");
	return $sql;
}

# The Citus kind of a target table: distributed, reference, local, or '' when not a Citus table.
sub citus_kind_of
{
	my ($coordinator, $table) = @_;
	return $coordinator->safe_psql('postgres',
		"SELECT coalesce((SELECT citus_table_type FROM citus_tables WHERE table_name = '$table'::regclass), '')");
}

# The checks that the rows reached the shards, one test each per table: equal row by row through
# the coordinator, the rows in the shards as many as the source's and each on the shard its
# distribution value hashes to, the coordinator's shell relation never written.
sub citus_tables_ok
{
	my ($my, $coordinator, $tables) = @_;
	for my $t (@$tables)
	{
		compare_table($my, $coordinator, $t, name => "$t: equal row by row through the coordinator");
		my ($db, $name) = split /\./, $t;
		my $kind = citus_kind_of($coordinator, qq{"$db"."$name"});
		my $source_rows = $my->sql("SELECT COUNT(*) FROM `$db`.`$name`");
		if ($kind eq 'distributed')
		{
			my $column = $coordinator->safe_psql('postgres',
				qq{SELECT distribution_column FROM citus_tables WHERE table_name = '"$db"."$name"'::regclass});
			# Per shard: its rows, and the shards their values hash to (should be itself).
			my $out = $coordinator->safe_psql('postgres', qq{
				SELECT coalesce(sum(split_part(result, ' ', 1)::bigint), 0) || ' '
				       || count(*) FILTER (WHERE split_part(result, ' ', 2) NOT IN ('', shardid::text))
				  FROM run_command_on_shards('"$db"."$name"',
				       \$cmd\$SELECT count(*) || ' ' || coalesce(string_agg(DISTINCT
				          get_shard_id_for_distribution_column('"$db"."$name"', "$column")::text, ','), '')
				          FROM %s\$cmd\$)});
			is($out, "$source_rows 0", "$t: $source_rows rows in its shards, each on the shard it hashes to");
		}
		elsif ($kind eq 'reference')
		{
			my $out = $coordinator->safe_psql('postgres', qq{
				SELECT string_agg(DISTINCT result, ',')
				  FROM run_command_on_placements('"$db"."$name"', 'SELECT count(*) FROM %s')});
			is($out, $source_rows, "$t: every placement of the reference table holds its $source_rows rows");
		}
		else
		{
			fail("$t: a Citus table (citus_tables says '$kind')");
		}
		is($coordinator->safe_psql('postgres', qq{SELECT pg_relation_size('"$db"."$name"')}),
			'0', "$t: the coordinator's shell table is empty");
	}
	return;
}

1;
