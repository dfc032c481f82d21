// Exceptions of the C++ zone. Bridges turn them into ereport with the SQLSTATE they carry.
#pragma once
#include "common/cxx_zone.h"

#include <cstdint>
#include <stdexcept>
#include <string>

namespace mysql_sync {

// Any error with a PostgreSQL SQLSTATE (five characters) and an optional hint.
class SyncError : public std::runtime_error {
 public:
  SyncError(std::string sqlstate, const std::string& message, std::string hint = {})
      : std::runtime_error(message), sqlstate_(std::move(sqlstate)), hint_(std::move(hint)) {}
  const std::string& sqlstate() const { return sqlstate_; }
  const std::string& hint() const { return hint_; }

 private:
  std::string sqlstate_;
  std::string hint_;
};

// Malformed, truncated or unsupported binlog bytes. `offset` is the absolute file offset of the
// problem (or of the event that holds it). Damaged bytes are XX001; a format that is known but not
// decoded is 0A000 (feature_not_supported: retrying cannot help).
class DecodeError : public SyncError {
 public:
  DecodeError(uint64_t offset, const std::string& message, std::string sqlstate = "XX001")
      : SyncError(std::move(sqlstate), message + " at offset " + std::to_string(offset)), offset_(offset) {}
  uint64_t offset() const { return offset_; }

 private:
  uint64_t offset_;
};

// A value that cannot be represented in its PostgreSQL type (22000 class).
class ValueError : public SyncError {
 public:
  explicit ValueError(const std::string& message, std::string sqlstate = "22000")
      : SyncError(std::move(sqlstate), message) {}
};

// The MySQL server or the network. `transient` is true when retrying may succeed (lost connection),
// false when a person must act (purged binlog, access denied).
class SourceError : public SyncError {
 public:
  SourceError(std::string sqlstate, const std::string& message, std::string hint, unsigned mysql_errno,
              bool transient)
      : SyncError(std::move(sqlstate), message, std::move(hint)),
        mysql_errno_(mysql_errno),
        transient_(transient) {}
  unsigned mysql_errno() const { return mysql_errno_; }
  bool transient() const { return transient_; }

 private:
  unsigned mysql_errno_;
  bool transient_;
};

}  // namespace mysql_sync
