// apply_to_model(): replays a parsed table DDL statement on the model of one table.
#include <algorithm>
#include <string>

#include "binlog/charset.h"
#include "ddl/ddl_cursor.h"
#include "ddl/ddl_parser.h"
#include "common/errors.h"
#include "source/mysql_type_names.h"

namespace mysql_sync {

namespace {

std::string table_label(const SourceTable& table) {
  return "\"" + table.schema + "\".\"" + table.name + "\"";
}

[[noreturn]] void missing(const char* sqlstate, const char* what, const std::string& name,
                          const SourceTable& table, const AlterAction& action) {
  throw SyncError(sqlstate,
                  std::string(what) + " \"" + name + "\" of table " + table_label(table) +
                      " does not exist in the model (" + action.text + ")",
                  "The table's model disagrees with the source; resynchronize the table.");
}

[[noreturn]] void duplicate(const char* sqlstate, const char* what, const std::string& name,
                            const SourceTable& table, const AlterAction& action) {
  throw SyncError(sqlstate,
                  std::string(what) + " \"" + name + "\" of table " + table_label(table) +
                      " already exists in the model (" + action.text + ")",
                  "The table's model disagrees with the source; resynchronize the table.");
}

// MySQL compares column and index names without regard to case.
ptrdiff_t find_column(const SourceTable& table, const std::string& name) {
  for (size_t i = 0; i < table.columns.size(); ++i)
    if (iequals(table.columns[i].name, name)) return static_cast<ptrdiff_t>(i);
  return -1;
}

ptrdiff_t find_index(const SourceTable& table, const std::string& name) {
  for (size_t i = 0; i < table.indexes.size(); ++i)
    if (iequals(table.indexes[i].name, name)) return static_cast<ptrdiff_t>(i);
  return -1;
}

ptrdiff_t find_foreign_key(const SourceTable& table, const std::string& name) {
  for (size_t i = 0; i < table.foreign_keys.size(); ++i)
    if (iequals(table.foreign_keys[i].name, name)) return static_cast<ptrdiff_t>(i);
  return -1;
}

void rename_in(std::vector<std::string>& names, const std::string& from, const std::string& to) {
  for (std::string& name : names)
    if (iequals(name, from)) name = to;
}

void remove_from(std::vector<std::string>& names, const std::string& name) {
  names.erase(
      std::remove_if(names.begin(), names.end(), [&](const std::string& n) { return iequals(n, name); }),
      names.end());
}

std::string generated_index_name(const SourceTable& table, const SourceIndex& index) {
  std::string base = index.columns.empty() ? "idx" : index.columns.front();
  if (find_index(table, base) < 0 && !iequals(base, "PRIMARY")) return base;
  for (int n = 2;; ++n) {
    std::string name = base + "_" + std::to_string(n);
    if (find_index(table, name) < 0) return name;
  }
}

void fill_default_charset(const SourceTable& table, SourceColumn& column) {
  if (!table.default_charset.empty()) settle_text_charset(column, table.default_charset, "");
}

// Inserts `column` at `position`, given that it is not in the table.
void place_column(SourceTable& table, SourceColumn column, const ColumnPosition& position,
                  size_t unchanged_at, const AlterAction& action) {
  size_t at = table.columns.size();
  switch (position.kind) {
    case ColumnPosition::Kind::unchanged:
      at = std::min(unchanged_at, table.columns.size());
      break;
    case ColumnPosition::Kind::last:
      break;
    case ColumnPosition::Kind::first:
      at = 0;
      break;
    case ColumnPosition::Kind::after: {
      ptrdiff_t after = find_column(table, position.after);
      if (after < 0) missing("42703", "column", position.after, table, action);
      at = static_cast<size_t>(after) + 1;
      break;
    }
  }
  table.columns.insert(table.columns.begin() + static_cast<ptrdiff_t>(at), std::move(column));
}

void rename_column_everywhere(SourceTable& table, const std::string& from, const std::string& to) {
  rename_in(table.primary_key, from, to);
  for (SourceIndex& index : table.indexes) rename_in(index.columns, from, to);
  for (SourceForeignKey& fk : table.foreign_keys) rename_in(fk.columns, from, to);
}

// CHANGE / MODIFY: the old column leaves its place; the new definition takes it (or the new one).
void redefine_column(SourceTable& table, const AlterAction& action) {
  ptrdiff_t old_at = find_column(table, action.name);
  if (old_at < 0) {
    if (action.if_exists) return;
    missing("42703", "column", action.name, table, action);
  }
  ptrdiff_t clash = find_column(table, action.column.name);
  if (clash >= 0 && clash != old_at) duplicate("42701", "column", action.column.name, table, action);
  SourceColumn column = action.column;
  fill_default_charset(table, column);
  const std::string old_name = table.columns[static_cast<size_t>(old_at)].name;
  table.columns.erase(table.columns.begin() + old_at);
  place_column(table, std::move(column), action.position, static_cast<size_t>(old_at), action);
  if (old_name != action.column.name) rename_column_everywhere(table, old_name, action.column.name);
}

void drop_column(SourceTable& table, const AlterAction& action) {
  ptrdiff_t at = find_column(table, action.name);
  if (at < 0) {
    if (action.if_exists) return;
    missing("42703", "column", action.name, table, action);
  }
  table.columns.erase(table.columns.begin() + at);
  remove_from(table.primary_key, action.name);
  for (SourceIndex& index : table.indexes) remove_from(index.columns, action.name);
  table.indexes.erase(
      std::remove_if(table.indexes.begin(), table.indexes.end(),
                     [](const SourceIndex& i) { return i.columns.empty() && !i.on_expression; }),
      table.indexes.end());
  table.foreign_keys.erase(
      std::remove_if(table.foreign_keys.begin(), table.foreign_keys.end(),
                     [&](const SourceForeignKey& fk) {
                       return std::any_of(fk.columns.begin(), fk.columns.end(),
                                          [&](const std::string& c) { return iequals(c, action.name); });
                     }),
      table.foreign_keys.end());
}

void check_columns_exist(const SourceTable& table, const std::vector<std::string>& columns,
                         const AlterAction& action) {
  for (const std::string& column : columns)
    if (find_column(table, column) < 0) missing("42703", "column", column, table, action);
}

void add_index(SourceTable& table, const AlterAction& action) {
  SourceIndex index = action.index;
  if (!index.name.empty() && find_index(table, index.name) >= 0) {
    if (action.if_not_exists) return;
    duplicate("42P07", "index", index.name, table, action);
  }
  check_columns_exist(table, index.columns, action);
  if (index.name.empty()) index.name = generated_index_name(table, index);
  if (index.type.empty()) index.type = "BTREE";
  table.indexes.push_back(std::move(index));
}

void add_primary_key(SourceTable& table, const AlterAction& action) {
  if (!table.primary_key.empty()) duplicate("42P16", "primary key", "PRIMARY", table, action);
  check_columns_exist(table, action.index.columns, action);
  for (const std::string& name : action.index.columns) {
    SourceColumn& column = table.columns[static_cast<size_t>(find_column(table, name))];
    column.nullable = false;
    table.primary_key.push_back(column.name);
  }
}

void drop_index(SourceTable& table, const AlterAction& action) {
  ptrdiff_t at = find_index(table, action.name);
  if (at < 0) {
    if (action.if_exists) return;
    missing("42704", "index", action.name, table, action);
  }
  table.indexes.erase(table.indexes.begin() + at);
}

void drop_constraint(SourceTable& table, const AlterAction& action) {
  if (ptrdiff_t at = find_foreign_key(table, action.name); at >= 0) {
    table.foreign_keys.erase(table.foreign_keys.begin() + at);
  } else if (action.any_constraint) {
    ptrdiff_t index = find_index(table, action.name);
    if (index >= 0 && table.indexes[static_cast<size_t>(index)].unique)
      table.indexes.erase(table.indexes.begin() + index);
    // Otherwise a CHECK constraint, which the model does not hold.
  } else if (!action.if_exists) {
    missing("42704", "foreign key", action.name, table, action);
  }
}

const char* text_type_holding(int64_t bytes) {
  if (bytes <= 255) return "tinytext";
  if (bytes <= 65535) return "text";
  if (bytes <= 16777215) return "mediumtext";
  return "longtext";
}

int64_t text_type_max(const std::string& type) {
  if (type == "tinytext") return 255;
  if (type == "text") return 65535;
  if (type == "mediumtext") return 16777215;
  return 4294967295LL;
}

void convert_charset(SourceTable& table, const AlterAction& action) {
  const std::string charset = canonical_charset(action.charset);
  if (collation_id_of(charset, action.collation) == 0 && charset != "binary")
    throw SyncError(
        "42704",
        "unknown character set \"" + charset + "\" in " + action.text + " on table " + table_label(table),
        "Resynchronize the table.");
  for (SourceColumn& column : table.columns) {
    if (!is_character_column(column)) continue;
    if (is_text_type(column.data_type) && charset != "binary" && !column.character_set.empty()) {
      // MySQL keeps the length in characters: latin1 TEXT holds 65535 characters, which in
      // utf8mb4 needs a MEDIUMTEXT.
      int64_t characters = column.char_max_length / max_bytes_per_char(column.character_set);
      int64_t needed = characters * max_bytes_per_char(charset);
      if (needed > column.char_max_length) {
        column.data_type = column.column_type = text_type_holding(needed);
        column.char_max_length = text_type_max(column.data_type);
      }
    }
    column.character_set.clear();
    column.collation.clear();
    settle_text_charset(column, charset, action.collation);
  }
  table.default_charset = charset;
}

void apply_action(SourceTable& table, const AlterAction& action) {
  switch (action.kind) {
    case AlterKind::add_column: {
      if (find_column(table, action.column.name) >= 0) {
        if (action.if_not_exists) return;
        duplicate("42701", "column", action.column.name, table, action);
      }
      SourceColumn column = action.column;
      fill_default_charset(table, column);
      place_column(table, std::move(column), action.position, table.columns.size(), action);
      return;
    }
    case AlterKind::drop_column:
      return drop_column(table, action);
    case AlterKind::change_column:
    case AlterKind::modify_column:
      return redefine_column(table, action);
    case AlterKind::rename_column: {
      ptrdiff_t at = find_column(table, action.name);
      if (at < 0) missing("42703", "column", action.name, table, action);
      ptrdiff_t clash = find_column(table, action.new_name);
      if (clash >= 0 && clash != at) duplicate("42701", "column", action.new_name, table, action);
      std::string old_name = table.columns[static_cast<size_t>(at)].name;
      table.columns[static_cast<size_t>(at)].name = action.new_name;
      return rename_column_everywhere(table, old_name, action.new_name);
    }
    case AlterKind::set_default:
    case AlterKind::drop_default: {
      ptrdiff_t at = find_column(table, action.name);
      if (at < 0) {
        if (action.if_exists) return;
        missing("42703", "column", action.name, table, action);
      }
      SourceColumn& column = table.columns[static_cast<size_t>(at)];
      column.default_value =
          action.kind == AlterKind::set_default ? action.column.default_value : std::nullopt;
      column.default_is_expression =
          action.kind == AlterKind::set_default && action.column.default_is_expression;
      return;
    }
    case AlterKind::set_visibility: {
      if (find_column(table, action.name) < 0 && !action.if_exists)
        missing("42703", "column", action.name, table, action);
      return;
    }
    case AlterKind::add_index:
      return add_index(table, action);
    case AlterKind::add_primary_key:
      return add_primary_key(table, action);
    case AlterKind::drop_index:
      return drop_index(table, action);
    case AlterKind::drop_primary_key:
      if (table.primary_key.empty()) {
        if (action.if_exists) return;
        missing("42704", "primary key", "PRIMARY", table, action);
      }
      table.primary_key.clear();
      return;
    case AlterKind::rename_index: {
      ptrdiff_t at = find_index(table, action.name);
      if (at < 0) missing("42704", "index", action.name, table, action);
      ptrdiff_t clash = find_index(table, action.new_name);
      if (clash >= 0 && clash != at) duplicate("42P07", "index", action.new_name, table, action);
      table.indexes[static_cast<size_t>(at)].name = action.new_name;
      return;
    }
    case AlterKind::add_foreign_key: {
      SourceForeignKey fk = action.foreign_key;
      check_columns_exist(table, fk.columns, action);
      if (fk.name.empty()) {
        for (int n = 1; fk.name.empty() || find_foreign_key(table, fk.name) >= 0; ++n)
          fk.name = table.name + "_ibfk_" + std::to_string(n);
      } else if (find_foreign_key(table, fk.name) >= 0) {
        if (action.if_not_exists) return;
        duplicate("42710", "foreign key", fk.name, table, action);
      }
      table.foreign_keys.push_back(std::move(fk));
      return;
    }
    case AlterKind::drop_foreign_key:
      return drop_constraint(table, action);
    case AlterKind::rename_table:
      table.schema = action.rename_to.schema;
      table.name = action.rename_to.name;
      return;
    case AlterKind::table_comment:
      table.comment = action.comment;
      return;
    case AlterKind::convert_charset:
      return convert_charset(table, action);
    case AlterKind::default_charset:
      if (!action.charset.empty()) table.default_charset = canonical_charset(action.charset);
      return;
    case AlterKind::unlogged_rows:  // the rows change, not the definition
    case AlterKind::no_effect:
      return;
  }
}

}  // namespace

void apply_to_model(SourceTable& table, const DdlStatement& statement) {
  SourceTable result = table;
  switch (statement.kind) {
    case StatementKind::alter_table:
    case StatementKind::create_index:
    case StatementKind::drop_index:
      for (const AlterAction& action : statement.actions) apply_action(result, action);
      break;
    case StatementKind::rename_table:
      for (size_t i = 0; i < statement.tables.size() && i < statement.rename_to.size(); ++i) {
        if (statement.tables[i] == QualifiedName{result.schema, result.name}) {
          result.schema = statement.rename_to[i].schema;
          result.name = statement.rename_to[i].name;
        }
      }
      break;
    case StatementKind::create_table: {
      result = statement.definition;
      for (size_t i = 0; i < result.indexes.size(); ++i)
        if (result.indexes[i].name.empty()) {
          SourceTable named = result;
          named.indexes.resize(i);
          result.indexes[i].name = generated_index_name(named, result.indexes[i]);
        }
      for (size_t i = 0, n = 0; i < result.foreign_keys.size(); ++i)
        if (result.foreign_keys[i].name.empty())
          result.foreign_keys[i].name = result.name + "_ibfk_" + std::to_string(++n);
      if (result.default_charset.empty()) result.default_charset = table.default_charset;
      for (SourceColumn& column : result.columns) fill_default_charset(result, column);
      break;
    }
    case StatementKind::truncate_table:
      break;
    default:
      throw SyncError("XX000",
                      "apply_to_model: the statement does not change one table's model: " + statement.text);
  }
  table = std::move(result);
}

}  // namespace mysql_sync
