#include "extension/bridge.h"

#include <cstdio>

namespace mysql_sync {

static void copy_text(char* out, size_t size, const char* text) noexcept {
  if (text == nullptr) text = "";
  size_t length = std::strlen(text);
  if (length >= size) length = size - 1;
  std::memcpy(out, text, length);
  out[length] = '\0';
}

void capture_error(CapturedError& out, const char* sqlstate, const char* message, const char* hint,
                   bool transient) noexcept {
  out.failed = true;
  out.transient = transient;
  if (sqlstate != nullptr && std::strlen(sqlstate) == 5)
    copy_text(out.sqlstate, sizeof out.sqlstate, sqlstate);
  else
    copy_text(out.sqlstate, sizeof out.sqlstate, "XX000");
  copy_text(out.message, sizeof out.message, message);
  copy_text(out.hint, sizeof out.hint, hint);
}

void report_captured_error(const CapturedError& error, const char* context) {
  const char* s = error.sqlstate;
  int code = MAKE_SQLSTATE(s[0], s[1], s[2], s[3], s[4]);
  if (context != nullptr && context[0] != '\0')
    ereport(ERROR, (errcode(code), errmsg("%s: %s", context, error.message),
                    error.hint[0] ? errhint("%s", error.hint) : 0));
  ereport(ERROR, (errcode(code), errmsg("%s", error.message), error.hint[0] ? errhint("%s", error.hint) : 0));
  pg_unreachable();
}

void pg_guard_failed(MemoryContext context) {
  MemoryContextSwitchTo(context);
  ErrorData* data = CopyErrorData();
  FlushErrorState();
  char sqlstate[6];
  const char* unpacked = unpack_sql_state(data->sqlerrcode);
  std::memcpy(sqlstate, unpacked, 6);
  std::string message = data->message ? data->message : "unknown error";
  if (data->detail) message += std::string(" (") + data->detail + ")";
  std::string hint = data->hint ? data->hint : "";
  FreeErrorData(data);
  throw PgError(sqlstate, message, hint);
}

}  // namespace mysql_sync
