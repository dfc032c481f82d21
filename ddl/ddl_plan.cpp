#include "ddl/ddl_plan.h"

#include <algorithm>
#include <cstdlib>

#include "common/errors.h"
#include "ddl/dialect.h"
#include "ddl/target_names.h"

namespace mysql_sync {
namespace {

const char* const kPolicyNames[] = {"apply", "ignore", "pause", "fail"};

std::string lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

bool ends_with(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

std::string qualified(const TrackedTable& t) {
  return quote_pg_identifier(t.target_schema) + "." + quote_pg_identifier(t.target_name);
}

int column_index(const SourceTable& model, const std::string& name) {
  for (size_t i = 0; i < model.columns.size(); i++)
    if (lower(model.columns[i].name) == lower(name)) return int(i);  // MySQL column names ignore case
  return -1;
}

int find_table(const std::vector<TrackedTable>& tables, const QualifiedName& name) {
  for (size_t i = 0; i < tables.size(); i++)
    if (tables[i].active && tables[i].model.schema == name.schema && tables[i].model.name == name.name)
      return int(i);
  return -1;
}

// The strictest of two decisions: fail > pause > apply > ignore.
int strictness(DdlPolicy p) {
  return p == DdlPolicy::fail ? 3 : p == DdlPolicy::pause ? 2 : p == DdlPolicy::apply ? 1 : 0;
}

// ---------------------------------------------------------------- types

// Integer types by width; numeric(20,0) holds unsigned bigint.
int integer_rank(const std::string& t) {
  if (t == "smallint") return 1;
  if (t == "integer") return 2;
  if (t == "bigint") return 3;
  if (t == "numeric(20,0)") return 4;
  return 0;
}

bool parse_two(const std::string& t, const std::string& prefix, long& a, long& b) {
  if (t.compare(0, prefix.size(), prefix) != 0) return false;
  return std::sscanf(t.c_str() + prefix.size(), "%ld,%ld)", &a, &b) == 2;
}

bool parse_one(const std::string& t, const std::string& prefix, long& a) {
  if (t.compare(0, prefix.size(), prefix) != 0) return false;
  return std::sscanf(t.c_str() + prefix.size(), "%ld)", &a) == 1;
}

// True when every value of PostgreSQL type `from` fits `to` unchanged.
bool widens(const std::string& from, const std::string& to) {
  if (from == to) return true;
  int a = integer_rank(from), b = integer_rank(to);
  if (a && b) return b >= a;
  long p1, s1, p2, s2, n1, n2;
  if (a && parse_two(to, "numeric(", p2, s2)) return p2 - s2 >= (a == 1 ? 5 : a == 2 ? 10 : 20);
  if (parse_two(from, "numeric(", p1, s1) && parse_two(to, "numeric(", p2, s2))
    return s2 >= s1 && p2 - s2 >= p1 - s1;
  if (from == "real" && to == "double precision") return true;
  bool from_text = parse_one(from, "varchar(", n1) || parse_one(from, "char(", n1) || from == "text";
  if (from == "text") n1 = -1;
  if (from_text && to == "text") return true;
  if (from_text && from != "text" && parse_one(to, "varchar(", n2)) return n2 >= n1;
  if (parse_one(from, "char(", n1) && parse_one(to, "char(", n2)) return n2 >= n1;
  // timestamp[(p)] with or without time zone: the same kind with at least the precision (6 when
  // not written). Between the two kinds values change meaning, so that is no widening.
  auto kind_and_precision = [](const std::string& t, long& precision) {
    size_t open = t.find('('), close = t.find(')');
    if (open == std::string::npos || close == std::string::npos) {
      precision = 6;
      return t;
    }
    precision = std::strtol(t.c_str() + open + 1, nullptr, 10);
    return t.substr(0, open) + t.substr(close + 1);
  };
  if (from.rfind("timestamp", 0) == 0 && to.rfind("timestamp", 0) == 0)
    return kind_and_precision(from, n1) == kind_and_precision(to, n2) && n2 >= n1;
  return false;
}

std::string default_clause(const SourceColumn& column, const std::string& pg_type) {
  PgDefault def = pg_default_of(column);
  if (def.kind == PgDefault::Kind::literal) return quote_pg_literal(def.text) + "::" + pg_type;
  if (def.kind == PgDefault::Kind::expression) return def.text;
  return "";
}

// The value MySQL gives existing rows for a NOT NULL column added without a default.
std::string implicit_default(const SourceColumn& column, const std::string& pg_type) {
  if (column.data_type == "enum" && !column.enum_values.empty())
    return quote_pg_literal(column.enum_values[0]);
  if (integer_rank(pg_type) || pg_type.rfind("numeric", 0) == 0 || pg_type == "real" ||
      pg_type == "double precision" || pg_type == "smallint")
    return "0";
  if (pg_type == "bytea") return "'\\x'::bytea";
  if (pg_type == "jsonb") return "'null'::jsonb";
  if (pg_type == "interval") return "'0'::interval";
  if (pg_type == "date" || pg_type.rfind("timestamp", 0) == 0) return "'-infinity'::" + pg_type;
  if (pg_type.rfind("bit(", 0) == 0) return "0::" + pg_type;
  if (pg_type == "real[]") return "'{}'::real[]";
  return "''";
}

std::string enum_check(const std::string& quoted_column, const SourceColumn& column) {
  std::string sql = "CHECK (" + quoted_column + " IN (";
  for (size_t e = 0; e < column.enum_values.size(); e++)
    sql += (e ? ", " : "") + quote_pg_literal(column.enum_values[e]);
  return sql + "))";
}

// The table leaves the task, its target dropped when the policy applies.
DdlEffect drop_effect(const std::vector<TrackedTable>& tables, int index, DdlPolicy policy) {
  DdlEffect effect;
  effect.kind = DdlEffect::Kind::drop;
  effect.table = uint32_t(index);
  effect.after = tables[size_t(index)];
  effect.after.active = false;
  if (policy == DdlPolicy::apply)
    effect.sql.push_back("DROP TABLE IF EXISTS " + qualified(tables[size_t(index)]));
  return effect;
}

// A table with rows joins the task: backfilled like alter_sync's additions.
DdlEffect enter_effect(const QualifiedName& name) {
  DdlEffect effect;
  effect.kind = DdlEffect::Kind::enter;
  effect.table = UINT32_MAX;
  effect.after.model.schema = name.schema;
  effect.after.model.name = name.name;
  effect.after.active = false;
  return effect;
}

// Target names a DDL brings must fit PostgreSQL, never be created cut (ddl/target_names.h): throws
// SyncError 42622 with the name_map entry that fixes the name.
void require_fitting_table(const DdlContext& context, const QualifiedName& source,
                           const std::pair<std::string, std::string>& target) {
  const std::string table = source.schema + "." + source.name;
  const bool mapped = context.names->maps_table(source.schema, source.name);
  require_fitting_name(
      "the target schema " + target.first + " of " + table, target.first, mapped ? table : source.schema,
      mapped ? shortened_identifier(target.first) + "." + target.second : shortened_identifier(target.first));
  require_fitting_name("the target table of " + table, target.second, table,
                       target.first + "." + shortened_identifier(target.second));
}

void require_fitting_column(const QualifiedName& source, const std::string& column,
                            const std::string& target) {
  const std::string key = source.schema + "." + source.name + "." + column;
  require_fitting_name("column " + key, target, key, shortened_identifier(target));
}

DdlPolicy policy_of(const DdlContext& context, const std::string& kind) {
  DdlPolicy p = context.policies->alter_enabled ? context.policies->of(kind) : DdlPolicy::pause;
  return context.approved && p == DdlPolicy::pause ? DdlPolicy::apply : p;
}

// ---------------------------------------------------------------- ALTER TABLE

struct AlterPlanner {
  const DdlContext& context;
  TrackedTable table;  // being changed
  DdlEffect effect;
  DdlPolicy decision = DdlPolicy::ignore;
  std::string kind;
  std::vector<std::string> said;  // summary parts
  std::string fail_sqlstate, fail_message, fail_hint;

  std::string q() const { return qualified(table); }

  DdlPolicy policy(const std::string& k) const { return policy_of(context, k); }
  // The strictest action decides the statement (the first one when all are equally strict).
  void decide(const std::string& k, DdlPolicy p) {
    if (kind.empty() || strictness(p) > strictness(decision)) {
      decision = p;
      kind = k;
    }
  }
  std::string target_name_of(const std::string& column) const {
    return context.names->column_of(table.model.schema, table.model.name, column);
  }
  void unsupported(const std::string& message, const std::string& hint) {
    kind = "alter";
    decision = DdlPolicy::fail;
    if (fail_message.empty()) {
      fail_sqlstate = "0A000";
      fail_message = message;
      fail_hint = hint;
    }
  }

  void column_changes(const SourceColumn& before, const SourceColumn& after, const std::string& target) {
    std::string col = quote_pg_identifier(target);
    std::string old_type = pg_type_of(before), new_type = pg_type_of(after);
    if (old_type != new_type || before.enum_values != after.enum_values) {
      bool narrowing = !widens(old_type, new_type);
      std::string k = narrowing ? "narrow_column" : "modify_column";
      DdlPolicy p = policy(k);
      decide(k, p);
      said.push_back((narrowing ? "narrow column " : "retype column ") + after.name + " (" + old_type +
                     " -> " + new_type + ")");
      if (p == DdlPolicy::apply) {
        if (before.data_type == "enum")
          effect.sql.push_back("ALTER TABLE " + q() + " DROP CONSTRAINT IF EXISTS " +
                               quote_pg_identifier(object_name(table.target_name, target + "_check")));
        if (old_type != new_type)
          effect.sql.push_back("ALTER TABLE " + q() + " ALTER COLUMN " + col + " TYPE " + new_type +
                               " USING " + col + "::" + new_type);
        if (after.data_type == "enum" && !after.enum_values.empty())
          effect.sql.push_back("ALTER TABLE " + q() + " ADD CONSTRAINT " +
                               quote_pg_identifier(object_name(table.target_name, target + "_check")) + " " +
                               enum_check(col, after));
      }
    }
    auto small_change = [&](const std::string& what, const std::string& sql) {
      DdlPolicy p = policy("modify_column");
      decide("modify_column", p);
      said.push_back(what + " " + after.name);
      if (p == DdlPolicy::apply) effect.sql.push_back(sql);
    };
    if (before.nullable != after.nullable)
      small_change(after.nullable ? "drop not null" : "set not null",
                   "ALTER TABLE " + q() + " ALTER COLUMN " + col +
                       (after.nullable ? " DROP NOT NULL" : " SET NOT NULL"));
    std::string old_default = default_clause(before, old_type), new_default = default_clause(after, new_type);
    if (old_default != new_default)
      small_change(new_default.empty() ? "drop default" : "set default",
                   "ALTER TABLE " + q() + " ALTER COLUMN " + col +
                       (new_default.empty() ? " DROP DEFAULT" : " SET DEFAULT " + new_default));
    if (before.comment != after.comment)
      small_change("comment", "COMMENT ON COLUMN " + q() + "." + col + " IS " +
                                  (after.comment.empty() ? "NULL" : quote_pg_literal(after.comment)));
  }

  // Returns the column's target name, "" when it is not replicated.
  std::string add_column(const SourceColumn& column) {
    DdlPolicy p = policy("add_column");
    decide("add_column", p);
    said.push_back("add column " + column.name);
    std::string target = p == DdlPolicy::ignore ? "" : target_name_of(column.name);
    if (!target.empty()) require_fitting_column({table.model.schema, table.model.name}, column.name, target);
    if (p == DdlPolicy::apply) {
      std::string type = pg_type_of(column);
      std::string col = quote_pg_identifier(target);
      std::string def = default_clause(column, type);
      std::string sql = "ALTER TABLE " + q() + " ADD COLUMN IF NOT EXISTS " + col + " " + type;
      if (!column.nullable && def.empty()) {
        // MySQL fills existing rows with the type's implicit default; PostgreSQL needs it spelt out.
        sql += " NOT NULL DEFAULT " + implicit_default(column, type);
        effect.sql.push_back(sql);
        effect.sql.push_back("ALTER TABLE " + q() + " ALTER COLUMN " + col + " DROP DEFAULT");
      } else {
        if (!def.empty()) sql += " DEFAULT " + def;
        if (!column.nullable) sql += " NOT NULL";
        effect.sql.push_back(sql);
      }
      if (column.data_type == "enum" && !column.enum_values.empty())
        effect.sql.push_back("ALTER TABLE " + q() + " ADD CONSTRAINT " +
                             quote_pg_identifier(object_name(table.target_name, target + "_check")) + " " +
                             enum_check(col, column));
      if (!column.comment.empty())
        effect.sql.push_back("COMMENT ON COLUMN " + q() + "." + col + " IS " +
                             quote_pg_literal(column.comment));
      if (column.auto_increment)
        effect.notes.push_back("column " + column.name + ": AUTO_INCREMENT not made an identity");
    }
    return target;
  }

  void index_sql(const SourceIndex& index, bool primary) {
    DdlPolicy p = policy("index");
    decide("index", p);
    said.push_back(primary ? "add primary key" : "add index " + index.name);
    if (p != DdlPolicy::apply) return;
    std::vector<std::string> quoted;
    for (const std::string& c : index.columns) {
      int i = column_index(table.model, c);
      if (i < 0 || table.target_columns[size_t(i)].empty()) {
        effect.notes.push_back("index " + index.name + " not created: column " + c + " is not replicated");
        return;
      }
      quoted.push_back(quote_pg_identifier(table.target_columns[size_t(i)]));
    }
    if (primary) {
      std::string list;
      for (size_t i = 0; i < quoted.size(); i++) list += (i ? ", " : "") + quoted[i];
      std::string name = explicit_constraint_name(table.target_name, "pkey");
      effect.sql.push_back("ALTER TABLE " + q() + " ADD " +
                           (name.empty() ? "" : "CONSTRAINT " + quote_pg_identifier(name) + " ") +
                           "PRIMARY KEY (" + list + ")");
      return;
    }
    if (index.on_expression || index.type == "FULLTEXT" || index.type == "SPATIAL") {
      effect.notes.push_back("index " + index.name + " not created: functional, FULLTEXT or SPATIAL");
      return;
    }
    std::string name = quote_pg_identifier(object_name(table.target_name, index.name));
    std::string sql = create_index_sql(name, q(), quoted, index.unique);
    sql.insert(sql.find("INDEX ") + 6, "IF NOT EXISTS ");
    effect.sql.push_back(sql);
  }

  void run(const std::vector<AlterAction>& actions) {
    for (const AlterAction& a : actions) {
      SourceTable before = table.model;
      DdlStatement one;
      one.kind = StatementKind::alter_table;
      one.actions = {a};
      if (a.kind == AlterKind::rename_table) continue;  // the caller handles it
      apply_to_model(table.model, one);                 // throws when the model lacks the object
      switch (a.kind) {
        case AlterKind::add_column: {
          int at = column_index(table.model, a.column.name);
          if (at < 0) break;  // IF NOT EXISTS on an existing column
          if (column_index(before, a.column.name) >= 0) break;
          // The rows name the columns in the model's order: the target name goes where the column went.
          std::string target = add_column(table.model.columns[size_t(at)]);
          table.target_columns.insert(table.target_columns.begin() + at, target);
          break;
        }
        case AlterKind::drop_column: {
          int at = column_index(before, a.name);
          if (at < 0) break;  // IF EXISTS
          DdlPolicy p = policy("drop_column");
          decide("drop_column", p);
          said.push_back("drop column " + a.name);
          const std::string& target = table.target_columns[size_t(at)];
          if (p == DdlPolicy::apply && !target.empty())
            effect.sql.push_back("ALTER TABLE " + q() + " DROP COLUMN IF EXISTS " +
                                 quote_pg_identifier(target));
          table.target_columns.erase(table.target_columns.begin() + at);
          break;
        }
        case AlterKind::rename_column:
        case AlterKind::change_column:
        case AlterKind::modify_column: {
          std::string old_name = a.kind == AlterKind::modify_column ? a.column.name : a.name;
          std::string new_name = a.kind == AlterKind::rename_column ? a.new_name : a.column.name;
          int from = column_index(before, old_name);
          int to = column_index(table.model, new_name);
          if (from < 0 || to < 0) break;
          std::string target = table.target_columns[size_t(from)];
          table.target_columns.erase(table.target_columns.begin() + from);
          if (old_name != new_name) {
            DdlPolicy p = policy("rename_column");
            decide("rename_column", p);
            said.push_back("rename column " + old_name + " to " + new_name);
            std::string new_target = target_name_of(new_name);
            if (p == DdlPolicy::apply && !target.empty() && new_target != target) {
              require_fitting_column({table.model.schema, table.model.name}, new_name, new_target);
              effect.sql.push_back("ALTER TABLE " + q() + " RENAME COLUMN " + quote_pg_identifier(target) +
                                   " TO " + quote_pg_identifier(new_target));
              target = new_target;
            }
          }
          table.target_columns.insert(table.target_columns.begin() + to, target);
          if (!target.empty())
            column_changes(before.columns[size_t(from)], table.model.columns[size_t(to)], target);
          break;
        }
        case AlterKind::set_default:
        case AlterKind::drop_default: {
          int at = column_index(table.model, a.name);
          if (at < 0 || table.target_columns[size_t(at)].empty()) break;
          column_changes(before.columns[size_t(at)], table.model.columns[size_t(at)],
                         table.target_columns[size_t(at)]);
          break;
        }
        case AlterKind::add_index:
          index_sql(a.index, false);
          break;
        case AlterKind::add_primary_key:
          index_sql(a.index, true);
          break;
        case AlterKind::drop_index:
        case AlterKind::drop_primary_key: {
          DdlPolicy p = policy("index");
          decide("index", p);
          bool primary = a.kind == AlterKind::drop_primary_key;
          said.push_back(primary ? "drop primary key" : "drop index " + a.name);
          if (p == DdlPolicy::apply)
            effect.sql.push_back(primary
                                     ? "ALTER TABLE " + q() + " DROP CONSTRAINT IF EXISTS " +
                                           quote_pg_identifier(object_name(table.target_name, "pkey"))
                                     : "DROP INDEX IF EXISTS " + quote_pg_identifier(table.target_schema) +
                                           "." + quote_pg_identifier(object_name(table.target_name, a.name)));
          break;
        }
        case AlterKind::rename_index: {
          DdlPolicy p = policy("index");
          decide("index", p);
          said.push_back("rename index " + a.name + " to " + a.new_name);
          if (p == DdlPolicy::apply)
            effect.sql.push_back("ALTER INDEX IF EXISTS " + quote_pg_identifier(table.target_schema) + "." +
                                 quote_pg_identifier(object_name(table.target_name, a.name)) + " RENAME TO " +
                                 quote_pg_identifier(object_name(table.target_name, a.new_name)));
          break;
        }
        case AlterKind::table_comment: {
          DdlPolicy p = policy("table_options");
          decide("table_options", p);
          said.push_back("table comment");
          if (p == DdlPolicy::apply)
            effect.sql.push_back("COMMENT ON TABLE " + q() + " IS " +
                                 (a.comment.empty() ? "NULL" : quote_pg_literal(a.comment)));
          break;
        }
        case AlterKind::convert_charset:
          for (size_t c = 0; c < before.columns.size() && c < table.model.columns.size(); c++)
            if (!table.target_columns[c].empty())
              column_changes(before.columns[c], table.model.columns[c], table.target_columns[c]);
          decide("table_options", policy("table_options"));
          said.push_back("convert to character set " + a.charset);
          break;
        case AlterKind::default_charset:
          decide("table_options", policy("table_options"));
          said.push_back("default character set " + a.charset);
          break;
        case AlterKind::drop_foreign_key: {
          // DROP CONSTRAINT name: a unique key of that name goes too.
          bool was_index = false;
          for (const SourceIndex& index : before.indexes)
            was_index = was_index || (a.any_constraint && index.name == a.name);
          if (was_index) {
            DdlPolicy p = policy("index");
            decide("index", p);
            said.push_back("drop index " + a.name);
            if (p == DdlPolicy::apply)
              effect.sql.push_back("DROP INDEX IF EXISTS " + quote_pg_identifier(table.target_schema) + "." +
                                   quote_pg_identifier(object_name(table.target_name, a.name)));
            break;
          }
          effect.notes.push_back("foreign key changes are not replayed");
          break;
        }
        case AlterKind::add_foreign_key:
          effect.notes.push_back("foreign key changes are not replayed");
          break;
        case AlterKind::set_visibility:
        case AlterKind::unlogged_rows:  // plan_unlogged_rows
        case AlterKind::no_effect:
        case AlterKind::rename_table:
          break;
      }
    }
    if (table.model.primary_key.empty() && !context.table_keys->count(table.source_table()))
      unsupported(
          "table " + table.source_table() + " would be left without a primary key",
          "Give it a key in table_keys (drop_sync and start_sync again), or keep a primary key on the "
          "source.");
  }
};

DdlPlan base_plan(const std::string& text) {
  DdlPlan plan;
  plan.statement = text.size() > 500 ? text.substr(0, 500) + "..." : text;
  return plan;
}

DdlPlan base_plan(const DdlStatement& statement) {
  return base_plan(statement.text);
}

DdlPlan failed_plan(const DdlStatement& statement, const std::string& sqlstate, const std::string& message,
                    const std::string& hint) {
  return unsupported_statement(statement.text, sqlstate, message, hint);
}

void finish(DdlPlan& plan, const std::string& kind, DdlPolicy decision, const std::string& summary) {
  if (strictness(decision) >= strictness(plan.decision) || plan.kind.empty()) {
    plan.kind = kind;
    plan.decision = decision;
  }
  plan.summary += (plan.summary.empty() ? "" : "; ") + summary;
}

// The tracked table as it would be created for `model` (a CREATE TABLE entering the task).
TrackedTable new_tracked(const SourceTable& model, const DdlContext& context) {
  TrackedTable t;
  t.model = model;
  auto target = context.names->table_of(model.schema, model.name);
  require_fitting_table(context, {model.schema, model.name}, target);
  t.target_schema = target.first;
  t.target_name = target.second;
  for (const SourceColumn& c : model.columns) {
    t.target_columns.push_back(context.names->column_of(model.schema, model.name, c.name));
    require_fitting_column({model.schema, model.name}, c.name, t.target_columns.back());
  }
  auto keys = context.table_keys->find(model.schema + "." + model.name);
  if (keys != context.table_keys->end()) t.model.primary_key = keys->second;
  return t;
}

std::string ghost_key(const QualifiedName& n) {
  return n.schema + '\0' + n.name;
}

// The effects of the statement's unlogged_rows actions (partition maintenance, DISCARD/IMPORT
// TABLESPACE): each synced table whose rows changed is repaired by a copy (DISCARD: once imported);
// a table created with the moved rows joins with a backfill; a table absorbed into a partition
// leaves the task. nullopt when none concerns the task.
std::optional<DdlPlan> plan_unlogged_rows(const std::vector<TrackedTable>& tables,
                                          const DdlStatement& statement, const DdlContext& context) {
  DdlPlan plan = base_plan(statement);
  const QualifiedName& altered = statement.tables.at(0);
  for (const AlterAction& a : statement.actions) {
    if (a.kind != AlterKind::unlogged_rows) continue;
    auto repair = [&](const QualifiedName& name, bool unreadable) {
      int index = find_table(tables, name);
      if (index < 0) return;
      DdlPolicy p = policy_of(context, "unlogged_rows");
      DdlEffect effect;
      effect.kind = unreadable ? DdlEffect::Kind::discard : DdlEffect::Kind::repair;
      effect.table = uint32_t(index);
      effect.after = tables[size_t(index)];
      finish(plan, "unlogged_rows", p,
             a.name + " on " + effect.after.source_table() +
                 (unreadable
                      ? ": its rows are unreadable on the source until IMPORT TABLESPACE, which repairs it"
                      : ": rows changed without row events, the table is copied again"));
      plan.effects.push_back(std::move(effect));
    };
    repair(altered, a.rows_unreadable);
    if (a.other_table.name.empty()) continue;
    if (a.other_table_created) {
      if (find_table(tables, a.other_table) < 0 &&
          context.patterns->matches(a.other_table.schema, a.other_table.name)) {
        finish(plan, "create_table", policy_of(context, "create_table"),
               a.name + " creates " + a.other_table.schema + "." + a.other_table.name + " (backfilled)");
        plan.effects.push_back(enter_effect(a.other_table));
      }
    } else if (a.other_table_gone) {
      int other = find_table(tables, a.other_table);
      if (other < 0) continue;
      DdlPolicy p = policy_of(context, "drop_table");
      plan.effects.push_back(drop_effect(tables, other, p));
      finish(plan, "drop_table", p,
             a.name + " " + a.other_table.schema + "." + a.other_table.name +
                 " moves its rows into a partition");
    } else {
      repair(a.other_table, false);  // EXCHANGE PARTITION ... WITH TABLE: its rows changed too
    }
  }
  if (plan.effects.empty()) return std::nullopt;
  return plan;
}

}  // namespace

// ---------------------------------------------------------------- policies

const std::vector<std::string>& DdlPolicies::kinds() {
  static const std::vector<std::string> all = {
      "add_column",    "drop_column",  "rename_column", "modify_column", "narrow_column",  "index",
      "table_options", "rename_table", "create_table",  "drop_table",    "truncate_table", "unlogged_rows"};
  return all;
}

void DdlPolicies::set(const std::string& kind, const std::string& value) {
  if (std::find(kinds().begin(), kinds().end(), kind) == kinds().end()) {
    std::string list;
    for (const std::string& k : kinds()) list += (list.empty() ? "" : ", ") + k;
    throw SyncError("22023", "unknown DDL kind \"" + kind + "\" in options.ddl", "Use one of: " + list + ".");
  }
  for (int p = 0; p < 4; p++)
    if (value == kPolicyNames[p]) {
      overrides_[kind] = DdlPolicy(p);
      return;
    }
  throw SyncError("22023", "unknown DDL policy \"" + value + "\" for " + kind + " in options.ddl",
                  "Use apply, ignore, pause or fail.");
}

DdlPolicy DdlPolicies::of(const std::string& kind) const {
  auto it = overrides_.find(kind);
  if (it != overrides_.end()) return it->second;
  if (kind == "drop_table") return DdlPolicy::pause;
  if (kind == "narrow_column") return DdlPolicy::fail;
  return DdlPolicy::apply;
}

DdlPlan unsupported_statement(const std::string& text, const std::string& sqlstate,
                              const std::string& message, const std::string& hint) {
  DdlPlan plan = base_plan(text);
  plan.kind = "unsupported";
  plan.decision = DdlPolicy::fail;
  plan.error_sqlstate = sqlstate;
  plan.error_message = message;
  plan.error_hint = hint;
  plan.summary = message;
  return plan;
}

const char* policy_name(DdlPolicy policy) {
  return kPolicyNames[int(policy)];
}

std::string quote_pg_identifier(const std::string& name) {
  std::string out = "\"";
  for (char c : name) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}

std::string quote_pg_literal(const std::string& value) {
  // standard_conforming_strings is on in the worker: backslashes are ordinary characters.
  std::string out = "'";
  for (char c : value) {
    if (c == '\'') out += '\'';
    out += c;
  }
  return out + "'";
}

std::string GhostTables::origin_of(const std::string& name) {
  for (const char* suffix : {"_gho", "_ghc", "_del", "_new", "_old"})
    if (name.size() > 5 && name[0] == '_' && ends_with(name, suffix)) return name.substr(1, name.size() - 5);
  return "";
}

// ---------------------------------------------------------------- planning

std::optional<DdlPlan> plan_statement(const std::vector<TrackedTable>& tables, const DdlStatement& statement,
                                      const DdlContext& context, GhostTables& ghosts) {
  DdlPlan plan = base_plan(statement);
  if (statement.temporary) return std::nullopt;
  auto tracked = [&](const QualifiedName& n) { return find_table(tables, n); };
  auto ghost_of = [&](const QualifiedName& n) -> GhostTables::Ghost* {
    auto it = ghosts.ghosts.find(ghost_key(n));
    return it == ghosts.ghosts.end() ? nullptr : &it->second;
  };
  auto is_ghost_name = [&](const QualifiedName& n) {
    std::string origin = GhostTables::origin_of(n.name);
    return !origin.empty() && tracked(QualifiedName{n.schema, origin}) >= 0;
  };

  try {
    switch (statement.kind) {
      case StatementKind::alter_table:
      case StatementKind::create_index:
      case StatementKind::drop_index: {
        const QualifiedName& name = statement.tables.at(0);
        if (GhostTables::Ghost* ghost = ghost_of(name)) {
          apply_to_model(ghost->model, statement);
          for (const AlterAction& a : statement.actions) ghost->actions.push_back(a);
          return std::nullopt;
        }
        std::optional<DdlPlan> rows = plan_unlogged_rows(tables, statement, context);
        int index = tracked(name);
        if (index < 0) return rows;  // an EXCHANGE/CONVERT may concern the other table only
        AlterPlanner planner{context, tables[size_t(index)], {}, DdlPolicy::ignore, "", {}, "", "", ""};
        planner.effect.kind = DdlEffect::Kind::alter;
        planner.effect.table = uint32_t(index);
        planner.run(statement.actions);
        DdlEffect effect = planner.effect;
        effect.after = planner.table;
        plan.kind = planner.kind.empty() ? "table_options" : planner.kind;
        plan.decision = planner.decision;
        std::string what;
        for (const std::string& s : planner.said) what += (what.empty() ? "" : ", ") + s;
        plan.summary =
            "ALTER TABLE " + tables[size_t(index)].source_table() + (what.empty() ? "" : ": " + what);
        if (!planner.fail_message.empty()) {
          plan.error_sqlstate = planner.fail_sqlstate;
          plan.error_message = planner.fail_message;
          plan.error_hint = planner.fail_hint;
        }
        plan.effects.push_back(std::move(effect));
        // ALTER TABLE ... RENAME TO: a rename after the other actions.
        for (const AlterAction& a : statement.actions)
          if (a.kind == AlterKind::rename_table) {
            DdlStatement rename;
            rename.kind = StatementKind::rename_table;
            rename.tables = {name};
            rename.rename_to = {a.rename_to};
            rename.text = statement.text;
            std::vector<TrackedTable> now = tables;
            now[size_t(index)] = plan.effects.back().after;
            std::optional<DdlPlan> more = plan_statement(now, rename, context, ghosts);
            if (more) {
              finish(plan, more->kind, more->decision, more->summary);
              for (DdlEffect& e : more->effects) plan.effects.push_back(std::move(e));
            }
          }
        if (rows) {
          if (planner.said.empty()) {
            // A partition operation alone: the definition stays, no new schema version.
            plan.summary.clear();
            if (plan.effects.front().sql.empty() && plan.effects.front().notes.empty())
              plan.effects.erase(plan.effects.begin());
          }
          finish(plan, rows->kind, rows->decision, rows->summary);
          for (DdlEffect& e : rows->effects) plan.effects.push_back(std::move(e));
        }
        if (!rows && plan.effects.front().sql.empty() && plan.effects.front().notes.empty() &&
            planner.said.empty() && plan.effects.size() == 1)
          return std::nullopt;  // nothing that rows or the target would notice (ENGINE=, FORCE ...)
        return plan;
      }

      case StatementKind::rename_table: {
        // Whole-statement view: the pairs run in order, so `a TO tmp, b TO a, tmp TO b` works.
        std::vector<TrackedTable> now = tables;
        bool concerned = false;
        for (size_t i = 0; i < statement.tables.size(); i++) {
          const QualifiedName& from = statement.tables[i];
          const QualifiedName& to = statement.rename_to.at(i);
          int index = find_table(now, from);
          GhostTables::Ghost* ghost = ghost_of(from);
          if (ghost && !GhostTables::origin_of(from.name).empty() && to.name == ghost->origin) {
            // The cut-over: the ghost takes the origin's name. Replay its ALTERs on the origin.
            concerned = true;
            QualifiedName origin{to.schema, ghost->origin};
            int target = -1;
            for (size_t k = 0; k < now.size(); k++)
              if (!now[k].active && now[k].model.schema == origin.schema &&
                  (now[k].model.name == ghost->origin || now[k].model.name == "_" + ghost->origin + "_del" ||
                   now[k].model.name == "_" + ghost->origin + "_old"))
                target = int(k);
            if (target < 0) target = find_table(now, origin);
            if (target < 0) {
              ghosts.ghosts.erase(ghost_key(from));
              continue;
            }
            TrackedTable restored = now[size_t(target)];
            restored.active = true;
            restored.model.name = ghost->origin;
            AlterPlanner planner{context, restored, {}, DdlPolicy::ignore, "", {}, "", "", ""};
            planner.effect.kind = DdlEffect::Kind::alter;
            planner.effect.table = uint32_t(target);
            planner.run(ghost->actions);
            planner.effect.after = planner.table;
            std::string what;
            for (const std::string& s : planner.said) what += (what.empty() ? "" : ", ") + s;
            finish(plan, planner.kind.empty() ? "table_options" : planner.kind, planner.decision,
                   "online schema change of " + origin.schema + "." + origin.name + " (" + from.name + ")" +
                       (what.empty() ? "" : ": " + what));
            if (!planner.fail_message.empty()) {
              plan.error_sqlstate = planner.fail_sqlstate;
              plan.error_message = planner.fail_message;
              plan.error_hint = planner.fail_hint;
            }
            now[size_t(target)] = planner.effect.after;
            // Drop an earlier "leave" of the origin from this statement: it stays in the task.
            plan.effects.erase(std::remove_if(plan.effects.begin(), plan.effects.end(),
                                              [&](const DdlEffect& e) {
                                                return e.table == uint32_t(target) &&
                                                       e.kind == DdlEffect::Kind::leave;
                                              }),
                               plan.effects.end());
            plan.effects.push_back(planner.effect);
            ghosts.ghosts.erase(ghost_key(from));
            continue;
          }
          if (index >= 0 && is_ghost_name(to) && GhostTables::origin_of(to.name) == from.name) {
            // The origin moves aside for the cut-over (_t_del, _t_old): held until the ghost arrives.
            concerned = true;
            now[size_t(index)].active = false;
            now[size_t(index)].model.name = to.name;
            DdlEffect aside;
            aside.kind = DdlEffect::Kind::rename;
            aside.table = uint32_t(index);
            aside.after = now[size_t(index)];
            plan.effects.push_back(std::move(aside));
            finish(plan, "rename_table", DdlPolicy::ignore,
                   "online schema change moves " + from.schema + "." + from.name + " aside as " + to.name);
            continue;
          }
          if (index < 0) {
            if (context.patterns->matches(to.schema, to.name) && !is_ghost_name(to) && !ghost) {
              concerned = true;
              finish(plan, "rename_table", policy_of(context, "rename_table"),
                     "RENAME TABLE " + from.schema + "." + from.name + " TO " + to.schema + "." + to.name +
                         ": enters the task's objects (backfilled)");
              plan.effects.push_back(enter_effect(to));
            }
            continue;
          }
          concerned = true;
          DdlPolicy p = policy_of(context, "rename_table");
          TrackedTable after = now[size_t(index)];
          DdlEffect effect;
          effect.table = uint32_t(index);
          if (!context.patterns->matches(to.schema, to.name)) {
            effect.kind = DdlEffect::Kind::leave;
            after.active = false;
            finish(plan, "rename_table", p,
                   "RENAME TABLE " + from.schema + "." + from.name + " TO " + to.schema + "." + to.name +
                       ": leaves the task's objects");
          } else {
            effect.kind = DdlEffect::Kind::rename;
            auto target = context.names->table_of(to.schema, to.name);
            if (p == DdlPolicy::apply) require_fitting_table(context, to, target);
            if (p == DdlPolicy::apply) {
              if (target.first != after.target_schema) {
                effect.sql.push_back("CREATE SCHEMA IF NOT EXISTS " + quote_pg_identifier(target.first));
                effect.sql.push_back("ALTER TABLE " + qualified(after) + " SET SCHEMA " +
                                     quote_pg_identifier(target.first));
                after.target_schema = target.first;
              }
              if (target.second != after.target_name) {
                effect.sql.push_back("ALTER TABLE " + qualified(after) + " RENAME TO " +
                                     quote_pg_identifier(target.second));
                after.target_name = target.second;
              }
            }
            finish(plan, "rename_table", p,
                   "RENAME TABLE " + from.schema + "." + from.name + " TO " + to.schema + "." + to.name);
          }
          after.model.schema = to.schema;
          after.model.name = to.name;
          effect.after = after;
          now[size_t(index)] = after;
          plan.effects.push_back(std::move(effect));
        }
        if (!concerned) return std::nullopt;
        return plan;
      }

      case StatementKind::drop_table: {
        for (const QualifiedName& name : statement.tables) {
          if (ghost_of(name)) {
            ghosts.ghosts.erase(ghost_key(name));
            continue;
          }
          int index = tracked(name);
          if (index < 0) continue;
          DdlPolicy p = policy_of(context, "drop_table");
          DdlEffect effect = drop_effect(tables, index, p);
          finish(plan, "drop_table", p, "DROP TABLE " + name.schema + "." + name.name);
          plan.effects.push_back(std::move(effect));
        }
        // Tables moved aside by an online schema change tool and never brought back: dropped.
        for (size_t k = 0; k < tables.size(); k++)
          for (const QualifiedName& name : statement.tables)
            if (!tables[k].active && tables[k].model.schema == name.schema &&
                tables[k].model.name == name.name) {
              DdlEffect effect;
              effect.kind = DdlEffect::Kind::drop;
              effect.table = uint32_t(k);
              effect.after = tables[k];
              finish(plan, "drop_table", DdlPolicy::ignore, "DROP TABLE " + name.schema + "." + name.name);
              plan.effects.push_back(std::move(effect));
            }
        if (plan.effects.empty()) return std::nullopt;
        return plan;
      }

      case StatementKind::drop_database: {
        for (size_t k = 0; k < tables.size(); k++) {
          if (!tables[k].active || tables[k].model.schema != statement.database) continue;
          DdlPolicy p = policy_of(context, "drop_table");
          DdlEffect effect = drop_effect(tables, int(k), p);
          finish(plan, "drop_table", p,
                 "DROP DATABASE " + statement.database + ": drops " + tables[k].source_table());
          plan.effects.push_back(std::move(effect));
        }
        if (plan.effects.empty()) return std::nullopt;
        return plan;
      }

      case StatementKind::truncate_table: {
        int index = tracked(statement.tables.at(0));
        if (index < 0) return std::nullopt;
        DdlPolicy p = policy_of(context, "truncate_table");
        DdlEffect effect;
        effect.kind = DdlEffect::Kind::truncate;
        effect.table = uint32_t(index);
        effect.after = tables[size_t(index)];
        if (p == DdlPolicy::apply) effect.sql.push_back("TRUNCATE " + qualified(tables[size_t(index)]));
        finish(plan, "truncate_table", p, "TRUNCATE " + tables[size_t(index)].source_table());
        plan.effects.push_back(std::move(effect));
        return plan;
      }

      case StatementKind::create_table:
      case StatementKind::create_table_like: {
        const QualifiedName& name = statement.tables.at(0);
        if (is_ghost_name(name)) {
          GhostTables::Ghost ghost;
          ghost.origin = GhostTables::origin_of(name.name);
          int origin = tracked(QualifiedName{name.schema, ghost.origin});
          if (statement.kind == StatementKind::create_table_like) {
            ghost.like_origin = statement.like == QualifiedName{name.schema, ghost.origin};
            int like = tracked(statement.like);
            ghost.model = like >= 0 ? tables[size_t(like)].model : tables[size_t(origin)].model;
          } else {
            ghost.model = statement.definition;
            ghost.like_origin = false;
            const SourceTable& o = tables[size_t(origin)].model;
            bool same = o.columns.size() == ghost.model.columns.size();
            for (size_t c = 0; same && c < o.columns.size(); c++)
              same = lower(o.columns[c].name) == lower(ghost.model.columns[c].name) &&
                     pg_type_of(o.columns[c]) == pg_type_of(ghost.model.columns[c]);
            ghost.like_origin = same;
          }
          ghost.model.name = name.name;
          if (!ghost.like_origin && GhostTables::origin_of(name.name) != "" &&
              (ends_with(name.name, "_gho") || ends_with(name.name, "_new")))
            return failed_plan(
                statement, "0A000",
                "online schema change table " + name.schema + "." + name.name +
                    " does not start as a copy of " + name.schema + "." + ghost.origin,
                "Apply the change to the PostgreSQL table by hand at the cut-over, then resync_table.");
          if (ends_with(name.name, "_gho") || ends_with(name.name, "_new"))
            ghosts.ghosts[ghost_key(name)] = ghost;
          return std::nullopt;
        }
        if (!context.patterns->matches(name.schema, name.name)) return std::nullopt;
        std::vector<TrackedTable> now = tables;
        if (tracked(name) >= 0 && statement.if_exists && statement.kind == StatementKind::create_table) {
          // CREATE OR REPLACE TABLE (MariaDB): the old table goes, a new one comes.
          int old = tracked(name);
          DdlPolicy p = policy_of(context, "drop_table");
          DdlEffect drop = drop_effect(tables, old, p);
          finish(plan, "drop_table", p,
                 "CREATE OR REPLACE TABLE " + name.schema + "." + name.name + " drops the old table");
          plan.effects.push_back(std::move(drop));
          now[size_t(old)].active = false;
        } else if (tracked(name) >= 0) {
          if (statement.if_not_exists) return std::nullopt;
          return failed_plan(
              statement, "55000",
              "CREATE TABLE " + name.schema + "." + name.name + " names a table the task already syncs",
              "resync_table the table.");
        }
        SourceTable model;
        if (statement.kind == StatementKind::create_table_like) {
          int like = tracked(statement.like);
          if (like < 0) {
            // The definition of a table outside the task is not tracked: described at its backfill.
            finish(plan, "create_table", policy_of(context, "create_table"),
                   "CREATE TABLE " + name.schema + "." + name.name + " LIKE " + statement.like.schema + "." +
                       statement.like.name + " (backfilled)");
            plan.effects.push_back(enter_effect(name));
            return plan;
          }
          model = tables[size_t(like)].model;
        } else {
          model = statement.definition;
        }
        model.schema = name.schema;
        model.name = name.name;
        TrackedTable created = new_tracked(model, context);
        if (created.model.primary_key.empty())
          return failed_plan(
              statement, "42P16",
              "table " + name.schema + "." + name.name + " created on the source has no primary key",
              "Give it a key in table_keys, or exclude it from the objects; then resume_sync.");
        for (const SourceColumn& c : created.model.columns) pg_type_of(c);  // 0A000 for an unmappable type
        DdlPolicy p = policy_of(context, "create_table");
        DdlEffect effect;
        effect.kind = DdlEffect::Kind::create;
        effect.table = uint32_t(now.size());
        effect.after = created;
        if (p == DdlPolicy::ignore) effect.after.active = false;
        finish(plan, "create_table", p, "CREATE TABLE " + name.schema + "." + name.name);
        plan.effects.push_back(std::move(effect));
        return plan;
      }

      case StatementKind::create_table_select: {
        // Its rows come as row events of the same statement: the table joins with a backfill.
        const QualifiedName& name = statement.tables.at(0);
        if (!context.patterns->matches(name.schema, name.name) || tracked(name) >= 0 || is_ghost_name(name))
          return std::nullopt;
        finish(plan, "create_table", policy_of(context, "create_table"),
               "CREATE TABLE " + name.schema + "." + name.name + " ... SELECT (backfilled)");
        plan.effects.push_back(enter_effect(name));
        return plan;
      }

      case StatementKind::dml:
      case StatementKind::unknown:
        for (const QualifiedName& name : statement.tables)
          if (tracked(name) >= 0)
            return failed_plan(
                statement, "0A000",
                std::string(statement.kind == StatementKind::dml
                                ? "a statement-based change of synced table "
                                : "a statement the DDL parser does not know names synced table ") +
                    name.schema + "." + name.name,
                statement.kind == StatementKind::dml
                    ? "Set binlog_format = ROW on the source; apply the change to the PostgreSQL "
                      "table by hand, then resume_sync."
                    : "Apply the change to the PostgreSQL table by hand, then resume_sync; "
                      "please report the statement.");
        return std::nullopt;

      default:
        return std::nullopt;
    }
  } catch (const SyncError& e) {
    return failed_plan(statement, e.sqlstate(),
                       std::string(e.what()) + " (replaying: " + plan.statement.substr(0, 200) + ")",
                       e.hint().empty()
                           ? "The tracked definition and the source disagree: resync_table the table."
                           : e.hint());
  }
}

}  // namespace mysql_sync

namespace mysql_sync {
namespace {

// Binlog column types (MYSQL_TYPE_*) a source data type may show in a TABLE_MAP.
bool type_agrees(uint8_t type, const SourceColumn& c) {
  const std::string& t = c.data_type;
  auto any = [&](std::initializer_list<int> codes) {
    for (int code : codes)
      if (type == code) return true;
    return false;
  };
  if (t == "tinyint") return any({1});
  if (t == "smallint") return any({2});
  if (t == "mediumint") return any({9});
  if (t == "int" || t == "integer") return any({3});
  if (t == "bigint") return any({8});
  if (t == "float") return any({4});
  if (t == "double" || t == "real" || t == "double precision") return any({5});
  if (t == "decimal" || t == "numeric") return any({0, 246});
  if (t == "date") return any({10, 14});
  if (t == "time") return any({11, 19});
  if (t == "datetime") return any({12, 18});
  if (t == "timestamp") return any({7, 17});
  if (t == "year") return any({13});
  if (t == "bit") return any({16});
  if (t == "char" || t == "binary" || t == "enum" || t == "set") return any({254, 253, 15, 247, 248});
  if (t == "varchar" || t == "varbinary") return any({15, 253});
  if (t == "json") return any({245, 252});
  if (t == "vector") return any({242});
  if (t.find("text") != std::string::npos || t.find("blob") != std::string::npos) return any({252});
  if (t == "geometry" || t == "point" || t == "linestring" || t == "polygon" || t == "multipoint" ||
      t == "multilinestring" || t == "multipolygon" || t == "geometrycollection" || t == "geomcollection")
    return any({255});
  return true;  // a type this check does not know: the decoder judges its values
}

}  // namespace

std::string schema_drift(const TableMap& map, const SourceTable& model) {
  if (map.columns.size() != model.columns.size())
    return "the binlog has " + std::to_string(map.columns.size()) + " columns, the tracked definition " +
           std::to_string(model.columns.size());
  for (size_t c = 0; c < map.columns.size(); c++) {
    const SourceColumn& column = model.columns[c];
    if (map.has_column_names && lower(map.columns[c].name) != lower(column.name))
      return "column " + std::to_string(c + 1) + " is " + map.columns[c].name + " in the binlog, " +
             column.name + " in the tracked definition";
    if (!type_agrees(map.columns[c].type, column))
      return "column " + column.name + " has binlog type " + std::to_string(map.columns[c].type) +
             ", the tracked definition says " + column.column_type;
  }
  return "";
}

}  // namespace mysql_sync
