#include "source/source_table_json.h"

#include <cstdlib>
#include <map>
#include <memory>
#include <vector>

#include "common/errors.h"
#include "binlog/json_escape.h"

namespace mysql_sync {
namespace {

// ---------------------------------------------------------------- writing

class Writer {
 public:
  void begin() {
    out_ += '{';
    first_ = true;
  }
  void end() {
    out_ += '}';
    first_ = false;
  }
  void key(const char* name) {
    if (!first_) out_ += ',';
    first_ = false;
    append_json_string(out_, name);
    out_ += ':';
  }
  void str(const char* name, const std::string& value) {
    key(name);
    append_json_string(out_, value);
  }
  void num(const char* name, int64_t value) {
    key(name);
    out_ += std::to_string(value);
  }
  void flag(const char* name, bool value) {
    key(name);
    out_ += value ? "true" : "false";
  }
  void strings(const char* name, const std::vector<std::string>& values) {
    key(name);
    out_ += '[';
    for (size_t i = 0; i < values.size(); i++) {
      if (i) out_ += ',';
      append_json_string(out_, values[i]);
    }
    out_ += ']';
  }
  template <typename T, typename F>
  void objects(const char* name, const std::vector<T>& values, F write_one) {
    key(name);
    out_ += '[';
    for (size_t i = 0; i < values.size(); i++) {
      if (i) out_ += ',';
      begin();
      write_one(values[i]);
      end();
    }
    out_ += ']';
  }
  std::string& text() { return out_; }

 private:
  std::string out_;
  bool first_ = true;
};

void write_column(Writer& w, const SourceColumn& c) {
  w.str("name", c.name);
  w.str("data_type", c.data_type);
  w.str("column_type", c.column_type);
  w.flag("nullable", c.nullable);
  if (c.default_value) w.str("default", *c.default_value);
  w.flag("default_is_expression", c.default_is_expression);
  w.str("character_set", c.character_set);
  w.str("collation", c.collation);
  w.num("collation_id", c.collation_id);
  w.num("char_max_length", c.char_max_length);
  w.num("numeric_precision", c.numeric_precision);
  w.num("numeric_scale", c.numeric_scale);
  w.num("datetime_precision", c.datetime_precision);
  w.flag("unsigned", c.is_unsigned);
  w.flag("auto_increment", c.auto_increment);
  w.flag("json_text", c.is_json_text);
  w.flag("generated", c.generated);
  w.flag("on_update_current_timestamp", c.on_update_current_timestamp);
  w.strings("enum_values", c.enum_values);
  w.str("comment", c.comment);
}

// ---------------------------------------------------------------- reading

struct Json {
  enum class Kind { null, boolean, number, string, array, object } kind = Kind::null;
  bool boolean = false;
  int64_t number = 0;
  std::string string;
  std::vector<Json> array;
  std::map<std::string, Json> object;

  const Json& operator[](const char* name) const {
    static const Json absent;
    auto it = object.find(name);
    return it == object.end() ? absent : it->second;
  }
};

[[noreturn]] void damaged(const std::string& why) {
  throw SyncError("XX000", "mysql_sync schema history: damaged table definition (" + why + ")",
                  "drop_sync and start_sync again, or resync_table the table.");
}

class Reader {
 public:
  explicit Reader(const std::string& text) : s_(text) {}
  Json parse() {
    Json value = parse_value(0);
    skip_space();
    if (i_ != s_.size()) damaged("trailing text");
    return value;
  }

 private:
  void skip_space() {
    while (i_ < s_.size() && (s_[i_] == ' ' || s_[i_] == '\n' || s_[i_] == '\t' || s_[i_] == '\r')) i_++;
  }
  bool take(char c) {
    skip_space();
    if (i_ < s_.size() && s_[i_] == c) {
      i_++;
      return true;
    }
    return false;
  }
  void expect(char c) {
    if (!take(c)) damaged(std::string("expected '") + c + "' at " + std::to_string(i_));
  }
  bool word(const char* w) {
    size_t n = std::char_traits<char>::length(w);
    if (s_.compare(i_, n, w) != 0) return false;
    i_ += n;
    return true;
  }
  static void append_utf8(std::string& out, unsigned code) {
    if (code < 0x80) {
      out += char(code);
    } else if (code < 0x800) {
      out += char(0xC0 | (code >> 6));
      out += char(0x80 | (code & 0x3F));
    } else if (code < 0x10000) {
      out += char(0xE0 | (code >> 12));
      out += char(0x80 | ((code >> 6) & 0x3F));
      out += char(0x80 | (code & 0x3F));
    } else {
      out += char(0xF0 | (code >> 18));
      out += char(0x80 | ((code >> 12) & 0x3F));
      out += char(0x80 | ((code >> 6) & 0x3F));
      out += char(0x80 | (code & 0x3F));
    }
  }
  unsigned hex4() {
    if (i_ + 4 > s_.size()) damaged("short \\u escape");
    unsigned code = 0;
    for (int k = 0; k < 4; k++) {
      char c = s_[i_++];
      code <<= 4;
      if (c >= '0' && c <= '9')
        code |= unsigned(c - '0');
      else if (c >= 'a' && c <= 'f')
        code |= unsigned(c - 'a' + 10);
      else if (c >= 'A' && c <= 'F')
        code |= unsigned(c - 'A' + 10);
      else
        damaged("bad \\u escape");
    }
    return code;
  }
  std::string parse_string() {
    expect('"');
    std::string out;
    while (i_ < s_.size() && s_[i_] != '"') {
      char c = s_[i_++];
      if (c != '\\') {
        out += c;
        continue;
      }
      if (i_ >= s_.size()) break;
      char e = s_[i_++];
      switch (e) {
        case 'n':
          out += '\n';
          break;
        case 't':
          out += '\t';
          break;
        case 'r':
          out += '\r';
          break;
        case 'b':
          out += '\b';
          break;
        case 'f':
          out += '\f';
          break;
        case 'u': {
          unsigned code = hex4();
          if (code >= 0xD800 && code < 0xDC00 && word("\\u"))
            code = 0x10000 + ((code - 0xD800) << 10) + (hex4() - 0xDC00);
          append_utf8(out, code);
          break;
        }
        default:
          out += e;
      }
    }
    if (i_ >= s_.size()) damaged("unterminated string");
    i_++;
    return out;
  }
  Json parse_value(int depth) {
    if (depth > 16) damaged("nested too deeply");
    skip_space();
    Json v;
    if (i_ >= s_.size()) damaged("unexpected end");
    char c = s_[i_];
    if (c == '"') {
      v.kind = Json::Kind::string;
      v.string = parse_string();
    } else if (c == '{') {
      i_++;
      v.kind = Json::Kind::object;
      if (!take('}')) {
        do {
          skip_space();
          std::string name = parse_string();
          expect(':');
          v.object[name] = parse_value(depth + 1);
        } while (take(','));
        expect('}');
      }
    } else if (c == '[') {
      i_++;
      v.kind = Json::Kind::array;
      if (!take(']')) {
        do v.array.push_back(parse_value(depth + 1));
        while (take(','));
        expect(']');
      }
    } else if (word("true") || word("false")) {
      v.kind = Json::Kind::boolean;
      v.boolean = s_[i_ - 1] == 'e' && s_[i_ - 2] == 'u';
    } else if (word("null")) {
      v.kind = Json::Kind::null;
    } else {
      char* end = nullptr;
      v.kind = Json::Kind::number;
      v.number = std::strtoll(s_.c_str() + i_, &end, 10);
      if (end == s_.c_str() + i_) damaged("unexpected character at " + std::to_string(i_));
      i_ = size_t(end - s_.c_str());
    }
    return v;
  }

  const std::string& s_;
  size_t i_ = 0;
};

std::vector<std::string> strings_of(const Json& j) {
  std::vector<std::string> out;
  for (const Json& e : j.array) out.push_back(e.string);
  return out;
}

SourceColumn read_column(const Json& j) {
  SourceColumn c;
  c.name = j["name"].string;
  c.data_type = j["data_type"].string;
  c.column_type = j["column_type"].string;
  c.nullable = j["nullable"].boolean;
  if (j["default"].kind == Json::Kind::string) c.default_value = j["default"].string;
  c.default_is_expression = j["default_is_expression"].boolean;
  c.character_set = j["character_set"].string;
  c.collation = j["collation"].string;
  c.collation_id = static_cast<uint16_t>(j["collation_id"].number);
  c.char_max_length = j["char_max_length"].number;
  c.numeric_precision = j["numeric_precision"].number;
  c.numeric_scale = j["numeric_scale"].number;
  c.datetime_precision = j["datetime_precision"].number;
  c.is_unsigned = j["unsigned"].boolean;
  c.auto_increment = j["auto_increment"].boolean;
  c.is_json_text = j["json_text"].boolean;
  c.generated = j["generated"].boolean;
  c.on_update_current_timestamp = j["on_update_current_timestamp"].boolean;
  c.enum_values = strings_of(j["enum_values"]);
  c.comment = j["comment"].string;
  return c;
}

}  // namespace

std::string source_table_to_json(const SourceTable& t) {
  Writer w;
  w.begin();
  w.str("schema", t.schema);
  w.str("name", t.name);
  w.objects("columns", t.columns, [&](const SourceColumn& c) { write_column(w, c); });
  w.strings("primary_key", t.primary_key);
  w.objects("indexes", t.indexes, [&](const SourceIndex& i) {
    w.str("name", i.name);
    w.flag("unique", i.unique);
    w.str("type", i.type);
    w.strings("columns", i.columns);
    w.flag("on_prefix", i.on_prefix);
    w.flag("on_expression", i.on_expression);
  });
  w.objects("foreign_keys", t.foreign_keys, [&](const SourceForeignKey& f) {
    w.str("name", f.name);
    w.strings("columns", f.columns);
    w.str("ref_schema", f.ref_schema);
    w.str("ref_table", f.ref_table);
    w.strings("ref_columns", f.ref_columns);
    w.str("on_update", f.on_update);
    w.str("on_delete", f.on_delete);
  });
  w.str("engine", t.engine);
  w.str("comment", t.comment);
  w.str("default_charset", t.default_charset);
  w.end();
  return std::move(w.text());
}

SourceTable source_table_from_json(const std::string& json) {
  Json j = Reader(json).parse();
  if (j.kind != Json::Kind::object) damaged("not an object");
  SourceTable t;
  t.schema = j["schema"].string;
  t.name = j["name"].string;
  for (const Json& c : j["columns"].array) t.columns.push_back(read_column(c));
  t.primary_key = strings_of(j["primary_key"]);
  for (const Json& i : j["indexes"].array) {
    SourceIndex index;
    index.name = i["name"].string;
    index.unique = i["unique"].boolean;
    index.type = i["type"].string;
    index.columns = strings_of(i["columns"]);
    index.on_prefix = i["on_prefix"].boolean;
    index.on_expression = i["on_expression"].boolean;
    t.indexes.push_back(std::move(index));
  }
  for (const Json& f : j["foreign_keys"].array) {
    SourceForeignKey fk;
    fk.name = f["name"].string;
    fk.columns = strings_of(f["columns"]);
    fk.ref_schema = f["ref_schema"].string;
    fk.ref_table = f["ref_table"].string;
    fk.ref_columns = strings_of(f["ref_columns"]);
    fk.on_update = f["on_update"].string;
    fk.on_delete = f["on_delete"].string;
    t.foreign_keys.push_back(std::move(fk));
  }
  t.engine = j["engine"].string;
  t.comment = j["comment"].string;
  t.default_charset = j["default_charset"].string;
  return t;
}

}  // namespace mysql_sync
