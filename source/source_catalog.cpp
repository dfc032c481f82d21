// describe_tables(): base tables, columns, primary keys and MariaDB JSON columns from
// information_schema, in a fixed number of queries whatever the number of tables.
#include "source/source_catalog.h"

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <map>
#include <set>
#include <tuple>
#include <unordered_map>

#include "binlog/charset.h"
#include "source/mysql_type_names.h"

namespace mysql_sync {

namespace {

const std::set<std::string> kSystemSchemas = {"mysql", "information_schema", "performance_schema", "sys"};

using TableKey = std::pair<std::string, std::string>;
using Cell = std::optional<std::string>;

std::string text_of(const Cell& cell) {
  return cell ? *cell : std::string();
}
int64_t number_of(const Cell& cell) {
  return cell ? std::strtoll(cell->c_str(), nullptr, 10) : 0;
}

std::string lower(std::string text) {
  for (char& c : text) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return text;
}

bool contains(const std::string& text, const char* part) {
  return text.find(part) != std::string::npos;
}

// Database parts of the patterns that hold no wildcard (they name one database).
std::set<std::string> literal_databases(const ObjectPatterns& patterns, bool& all_literal) {
  std::set<std::string> names;
  all_literal = true;
  for (const std::string& pattern : patterns.patterns()) {
    std::string db = pattern.substr(0, pattern.find('.'));
    if (db.find_first_of("*%") == std::string::npos)
      names.insert(db);
    else
      all_literal = false;
  }
  return names;
}

std::string in_list(MysqlClient& client, const std::set<std::string>& values) {
  std::string out = "(";
  for (const std::string& value : values) {
    if (out.size() > 1) out += ", ";
    out += client.quote_string(value);
  }
  return out + ")";
}

// The column named by a MariaDB JSON check, "json_valid(`doc`)", or "" for any other clause.
std::string json_valid_column(const std::string& clause) {
  const std::string prefix = "json_valid(`";
  if (clause.compare(0, prefix.size(), prefix) != 0 || clause.size() < prefix.size() + 2 ||
      clause.compare(clause.size() - 2, 2, "`)") != 0)
    return {};
  std::string name;
  for (size_t i = prefix.size(); i < clause.size() - 2; ++i) {
    if (clause[i] == '`') {
      if (clause[i + 1] != '`') return {};  // not one plain identifier
      ++i;
    }
    name.push_back(clause[i]);
  }
  return name;
}

SourceColumn column_from_row(const std::vector<Cell>& row,
                             const std::unordered_map<std::string, uint16_t>& collation_ids, bool mariadb) {
  // Row layout: see the COLUMNS query in describe_tables().
  SourceColumn column;
  column.name = text_of(row[2]);
  column.data_type = lower(text_of(row[3]));
  column.column_type = text_of(row[4]);
  column.nullable = text_of(row[5]) == "YES";
  column.default_value = row[6];
  column.character_set = text_of(row[7]);
  column.collation = text_of(row[8]);
  column.char_max_length = number_of(row[9]);
  column.numeric_precision = number_of(row[10]);
  column.numeric_scale = number_of(row[11]);
  column.datetime_precision = number_of(row[12]);
  std::string extra = lower(text_of(row[13]));
  column.comment = text_of(row[14]);
  column.is_unsigned = contains(lower(column.column_type), " unsigned");
  column.auto_increment = contains(extra, "auto_increment");
  column.generated = contains(extra, "virtual") || contains(extra, "stored") || contains(extra, "persistent");
  if (mariadb) {
    parse_mariadb_default(row[6], column);
  } else {
    // MySQL: literals unquoted; an expression default is flagged DEFAULT_GENERATED in EXTRA.
    column.default_is_expression =
        contains(extra, "default_generated") || (row[6] && lower(*row[6]).rfind("current_timestamp", 0) == 0);
  }
  if (column.data_type == "enum" || column.data_type == "set")
    column.enum_values = parse_enum_members(column.column_type);
  if (is_binary_type(column.data_type) || is_geometry_type(column.data_type)) {
    column.collation_id = kBinaryCollation;
  } else if (auto found = collation_ids.find(column.collation); found != collation_ids.end()) {
    column.collation_id = found->second;
  }
  return column;
}

}  // namespace

std::string row_shape_difference(const SourceTable& before, const SourceTable& after) {
  std::string out;
  auto note = [&out](const std::string& text) { out += (out.empty() ? "" : "; ") + text; };
  auto find = [](const SourceTable& table, const std::string& name) -> const SourceColumn* {
    for (const SourceColumn& c : table.columns)
      if (c.name == name) return &c;
    return nullptr;
  };
  for (const SourceColumn& c : before.columns)
    if (!find(after, c.name)) note("column " + c.name + " dropped");
  for (size_t i = 0; i < after.columns.size(); ++i) {
    const SourceColumn& c = after.columns[i];
    const SourceColumn* old = find(before, c.name);
    if (!old) {
      note("column " + c.name + " added");
      continue;
    }
    if (old->column_type != c.column_type)
      note("column " + c.name + ": " + old->column_type + " -> " + c.column_type);
    if (old->nullable != c.nullable) note("column " + c.name + (c.nullable ? " now NULL" : " now NOT NULL"));
    if (old->character_set != c.character_set || old->collation != c.collation)
      note("column " + c.name + ": collation " + old->collation + " -> " + c.collation);
    if (old->generated != c.generated)
      note("column " + c.name + (c.generated ? " now generated" : " no longer generated"));
  }
  if (out.empty()) {
    bool moved = before.columns.size() != after.columns.size();
    for (size_t i = 0; !moved && i < after.columns.size(); ++i)
      moved = before.columns[i].name != after.columns[i].name;
    if (moved) note("columns reordered");
  }
  if (before.primary_key != after.primary_key) note("primary key changed");
  return out;
}

std::vector<SourceTable> describe_tables(MysqlClient& client, const ObjectPatterns& patterns) {
  bool all_literal = false;
  std::set<std::string> named = literal_databases(patterns, all_literal);
  std::string schema_filter = all_literal ? " AND TABLE_SCHEMA IN " + in_list(client, named) : "";

  std::vector<SourceTable> tables;
  std::map<TableKey, std::string> table_collations;
  for (auto& row : client
                       .query("SELECT TABLE_SCHEMA, TABLE_NAME, ENGINE, TABLE_ROWS, TABLE_COMMENT, "
                              "AUTO_INCREMENT, TABLE_COLLATION FROM information_schema.TABLES "
                              "WHERE TABLE_TYPE = 'BASE TABLE'" +
                              schema_filter)
                       .rows) {
    std::string schema = text_of(row[0]), name = text_of(row[1]);
    // System databases only when a pattern names them outright, never through a wildcard.
    if (kSystemSchemas.count(schema) && !named.count(schema)) continue;
    if (!patterns.matches(schema, name)) continue;
    SourceTable& table = tables.emplace_back();
    table.schema = schema;
    table.name = name;
    table.engine = text_of(row[2]);
    table.rows_estimate = number_of(row[3]);
    table.comment = text_of(row[4]);
    table.auto_increment = row[5] ? std::strtoull(row[5]->c_str(), nullptr, 10) : 0;
    table_collations[{schema, name}] = text_of(row[6]);
  }
  if (tables.empty()) return tables;
  std::sort(tables.begin(), tables.end(), [](const SourceTable& a, const SourceTable& b) {
    return std::tie(a.schema, a.name) < std::tie(b.schema, b.name);
  });

  std::map<TableKey, SourceTable*> by_key;
  std::set<std::string> schemas;
  for (SourceTable& table : tables) {
    by_key[{table.schema, table.name}] = &table;
    schemas.insert(table.schema);
  }
  const std::string schema_in = " TABLE_SCHEMA IN " + in_list(client, schemas);
  auto table_of = [&](const std::vector<Cell>& row) -> SourceTable* {
    auto found = by_key.find({text_of(row[0]), text_of(row[1])});
    return found == by_key.end() ? nullptr : found->second;
  };

  std::unordered_map<std::string, uint16_t> collation_ids;
  std::unordered_map<std::string, std::string> collation_charsets;
  for (auto& row :
       client.query("SELECT COLLATION_NAME, ID, CHARACTER_SET_NAME FROM information_schema.COLLATIONS")
           .rows) {
    if (row[0] && row[1]) collation_ids[*row[0]] = static_cast<uint16_t>(number_of(row[1]));
    if (row[0] && row[2]) collation_charsets[*row[0]] = lower(*row[2]);
  }
  // The table's DEFAULT CHARSET, for the text columns that DDL adds without one.
  for (SourceTable& table : tables) {
    const std::string& collation = table_collations[{table.schema, table.name}];
    if (auto found = collation_charsets.find(collation); found != collation_charsets.end())
      table.default_charset = found->second;
    else if (const char* name = charset_name(collation_id_of("", lower(collation))))
      table.default_charset = name;
  }

  for (auto& row :
       client
           .query("SELECT TABLE_SCHEMA, TABLE_NAME, COLUMN_NAME, DATA_TYPE, COLUMN_TYPE, "
                  "IS_NULLABLE, COLUMN_DEFAULT, CHARACTER_SET_NAME, COLLATION_NAME, "
                  "CHARACTER_MAXIMUM_LENGTH, NUMERIC_PRECISION, NUMERIC_SCALE, DATETIME_PRECISION, "
                  "EXTRA, COLUMN_COMMENT FROM information_schema.COLUMNS WHERE" +
                  schema_in + " ORDER BY TABLE_SCHEMA, TABLE_NAME, ORDINAL_POSITION")
           .rows)
    if (SourceTable* table = table_of(row))
      table->columns.push_back(column_from_row(row, collation_ids, client.is_mariadb()));

  if (client.is_mariadb()) {
    // MariaDB's JSON is a LONGTEXT with CHECK (json_valid(`col`)); MySQL has a real JSON type.
    for (auto& row : client
                         .query("SELECT CONSTRAINT_SCHEMA, TABLE_NAME, CHECK_CLAUSE "
                                "FROM information_schema.CHECK_CONSTRAINTS WHERE CONSTRAINT_SCHEMA IN " +
                                in_list(client, schemas) + " AND CHECK_CLAUSE LIKE 'json\\_valid(%'")
                         .rows) {
      SourceTable* table = table_of(row);
      std::string name = json_valid_column(text_of(row[2]));
      if (!table || name.empty()) continue;
      for (SourceColumn& column : table->columns)
        if (column.name == name && is_text_type(column.data_type)) column.is_json_text = true;
    }
  }

  // Every index, the primary key first by name ('PRIMARY'), columns in key order.
  for (auto& row :
       client
           .query("SELECT TABLE_SCHEMA, TABLE_NAME, INDEX_NAME, NON_UNIQUE, COLUMN_NAME, SUB_PART, "
                  "INDEX_TYPE FROM information_schema.STATISTICS WHERE" +
                  schema_in + " ORDER BY TABLE_SCHEMA, TABLE_NAME, INDEX_NAME, SEQ_IN_INDEX")
           .rows) {
    SourceTable* table = table_of(row);
    if (!table) continue;
    std::string index = text_of(row[2]);
    if (index == "PRIMARY") {
      table->primary_key.push_back(text_of(row[4]));
      continue;
    }
    if (table->indexes.empty() || table->indexes.back().name != index) {
      SourceIndex& added = table->indexes.emplace_back();
      added.name = index;
      added.unique = text_of(row[3]) == "0";
      added.type = text_of(row[6]);
    }
    SourceIndex& current = table->indexes.back();
    if (!row[4])
      current.on_expression = true;
    else
      current.columns.push_back(*row[4]);
    if (row[5]) current.on_prefix = true;
  }

  for (auto& row :
       client
           .query(
               "SELECT k.TABLE_SCHEMA, k.TABLE_NAME, k.CONSTRAINT_NAME, k.COLUMN_NAME, "
               "k.REFERENCED_TABLE_SCHEMA, "
               "k.REFERENCED_TABLE_NAME, k.REFERENCED_COLUMN_NAME, r.UPDATE_RULE, r.DELETE_RULE "
               "FROM information_schema.KEY_COLUMN_USAGE k JOIN information_schema.REFERENTIAL_CONSTRAINTS r "
               "ON r.CONSTRAINT_SCHEMA = k.CONSTRAINT_SCHEMA AND r.CONSTRAINT_NAME = k.CONSTRAINT_NAME "
               "AND r.TABLE_NAME = k.TABLE_NAME WHERE k.REFERENCED_TABLE_NAME IS NOT NULL AND k." +
               schema_in.substr(1) +
               " ORDER BY k.TABLE_SCHEMA, k.TABLE_NAME, k.CONSTRAINT_NAME, k.ORDINAL_POSITION")
           .rows) {
    SourceTable* table = table_of(row);
    if (!table) continue;
    std::string name = text_of(row[2]);
    if (table->foreign_keys.empty() || table->foreign_keys.back().name != name) {
      SourceForeignKey& added = table->foreign_keys.emplace_back();
      added.name = name;
      added.ref_schema = text_of(row[4]);
      added.ref_table = text_of(row[5]);
      added.on_update = text_of(row[7]);
      added.on_delete = text_of(row[8]);
    }
    table->foreign_keys.back().columns.push_back(text_of(row[3]));
    table->foreign_keys.back().ref_columns.push_back(text_of(row[6]));
  }
  return tables;
}

TableShape SourceTable::shape() const {
  TableShape shape;
  for (const SourceColumn& column : columns) {
    shape.column_names.push_back(column.name);
    shape.enum_values.push_back(column.enum_values);
    shape.collations.push_back(column.collation_id);
    shape.json_text.push_back(column.is_json_text);
    shape.is_unsigned.push_back(column.is_unsigned);
  }
  for (const std::string& key : primary_key)
    for (size_t i = 0; i < columns.size(); ++i)
      if (columns[i].name == key) shape.primary_key.push_back(static_cast<uint16_t>(i));
  return shape;
}

}  // namespace mysql_sync
