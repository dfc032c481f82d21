// The schema history's JSON through nlohmann/json (Debian's nlohmann-json3-dev): the keys are
// those 0.1.0 wrote, so recorded versions read back the same.
#include "source/source_table_json.h"

#include <nlohmann/json.hpp>

#include "common/errors.h"

namespace mysql_sync {

using nlohmann::json;

void to_json(json& j, const SourceColumn& c) {
  j = json{{"name", c.name},
           {"data_type", c.data_type},
           {"column_type", c.column_type},
           {"nullable", c.nullable},
           {"default_is_expression", c.default_is_expression},
           {"character_set", c.character_set},
           {"collation", c.collation},
           {"collation_id", c.collation_id},
           {"char_max_length", c.char_max_length},
           {"numeric_precision", c.numeric_precision},
           {"numeric_scale", c.numeric_scale},
           {"datetime_precision", c.datetime_precision},
           {"unsigned", c.is_unsigned},
           {"auto_increment", c.auto_increment},
           {"json_text", c.is_json_text},
           {"generated", c.generated},
           {"on_update_current_timestamp", c.on_update_current_timestamp},
           {"enum_values", c.enum_values},
           {"comment", c.comment}};
  if (c.default_value) j["default"] = *c.default_value;
}

void from_json(const json& j, SourceColumn& c) {
  c.name = j.value("name", "");
  c.data_type = j.value("data_type", "");
  c.column_type = j.value("column_type", "");
  c.nullable = j.value("nullable", false);
  if (j.contains("default") && j["default"].is_string()) c.default_value = j["default"].get<std::string>();
  c.default_is_expression = j.value("default_is_expression", false);
  c.character_set = j.value("character_set", "");
  c.collation = j.value("collation", "");
  c.collation_id = j.value("collation_id", uint16_t{0});
  c.char_max_length = j.value("char_max_length", int64_t{0});
  c.numeric_precision = j.value("numeric_precision", int64_t{0});
  c.numeric_scale = j.value("numeric_scale", int64_t{0});
  c.datetime_precision = j.value("datetime_precision", int64_t{0});
  c.is_unsigned = j.value("unsigned", false);
  c.auto_increment = j.value("auto_increment", false);
  c.is_json_text = j.value("json_text", false);
  c.generated = j.value("generated", false);
  c.on_update_current_timestamp = j.value("on_update_current_timestamp", false);
  c.enum_values = j.value("enum_values", std::vector<std::string>{});
  c.comment = j.value("comment", "");
}

void to_json(json& j, const SourceIndex& i) {
  j = json{{"name", i.name},         {"unique", i.unique},       {"type", i.type},
           {"columns", i.columns},   {"on_prefix", i.on_prefix}, {"on_expression", i.on_expression}};
}

void from_json(const json& j, SourceIndex& i) {
  i.name = j.value("name", "");
  i.unique = j.value("unique", false);
  i.type = j.value("type", "");
  i.columns = j.value("columns", std::vector<std::string>{});
  i.on_prefix = j.value("on_prefix", false);
  i.on_expression = j.value("on_expression", false);
}

void to_json(json& j, const SourceForeignKey& f) {
  j = json{{"name", f.name},           {"columns", f.columns},         {"ref_schema", f.ref_schema},
           {"ref_table", f.ref_table}, {"ref_columns", f.ref_columns}, {"on_update", f.on_update},
           {"on_delete", f.on_delete}};
}

void from_json(const json& j, SourceForeignKey& f) {
  f.name = j.value("name", "");
  f.columns = j.value("columns", std::vector<std::string>{});
  f.ref_schema = j.value("ref_schema", "");
  f.ref_table = j.value("ref_table", "");
  f.ref_columns = j.value("ref_columns", std::vector<std::string>{});
  f.on_update = j.value("on_update", "");
  f.on_delete = j.value("on_delete", "");
}

namespace {

[[noreturn]] void damaged(const std::string& why) {
  throw SyncError("XX000", "mysql_sync schema history: damaged table definition (" + why + ")",
                  "drop_sync and start_sync again, or resync_table the table.");
}

// Deeper than any definition we write: a damaged row cannot make the parser recurse without bound.
constexpr int kMaxDepth = 16;

}  // namespace

std::string source_table_to_json(const SourceTable& t) {
  json j{{"schema", t.schema},     {"name", t.name},
         {"columns", t.columns},   {"primary_key", t.primary_key},
         {"indexes", t.indexes},   {"foreign_keys", t.foreign_keys},
         {"engine", t.engine},     {"comment", t.comment},
         {"default_charset", t.default_charset}};
  try {
    return j.dump();
  } catch (const json::exception& e) {
    throw SyncError("22021", "the definition of " + t.schema + "." + t.name + " cannot be stored as JSON: " + e.what());
  }
}

SourceTable source_table_from_json(const std::string& text) {
  int depth = 0;
  bool too_deep = false;
  json::parser_callback_t limit = [&](int level, json::parse_event_t event, json&) {
    if (event == json::parse_event_t::object_start || event == json::parse_event_t::array_start) {
      depth = level;
      if (level > kMaxDepth) too_deep = true;
    }
    return !too_deep;
  };
  json j;
  try {
    j = json::parse(text, limit);
  } catch (const json::exception& e) {
    damaged(e.what());
  }
  if (too_deep) damaged("nested too deeply");
  if (!j.is_object()) damaged("not an object");
  SourceTable t;
  try {
    t.schema = j.value("schema", "");
    t.name = j.value("name", "");
    t.columns = j.value("columns", std::vector<SourceColumn>{});
    t.primary_key = j.value("primary_key", std::vector<std::string>{});
    t.indexes = j.value("indexes", std::vector<SourceIndex>{});
    t.foreign_keys = j.value("foreign_keys", std::vector<SourceForeignKey>{});
    t.engine = j.value("engine", "");
    t.comment = j.value("comment", "");
    t.default_charset = j.value("default_charset", "");
  } catch (const json::exception& e) {
    damaged(e.what());
  }
  return t;
}

}  // namespace mysql_sync
