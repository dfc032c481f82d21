#include "source/gtid_set.h"

#include <algorithm>
#include <cctype>
#include <charconv>

#include "common/errors.h"

namespace mysql_sync {

namespace {

[[noreturn]] void bad(const std::string& what, std::string_view text) {
  throw SyncError("22023", "invalid GTID " + what + ": \"" + std::string(text) + "\"",
                  "Give a MySQL GTID set like 3e11fa47-71ca-11e1-9e33-c80aa9429562:1-5 or a MariaDB GTID "
                  "position like 0-1-100 (domain-server-sequence, one per domain).");
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

std::vector<std::string_view> split(std::string_view s, char sep) {
  std::vector<std::string_view> parts;
  size_t start = 0;
  for (;;) {
    size_t at = s.find(sep, start);
    parts.push_back(
        trim(s.substr(start, at == std::string_view::npos ? std::string_view::npos : at - start)));
    if (at == std::string_view::npos) return parts;
    start = at + 1;
  }
}

bool parse_number(std::string_view s, uint64_t& out) {
  if (s.empty() || s.size() > 19) return false;
  out = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
    out = out * 10 + uint64_t(c - '0');
  }
  return true;
}

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

bool is_uuid(const std::string& s) {
  if (s.size() != 36) return false;
  for (size_t i = 0; i < s.size(); i++) {
    bool dash = i == 8 || i == 13 || i == 18 || i == 23;
    if (dash ? s[i] != '-' : !std::isxdigit(static_cast<unsigned char>(s[i]))) return false;
  }
  return true;
}

// MySQL 8.3+ tags: a letter or underscore, then letters, digits, underscores; at most 32.
bool is_tag(const std::string& s) {
  if (s.empty() || s.size() > 32 || std::isdigit(static_cast<unsigned char>(s[0]))) return false;
  return std::all_of(s.begin(), s.end(),
                     [](char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; });
}

void append_number(std::string& out, uint64_t v) {
  char digits[20];
  out.append(digits, std::to_chars(digits, digits + sizeof digits, v).ptr);
}

void put_u64(std::string& out, uint64_t v) {
  for (int i = 0; i < 8; i++) out.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}

void put_uuid(std::string& out, const std::string& uuid) {
  auto nibble = [](char c) { return c <= '9' ? c - '0' : c - 'a' + 10; };
  for (size_t i = 0; i < uuid.size(); i++) {
    if (uuid[i] == '-') continue;
    out.push_back(static_cast<char>(nibble(uuid[i]) << 4 | nibble(uuid[i + 1])));
    i++;
  }
}

}  // namespace

void GtidSet::set_flavor(GtidFlavor flavor, std::string_view context) {
  if (flavor_ == GtidFlavor::none) flavor_ = flavor;
  if (flavor_ != flavor)
    bad(flavor == GtidFlavor::mysql ? "(a MySQL GTID in a MariaDB position)"
                                    : "(a MariaDB GTID in a MySQL set)",
        context);
}

GtidFlavor GtidSet::flavor_of(std::string_view text) {
  text = trim(text);
  if (text.empty()) return GtidFlavor::none;
  return text.find(':') != std::string_view::npos ? GtidFlavor::mysql : GtidFlavor::mariadb;
}

GtidSet GtidSet::parse(std::string_view text) {
  GtidSet set;
  text = trim(text);
  if (text.empty()) return set;
  for (std::string_view part : split(text, ',')) {
    if (part.empty()) bad("set (an empty element)", text);
    if (part.find(':') != std::string_view::npos) {
      set.set_flavor(GtidFlavor::mysql, text);
      set.parse_mysql_group(part);
    } else {
      set.set_flavor(GtidFlavor::mariadb, text);
      set.parse_mariadb_gtid(part, true);
    }
  }
  return set;
}

// "uuid:1-5:7:tag:1-3": intervals, each run of them for the tag named before it ("" at first).
void GtidSet::parse_mysql_group(std::string_view group) {
  std::vector<std::string_view> fields = split(group, ':');
  std::string uuid = lower(fields[0]);
  if (!is_uuid(uuid)) bad("UUID", fields[0]);
  std::string tag;
  bool intervals_of_tag = true;  // an untagged UUID needs no interval ("uuid:tag:1" does)
  for (size_t i = 1; i < fields.size(); i++) {
    std::string_view field = fields[i];
    if (!field.empty() && !std::isdigit(static_cast<unsigned char>(field[0]))) {
      if (!intervals_of_tag) bad("set (a tag without intervals)", group);
      tag = lower(field);
      if (!is_tag(tag)) bad("tag", field);
      intervals_of_tag = false;
      continue;
    }
    size_t dash = field.find('-');
    uint64_t first = 0, last = 0;
    if (!parse_number(field.substr(0, dash), first) ||
        !parse_number(dash == std::string_view::npos ? field : field.substr(dash + 1), last) || first == 0 ||
        last < first)
      bad("interval", field);
    add_interval({uuid, tag}, {first, last});
    intervals_of_tag = true;
  }
  if (!intervals_of_tag || fields.size() == 1) bad("set (a UUID or tag without intervals)", group);
}

void GtidSet::parse_mariadb_gtid(std::string_view gtid, bool keep_higher) {
  // Split by hand: the reader parses one per transaction.
  const size_t first = gtid.find('-');
  const size_t second = first == std::string_view::npos ? first : gtid.find('-', first + 1);
  uint64_t domain = 0, server = 0, seq = 0;
  if (second == std::string_view::npos || gtid.find('-', second + 1) != std::string_view::npos ||
      !parse_number(trim(gtid.substr(0, first)), domain) ||
      !parse_number(trim(gtid.substr(first + 1, second - first - 1)), server) ||
      !parse_number(trim(gtid.substr(second + 1)), seq) || domain > UINT32_MAX || server > UINT32_MAX)
    bad("(domain-server-sequence)", gtid);
  auto [it, inserted] = mariadb_.try_emplace(uint32_t(domain), MariadbGtid{uint32_t(server), seq});
  if (!inserted && (!keep_higher || seq >= it->second.seq)) it->second = MariadbGtid{uint32_t(server), seq};
}

void GtidSet::add_interval(const SourceKey& source, Interval interval) {
  std::vector<Interval>& list = mysql_[source];
  // The first interval that ends at or after interval.first - 1 (touching or overlapping).
  auto it = std::lower_bound(list.begin(), list.end(), interval.first,
                             [](const Interval& i, uint64_t first) { return i.last + 1 < first; });
  auto end = it;
  while (end != list.end() && end->first <= interval.last + 1) {
    interval.first = std::min(interval.first, end->first);
    interval.last = std::max(interval.last, end->last);
    ++end;
  }
  it = list.erase(it, end);
  list.insert(it, interval);
}

void GtidSet::add(std::string_view gtid) {
  const size_t colon = gtid.rfind(':');
  if (colon == std::string_view::npos) {
    set_flavor(GtidFlavor::mariadb, gtid);
    parse_mariadb_gtid(gtid, false);
    return;
  }
  // The reader adds every transaction's GTID: one of the same source as the last one (as spelled
  // then) needs neither the parse of its UUID and tag nor the search of its interval.
  uint64_t gno = 0;
  if (flavor_ == GtidFlavor::mysql && !last_prefix_.empty() &&
      gtid.compare(0, colon + 1, last_prefix_) == 0 && parse_number(gtid.substr(colon + 1), gno) &&
      gno != 0) {
    std::vector<Interval>& list = mysql_[last_source_];
    if (!list.empty() && list.back().last + 1 == gno)
      list.back().last = gno;
    else
      add_interval(last_source_, {gno, gno});
    return;
  }
  set_flavor(GtidFlavor::mysql, gtid);
  std::vector<std::string_view> fields = split(gtid, ':');
  if ((fields.size() != 2 && fields.size() != 3) || !parse_number(fields.back(), gno) || gno == 0)
    bad("(uuid:number or uuid:tag:number)", gtid);
  std::string uuid = lower(fields[0]);
  std::string tag = fields.size() == 3 ? lower(fields[1]) : "";
  if (!is_uuid(uuid) || (fields.size() == 3 && !is_tag(tag))) bad("(uuid:number or uuid:tag:number)", gtid);
  last_source_ = {uuid, tag};
  add_interval(last_source_, {gno, gno});
  last_prefix_.assign(gtid.substr(0, colon + 1));
}

void GtidSet::merge(const GtidSet& other) {
  if (other.empty()) return;
  set_flavor(other.flavor_, other.to_string());
  for (const auto& [source, intervals] : other.mysql_)
    for (const Interval& i : intervals) add_interval(source, i);
  for (const auto& [domain, gtid] : other.mariadb_) {
    auto [it, inserted] = mariadb_.try_emplace(domain, gtid);
    if (!inserted && gtid.seq > it->second.seq) it->second = gtid;
  }
}

GtidSet GtidSet::minus(const GtidSet& other) const {
  GtidSet out;
  if (empty()) return out;
  if (!other.empty() && other.flavor_ != flavor_) {
    out = *this;  // nothing of one flavour is in a set of the other
    return out;
  }
  out.flavor_ = flavor_;
  for (const auto& [domain, gtid] : mariadb_) {
    auto theirs = other.mariadb_.find(domain);
    if (theirs == other.mariadb_.end() || gtid.seq > theirs->second.seq ||
        (gtid.seq == theirs->second.seq && gtid.server != theirs->second.server))
      out.mariadb_[domain] = gtid;
  }
  for (const auto& [source, intervals] : mysql_) {
    auto theirs = other.mysql_.find(source);
    for (Interval rest : intervals) {
      if (theirs != other.mysql_.end()) {
        for (const Interval& cut : theirs->second) {
          if (cut.last < rest.first) continue;
          if (cut.first > rest.last) break;
          if (cut.first > rest.first) out.add_interval(source, {rest.first, cut.first - 1});
          if (cut.last >= rest.last) {
            rest.first = 1;
            rest.last = 0;  // used up
            break;
          }
          rest.first = cut.last + 1;
        }
      }
      if (rest.first <= rest.last) out.add_interval(source, rest);
    }
  }
  if (out.mysql_.empty() && out.mariadb_.empty()) out.flavor_ = GtidFlavor::none;
  return out;
}

std::string GtidSet::to_string() const {
  std::string out;
  for (const auto& [domain, gtid] : mariadb_) {
    if (!out.empty()) out += ',';
    append_number(out, domain);
    out += '-';
    append_number(out, gtid.server);
    out += '-';
    append_number(out, gtid.seq);
  }
  const std::string* uuid = nullptr;
  for (const auto& [source, intervals] : mysql_) {
    if (intervals.empty()) continue;
    if (uuid == nullptr || *uuid != source.first) {
      if (!out.empty()) out += ',';
      out += source.first;
      uuid = &source.first;
    }
    if (!source.second.empty()) {
      out += ':';
      out += source.second;
    }
    for (const Interval& i : intervals) {
      out += ':';
      append_number(out, i.first);
      if (i.last != i.first) {
        out += '-';
        append_number(out, i.last);
      }
    }
  }
  return out;
}

std::string GtidSet::mysql_encoded() const {
  if (flavor_ == GtidFlavor::mariadb)
    throw SyncError("22023", "a MariaDB GTID position has no MySQL encoding");
  bool tagged = false;
  uint64_t sources = 0;
  for (const auto& [source, intervals] : mysql_) {
    if (intervals.empty()) continue;
    sources++;
    tagged = tagged || !source.second.empty();
  }
  std::string out;
  put_u64(out, tagged ? (uint64_t{1} << 56) | (sources << 8) | 1 : sources);
  for (const auto& [source, intervals] : mysql_) {
    if (intervals.empty()) continue;
    put_uuid(out, source.first);
    if (tagged) {
      out.push_back(static_cast<char>(source.second.size() << 1));  // a serialized length, one byte up to 127
      out += source.second;
    }
    put_u64(out, intervals.size());
    for (const Interval& i : intervals) {
      put_u64(out, i.first);
      put_u64(out, i.last + 1);  // exclusive
    }
  }
  return out;
}

bool GtidSet::operator==(const GtidSet& other) const {
  return to_string() == other.to_string();
}

}  // namespace mysql_sync
