// The privileges item of the precheck: what SHOW GRANTS says the sync user (with its active roles)
// may do, against what the task needs. The parsing is separate from the connection so that it
// can be unit-tested with MySQL's and MariaDB's SHOW GRANTS texts.
#pragma once
#include "common/cxx_zone.h"

#include <string>
#include <utility>
#include <vector>

#include "source/object_patterns.h"
#include "source/precheck.h"
#include "source/source_catalog.h"

namespace mysql_sync {

class MysqlClient;

// One "GRANT ... ON ... TO ..." line of SHOW GRANTS.
struct GrantLine {
  std::vector<std::string> privileges;  // upper case; "ALL" for ALL [PRIVILEGES]; column grants dropped
  std::string db;                       // "*" for *.*; unquoted, still with MySQL's \_ \% escapes
  std::string table;                    // "*" for db.* and *.*; unquoted
  bool routine = false;                 // ON PROCEDURE/FUNCTION/PACKAGE ...: irrelevant here
  std::vector<std::string> roles;       // "GRANT `r1`, `r2` TO ...": role names, no privileges
  std::string grantee;                  // the user or role name after TO (unquoted, no host)
};

// Parses one line; returns false for lines that are no GRANT (SET DEFAULT ROLE, REVOKE ...).
bool parse_grant_line(const std::string& line, GrantLine* out);

class GrantSet {
 public:
  explicit GrantSet(const std::vector<std::string>& show_grants_lines);
  // A global privilege (ON *.*); ALL covers it. `aliases` are other names for the same right.
  bool global(const std::string& privilege, const std::vector<std::string>& aliases = {}) const;
  // SELECT on db.table through *.*, a db-level grant (db names there may use % and _) or a
  // table-level grant.
  bool select_on_table(const std::string& db, const std::string& table) const;
  // SELECT on every table of db (global or db-level).
  bool select_on_database(const std::string& db) const;
  // Some table-level SELECT in db (its tables are visible one by one).
  bool select_on_some_table(const std::string& db) const;
  // (role, grantee) of each "GRANT role TO grantee" line.
  const std::vector<std::pair<std::string, std::string>>& role_grants() const { return roles_; }

 private:
  bool level_has(const GrantLine& g, const std::string& privilege) const;
  std::vector<GrantLine> grants_;
  std::vector<std::pair<std::string, std::string>> roles_;
};

// 'user'@'host' from CURRENT_USER()'s user@host.
std::string quoted_account(const std::string& current_user);

struct PrivilegeNeeds {
  bool mariadb = false;
  bool binlog_monitor_name = false;  // MariaDB 10.5.2+: REPLICATION CLIENT is called BINLOG MONITOR
  std::string copy_note;              // how the full load copies (added to the detail)
};

// The privileges row. `tables` are the tables the user can see that match the patterns;
// `invisible_patterns` receives the patterns that matched nothing because the user has no
// privilege in their database (objects_exist then only warns about them).
PrecheckRow check_privileges(MysqlClient& client, const PrivilegeNeeds& needs, const ObjectPatterns& patterns,
                             const std::vector<SourceTable>& tables, const std::vector<std::string>& unmatched,
                             std::vector<std::string>* invisible_patterns);

}  // namespace mysql_sync
