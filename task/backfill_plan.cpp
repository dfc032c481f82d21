#include "task/backfill_plan.h"

#include <algorithm>
#include <nlohmann/json.hpp>

#include "common/errors.h"
#include "task/runtime.h"

using nlohmann::json;

namespace mysql_sync {

namespace {

constexpr int64_t kSlackUs = 1000000;  // notes are kept this much longer than strictly needed
constexpr uint64_t kSmallestChunk = 100;

bool same_paging(const KeyPaging& a, const KeyPaging& b) {
  if (a.columns.size() != b.columns.size() || a.unpaged_reason != b.unpaged_reason) return false;
  for (size_t k = 0; k < a.columns.size(); k++)
    if (a.columns[k].column != b.columns[k].column || a.columns[k].literal != b.columns[k].literal) return false;
  return true;
}

json optional_text(const std::optional<std::string>& value) {
  return value ? json(*value) : json(nullptr);
}

[[noreturn]] void damaged(const std::string& why) {
  throw SyncError("XX000", "table_state.backfill is damaged: " + why,
                  "resync_table copies the table again from its start.");
}

}  // namespace

const char* backfill_kind_name(BackfillKind kind) {
  switch (kind) {
    case BackfillKind::load:
      return "load";
    case BackfillKind::add:
      return "add";
    case BackfillKind::resync:
      return "resync";
    case BackfillKind::repair:
      return "repair";
  }
  return "load";
}

std::optional<BackfillKind> backfill_kind_of(const std::string& name) {
  for (BackfillKind kind : {BackfillKind::load, BackfillKind::add, BackfillKind::resync, BackfillKind::repair})
    if (name == backfill_kind_name(kind)) return kind;
  return std::nullopt;
}

TableBackfill* BackfillRun::of_table(uint32_t table) noexcept {
  for (TableBackfill& backfill : tables)
    if (backfill.table == table) return &backfill;
  return nullptr;
}

TableBackfill* BackfillRun::of_serial(uint64_t serial) noexcept {
  for (TableBackfill& backfill : tables)
    if (backfill.serial == serial) return &backfill;
  return nullptr;
}

size_t BackfillRun::ready_bytes() const noexcept {
  size_t bytes = 0;
  for (const TableBackfill& backfill : tables)
    for (const BackfillSegment& segment : backfill.segments)
      for (const std::unique_ptr<Chunk>& chunk : segment.ready) bytes += chunk->text.size();
  return bytes;
}

bool TableBackfill::finished() const noexcept {
  if (!planned) return false;
  for (const BackfillSegment& segment : segments)
    if (!segment.done) return false;
  return true;
}

std::string backfill_state_json(const TableBackfill& backfill) {
  json segments = json::array();
  for (const BackfillSegment& segment : backfill.segments) {
    json after = nullptr;
    if (!segment.after.empty()) {
      after = json::array();
      for (size_t k = 0; k < segment.after.size(); k++)
        after.push_back(stored_key_value(backfill.paging.columns.at(k).literal, segment.after[k]));
    }
    segments.push_back({{"from", optional_text(segment.from)},
                        {"upto", optional_text(segment.upto)},
                        {"after", after},
                        {"done", segment.done}});
  }
  json state = {{"kind", backfill_kind_name(backfill.kind)},
                {"keys_pending", backfill.keys_pending},
                {"segments", backfill.planned ? segments : json(nullptr)}};
  return state.dump();
}

void load_backfill_state(TableBackfill& backfill, const std::string& text) {
  json state = json::parse(text, nullptr, false);
  if (state.is_discarded() || !state.is_object()) damaged("not a JSON object");
  std::optional<BackfillKind> kind =
      state.contains("kind") && state["kind"].is_string() ? backfill_kind_of(state["kind"]) : std::nullopt;
  if (!kind) damaged("no kind");
  backfill.kind = *kind;
  backfill.keys_pending = state.value("keys_pending", false);
  backfill.segments.clear();
  backfill.planned = false;
  if (!state.contains("segments") || state["segments"].is_null()) return;
  if (!state["segments"].is_array()) damaged("segments is not an array");
  for (const json& item : state["segments"]) {
    if (!item.is_object()) damaged("a segment is not an object");
    BackfillSegment segment;
    auto text_of = [&](const char* key) -> std::optional<std::string> {
      if (!item.contains(key) || item[key].is_null()) return std::nullopt;
      if (!item[key].is_string()) damaged(std::string(key) + " is not a string");
      return item[key].get<std::string>();
    };
    segment.from = text_of("from");
    segment.upto = text_of("upto");
    if (item.contains("after") && item["after"].is_array()) {
      if (item["after"].size() != backfill.paging.columns.size()) damaged("a key of another length");
      for (size_t k = 0; k < item["after"].size(); k++) {
        if (!item["after"][k].is_string()) damaged("a key value is not a string");
        segment.after.push_back(loaded_key_value(backfill.paging.columns[k].literal, item["after"][k]));
      }
    }
    segment.done = item.value("done", false);
    segment.read_after = segment.after;
    segment.read_done = segment.done;
    backfill.segments.push_back(std::move(segment));
  }
  backfill.planned = !backfill.segments.empty();
}

void start_generation(TableBackfill& backfill, const SourceTable& source, const std::vector<std::string>& key,
                      const std::vector<size_t>& key_columns, bool split) {
  KeyPaging paging = key_paging(source, key);
  const bool fresh = backfill.generation == 0;
  const bool same_key = same_paging(paging, backfill.paging);
  backfill.generation++;
  backfill.source = source;
  backfill.paging = std::move(paging);
  backfill.key_columns = key_columns;
  if (!fresh && !same_key) {
    // Another key: read again from the start; the rows written already stay (and are skipped).
    backfill.segments.clear();
    backfill.planned = false;
    backfill.stream_wrote = true;
  }
  if (!backfill.planned && (!backfill.paging.splittable || !split)) {
    backfill.segments.clear();
    backfill.segments.emplace_back();
    backfill.planned = true;
  }
  for (BackfillSegment& segment : backfill.segments) {
    segment.read_after = segment.after;
    segment.read_done = segment.done;
    segment.reading = false;
    segment.ready.clear();
  }
}

void note_touched(TableBackfill& backfill, const TableChange& change, const BinlogPosition& end, int64_t now_us) {
  if (change.op == RowOp::insert || change.op == RowOp::update) backfill.stream_wrote = true;
  for (const Row* row : {&change.before, &change.after}) {
    if (row->empty()) continue;
    TouchedKey touched;
    touched.at = end;
    touched.at_us = now_us;
    for (size_t c : backfill.key_columns) touched.key.push_back(c < row->size() ? (*row)[c] : Value());
    backfill.touched.push_back(std::move(touched));
  }
}

void prune_touched(TableBackfill& backfill, int64_t now_us) {
  // A chunk read or to be read needs the notes after its low position, and those of the
  // kVisibilityMs before it was read.
  int64_t keep_after_us = now_us;
  const BinlogPosition* keep_after = nullptr;
  for (const BackfillSegment& segment : backfill.segments) {
    if (segment.reading) keep_after_us = std::min(keep_after_us, segment.reading_since_us);
    for (const std::unique_ptr<Chunk>& chunk : segment.ready) {
      keep_after_us = std::min(keep_after_us, chunk->low_at_us);
      if (!keep_after || compare_positions(chunk->low, *keep_after) < 0) keep_after = &chunk->low;
    }
  }
  keep_after_us -= kVisibilityMs * 1000 + kSlackUs;
  size_t old = 0;
  while (old < backfill.touched.size()) {
    const TouchedKey& oldest = backfill.touched[old];
    if (oldest.at_us > keep_after_us) break;
    if (keep_after && compare_positions(oldest.at, *keep_after) > 0) break;
    old++;
  }
  backfill.touched.erase(backfill.touched.begin(), backfill.touched.begin() + static_cast<long>(old));
}

std::vector<const TouchedKey*> keys_to_skip(const TableBackfill& backfill, const Chunk& chunk) {
  std::vector<const TouchedKey*> out;
  const bool watermark = chunk.consistency == Consistency::watermark;
  const int64_t visible_before_us = chunk.low_at_us - kVisibilityMs * 1000;
  for (const TouchedKey& touched : backfill.touched)
    if (compare_positions(touched.at, chunk.low) > 0 || (watermark && touched.at_us > visible_before_us))
      out.push_back(&touched);
  return out;
}

std::optional<ReadChoice> choose_read(std::vector<TableBackfill>& backfills, size_t* cursor, int64_t now_us) {
  for (size_t n = 0; n < backfills.size(); n++) {
    size_t b = (*cursor + n) % backfills.size();
    TableBackfill& backfill = backfills[b];
    if (backfill.retry_after_us > now_us) continue;
    if (!backfill.planned) {
      bool bounds_reading = !backfill.segments.empty() && backfill.segments[0].reading;
      if (!bounds_reading) {
        *cursor = b + 1;
        return ReadChoice{b, SIZE_MAX};
      }
      continue;
    }
    for (size_t s = 0; s < backfill.segments.size(); s++) {
      const BackfillSegment& segment = backfill.segments[s];
      if (segment.reading || segment.read_done) continue;
      *cursor = b + 1;
      return ReadChoice{b, s};
    }
  }
  return std::nullopt;
}

ChunkOrder make_order(TableBackfill& backfill, size_t segment_index, uint64_t id, const ReadSettings& settings,
                      int64_t now_us) {
  ChunkOrder order;
  order.id = id;
  order.table = backfill.source;
  order.paging = backfill.paging;
  order.consistency = settings.consistency;
  order.invalid_dates = settings.invalid_dates;
  order.floor = backfill.started_at;
  order.started_us = backfill.started_us;
  order.rows_per_second = settings.rows_per_second;
  if (segment_index == SIZE_MAX) {
    // The bounds of a table to split: marked on a placeholder segment while they are read.
    order.kind = ChunkOrder::Kind::bounds;
    backfill.segments.clear();
    backfill.segments.emplace_back();
    backfill.segments[0].reading = true;
    backfill.segments[0].reading_since_us = now_us;
    return order;
  }
  BackfillSegment& segment = backfill.segments[segment_index];
  if (segment.limit == 0) segment.limit = settings.range_rows;
  uint64_t limit = segment.limit;
  if (settings.rows_per_second > 0) {
    // Throttled: a chunk is about chunk_ms of the allowed rate, so that none lasts longer.
    uint64_t per_chunk = static_cast<uint64_t>(settings.rows_per_second * settings.chunk_ms / 1000);
    limit = std::min(limit, std::max<uint64_t>(per_chunk, 1));
  }
  order.limit = limit;
  order.range.after = segment.read_after;
  order.range.from = segment.from;
  order.range.upto = segment.upto;
  segment.reading = true;
  segment.reading_since_us = now_us;
  return order;
}

void chunk_read(TableBackfill& backfill, size_t segment_index, std::unique_ptr<Chunk> chunk,
                const ReadSettings& settings) {
  BackfillSegment& segment = backfill.segments.at(segment_index);
  segment.reading = false;
  chunk->last = !backfill.paging.paged() || chunk->rows < chunk->order.limit || chunk->last_key.empty();
  if (chunk->last)
    segment.read_done = true;
  else
    segment.read_after = chunk->last_key;
  // The next chunk's size: about chunk_ms of reading, within [kSmallestChunk, range_rows].
  const int64_t target_us = settings.chunk_ms * 1000;
  if (chunk->read_us > 2 * target_us && chunk->rows > kSmallestChunk)
    segment.limit = std::max<uint64_t>(kSmallestChunk, chunk->rows * static_cast<uint64_t>(target_us) /
                                                           static_cast<uint64_t>(chunk->read_us));
  else if (chunk->read_us * 2 < target_us && chunk->rows == chunk->order.limit)
    segment.limit = std::min<uint64_t>(settings.range_rows, std::max<uint64_t>(segment.limit, chunk->rows) * 2);
  segment.ready.push_back(std::move(chunk));
}

void bounds_read(TableBackfill& backfill, const Chunk& chunk, int parts) {
  std::vector<std::string> points;
  if (chunk.min && chunk.max) points = split_points(*chunk.min, *chunk.max, parts);
  backfill.segments.clear();
  for (size_t p = 0; p <= points.size(); p++) {
    BackfillSegment segment;
    if (p > 0) segment.from = points[p - 1];
    if (p < points.size()) segment.upto = points[p];
    backfill.segments.push_back(std::move(segment));
  }
  backfill.planned = true;
}

void chunk_written(TableBackfill& backfill, size_t segment_index) {
  BackfillSegment& segment = backfill.segments.at(segment_index);
  std::unique_ptr<Chunk> chunk = std::move(segment.ready.front());
  segment.ready.erase(segment.ready.begin());
  if (chunk->last)
    segment.done = true;
  else
    segment.after = chunk->last_key;
}

}  // namespace mysql_sync
