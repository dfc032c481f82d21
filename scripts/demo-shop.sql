-- The demo's sample database (scripts/demo): a small shop, generated on MariaDB with its
-- sequence engine (seq_1_to_N) in seconds. 375,000 rows in four tables, with the common MySQL
-- column types: integers (signed and unsigned), decimal, utf8mb4 varchar/char/text with
-- non-Latin text, enum, set, date, datetime(6), timestamp, json, blob, a stored and a virtual
-- generated column, NULLs, a composite primary key and secondary keys. Values follow from the
-- row number, so every run makes the same database.
DROP DATABASE IF EXISTS shop;
CREATE DATABASE shop CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;
USE shop;

CREATE TABLE customers (
  id         int unsigned NOT NULL AUTO_INCREMENT PRIMARY KEY,
  name       varchar(100) NOT NULL,
  email      varchar(150) NOT NULL,
  country    char(2) NOT NULL,
  tier       enum('bronze', 'silver', 'gold') NOT NULL DEFAULT 'bronze',
  interests  set('books', 'music', 'garden', 'kitchen', 'sport', 'travel') NOT NULL DEFAULT '',
  birth_date date,
  created_at datetime(6) NOT NULL,
  updated_at timestamp NOT NULL DEFAULT CURRENT_TIMESTAMP ON UPDATE CURRENT_TIMESTAMP,
  UNIQUE KEY email (email),
  KEY country (country)
) COMMENT 'people who ordered at least once';

CREATE TABLE products (
  id          int unsigned NOT NULL AUTO_INCREMENT PRIMARY KEY,
  sku         varchar(20) NOT NULL,
  title       varchar(200) NOT NULL,
  description text,
  price       decimal(10, 2) NOT NULL,
  vat_percent tinyint unsigned NOT NULL DEFAULT 19,
  price_gross decimal(12, 2) AS (round(price * (100 + vat_percent) / 100, 2)) STORED,
  attributes  json,
  thumbnail   blob,
  in_stock    smallint NOT NULL DEFAULT 0,
  UNIQUE KEY sku (sku)
);

CREATE TABLE orders (
  id          bigint unsigned NOT NULL AUTO_INCREMENT PRIMARY KEY,
  customer_id int unsigned NOT NULL,
  status      enum('new', 'paid', 'shipped', 'delivered', 'cancelled') NOT NULL DEFAULT 'new',
  ordered_at  datetime(6) NOT NULL,
  shipped_on  date,
  note        text,
  KEY customer (customer_id)
);

CREATE TABLE order_lines (
  order_id   bigint unsigned NOT NULL,
  line_no    tinyint unsigned NOT NULL,
  product_id int unsigned NOT NULL,
  quantity   smallint unsigned NOT NULL,
  unit_price decimal(10, 2) NOT NULL,
  line_total decimal(12, 2) AS (quantity * unit_price) VIRTUAL,
  PRIMARY KEY (order_id, line_no),
  KEY product (product_id)
);

-- 20,000 customers; names in Latin, Chinese, Cyrillic, Greek, Arabic, Japanese and Vietnamese script.
INSERT INTO customers (name, email, country, tier, interests, birth_date, created_at, updated_at)
SELECT concat(elt(1 + seq % 12, 'Zoë', 'José', '王', 'Иван', 'Σοφία', 'محمد', 'Ngozi', 'Åsa', 'Nguyễn',
                  '田中', 'Priya', 'Łukasz'), ' ',
              elt(1 + (seq DIV 12) % 11, 'Müller', 'Núñez', '芳', 'Петров', 'Παπαδοπούλου', 'علي', 'Okafor',
                  'Lindqvist', 'Văn An', '花子', 'Żółć')),
       concat('customer', seq, '@example.com'),
       elt(1 + seq % 9, 'DE', 'ES', 'CN', 'RU', 'GR', 'EG', 'NG', 'SE', 'VN'),
       1 + seq % 3,
       seq % 64,
       IF(seq % 17 = 0, NULL, DATE '1950-01-01' + INTERVAL (seq * 37) % 20000 DAY),
       TIMESTAMP '2020-01-01 00:00:00' + INTERVAL seq * 4321 SECOND + INTERVAL (seq * 7919) % 1000000 MICROSECOND,
       TIMESTAMP '2024-01-01 00:00:00' + INTERVAL seq * 600 SECOND
  FROM seq_1_to_20000;

-- 5,000 products.
INSERT INTO products (sku, title, description, price, vat_percent, attributes, thumbnail, in_stock)
SELECT concat('SKU-', lpad(seq, 6, '0')),
       concat(elt(1 + seq % 8, 'Teekanne', 'Bol à café', '茶壶', 'Самовар', 'Κούπα', 'فنجان', 'Lampa', 'Bình hoa'),
              ' #', seq),
       IF(seq % 5 = 0, NULL,
          concat('Handmade – größe ', seq % 40, ' cm; 手工制作; ручная работа; ', repeat('lorem ipsum ', seq % 20))),
       round(1 + (seq * 7919) % 100000 / 100, 2),
       elt(1 + seq % 3, 7, 19, 20),
       json_object('color', elt(1 + seq % 4, 'red', 'green', '蓝', 'чёрный'), 'weight_g', 100 + seq % 900,
                   'tags', json_array('demo', seq % 10), 'fragile', seq % 7 = 0),
       IF(seq % 4 = 0, NULL, unhex(sha2(seq, 256))),
       seq % 500
  FROM seq_1_to_5000;

-- 100,000 orders.
INSERT INTO orders (customer_id, status, ordered_at, shipped_on, note)
SELECT 1 + (seq * 7919) % 20000,
       1 + seq % 5,
       TIMESTAMP '2024-01-01 00:00:00' + INTERVAL seq * 97 SECOND + INTERVAL (seq * 104729) % 1000000 MICROSECOND,
       IF(seq % 5 IN (0, 1), NULL, DATE(TIMESTAMP '2024-01-01 00:00:00' + INTERVAL seq * 97 SECOND) + INTERVAL 2 DAY),
       IF(seq % 10 = 0, 'Bitte klingeln – ドアの前に置いてください', NULL)
  FROM seq_1_to_100000;

-- 250,000 order lines: orders take 3 and 2 lines by turns, at their product's price.
INSERT INTO order_lines (order_id, line_no, product_id, quantity, unit_price)
SELECT 1 + (s.seq - 1) * 2 DIV 5,
       s.seq - CEIL(((s.seq - 1) * 2 DIV 5) * 5 / 2),
       p.id,
       1 + s.seq % 5,
       p.price
  FROM seq_1_to_250000 s
  JOIN products p ON p.id = 1 + (s.seq * 104729) % 5000;

-- Fresh statistics: information_schema's row counts (the load's rows_estimate) come from them.
ANALYZE TABLE customers, products, orders, order_lines;
