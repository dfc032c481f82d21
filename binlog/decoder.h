// The binlog decoder: raw event bytes in, decoded events out. Keeps the state that later events
// depend on (the format description, checksum algorithm, table maps). Not thread-safe: one
// decoder per stream.
#pragma once
#include "common/cxx_zone.h"

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <unordered_map>

#include "binlog/event.h"
#include "binlog/table_map.h"

namespace mysql_sync {

struct DecoderOptions {
  InvalidDates invalid_dates = InvalidDates::to_null;
  bool verify_checksum = true;
  // Decode row values only for tables for which this returns true (others are skipped cheaply:
  // the event is returned with rows == nullopt). Null = decode every table.
  std::function<bool(const TableMap&)> want_rows;
  // The tracked schema of a table, for metadata the binlog lacks. Null or nullptr = none.
  std::function<const TableShape*(const std::string& schema, const std::string& table)> shape_of;
  // With neither metadata nor a shape naming ENUM/SET members, print the member index (ENUM) or
  // bit mask (SET) as a number instead of raising ValueError. For the CLI; never for apply.
  bool enum_index_when_unknown = false;
  // Accept rows events whose images lack columns (binlog_row_image = MINIMAL or NOBLOB); RowsData's
  // before_present/after_present then say which columns each image holds. Off (for consumers that
  // handle only full images): such an event is a ValueError naming the setting to fix.
  bool partial_images = false;
  // A PARTIAL_UPDATE_ROWS diff (binlog_row_value_options = PARTIAL_JSON) whose JSON column is not in
  // the before image (binlog_row_image = MINIMAL) cannot be applied: with this on, the after value
  // is the diff list itself (json_diffs_to_text) and RowsData::after_json_diffs names the column;
  // off, it is a ValueError. For the CLI; never for apply.
  bool json_diff_without_before = false;
};

class Decoder {
 public:
  explicit Decoder(DecoderOptions options = {});
  ~Decoder();
  Decoder(const Decoder&) = delete;
  Decoder& operator=(const Decoder&) = delete;

  // Decodes one whole event: the 19-byte header, the body and, when the format description says so,
  // the 4-byte CRC32 (verified). `file_offset` is where the event starts in its file (0 when unknown,
  // e.g. for the dump thread's artificial events). Throws DecodeError (with the offset) or ValueError.
  Event decode(const uint8_t* data, size_t size, uint64_t file_offset);
  // The same into `out`, whose strings and row buffers are reused: with one Event decoded into
  // again and again, steady-state decoding allocates nothing per row. `out`'s previous content is
  // replaced (its rows are taken back by the decoder for reuse).
  void decode(const uint8_t* data, size_t size, uint64_t file_offset, Event& out);

  // Forget table maps (after a ROTATE or a reconnect); the format description is kept.
  void reset_tables();

  // True once a FORMAT_DESCRIPTION event was seen.
  bool has_format() const;

 private:
  struct State;
  std::unique_ptr<State> state_;
};

}  // namespace mysql_sync
