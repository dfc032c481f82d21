// What a source DDL statement does to the task: the new source definition of each table it
// touches, the statements that bring the PostgreSQL target along, and the policy that decides
// whether that happens now (apply), silently for the target (ignore), after a person looked
// (pause) or never (fail). Pure C++: the reader thread plans, the main thread executes.
#pragma once
#include "common/cxx_zone.h"

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "ddl/ddl_parser.h"
#include "source/object_patterns.h"
#include "source/source_catalog.h"
#include "ddl/name_map.h"

namespace mysql_sync {

enum class DdlPolicy : uint8_t { apply, ignore, pause, fail };

// options.ddl: a policy per DDL kind. Kinds: add_column, drop_column, rename_column, modify_column
// (type widening, defaults, NULL/NOT NULL, comments), narrow_column (a type change that may not
// hold the existing values), index (ADD/DROP/RENAME INDEX, primary key), table_options (comment,
// charset), rename_table, create_table, drop_table, truncate_table, unlogged_rows (statements that
// change rows without row events: partition maintenance, DISCARD/IMPORT TABLESPACE; apply = copy
// the table again).
class DdlPolicies {
 public:
  static const std::vector<std::string>& kinds();
  // Throws SyncError 22023 naming the unknown kind or value.
  void set(const std::string& kind, const std::string& value);
  DdlPolicy of(const std::string& kind) const;
  bool alter_enabled = true;  // operations include 'alter'; without it every DDL pauses

 private:
  std::map<std::string, DdlPolicy> overrides_;
};
const char* policy_name(DdlPolicy policy);

// A synced table as the DDL planner sees it.
struct TrackedTable {
  SourceTable model;  // the source definition as of the applied position
  std::string target_schema;
  std::string target_name;
  std::vector<std::string> target_columns;  // per model column; "" = not replicated (its ADD was ignored)
  bool active = true;                       // false once dropped or renamed out of the task
  std::string source_table() const { return model.schema + "." + model.name; }
};

struct DdlEffect {
  // enter: a table whose rows already exist on the source joins the task (renamed into the
  // objects, CREATE TABLE ... SELECT, CREATE TABLE ... LIKE an outside table): the worker asks for
  // its backfill as alter_sync does; `after.model` names it, `table` is unused.
  // repair: the table's rows changed without row events (unlogged_rows): applied, the worker copies
  // it again as resync_table does, and applies none of its changes to the old target meanwhile.
  // discard: DISCARD TABLESPACE made its rows unreadable on the source; the IMPORT TABLESPACE that
  // brings them back repairs the table.
  enum class Kind : uint8_t { alter, create, drop, rename, truncate, leave, enter, repair, discard };
  Kind kind = Kind::alter;
  uint32_t table = 0;              // index in the tracked tables (create: the index it gets)
  TrackedTable after;              // the table after the statement
  std::vector<std::string> sql;    // target statements in order (create: none; the worker creates it)
  std::vector<std::string> notes;  // what was left out on the target, for the log
};

struct DdlPlan {
  std::string kind;  // the policy kind that decided
  DdlPolicy decision = DdlPolicy::apply;
  std::string statement;  // the source statement (truncated for messages)
  std::string summary;    // "ALTER TABLE shop.t: add column x, drop column y"
  std::vector<DdlEffect> effects;
  // fail: why (SQLSTATE, message, hint) when the statement cannot be replayed at all.
  std::string error_sqlstate;
  std::string error_message;
  std::string error_hint;
};

struct DdlContext {
  const ObjectPatterns* patterns = nullptr;
  const NameMap* names = nullptr;
  const DdlPolicies* policies = nullptr;
  // Source tables ("db.table") with a table_keys primary key, for tables created by DDL.
  const std::map<std::string, std::vector<std::string>>* table_keys = nullptr;
  // The statement paused the task before and resume_sync approved it: pause means apply.
  bool approved = false;
};

// Online schema change tools' helper tables (gh-ost: _t_gho, _t_ghc, _t_del; pt-online-schema-change:
// _t_new, _t_old): never synced; their DDL is remembered and replayed on `t` at the cut-over RENAME.
class GhostTables {
 public:
  // The tracked table a helper table name belongs to ("_orders_gho" -> "orders"), or "".
  static std::string origin_of(const std::string& name);
  struct Ghost {
    std::string origin;                // tracked table name (same database)
    SourceTable model;                 // the ghost's definition so far
    std::vector<AlterAction> actions;  // ALTERs applied to it since it was created
    bool like_origin = false;          // created as a copy of the origin's definition
  };
  std::map<std::string, Ghost> ghosts;  // "db\0name" -> ghost
};

// A plan that stops the task at a statement that cannot be replayed (kind "unsupported", fail).
DdlPlan unsupported_statement(const std::string& text, const std::string& sqlstate,
                              const std::string& message, const std::string& hint);

// Plans one parsed statement. nullopt when it does not concern the task (other tables,
// administrative statements, harmless DDL such as triggers and views). `ghosts` is updated.
// Never throws for a statement it cannot replay: the plan then says fail, with the reason.
std::optional<DdlPlan> plan_statement(const std::vector<TrackedTable>& tables, const DdlStatement& statement,
                                      const DdlContext& context, GhostTables& ghosts);

// What differs between a TABLE_MAP and the tracked definition (column count, types, and names when
// the binlog carries them), or "" when they agree.
std::string schema_drift(const TableMap& map, const SourceTable& model);

// Always-quoted PostgreSQL identifiers and literals (standard_conforming_strings on).
std::string quote_pg_identifier(const std::string& name);
std::string quote_pg_literal(const std::string& value);

}  // namespace mysql_sync
