#include "source/source_uri.h"

#include <cctype>
#include <string_view>

#include "common/errors.h"

namespace mysql_sync {

namespace {

constexpr const char* kScheme = "mysql://";
constexpr const char* kMask = "********";
constexpr const char* kUriHint =
    "The source looks like mysql://user:password@host:port?ssl_mode=require&ssl_ca=/path/ca.pem "
    "(port defaults to 3306; ssl_mode is one of disable, require, verify_ca, verify_identity; "
    "percent-encode special characters of the user and password, e.g. %25 for %, %40 for @).";

[[noreturn]] void fail(const std::string& problem) {
  throw SyncError("22023", "invalid source URI: " + problem, kUriHint);
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// `what` names the part in the error; the text itself is never echoed (it may be the password).
std::string percent_decode(std::string_view text, const char* what) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '%') {
      out.push_back(text[i]);
      continue;
    }
    bool complete = i + 2 < text.size();
    int high = complete ? hex_value(text[i + 1]) : -1;
    int low = complete ? hex_value(text[i + 2]) : -1;
    if (high < 0 || low < 0) fail(std::string("a % in the ") + what + " is not followed by two hex digits");
    out.push_back(static_cast<char>(high * 16 + low));
    i += 2;
  }
  return out;
}

std::string percent_encode_userinfo(const std::string& text) {
  static const char hex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : text) {
    if (std::isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~') {
      out.push_back(static_cast<char>(c));
    } else {
      out.push_back('%');
      out.push_back(hex[c >> 4]);
      out.push_back(hex[c & 15]);
    }
  }
  return out;
}

std::string lower(std::string text) {
  for (char& c : text) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return text;
}

unsigned parse_port(std::string_view text) {
  if (text.empty() || text.size() > 5) fail("the port must be a number from 1 to 65535");
  unsigned port = 0;
  for (char c : text) {
    if (c < '0' || c > '9') fail("the port must be a number from 1 to 65535");
    port = port * 10 + static_cast<unsigned>(c - '0');
  }
  if (port == 0 || port > 65535) fail("the port must be a number from 1 to 65535");
  return port;
}

// host, host:port, [v6], [v6]:port; a trailing "/" is allowed (no database part).
void parse_host_port(std::string_view text, SourceUri& uri) {
  if (!text.empty() && text.back() == '/') text.remove_suffix(1);
  if (text.find('/') != std::string_view::npos)
    fail("a database path is not accepted (choose tables with the objects argument)");
  std::string_view port_text;
  bool has_port = false;
  if (!text.empty() && text.front() == '[') {
    size_t close = text.find(']');
    if (close == std::string_view::npos) fail("an IPv6 host lacks its closing ]");
    uri.host = std::string(text.substr(1, close - 1));
    std::string_view rest = text.substr(close + 1);
    if (!rest.empty()) {
      if (rest.front() != ':') fail("unexpected text after the IPv6 host");
      port_text = rest.substr(1);
      has_port = true;
    }
  } else {
    size_t colon = text.find(':');
    uri.host = std::string(text.substr(0, colon));
    if (colon != std::string_view::npos) {
      port_text = text.substr(colon + 1);
      has_port = true;
    }
  }
  if (uri.host.empty()) fail("the host is missing");
  for (char c : uri.host)
    if (std::isspace(static_cast<unsigned char>(c)) || c == '@' || c == '?' || c == '&')
      fail("the host contains a character that a host name cannot have");
  if (has_port) uri.port = parse_port(port_text);
}

void parse_query(std::string_view query, SourceUri& uri) {
  bool seen_mode = false, seen_ca = false, seen_key = false;
  while (!query.empty()) {
    size_t amp = query.find('&');
    std::string_view pair = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view() : query.substr(amp + 1);
    if (pair.empty()) continue;
    size_t eq = pair.find('=');
    if (eq == std::string_view::npos) fail("the option \"" + std::string(pair) + "\" has no value");
    std::string key = lower(std::string(pair.substr(0, eq)));
    std::string value = percent_decode(pair.substr(eq + 1), "option value");
    if (key == "ssl_mode") {
      if (seen_mode) fail("ssl_mode is given twice");
      seen_mode = true;
      uri.ssl_mode = lower(value);
      if (uri.ssl_mode != "disable" && uri.ssl_mode != "require" && uri.ssl_mode != "verify_ca" &&
          uri.ssl_mode != "verify_identity")
        fail("ssl_mode \"" + value + "\" is not one of disable, require, verify_ca, verify_identity");
    } else if (key == "ssl_ca") {
      if (seen_ca) fail("ssl_ca is given twice");
      seen_ca = true;
      if (value.empty()) fail("ssl_ca is empty");
      uri.ssl_ca = value;
    } else if (key == "server_public_key") {
      if (seen_key) fail("server_public_key is given twice");
      seen_key = true;
      if (value.empty()) fail("server_public_key is empty");
      uri.server_public_key = value;
    } else {
      fail("unknown option \"" + key + "\" (accepted: ssl_mode, ssl_ca, server_public_key)");
    }
  }
  if (!uri.ssl_ca.empty()) {
    if (uri.ssl_mode == "disable") fail("ssl_ca contradicts ssl_mode=disable");
    if (uri.ssl_mode.empty()) uri.ssl_mode = "verify_ca";  // a CA file is given to be checked
  }
  // libmariadb checks the certificate chain only against an explicit CA file.
  if ((uri.ssl_mode == "verify_ca" || uri.ssl_mode == "verify_identity") && uri.ssl_ca.empty())
    fail("ssl_mode=" + uri.ssl_mode + " needs ssl_ca=/path/to/ca.pem");
}

}  // namespace

SourceUri SourceUri::parse(const std::string& text) {
  std::string_view rest(text);
  const std::string_view scheme(kScheme);
  if (rest.size() < scheme.size() || lower(std::string(rest.substr(0, scheme.size()))) != scheme)
    fail("it must start with mysql://");
  rest.remove_prefix(scheme.size());

  // The last @ ends the user info, so an unencoded @ or : in the password still works.
  size_t at = rest.rfind('@');
  if (at == std::string_view::npos) fail("the user is missing (mysql://user:password@host)");
  std::string_view userinfo = rest.substr(0, at);
  std::string_view after = rest.substr(at + 1);

  SourceUri uri;
  size_t colon = userinfo.find(':');
  uri.user = percent_decode(userinfo.substr(0, colon), "user");
  if (colon != std::string_view::npos) uri.password = percent_decode(userinfo.substr(colon + 1), "password");
  if (uri.user.empty()) fail("the user is missing (mysql://user:password@host)");

  size_t question = after.find('?');
  parse_host_port(after.substr(0, question), uri);
  if (question != std::string_view::npos) parse_query(after.substr(question + 1), uri);
  return uri;
}

std::string SourceUri::masked() const {
  std::string out = kScheme;
  out += percent_encode_userinfo(user);
  if (!password.empty()) {
    out += ':';
    out += kMask;
  }
  out += '@';
  out += host.find(':') != std::string::npos ? "[" + host + "]" : host;
  out += ':' + std::to_string(port);
  std::string query;
  if (!ssl_mode.empty()) query += "ssl_mode=" + ssl_mode;
  if (!ssl_ca.empty()) query += (query.empty() ? "" : "&") + std::string("ssl_ca=") + ssl_ca;
  if (!server_public_key.empty())
    query += (query.empty() ? "" : "&") + std::string("server_public_key=") + server_public_key;
  if (!query.empty()) out += "?" + query;
  return out;
}

std::string mask_source_password(const std::string& uri) {
  // Deliberately lenient and conservative: everything between the first ':' after the scheme and
  // the last '@' is hidden, even when the rest would not parse.
  size_t scheme_end = uri.find("://");
  size_t start = scheme_end == std::string::npos ? 0 : scheme_end + 3;
  size_t at = uri.rfind('@');
  if (at == std::string::npos || at < start) return uri;
  size_t colon = uri.find(':', start);
  if (colon == std::string::npos || colon > at) return uri;
  return uri.substr(0, colon + 1) + kMask + uri.substr(at);
}

}  // namespace mysql_sync
