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
#include <type_traits>

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
#define MYSQL_SYNC_CXX(context, ...)                                 \
  do {                                                               \
    ::mysql_sync::CapturedError cxx_error_;                          \
    if (!::mysql_sync::cxx_call(cxx_error_, [&]() { __VA_ARGS__; })) \
      ::mysql_sync::report_captured_error(cxx_error_, (context));    \
  } while (0)

// A PostgreSQL ERROR carried through C++ frames.
class PgError : public SyncError {
 public:
  PgError(std::string sqlstate, const std::string& message, std::string hint)
      : SyncError(std::move(sqlstate), message, std::move(hint)) {}
};

// Runs PostgreSQL code that may ereport(ERROR) from inside C++ code: the ERROR becomes a PgError
// exception, so C++ destructors run normally. The callable itself must own no object with a
// destructor (PostgreSQL's longjmp leaves it). PostgreSQL's error stack, error context stack and
// memory context are restored on every way out: normal return, ERROR, and a C++ exception.
void pg_guard_failed(MemoryContext context);  // throws PgError
struct PgErrorStateRestorer {
  sigjmp_buf* exception_stack = PG_exception_stack;
  ErrorContextCallback* context_stack = error_context_stack;
  MemoryContext memory = CurrentMemoryContext;
  ~PgErrorStateRestorer() {
    PG_exception_stack = exception_stack;
    error_context_stack = context_stack;
  }
};
template <typename Fn>
void pg_guard(Fn&& fn) {
  PgErrorStateRestorer restore;
  sigjmp_buf local;
  if (sigsetjmp(local, 0) == 0) {
    PG_exception_stack = &local;
    fn();
    return;
  }
  PG_exception_stack = restore.exception_stack;
  error_context_stack = restore.context_stack;
  pg_guard_failed(restore.memory);
}

// An entry point that PostgreSQL calls (SQL function, worker main, callback, hook) runs its whole
// body here: a C++ exception that escapes the body becomes an ERROR, reported once the catch scope
// has closed. A PostgreSQL ERROR of the body longjmps through (this frame holds plain data only).
template <typename Fn>
auto guard_entry(const char* entry, Fn&& body) -> decltype(body()) {
  CapturedError error;
  using Result = decltype(body());
  if constexpr (std::is_void_v<Result>) {
    if (cxx_call(error, body)) return;
  } else {
    Result result{};
    if (cxx_call(error, [&] { result = body(); })) return result;
  }
  report_captured_error(error, entry);
}

}  // namespace mysql_sync

// Defines the SQL-callable function `name` (declared by PG_FUNCTION_INFO_V1) with its body wrapped
// whole in guard_entry:  MYSQL_SYNC_FUNCTION(mysql_sync_foo) { ... PG_RETURN_...; }
#define MYSQL_SYNC_FUNCTION(name)                                                            \
  static Datum name##_body(PG_FUNCTION_ARGS);                                                \
  Datum name(PG_FUNCTION_ARGS) {                                                             \
    return ::mysql_sync::guard_entry(#name, [&]() -> Datum { return name##_body(fcinfo); }); \
  }                                                                                          \
  static Datum name##_body(PG_FUNCTION_ARGS)

// The same for an entry point without a result (worker main, callback, hook): `params` is the
// parenthesised parameter list with names, `args` the names.
//   MYSQL_SYNC_VOID_ENTRY(mysql_sync_worker_main, (Datum arg), (arg)) { ... }
#define MYSQL_SYNC_VOID_ENTRY(name, params, args)                \
  static void name##_body params;                                \
  void name params {                                             \
    ::mysql_sync::guard_entry(#name, [&] { name##_body args; }); \
  }                                                              \
  static void name##_body params

namespace mysql_sync {}  // namespace mysql_sync
