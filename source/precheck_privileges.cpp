#include "source/precheck_privileges.h"

#include <algorithm>
#include <cctype>
#include <set>

#include "common/errors.h"
#include "source/mysql_client.h"

namespace mysql_sync {
namespace {

std::string upper(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::toupper(c); });
  return s;
}

std::string trim(const std::string& s) {
  size_t b = s.find_first_not_of(" \t\r\n");
  if (b == std::string::npos) return "";
  size_t e = s.find_last_not_of(" \t\r\n");
  return s.substr(b, e - b + 1);
}

// Splits at top-level occurrences of `sep` (outside quotes and parentheses).
std::vector<std::string> split_top(const std::string& s, char sep) {
  std::vector<std::string> out;
  std::string cur;
  char quote = 0;
  int depth = 0;
  for (size_t i = 0; i < s.size(); i++) {
    char c = s[i];
    if (quote) {
      cur += c;
      if (c == quote) {
        if (i + 1 < s.size() && s[i + 1] == quote) {
          cur += s[++i];
        } else {
          quote = 0;
        }
      }
      continue;
    }
    if (c == '`' || c == '\'' || c == '"') quote = c;
    if (c == '(') depth++;
    if (c == ')') depth--;
    if (c == sep && depth == 0) {
      out.push_back(cur);
      cur.clear();
      continue;
    }
    cur += c;
  }
  out.push_back(cur);
  return out;
}

// Position of the top-level keyword " KW " (case-insensitive) at or after `from`, or npos.
size_t find_keyword(const std::string& s, const std::string& kw, size_t from = 0) {
  std::string needle = " " + kw + " ";
  char quote = 0;
  int depth = 0;
  for (size_t i = from; i < s.size(); i++) {
    char c = s[i];
    if (quote) {
      if (c == quote) quote = 0;
      continue;
    }
    if (c == '`' || c == '\'' || c == '"') {
      quote = c;
      continue;
    }
    if (c == '(') depth++;
    if (c == ')') depth--;
    if (depth == 0 && c == ' ' && i + needle.size() <= s.size() && upper(s.substr(i, needle.size())) == needle)
      return i;
  }
  return std::string::npos;
}

// `name` / 'name' / "name" / name -> name; the quote doubled inside is one quote.
std::string unquote(const std::string& text) {
  std::string s = trim(text);
  if (s.size() >= 2 && (s[0] == '`' || s[0] == '\'' || s[0] == '"') && s.back() == s[0]) {
    char q = s[0];
    std::string out;
    for (size_t i = 1; i + 1 < s.size(); i++) {
      out += s[i];
      if (s[i] == q && s[i + 1] == q) i++;
    }
    return out;
  }
  return s;
}

// Splits db.table (either part quoted) at the dot outside quotes.
std::pair<std::string, std::string> split_object(const std::string& text) {
  char quote = 0;
  for (size_t i = 0; i < text.size(); i++) {
    char c = text[i];
    if (quote) {
      if (c == quote) quote = 0;
      continue;
    }
    if (c == '`' || c == '\'' || c == '"') quote = c;
    if (c == '.') return {unquote(text.substr(0, i)), unquote(text.substr(i + 1))};
  }
  return {unquote(text), ""};
}

// An account or role "`u`@`h`" -> "u".
std::string account_name(const std::string& text) {
  std::vector<std::string> parts = split_top(trim(text), '@');
  return unquote(parts[0]);
}

// MySQL's LIKE for database names in grants: % any run, _ one character, \ escapes.
bool like_match(const std::string& pattern, size_t p, const std::string& text, size_t t) {
  while (p < pattern.size()) {
    char c = pattern[p];
    if (c == '%') {
      for (size_t k = t; k <= text.size(); k++)
        if (like_match(pattern, p + 1, text, k)) return true;
      return false;
    }
    if (t >= text.size()) return false;
    if (c == '\\' && p + 1 < pattern.size()) {
      if (pattern[p + 1] != text[t]) return false;
      p += 2;
      t++;
      continue;
    }
    if (c != '_' && c != text[t]) return false;
    p++;
    t++;
  }
  return t == text.size();
}

std::string unescape_like(const std::string& s) {
  std::string out;
  for (size_t i = 0; i < s.size(); i++) {
    if (s[i] == '\\' && i + 1 < s.size()) i++;
    out += s[i];
  }
  return out;
}

bool has_wildcard(const std::string& s) { return s.find_first_of("*%") != std::string::npos; }

std::string backquoted(const std::string& name) {
  std::string out = "`";
  for (char c : name) {
    out += c;
    if (c == '`') out += '`';
  }
  return out + "`";
}

std::string join(const std::vector<std::string>& items, const std::string& sep) {
  std::string out;
  for (const std::string& i : items) out += (out.empty() ? "" : sep) + i;
  return out;
}

PrecheckRow make_row(const char* status, std::string detail, std::string hint = "") {
  return PrecheckRow{"privileges", status, std::move(detail), std::move(hint)};
}

}  // namespace

bool parse_grant_line(const std::string& raw, GrantLine* out) {
  std::string line = trim(raw);
  if (upper(line.substr(0, 6)) != "GRANT ") return false;
  *out = GrantLine{};
  std::string body = " " + line.substr(6);
  size_t to = find_keyword(body, "TO");
  if (to == std::string::npos) return false;
  size_t on = find_keyword(body, "ON");
  std::string after_to = body.substr(to + 4);
  // The grantee ends at the first top-level space (IDENTIFIED BY ..., WITH GRANT OPTION).
  size_t end = find_keyword(" " + after_to + " ", "IDENTIFIED");
  std::string grantee = after_to;
  if (end != std::string::npos) grantee = after_to.substr(0, end);
  size_t with = find_keyword(" " + grantee + " ", "WITH");
  if (with != std::string::npos) grantee = grantee.substr(0, with);
  size_t req = find_keyword(" " + grantee + " ", "REQUIRE");
  if (req != std::string::npos) grantee = grantee.substr(0, req);
  out->grantee = account_name(grantee);

  if (on == std::string::npos || on > to) {
    for (const std::string& role : split_top(body.substr(0, to), ','))
      if (!trim(role).empty()) out->roles.push_back(account_name(role));
    return true;
  }
  for (std::string p : split_top(body.substr(0, on), ',')) {
    p = trim(p);
    if (p.empty() || p.find('(') != std::string::npos) continue;  // column grants are not enough
    p = upper(p);
    if (p == "ALL PRIVILEGES") p = "ALL";
    out->privileges.push_back(p);
  }
  std::string object = trim(body.substr(on + 4, to - on - 4));
  std::string upper_object = upper(object);
  for (const char* kind : {"PROCEDURE ", "FUNCTION ", "PACKAGE BODY ", "PACKAGE "}) {
    if (upper_object.rfind(kind, 0) == 0) {
      out->routine = true;
      return true;
    }
  }
  if (upper_object.rfind("TABLE ", 0) == 0) object = trim(object.substr(6));
  auto parts = split_object(object);
  if (parts.second.empty()) {
    out->routine = true;  // PROXY ON ''@'%' and the like
    return true;
  }
  out->db = parts.first;
  out->table = parts.second;
  return true;
}

GrantSet::GrantSet(const std::vector<std::string>& lines) {
  for (const std::string& l : lines) {
    GrantLine g;
    if (!parse_grant_line(l, &g)) continue;
    for (const std::string& r : g.roles) roles_.emplace_back(r, g.grantee);
    if (!g.routine && g.roles.empty()) grants_.push_back(g);
  }
}

bool GrantSet::level_has(const GrantLine& g, const std::string& privilege) const {
  return std::find(g.privileges.begin(), g.privileges.end(), privilege) != g.privileges.end() ||
         std::find(g.privileges.begin(), g.privileges.end(), "ALL") != g.privileges.end();
}

bool GrantSet::global(const std::string& privilege, const std::vector<std::string>& aliases) const {
  for (const GrantLine& g : grants_) {
    if (g.db != "*") continue;
    if (level_has(g, privilege)) return true;
    for (const std::string& a : aliases)
      if (level_has(g, a)) return true;
  }
  return false;
}

bool GrantSet::select_on_database(const std::string& db) const {
  for (const GrantLine& g : grants_) {
    if (!level_has(g, "SELECT")) continue;
    if (g.db == "*") return true;
    if (g.table == "*" && like_match(g.db, 0, db, 0)) return true;
  }
  return false;
}

bool GrantSet::select_on_table(const std::string& db, const std::string& table) const {
  if (select_on_database(db)) return true;
  for (const GrantLine& g : grants_)
    if (g.table != "*" && level_has(g, "SELECT") && unescape_like(g.db) == db && g.table == table) return true;
  return false;
}

bool GrantSet::select_on_some_table(const std::string& db) const {
  for (const GrantLine& g : grants_)
    if (g.table != "*" && level_has(g, "SELECT") && unescape_like(g.db) == db) return true;
  return false;
}

std::string quoted_account(const std::string& current_user) {
  size_t at = current_user.rfind('@');
  auto q = [](const std::string& s) {
    std::string out = "'";
    for (char c : s) out += c == '\'' ? std::string("''") : std::string(1, c);
    return out + "'";
  };
  if (at == std::string::npos) return q(current_user);
  return q(current_user.substr(0, at)) + "@" + q(current_user.substr(at + 1));
}

PrecheckRow check_privileges(MysqlClient& client, const PrivilegeNeeds& needs, const ObjectPatterns& patterns,
                             const std::vector<SourceTable>& tables, const std::vector<std::string>& unmatched,
                             std::vector<std::string>* invisible_patterns) {
  auto single = [&](const std::string& sql) -> std::string {
    QueryResult r = client.query(sql);
    return r.rows.empty() || r.rows[0].empty() || !r.rows[0][0] ? "" : *r.rows[0][0];
  };
  std::string current_user = single("SELECT CURRENT_USER()");
  std::string account = quoted_account(current_user);
  std::string user_name = current_user.substr(0, current_user.rfind('@'));

  // The active roles: MariaDB's SHOW GRANTS already includes the grants of the active role (the
  // default role, at login) and of the roles granted to it; MySQL 8 lists them only with USING.
  std::string active_roles;
  try {
    active_roles = single("SELECT CURRENT_ROLE()");
  } catch (const SyncError&) {
    // MySQL before 8.0 has no roles.
  }
  if (upper(active_roles) == "NONE") active_roles.clear();
  std::string show = "SHOW GRANTS";
  if (!needs.mariadb && !active_roles.empty()) show = "SHOW GRANTS FOR CURRENT_USER() USING " + active_roles;
  std::vector<std::string> lines;
  for (const auto& r : client.query(show).rows)
    if (!r.empty() && r[0]) lines.push_back(*r[0]);
  GrantSet grants(lines);

  std::vector<std::string> missing, why, statements;
  std::vector<std::string> global_missing;
  if (!grants.global("REPLICATION SLAVE", {"REPLICATION REPLICA"})) {
    global_missing.push_back("REPLICATION SLAVE");
    why.push_back("REPLICATION SLAVE (to read the binlog)");
  }
  const std::string monitor = needs.binlog_monitor_name ? "BINLOG MONITOR" : "REPLICATION CLIENT";
  if (!grants.global(monitor, {"REPLICATION CLIENT", "BINLOG MONITOR", "SUPER"})) {
    global_missing.push_back(monitor);
    why.push_back(monitor + " (for SHOW MASTER STATUS and SHOW BINARY LOGS)");
  }
  if (!global_missing.empty()) statements.push_back("GRANT " + join(global_missing, ", ") + " ON *.* TO " + account);

  // SELECT on the synced tables.
  std::set<std::string> missing_dbs;
  std::vector<std::string> missing_tables;
  auto wildcard_db = [&](const std::string& db) {
    for (const std::string& p : patterns.patterns()) {
      size_t dot = p.find('.');
      if (has_wildcard(p.substr(dot + 1)) && wildcard_match(p.substr(0, dot), db)) return true;
    }
    return false;
  };
  for (const SourceTable& t : tables) {
    if (grants.select_on_table(t.schema, t.name)) continue;
    if (wildcard_db(t.schema))
      missing_dbs.insert(t.schema);
    else
      missing_tables.push_back(backquoted(t.schema) + "." + backquoted(t.name));
  }
  for (const std::string& p : unmatched) {
    size_t dot = p.find('.');
    std::string db = p.substr(0, dot), table = p.substr(dot + 1);
    if (has_wildcard(db) || grants.select_on_database(db)) continue;
    if (!has_wildcard(table)) {
      if (grants.select_on_table(db, table)) continue;
      missing_tables.push_back(backquoted(db) + "." + backquoted(table));
    } else {
      missing_dbs.insert(db);
    }
    if (invisible_patterns) invisible_patterns->push_back(p);
  }
  for (const std::string& db : missing_dbs) {
    why.push_back("SELECT on " + backquoted(db) + ".*");
    statements.push_back("GRANT SELECT ON " + backquoted(db) + ".* TO " + account);
  }
  for (const std::string& t : missing_tables) {
    why.push_back("SELECT on " + t);
    statements.push_back("GRANT SELECT ON " + t + " TO " + account);
  }

  // Roles granted to the user that are not active at login do not count.
  std::vector<std::string> inactive;
  for (const auto& [role, grantee] : grants.role_grants()) {
    if (grantee != user_name) continue;  // role-to-role grants follow the role
    bool active = false;
    for (const std::string& a : split_top(active_roles, ',')) active = active || account_name(a) == role;
    if (!active && std::find(inactive.begin(), inactive.end(), role) == inactive.end()) inactive.push_back(role);
  }
  std::string via = active_roles.empty() ? "" : " (with the active role " + active_roles + ")";

  if (!why.empty()) {
    std::string detail = "user " + account + via + " lacks " + join(why, ", ");
    if (!inactive.empty())
      detail += "; granted but not active at login (not a default role): " + join(inactive, ", ");
    return make_row("failed", detail, join(statements, "; "));
  }

  // Tables of a wildcard pattern that the user cannot see are not synced: warn when a database
  // is readable only table by table.
  std::vector<std::string> partial;
  std::vector<std::string> partial_hint;
  std::set<std::string> seen;
  for (const SourceTable& t : tables) {
    if (!seen.insert(t.schema).second) continue;
    if (wildcard_db(t.schema) && !grants.select_on_database(t.schema) && grants.select_on_some_table(t.schema)) {
      partial.push_back(backquoted(t.schema));
      partial_hint.push_back("GRANT SELECT ON " + backquoted(t.schema) + ".* TO " + account);
    }
  }
  std::string have = join(std::vector<std::string>{"REPLICATION SLAVE", monitor}, ", ") + " and SELECT on " +
                     std::to_string(tables.size()) + (tables.size() == 1 ? " table" : " tables") +
                     (needs.copy_note.empty() ? "" : "; " + needs.copy_note);
  if (!partial.empty())
    return make_row("warning",
                    "user " + account + via + " has " + have + ", but reads " + join(partial, ", ") +
                        " only through table grants: tables without one are invisible and not synced",
                    join(partial_hint, "; "));
  return make_row("passed", "user " + account + via + " has " + have);
}

}  // namespace mysql_sync
