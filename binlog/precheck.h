// The source-side items of the precheck (the interface contract's fixed names and order); the
// target-side items are checked by the PostgreSQL zone.
#pragma once
#include "cxx_zone.h"

#include <cstdint>
#include <string>
#include <vector>

#include "object_patterns.h"
#include "source_catalog.h"
#include "source_uri.h"

namespace mysql_sync {

struct PrecheckRow {
  std::string item;
  std::string status;  // passed | warning | failed
  std::string detail;
  std::string hint;
};

struct SourcePrecheck {
  std::vector<PrecheckRow> rows;    // connection .. prefix_indexes, in contract order
  std::vector<SourceTable> tables;  // the matched tables (empty when the connection failed)
};

// Never throws for source problems: each becomes a failed row with a hint.
SourcePrecheck precheck_source(const SourceUri& uri, const ObjectPatterns& patterns, uint32_t server_id,
                               bool full_load);

}  // namespace mysql_sync
