// parse_statements(): splits a QUERY event's text into statements and parses each (see
// ddl_parser.h). Statements that change tables are parsed strictly (42601 on anything not
// understood); the others are only classified, and never make parsing fail.
#include "ddl/ddl_parser.h"

#include <algorithm>
#include <initializer_list>

#include "binlog/charset.h"
#include "ddl/ddl_cursor.h"
#include "ddl/ddl_lexer.h"
#include "common/errors.h"

namespace mysql_sync {

namespace {

bool is_any_word(const Token& t, std::initializer_list<const char*> words) {
  for (const char* w : words)
    if (t.is_word(w)) return true;
  return false;
}

// DEFINER = user: 'u'@'h', `u`@`h`, u@h, CURRENT_USER[()].
void skip_user(DdlCursor& c) {
  if (c.accept("CURRENT_USER")) {
    if (c.accept_symbol("(")) c.expect_symbol(")");
    return;
  }
  if (c.at_end()) c.fail("a user");
  c.next();
  if (c.accept_symbol("@")) {
    if (c.at_end()) c.fail("a host");
    c.next();
  } else if (c.peek().kind == TokenKind::symbol && c.peek().text.size() > 1 && c.peek().text[0] == '@') {
    c.next();
  }
}

// The clauses that may precede the object keyword of CREATE/ALTER: OR REPLACE, DEFINER,
// ALGORITHM (views), SQL SECURITY, ONLINE/OFFLINE, AGGREGATE ...
void skip_create_prefix(DdlCursor& c, bool* or_replace) {
  while (true) {
    if (c.accept("OR")) {
      c.expect("REPLACE");
      if (or_replace) *or_replace = true;
    } else if (c.accept("DEFINER")) {
      c.expect_symbol("=");
      skip_user(c);
    } else if (c.peek_is("ALGORITHM") && c.peek(1).is_symbol("=")) {
      c.next();
      c.next();
      c.next();
    } else if (c.accept("SQL")) {
      c.expect("SECURITY");
      c.next();
    } else if (c.accept("ONLINE") || c.accept("OFFLINE") || c.accept("AGGREGATE") || c.accept("NONATOMIC")) {
    } else {
      return;
    }
  }
}

// Statements whose body may hold `;` (stored programs): the rest of the text is theirs.
bool takes_rest_of_text(DdlCursor& c) {
  try {
    if (c.accept("BEGIN")) return c.peek_is("NOT") && c.peek_is("ATOMIC", 1);
    bool create = c.accept("CREATE");
    if (!create && !c.accept("ALTER")) return false;
    skip_create_prefix(c, nullptr);
    if (create) return is_any_word(c.peek(), {"PROCEDURE", "FUNCTION", "TRIGGER", "EVENT", "PACKAGE"});
    return c.peek_is("EVENT");
  } catch (const SyncError&) {
    return false;
  }
}

struct TableOptions {
  std::string engine, comment, charset, collation;
  bool has_comment = false;
};

class StatementParser {
 public:
  StatementParser(DdlCursor& c, DdlStatement& st) : c_(c), st_(st) {}

  void parse() {
    const Token& first = c_.peek();
    if (first.is_word("CREATE")) return create();
    if (first.is_word("ALTER")) return alter();
    if (first.is_word("DROP")) return drop();
    if (first.is_word("RENAME")) return rename();
    if (first.is_word("TRUNCATE")) return truncate();
    if (is_any_word(first, {"INSERT", "UPDATE", "DELETE", "REPLACE", "CALL", "DO", "SELECT", "WITH", "VALUES",
                            "HANDLER"}) ||
        (first.is_word("LOAD") && !c_.peek_is("INDEX", 1))) {
      st_.kind = StatementKind::dml;
      return scan_table_names();
    }
    if (first.is_word("BEGIN") && c_.peek_is("NOT", 1)) {
      st_.kind = StatementKind::unknown;  // an anonymous compound statement (MariaDB)
      return scan_table_names();
    }
    if (is_any_word(
            first,
            {"BEGIN",   "START",    "COMMIT",  "ROLLBACK",  "XA",      "SAVEPOINT",  "RELEASE",  "SET",
             "GRANT",   "REVOKE",   "ANALYZE", "OPTIMIZE",  "REPAIR",  "CHECK",      "CHECKSUM", "FLUSH",
             "USE",     "SHOW",     "INSTALL", "UNINSTALL", "RESET",   "PURGE",      "CHANGE",   "STOP",
             "KILL",    "LOCK",     "UNLOCK",  "CACHE",     "LOAD",    "HELP",       "DESCRIBE", "DESC",
             "EXPLAIN", "SHUTDOWN", "BINLOG",  "PREPARE",   "EXECUTE", "DEALLOCATE", "SIGNAL",   "RESIGNAL",
             "GET",     "CLONE",    "RESTART", "BACKUP"})) {
      st_.kind = StatementKind::administrative;
      return;
    }
    st_.kind = StatementKind::unknown;
    scan_table_names();
  }

 private:
  // ---- classification helpers (never throw for statements that are not table DDL) ----

  // Runs `body` for a statement that changes no table: a parse failure keeps what was found.
  template <typename F>
  void leniently(F body) {
    try {
      body();
    } catch (const SyncError&) {
    }
  }

  void add_table(const QualifiedName& name) {
    if (std::find(st_.tables.begin(), st_.tables.end(), name) == st_.tables.end()) st_.tables.push_back(name);
  }

  // Names in table position (after FROM, INTO, UPDATE, JOIN, TABLE): conservative, for
  // statements the parser does not model.
  void scan_table_names() {
    leniently([&] {
      while (!c_.at_end()) {
        const Token& t = c_.next();
        if (!is_any_word(t, {"FROM", "INTO", "UPDATE", "JOIN", "TABLE", "TABLES", "REPLACE"})) continue;
        while (is_any_word(c_.peek(), {"LOW_PRIORITY", "HIGH_PRIORITY", "DELAYED", "IGNORE", "QUICK", "TABLE",
                                       "IF", "NOT", "EXISTS", "ONLY"}))
          c_.next();
        while (c_.at_name() &&
               !is_any_word(c_.peek(), {"SELECT", "SET", "VALUES", "VALUE", "WHERE", "DUAL", "LATERAL", "ON",
                                        "USING", "WITH", "INTO", "JSON_TABLE", "FROM"})) {
          add_table(c_.qualified_name("a table name"));
          if (!c_.accept_symbol(",")) break;
        }
      }
    });
  }

  // ---- CREATE ----

  void create() {
    c_.expect("CREATE");
    bool or_replace = false;
    size_t after_create = c_.position();
    leniently([&] { skip_create_prefix(c_, &or_replace); });
    if (c_.accept("TEMPORARY")) st_.temporary = true;
    if (c_.peek_is("TABLE")) return create_table(or_replace);
    if (c_.peek_is("INDEX") ||
        (is_any_word(c_.peek(), {"UNIQUE", "FULLTEXT", "SPATIAL"}) && c_.peek_is("INDEX", 1)))
      return create_index(or_replace);
    c_.rewind(after_create);
    leniently([&] { skip_create_prefix(c_, nullptr); });
    c_.accept("TEMPORARY");
    if (c_.accept("DATABASE") || c_.accept("SCHEMA")) {
      st_.kind = StatementKind::create_database;
      st_.database = c_.default_db();
      return leniently([&] {
        if (c_.accept("IF")) {
          c_.expect("NOT");
          c_.expect("EXISTS");
          st_.if_not_exists = true;
        }
        st_.database = c_.name("a database name");
      });
    }
    st_.kind = StatementKind::other_ddl;
    if (c_.accept("SEQUENCE")) return sequence_names(false);
    if (c_.accept("TRIGGER")) return trigger_table();
  }

  void sequence_names(bool list) {
    leniently([&] {
      if (c_.accept("IF")) {
        c_.accept("NOT");
        c_.expect("EXISTS");
      }
      do add_table(c_.qualified_name("a sequence name"));
      while (list && c_.accept_symbol(","));
    });
  }

  void trigger_table() {
    leniently([&] {
      if (c_.accept("IF")) {
        c_.expect("NOT");
        c_.expect("EXISTS");
      }
      c_.qualified_name("a trigger name");
      while (!c_.at_end() && !c_.peek_is("ON")) c_.next();
      c_.expect("ON");
      add_table(c_.qualified_name("a table name"));
    });
  }

  void if_not_exists() {
    if (c_.accept("IF")) {
      c_.expect("NOT");
      c_.expect("EXISTS");
      st_.if_not_exists = true;
    }
  }

  void if_exists(bool& flag) {
    if (c_.accept("IF")) {
      c_.expect("EXISTS");
      flag = true;
    }
  }

  void create_table(bool or_replace) {
    c_.expect("TABLE");
    st_.kind = StatementKind::create_table;
    st_.if_exists = or_replace;  // CREATE OR REPLACE TABLE: drop the table first if it exists
    if_not_exists();
    QualifiedName name = c_.qualified_name("a table name");
    st_.tables.push_back(name);
    SourceTable& def = st_.definition;
    def.schema = name.schema;
    def.name = name.name;
    if (c_.accept("LIKE") ||
        (c_.peek().is_symbol("(") && c_.peek_is("LIKE", 1) && c_.accept_symbol("(") && c_.accept("LIKE"))) {
      st_.kind = StatementKind::create_table_like;
      st_.like = c_.qualified_name("a table name");
      c_.accept_symbol(")");
      return expect_end();
    }
    std::vector<ColumnDefinition> columns;
    if (c_.peek().is_symbol("(") && !is_select_start(1)) {
      c_.next();
      do {
        if (c_.peek().is_symbol(")")) break;
        Element e = element();
        add_to_definition(e, columns);
      } while (c_.accept_symbol(","));
      c_.expect_symbol(")");
    }
    TableOptions options;
    while (true) {
      c_.accept_symbol(",");
      if (!table_option(options, nullptr)) break;
    }
    if (c_.accept("PARTITION")) skip_partitioning();
    if (!c_.accept("IGNORE")) c_.accept("REPLACE");
    c_.accept("AS");
    if (is_select_start(0)) {
      st_.kind = StatementKind::create_table_select;
      c_.skip_rest();
    }
    expect_end();
    finish_definition(options, columns);
  }

  // SELECT, WITH, VALUES, possibly parenthesized: the query of CREATE TABLE ... SELECT.
  bool is_select_start(size_t ahead) const {
    size_t i = ahead;
    while (c_.peek(i).is_symbol("(")) ++i;
    return is_any_word(c_.peek(i), {"SELECT", "WITH", "VALUES", "TABLE"});
  }

  // PARTITION BY ... up to a SELECT (CREATE ... SELECT) or the end: only rows' placement.
  void skip_partitioning() {
    while (!c_.at_end() && !is_any_word(c_.peek(), {"AS", "SELECT", "IGNORE", "REPLACE", "WITH"})) {
      if (c_.peek().kind == TokenKind::error) c_.fail("the end of the partitioning clause");
      if (c_.accept_symbol("("))
        c_.skip_to_close_paren();
      else
        c_.next();
    }
  }

  void finish_definition(const TableOptions& options, const std::vector<ColumnDefinition>& columns) {
    SourceTable& def = st_.definition;
    def.engine = options.engine;
    def.comment = options.comment;
    std::string charset = options.charset.empty() ? charset_of_collation(options.collation)
                                                  : canonical_charset(options.charset);
    def.default_charset = charset;
    for (const ColumnDefinition& column : columns) {
      def.columns.push_back(column.column);
      settle_text_charset(def.columns.back(), charset, options.collation);
    }
    for (SourceColumn& column : def.columns)
      for (const std::string& key : def.primary_key)
        if (iequals(column.name, key)) column.nullable = false;
  }

  // ---- create definitions (CREATE TABLE, ALTER TABLE ADD) ----

  struct Element {
    enum class Kind : uint8_t { column, primary_key, index, foreign_key, ignored };
    Kind kind = Kind::ignored;
    ColumnDefinition column;
    SourceIndex index;
    SourceForeignKey foreign_key;
    bool if_not_exists = false;  // MariaDB: ADD INDEX IF NOT EXISTS, ADD CONSTRAINT IF NOT EXISTS
  };

  bool at_index_element() const {
    const Token& t = c_.peek();
    if (t.kind != TokenKind::word) return false;
    if (is_any_word(t, {"CONSTRAINT", "PRIMARY", "UNIQUE", "INDEX", "KEY", "FULLTEXT", "SPATIAL", "FOREIGN"}))
      return true;
    if (t.is_word("CHECK")) return c_.peek(1).is_symbol("(");
    return t.is_word("PERIOD") && c_.peek_is("FOR", 1);
  }

  Element element() {
    Element e;
    if (!at_index_element()) {
      e.kind = Element::Kind::column;
      e.column = parse_column_definition(c_);
      return e;
    }
    std::string symbol;
    if (c_.accept("CONSTRAINT")) {
      if_exists_not(e.if_not_exists);
      if (c_.at_name() && !is_any_word(c_.peek(), {"PRIMARY", "UNIQUE", "FOREIGN", "CHECK"}))
        symbol = c_.name("a constraint name");
      if (!is_any_word(c_.peek(), {"PRIMARY", "UNIQUE", "FOREIGN", "CHECK"}))
        c_.fail("PRIMARY KEY, UNIQUE, FOREIGN KEY or CHECK");
    }
    if (c_.accept("PRIMARY")) {
      c_.expect("KEY");
      e.kind = Element::Kind::primary_key;
      index_body(e, false);
      return e;
    }
    if (c_.accept("UNIQUE")) {
      if (!c_.accept("INDEX")) c_.accept("KEY");
      e.kind = Element::Kind::index;
      e.index.unique = true;
      index_body(e, true);
      if (e.index.name.empty()) e.index.name = symbol;
      return e;
    }
    if (c_.accept("INDEX") || c_.accept("KEY")) {
      e.kind = Element::Kind::index;
      index_body(e, true);
      return e;
    }
    if (c_.peek_is("FULLTEXT") || c_.peek_is("SPATIAL")) {
      e.index.type = to_upper(c_.next().text);
      if (!c_.accept("INDEX")) c_.accept("KEY");
      e.kind = Element::Kind::index;
      index_body(e, true);
      return e;
    }
    if (c_.accept("FOREIGN")) {
      c_.expect("KEY");
      e.kind = Element::Kind::foreign_key;
      if_exists_not(e.if_not_exists);
      e.foreign_key.name = symbol;
      if (c_.at_name()) {
        std::string index_name = c_.name("an index name");
        if (e.foreign_key.name.empty()) e.foreign_key.name = index_name;
      }
      SourceIndex cols;
      parse_key_parts(c_, cols);
      e.foreign_key.columns = cols.columns;
      references(e.foreign_key);
      return e;
    }
    if (c_.accept("CHECK")) {
      c_.expect_symbol("(");
      c_.skip_to_close_paren();
      if (c_.accept("NOT"))
        c_.expect("ENFORCED");
      else
        c_.accept("ENFORCED");
      return e;
    }
    c_.expect("PERIOD");
    c_.expect("FOR");
    c_.name("a period name");
    c_.expect_symbol("(");
    c_.skip_to_close_paren();
    return e;
  }

  void if_exists_not(bool& flag) {
    if (c_.accept("IF")) {
      c_.expect("NOT");
      c_.expect("EXISTS");
      flag = true;
    }
  }

  // [IF NOT EXISTS] [name] [USING type] (key parts) [options]
  void index_body(Element& e, bool named) {
    SourceIndex& index = e.index;
    if (index.type.empty()) index.type = "BTREE";
    if (named) {
      if_exists_not(e.if_not_exists);
      if (c_.at_name() && !c_.peek().is_symbol("(") && !c_.peek_is("USING") && !c_.peek_is("TYPE"))
        index.name = c_.name("an index name");
    }
    index_type(index);
    parse_key_parts(c_, index);
    index_options(index);
  }

  void index_type(SourceIndex& index) {
    if (c_.accept("USING") || c_.accept("TYPE")) index.type = to_upper(c_.name("BTREE, HASH or RTREE"));
  }

  void index_options(SourceIndex& index) {
    while (true) {
      if (c_.peek_is("USING") || c_.peek_is("TYPE")) {
        index_type(index);
      } else if (c_.accept("KEY_BLOCK_SIZE") || c_.accept("ENGINE_ATTRIBUTE") ||
                 c_.accept("SECONDARY_ENGINE_ATTRIBUTE") || c_.accept("CLUSTERING")) {
        c_.optional_equals();
        c_.skip_value();
      } else if (c_.accept("WITH")) {
        c_.expect("PARSER");
        c_.name("a parser name");
      } else if (c_.accept("COMMENT")) {
        c_.string_literal("a comment string");
      } else if (c_.accept("VISIBLE") || c_.accept("INVISIBLE") || c_.accept("IGNORED")) {
      } else if (c_.peek_is("NOT") && c_.peek_is("IGNORED", 1)) {
        c_.next();
        c_.next();
      } else if (c_.at_name() && c_.peek(1).is_symbol("=") && c_.peek().kind == TokenKind::word &&
                 !is_any_word(c_.peek(), {"ALGORITHM", "LOCK"})) {
        c_.next();
        c_.next();
        c_.skip_value();
      } else {
        return;
      }
    }
  }

  void references(SourceForeignKey& fk) {
    c_.expect("REFERENCES");
    QualifiedName ref = c_.qualified_name("a referenced table");
    fk.ref_schema = ref.schema;
    fk.ref_table = ref.name;
    SourceIndex cols;
    if (c_.peek().is_symbol("(")) parse_key_parts(c_, cols);
    fk.ref_columns = cols.columns;
    while (true) {
      if (c_.accept("MATCH")) {
        c_.name("FULL, PARTIAL or SIMPLE");
      } else if (c_.accept("ON")) {
        bool on_delete = c_.accept("DELETE");
        if (!on_delete) c_.expect("UPDATE");
        std::string action;
        if (c_.accept("SET"))
          action = "SET " + to_upper(c_.name("NULL or DEFAULT"));
        else if (c_.accept("NO"))
          action = "NO " + to_upper(c_.name("ACTION"));
        else
          action = to_upper(c_.name("RESTRICT or CASCADE"));
        (on_delete ? fk.on_delete : fk.on_update) = action;
      } else {
        break;
      }
    }
    if (fk.on_delete.empty()) fk.on_delete = "RESTRICT";
    if (fk.on_update.empty()) fk.on_update = "RESTRICT";
  }

  void add_to_definition(Element& e, std::vector<ColumnDefinition>& columns) {
    SourceTable& def = st_.definition;
    switch (e.kind) {
      case Element::Kind::column: {
        const std::string& name = e.column.column.name;
        if (e.column.primary_key) def.primary_key = {name};
        if (e.column.unique) {
          SourceIndex index;
          index.unique = true;
          index.type = "BTREE";
          index.columns = {name};
          def.indexes.push_back(index);
        }
        columns.push_back(std::move(e.column));
        break;
      }
      case Element::Kind::primary_key:
        def.primary_key = e.index.columns;
        break;
      case Element::Kind::index:
        def.indexes.push_back(std::move(e.index));
        break;
      case Element::Kind::foreign_key:
        def.foreign_keys.push_back(std::move(e.foreign_key));
        break;
      case Element::Kind::ignored:
        break;
    }
  }

  // One table option (CREATE TABLE, ALTER TABLE). `action` (ALTER) receives its effect.
  bool table_option(TableOptions& options, AlterAction* action) {
    const size_t start = c_.position();
    bool had_default = c_.accept("DEFAULT");
    if (c_.peek_is("CHARACTER") || c_.peek_is("CHARSET") || (c_.peek_is("CHAR") && c_.peek_is("SET", 1))) {
      if (!c_.accept("CHARSET")) {
        c_.next();
        c_.expect("SET");
      }
      c_.optional_equals();
      options.charset = canonical_charset(c_.string_or_name("a character set"));
      if (c_.accept("COLLATE")) {
        c_.optional_equals();
        options.collation = canonical_collation(c_.string_or_name("a collation"));
      }
      if (action) set_default_charset(*action, options);
      return true;
    }
    if (c_.accept("COLLATE")) {
      c_.optional_equals();
      options.collation = canonical_collation(c_.string_or_name("a collation"));
      if (action) set_default_charset(*action, options);
      return true;
    }
    if (had_default) c_.fail("CHARACTER SET or COLLATE");
    if (c_.accept("ENGINE") || c_.accept("TYPE")) {
      c_.optional_equals();
      options.engine = c_.string_or_name("an engine");
      return no_effect(action);
    }
    if (c_.accept("COMMENT")) {
      c_.optional_equals();
      options.comment = c_.string_literal("a comment string");
      options.has_comment = true;
      if (action) {
        action->kind = AlterKind::table_comment;
        action->comment = options.comment;
      }
      return true;
    }
    if (c_.accept("UNION")) {
      c_.optional_equals();
      c_.expect_symbol("(");
      c_.skip_to_close_paren();
      return no_effect(action);
    }
    if ((c_.peek_is("DATA") || c_.peek_is("INDEX")) && c_.peek_is("DIRECTORY", 1)) {
      c_.next();
      c_.next();
      c_.optional_equals();
      c_.string_literal("a directory");
      return no_effect(action);
    }
    if (c_.accept("TABLESPACE")) {
      c_.optional_equals();
      c_.name("a tablespace");
      if (c_.accept("STORAGE")) c_.name("DISK or MEMORY");
      return no_effect(action);
    }
    if (c_.accept("STORAGE")) {
      c_.name("DISK or MEMORY");
      return no_effect(action);
    }
    if (c_.peek_is("START") && c_.peek_is("TRANSACTION", 1)) {
      c_.next();
      c_.next();
      return no_effect(action);
    }
    if (c_.peek_is("WITH") && c_.peek_is("SYSTEM", 1)) unsupported_versioning();
    if (is_any_word(c_.peek(), {"AUTO_INCREMENT",
                                "AVG_ROW_LENGTH",
                                "CHECKSUM",
                                "TABLE_CHECKSUM",
                                "COMPRESSION",
                                "CONNECTION",
                                "DELAY_KEY_WRITE",
                                "ENCRYPTION",
                                "ENCRYPTED",
                                "ENCRYPTION_KEY_ID",
                                "INSERT_METHOD",
                                "KEY_BLOCK_SIZE",
                                "MAX_ROWS",
                                "MIN_ROWS",
                                "PACK_KEYS",
                                "PASSWORD",
                                "ROW_FORMAT",
                                "STATS_AUTO_RECALC",
                                "STATS_PERSISTENT",
                                "STATS_SAMPLE_PAGES",
                                "PAGE_CHECKSUM",
                                "PAGE_COMPRESSED",
                                "PAGE_COMPRESSION_LEVEL",
                                "TRANSACTIONAL",
                                "IETF_QUOTES",
                                "SEQUENCE",
                                "SECONDARY_ENGINE",
                                "ENGINE_ATTRIBUTE",
                                "SECONDARY_ENGINE_ATTRIBUTE",
                                "AUTOEXTEND_SIZE"}) ||
        ((c_.peek().kind == TokenKind::word || c_.peek().kind == TokenKind::quoted_name) &&
         c_.peek(1).is_symbol("=") && !is_any_word(c_.peek(), {"ALGORITHM", "LOCK"}))) {
      c_.next();
      c_.optional_equals();
      c_.skip_value();
      return no_effect(action);
    }
    c_.rewind(start);
    return false;
  }

  bool no_effect(AlterAction* action) {
    if (action) action->kind = AlterKind::no_effect;
    return true;
  }

  void set_default_charset(AlterAction& action, const TableOptions& options) {
    action.kind = AlterKind::default_charset;
    action.charset = options.charset.empty() ? charset_of_collation(options.collation) : options.charset;
    action.collation = options.collation;
  }

  [[noreturn]] void unsupported_versioning() {
    throw SyncError(
        "0A000", "system-versioned tables are not supported (" + st_.text + ")",
        "Leave the table out of objects: WITH SYSTEM VERSIONING adds hidden columns to its rows.");
  }

  void expect_end() {
    if (!c_.at_end()) c_.fail("the end of the statement");
  }

  // ---- CREATE INDEX / DROP INDEX ----

  // CREATE [OR REPLACE] INDEX: OR REPLACE (MariaDB) drops an index of that name first.
  void create_index(bool or_replace) {
    st_.kind = StatementKind::create_index;
    AlterAction action;
    const size_t start = c_.position();
    action.kind = AlterKind::add_index;
    SourceIndex& index = action.index;
    index.type = "BTREE";
    if (c_.accept("UNIQUE"))
      index.unique = true;
    else if (c_.peek_is("FULLTEXT") || c_.peek_is("SPATIAL"))
      index.type = to_upper(c_.next().text);
    c_.expect("INDEX");
    if_exists_not(action.if_not_exists);
    st_.if_not_exists = action.if_not_exists;
    index.name = c_.name("an index name");
    index_type(index);
    c_.expect("ON");
    st_.tables.push_back(c_.qualified_name("a table name"));
    parse_key_parts(c_, index);
    index_options(index);
    algorithm_and_lock();
    action.text = c_.text_since(start);
    if (or_replace) {
      AlterAction& drop = new_action(AlterKind::drop_index);
      drop.name = index.name;
      drop.if_exists = true;
      drop.text = action.text;
    }
    st_.actions.push_back(std::move(action));
    expect_end();
  }

  void algorithm_and_lock() {
    while (c_.accept("ALGORITHM") || c_.accept("LOCK")) {
      c_.optional_equals();
      c_.lower_word();
    }
    wait_option();
  }

  void wait_option() {
    if (c_.accept("WAIT")) {
      if (c_.peek().kind != TokenKind::number) c_.fail("a number of seconds");
      c_.next();
    } else {
      c_.accept("NOWAIT");
    }
  }

  void drop_index() {
    st_.kind = StatementKind::drop_index;
    AlterAction action;
    const size_t start = c_.position();
    c_.expect("INDEX");
    if_exists(action.if_exists);
    st_.if_exists = action.if_exists;
    action.name = c_.name("an index name");
    action.kind = iequals(action.name, "PRIMARY") ? AlterKind::drop_primary_key : AlterKind::drop_index;
    c_.expect("ON");
    st_.tables.push_back(c_.qualified_name("a table name"));
    algorithm_and_lock();
    action.text = c_.text_since(start);
    st_.actions.push_back(std::move(action));
    expect_end();
  }

  // ---- DROP / RENAME / TRUNCATE ----

  void drop() {
    c_.expect("DROP");
    if (c_.accept("TEMPORARY")) st_.temporary = true;
    if (c_.accept("TABLE") || c_.accept("TABLES")) {
      st_.kind = StatementKind::drop_table;
      if_exists(st_.if_exists);
      do st_.tables.push_back(c_.qualified_name("a table name"));
      while (c_.accept_symbol(","));
      wait_option();
      if (!c_.accept("RESTRICT")) c_.accept("CASCADE");
      return expect_end();
    }
    if (c_.peek_is("INDEX")) return drop_index();
    if (c_.accept("DATABASE") || c_.accept("SCHEMA")) {
      st_.kind = StatementKind::drop_database;
      st_.database = c_.default_db();
      return leniently([&] {
        if_exists(st_.if_exists);
        st_.database = c_.name("a database name");
      });
    }
    st_.kind = StatementKind::other_ddl;
    if (c_.accept("SEQUENCE")) return sequence_names(true);
  }

  void rename() {
    c_.expect("RENAME");
    if (!c_.accept("TABLE") && !c_.accept("TABLES")) {
      st_.kind = StatementKind::other_ddl;  // RENAME USER
      return;
    }
    st_.kind = StatementKind::rename_table;
    if_exists(st_.if_exists);
    do {
      st_.tables.push_back(c_.qualified_name("a table name"));
      wait_option();
      c_.expect("TO");
      st_.rename_to.push_back(c_.qualified_name("a table name"));
    } while (c_.accept_symbol(","));
    expect_end();
  }

  void truncate() {
    c_.expect("TRUNCATE");
    c_.accept("TABLE");
    st_.kind = StatementKind::truncate_table;
    st_.tables.push_back(c_.qualified_name("a table name"));
    wait_option();
    expect_end();
  }

  // ---- ALTER ----

  void alter() {
    c_.expect("ALTER");
    const size_t after_alter = c_.position();
    while (c_.accept("ONLINE") || c_.accept("OFFLINE") || c_.accept("IGNORE")) {
    }
    if (c_.accept("TABLE")) return alter_table();
    c_.rewind(after_alter);
    leniently([&] { skip_create_prefix(c_, nullptr); });
    if (c_.accept("DATABASE") || c_.accept("SCHEMA")) {
      st_.kind = StatementKind::alter_database;
      st_.database = c_.default_db();
      if (c_.at_name() && !is_any_word(c_.peek(), {"DEFAULT", "CHARACTER", "CHARSET", "COLLATE", "ENCRYPTION",
                                                   "READ", "COMMENT", "UPGRADE"}))
        st_.database = c_.next().text;
      return;
    }
    st_.kind = StatementKind::other_ddl;
    if (c_.accept("SEQUENCE")) return sequence_names(false);
  }

  void alter_table() {
    st_.kind = StatementKind::alter_table;
    if_exists(st_.if_exists);
    st_.tables.push_back(c_.qualified_name("a table name"));
    wait_option();
    while (!c_.at_end()) {
      if (c_.accept_symbol(",")) continue;
      alter_action();
    }
  }

  AlterAction& new_action(AlterKind kind) {
    st_.actions.emplace_back();
    st_.actions.back().kind = kind;
    return st_.actions.back();
  }

  ColumnPosition position(ColumnPosition::Kind otherwise) {
    ColumnPosition p;
    p.kind = otherwise;
    if (c_.accept("FIRST")) {
      p.kind = ColumnPosition::Kind::first;
    } else if (c_.accept("AFTER")) {
      p.kind = ColumnPosition::Kind::after;
      p.after = c_.name("a column name");
    }
    return p;
  }

  // An added or redefined column, with its inline keys as separate actions.
  void column_action(AlterKind kind, const std::string& old_name, bool if_flag,
                     ColumnPosition::Kind otherwise, size_t start) {
    ColumnDefinition def = parse_column_definition(c_);
    ColumnPosition pos = position(otherwise);
    std::string text = c_.text_since(start);
    AlterAction& action = new_action(kind);
    action.name = kind == AlterKind::add_column ? def.column.name : old_name;
    if (kind == AlterKind::add_column)
      action.if_not_exists = if_flag;
    else
      action.if_exists = if_flag;
    action.position = pos;
    action.text = text;
    std::string name = def.column.name;
    action.column = std::move(def.column);
    if (def.primary_key) {
      AlterAction& key = new_action(AlterKind::add_primary_key);
      key.index.columns = {name};
      key.index.type = "BTREE";
      key.text = text;
    }
    if (def.unique) {
      AlterAction& key = new_action(AlterKind::add_index);
      key.index.columns = {name};
      key.index.unique = true;
      key.index.type = "BTREE";
      key.text = text;
    }
  }

  void element_action(Element& e, size_t start) {
    AlterAction action;
    switch (e.kind) {
      case Element::Kind::column:
        break;  // handled by the caller
      case Element::Kind::primary_key:
        action.kind = AlterKind::add_primary_key;
        action.index = std::move(e.index);
        break;
      case Element::Kind::index:
        action.kind = AlterKind::add_index;
        action.index = std::move(e.index);
        break;
      case Element::Kind::foreign_key:
        action.kind = AlterKind::add_foreign_key;
        action.foreign_key = std::move(e.foreign_key);
        break;
      case Element::Kind::ignored:
        action.kind = AlterKind::no_effect;
        break;
    }
    action.if_not_exists = e.if_not_exists;
    action.text = c_.text_since(start);
    st_.actions.push_back(std::move(action));
  }

  // Partition operations. Those that delete, replace or move rows without logging them as row
  // events (TRUNCATE/DROP/EXCHANGE/REORGANIZE/COALESCE/IMPORT/DISCARD PARTITION, MariaDB's CONVERT
  // PARTITION/TABLE) are unlogged_rows; the others (ADD, ANALYZE, CHECK, OPTIMIZE, REBUILD, REPAIR
  // PARTITION, PARTITION BY, REMOVE/UPGRADE PARTITIONING) keep the rows: no_effect.
  bool partition_operation() {
    static const std::initializer_list<const char*> verbs = {
        "ADD",      "DROP",    "DISCARD", "IMPORT",   "TRUNCATE", "COALESCE", "REORGANIZE",
        "EXCHANGE", "ANALYZE", "CHECK",   "OPTIMIZE", "REBUILD",  "REPAIR",   "CONVERT"};
    static const std::initializer_list<const char*> unlogged_verbs = {
        "DROP", "DISCARD", "IMPORT", "TRUNCATE", "COALESCE", "REORGANIZE", "EXCHANGE", "CONVERT"};
    bool partition_verb = is_any_word(c_.peek(), verbs) && c_.peek_is("PARTITION", 1);
    bool whole = c_.peek_is("PARTITION") && c_.peek_is("BY", 1);
    bool convert_table = c_.peek_is("CONVERT") && c_.peek_is("TABLE", 1);  // MariaDB: ... TO PARTITION
    bool partitioning = (c_.peek_is("REMOVE") || c_.peek_is("UPGRADE")) && c_.peek_is("PARTITIONING", 1);
    if (!partition_verb && !whole && !convert_table && !partitioning) return false;
    const size_t start = c_.position();
    AlterAction action;
    action.kind = (partition_verb && is_any_word(c_.peek(), unlogged_verbs)) || convert_table
                      ? AlterKind::unlogged_rows
                      : AlterKind::no_effect;
    action.name = to_upper(c_.peek().text) + " " + to_upper(c_.peek(1).text);
    action.rows_unreadable = c_.peek_is("DISCARD");
    if (convert_table) {
      // CONVERT TABLE t2 TO PARTITION p ...: t2's rows move into the table, t2 is gone.
      c_.next();
      c_.next();
      action.other_table = c_.qualified_name("a table name");
      action.other_table_gone = true;
    }
    while (!c_.at_end()) {
      if (c_.peek().kind == TokenKind::error) c_.fail("the end of the statement");
      if (c_.accept_symbol("(")) {
        c_.skip_to_close_paren();
      } else if (action.kind == AlterKind::unlogged_rows && c_.peek_is("TABLE") &&
                 action.other_table.name.empty()) {
        // EXCHANGE PARTITION p WITH TABLE t2 (rows swap), CONVERT PARTITION p TO TABLE t2 (t2 is created
        // with the partition's rows).
        c_.next();
        action.other_table = c_.qualified_name("a table name");
        action.other_table_created = action.name == "CONVERT PARTITION";
      } else {
        c_.next();
      }
    }
    action.text = c_.text_since(start);
    st_.actions.push_back(std::move(action));
    return true;
  }

  void alter_action() {
    const size_t start = c_.position();
    if (partition_operation()) return;
    if (c_.accept("ADD")) return add_action(start);
    if (c_.accept("DROP")) return drop_action(start);
    if (c_.accept("CHANGE")) {
      c_.accept("COLUMN");
      bool flag = false;
      if_exists(flag);
      std::string old_name = c_.name("a column name");
      return column_action(AlterKind::change_column, old_name, flag, ColumnPosition::Kind::unchanged, start);
    }
    if (c_.accept("MODIFY")) {
      c_.accept("COLUMN");
      bool flag = false;
      if_exists(flag);
      std::string name = c_.at_name() ? c_.peek().text : std::string();
      return column_action(AlterKind::modify_column, name, flag, ColumnPosition::Kind::unchanged, start);
    }
    if (c_.accept("RENAME")) return rename_action(start);
    if (c_.accept("ALTER")) return alter_column_action(start);
    if (c_.accept("CONVERT")) {
      c_.expect("TO");
      AlterAction& action = new_action(AlterKind::convert_charset);
      if (!c_.accept("CHARSET")) {
        if (!c_.accept("CHARACTER")) c_.expect("CHAR");
        c_.expect("SET");
      }
      c_.optional_equals();
      action.charset = canonical_charset(c_.name("a character set"));
      if (c_.accept("COLLATE")) {
        c_.optional_equals();
        action.collation = canonical_collation(c_.name("a collation"));
      }
      action.text = c_.text_since(start);
      return;
    }
    if (c_.peek_is("ALGORITHM") || c_.peek_is("LOCK")) {
      c_.next();
      c_.optional_equals();
      c_.lower_word();
      new_action(AlterKind::no_effect).text = c_.text_since(start);
      return;
    }
    if (c_.accept("FORCE") || c_.accept("SECONDARY_LOAD") || c_.accept("SECONDARY_UNLOAD")) {
      new_action(AlterKind::no_effect).text = c_.text_since(start);
      return;
    }
    if (c_.peek_is("ORDER") && c_.peek_is("BY", 1)) {
      c_.next();
      c_.next();
      do {
        c_.qualified_name("a column name");
        if (!c_.accept("ASC")) c_.accept("DESC");
      } while (order_by_continues() && c_.accept_symbol(","));
      new_action(AlterKind::no_effect).text = c_.text_since(start);
      return;
    }
    // DISCARD / IMPORT TABLESPACE: the table's rows go (unreadable until the import) or are replaced
    // by those of the imported file, without row events.
    if ((c_.peek_is("DISCARD") || c_.peek_is("IMPORT")) && c_.peek_is("TABLESPACE", 1)) {
      AlterAction& action = new_action(AlterKind::unlogged_rows);
      action.name = to_upper(c_.next().text);
      action.name += " " + to_upper(c_.next().text);
      action.rows_unreadable = action.name == "DISCARD TABLESPACE";
      action.text = c_.text_since(start);
      return;
    }
    // Two-word clauses that leave the rows as they are: {first word, or first word, second word}.
    static const char* const kNoEffectPairs[][3] = {{"ENABLE", "DISABLE", "KEYS"},
                                                    {"WITH", "WITHOUT", "VALIDATION"}};
    for (const auto& pair : kNoEffectPairs)
      if ((c_.peek_is(pair[0]) || c_.peek_is(pair[1])) && c_.peek_is(pair[2], 1)) {
        c_.next();
        c_.next();
        new_action(AlterKind::no_effect).text = c_.text_since(start);
        return;
      }
    TableOptions options;
    AlterAction action;
    if (table_option(options, &action)) {
      action.text = c_.text_since(start);
      st_.actions.push_back(std::move(action));
      return;
    }
    c_.fail("an ALTER TABLE action");
  }

  // ORDER BY a, b, ENABLE KEYS: a comma followed by a lone name (then a comma, ASC/DESC or the
  // end) continues the list; anything else is the next action.
  bool order_by_continues() const {
    if (!c_.peek().is_symbol(",") || !c_.at_name(1)) return false;
    const Token& after = c_.peek(2);
    return after.kind == TokenKind::end || after.is_symbol(",") || after.is_symbol(".") ||
           after.is_word("ASC") || after.is_word("DESC");
  }

  void add_action(size_t start) {
    if (c_.peek_is("SYSTEM") && c_.peek_is("VERSIONING", 1)) unsupported_versioning();
    bool column_keyword = c_.accept("COLUMN");
    bool flag = false;
    if (column_keyword) if_exists_not(flag);
    if (c_.accept_symbol("(")) {
      // ADD [COLUMN] (a INT, b INT [, INDEX ...])
      do {
        const size_t item = c_.position();
        if (at_index_element()) {
          Element e = element();
          element_action(e, item);
          continue;
        }
        column_action(AlterKind::add_column, std::string(), flag, ColumnPosition::Kind::last, item);
      } while (c_.accept_symbol(","));
      c_.expect_symbol(")");
      return;
    }
    if (!column_keyword && at_index_element()) {
      Element e = element();
      return element_action(e, start);
    }
    if (!column_keyword) if_exists_not(flag);
    column_action(AlterKind::add_column, std::string(), flag, ColumnPosition::Kind::last, start);
  }

  void drop_action(size_t start) {
    if (c_.peek_is("SYSTEM") && c_.peek_is("VERSIONING", 1)) unsupported_versioning();
    AlterAction action;
    if (c_.accept("PRIMARY")) {
      c_.expect("KEY");
      action.kind = AlterKind::drop_primary_key;
    } else if (c_.accept("INDEX") || c_.accept("KEY")) {
      if_exists(action.if_exists);
      action.name = c_.name("an index name");
      action.kind = iequals(action.name, "PRIMARY") ? AlterKind::drop_primary_key : AlterKind::drop_index;
    } else if (c_.accept("FOREIGN")) {
      c_.expect("KEY");
      if_exists(action.if_exists);
      action.kind = AlterKind::drop_foreign_key;
      action.name = c_.name("a foreign key name");
    } else if (c_.accept("CHECK")) {
      if_exists(action.if_exists);
      c_.name("a constraint name");
      action.kind = AlterKind::no_effect;
    } else if (c_.accept("CONSTRAINT")) {
      // A foreign key, a unique key or a CHECK: apply_to_model() finds out which.
      if_exists(action.if_exists);
      action.kind = AlterKind::drop_foreign_key;
      action.name = c_.name("a constraint name");
      action.any_constraint = true;
    } else if (c_.accept("PERIOD")) {
      c_.expect("FOR");
      c_.name("a period name");
      action.kind = AlterKind::no_effect;
    } else {
      c_.accept("COLUMN");
      if_exists(action.if_exists);
      action.kind = AlterKind::drop_column;
      action.name = c_.name("a column name");
      if (!c_.accept("RESTRICT")) c_.accept("CASCADE");
    }
    action.text = c_.text_since(start);
    st_.actions.push_back(std::move(action));
  }

  void rename_action(size_t start) {
    AlterAction action;
    if (c_.accept("COLUMN")) {
      action.kind = AlterKind::rename_column;
      action.name = c_.name("a column name");
      c_.expect("TO");
      action.new_name = c_.name("a column name");
    } else if (c_.accept("INDEX") || c_.accept("KEY")) {
      action.kind = AlterKind::rename_index;
      action.name = c_.name("an index name");
      c_.expect("TO");
      action.new_name = c_.name("an index name");
    } else {
      if (!c_.accept("TO") && !c_.accept("AS")) c_.accept_symbol("=");
      action.kind = AlterKind::rename_table;
      action.rename_to = c_.qualified_name("a table name");
    }
    action.text = c_.text_since(start);
    st_.actions.push_back(std::move(action));
  }

  void alter_column_action(size_t start) {
    AlterAction action;
    if (c_.accept("INDEX") || c_.accept("KEY")) {
      c_.name("an index name");
      if (c_.accept("NOT"))
        c_.expect("IGNORED");
      else if (!c_.accept("VISIBLE") && !c_.accept("INVISIBLE"))
        c_.expect("IGNORED");
      action.kind = AlterKind::no_effect;
    } else if (c_.peek_is("CHECK") || (c_.peek_is("CONSTRAINT") && c_.at_name(1) && !c_.peek_is("SET", 1))) {
      c_.next();
      c_.name("a constraint name");
      if (c_.accept("NOT"))
        c_.expect("ENFORCED");
      else
        c_.expect("ENFORCED");
      action.kind = AlterKind::no_effect;
    } else {
      c_.accept("COLUMN");
      if_exists(action.if_exists);
      action.name = c_.name("a column name");
      action.column.name = action.name;
      if (c_.accept("SET")) {
        if (c_.accept("DEFAULT")) {
          action.kind = AlterKind::set_default;
          parse_default_value(c_, action.column);
        } else {
          if (!c_.accept("VISIBLE")) c_.expect("INVISIBLE");
          action.kind = AlterKind::set_visibility;
        }
      } else if (c_.accept("DROP")) {
        c_.expect("DEFAULT");
        action.kind = AlterKind::drop_default;
      } else {
        c_.fail("SET DEFAULT, DROP DEFAULT or SET VISIBLE");
      }
    }
    action.text = c_.text_since(start);
    st_.actions.push_back(std::move(action));
  }

  DdlCursor& c_;
  DdlStatement& st_;
};

}  // namespace

bool is_table_ddl(StatementKind kind) {
  switch (kind) {
    case StatementKind::create_table:
    case StatementKind::create_table_like:
    case StatementKind::create_table_select:
    case StatementKind::alter_table:
    case StatementKind::rename_table:
    case StatementKind::drop_table:
    case StatementKind::truncate_table:
    case StatementKind::create_index:
    case StatementKind::drop_index:
      return true;
    default:
      return false;
  }
}

std::vector<DdlStatement> parse_statements(const std::string& sql, const std::string& default_db) {
  const std::vector<Token> tokens = tokenize(sql);
  std::vector<DdlStatement> out;
  size_t i = 0;
  while (tokens[i].kind != TokenKind::end) {
    if (tokens[i].is_symbol(";")) {
      ++i;
      continue;
    }
    // The statement's tokens, up to `;` (or the end, for stored programs).
    size_t stop = i;
    {
      DdlCursor probe(tokens, sql, tokens[i].begin, sql.size(), default_db);
      probe.rewind(i);
      const bool rest = takes_rest_of_text(probe);
      while (tokens[stop].kind != TokenKind::end && (rest || !tokens[stop].is_symbol(";"))) ++stop;
    }
    std::vector<Token> statement_tokens(tokens.begin() + static_cast<std::ptrdiff_t>(i),
                                        tokens.begin() + static_cast<std::ptrdiff_t>(stop));
    const size_t begin = tokens[i].begin;
    const size_t end = statement_tokens.back().end;
    Token end_token;
    end_token.kind = TokenKind::end;
    end_token.begin = end_token.end = end;
    statement_tokens.push_back(end_token);
    i = stop;

    DdlStatement& statement = out.emplace_back();
    statement.text = sql.substr(begin, end - begin);
    DdlCursor cursor(statement_tokens, sql, begin, end, default_db);
    StatementParser parser(cursor, statement);
    try {
      parser.parse();
    } catch (const SyncError& e) {
      if (e.sqlstate() != "42601" || is_table_ddl(statement.kind)) throw;
    }
  }
  return out;
}

}  // namespace mysql_sync
