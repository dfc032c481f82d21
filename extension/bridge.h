// Bridges between the zones.
//
// C++ -> PostgreSQL: cxx_call() runs C++ code and catches every exception; the caller reports the
// captured error with ereport only after the catch scope has closed (ereport longjmps, which must
// never cross a C++ frame with live destructors). The captured error is plain data.
//
// PostgreSQL -> C++: pg_guard() runs PostgreSQL code from C++ and turns its ERROR into a PgError
// exception, so C++ destructors run normally.
#pragma once

#include <cstring>
#include <exception>
#include <stdexcept>
#include <string>

#include "common/errors.h"

#include "extension/pg.h"

extern "C" {
#include "utils/elog.h"
}

namespace mysql_sync {

// A captured C++ error, plain data only (safe on a stack that may be longjmp'd over).
struct CapturedError {
  bool failed = false;
  bool transient = false;
  char sqlstate[6] = "XX000";
  char message[2048] = "";
  char hint[1024] = "";
};

void capture_error(CapturedError& out, const char* sqlstate, const char* message, const char* hint,
                   bool transient) noexcept;

template <typename Fn>
bool cxx_call(CapturedError& error, Fn&& fn) noexcept {
  try {
    fn();
    return true;
  } catch (const SourceError& e) {
    capture_error(error, e.sqlstate().c_str(), e.what(), e.hint().c_str(), e.transient());
  } catch (const SyncError& e) {
    capture_error(error, e.sqlstate().c_str(), e.what(), e.hint().c_str(), false);
  } catch (const std::bad_alloc&) {
    capture_error(error, "53200", "out of memory", "", false);
  } catch (const std::exception& e) {
    capture_error(error, "XX000", e.what(), "", false);
  } catch (...) {
    capture_error(error, "XX000", "unknown C++ exception", "", false);
  }
  return false;
}

// ereport(ERROR) with the captured SQLSTATE, message and hint. `context` prefixes the message
// (e.g. the task name). Never returns.
[[noreturn]] void report_captured_error(const CapturedError& error, const char* context);

// Runs fn and reports any exception as an ERROR. Use only where the calling frame holds plain data.
#define MYSQL_SYNC_CXX(context, ...)                                             \
  do {                                                                           \
    ::mysql_sync::CapturedError cxx_error_;                                      \
    if (!::mysql_sync::cxx_call(cxx_error_, [&]() { __VA_ARGS__; }))             \
      ::mysql_sync::report_captured_error(cxx_error_, (context));                \
  } while (0)

// A PostgreSQL ERROR carried through C++ frames.
class PgError : public SyncError {
 public:
  PgError(std::string sqlstate, const std::string& message, std::string hint)
      : SyncError(std::move(sqlstate), message, std::move(hint)) {}
};

// Runs PostgreSQL code that may ereport(ERROR) from inside C++ code. The callable must not own
// objects with destructors itself. On ERROR the error state is flushed and PgError thrown.
void pg_guard_failed(MemoryContext context);  // throws PgError
template <typename Fn>
void pg_guard(Fn&& fn) {
  MemoryContext context = CurrentMemoryContext;
  bool failed = false;
  PG_TRY();
  {
    fn();
  }
  PG_CATCH();
  {
    failed = true;
  }
  PG_END_TRY();
  if (failed) pg_guard_failed(context);
}

}  // namespace mysql_sync
