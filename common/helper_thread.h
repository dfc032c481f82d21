// Helper threads of a worker (the reader, the source monitor, copy feeds): started with every
// signal blocked, since PostgreSQL's signals must reach the main thread; and ended in a catch-all,
// since an exception escaping a thread calls std::terminate, which kills the backend and makes
// the postmaster restart the whole cluster. What escapes goes to on_escape (the owner hands it to
// the main thread, which reports it as the task's error).
#pragma once
#include "common/cxx_zone.h"

#include <pthread.h>
#include <signal.h>

#include <exception>
#include <thread>
#include <utility>

namespace mysql_sync {

template <typename Body, typename OnEscape>
std::thread start_helper_thread(Body body, OnEscape on_escape) {
  struct SignalsBlocked {
    sigset_t previous;
    SignalsBlocked() {
      sigset_t all;
      sigfillset(&all);
      pthread_sigmask(SIG_BLOCK, &all, &previous);
    }
    ~SignalsBlocked() { pthread_sigmask(SIG_SETMASK, &previous, nullptr); }
  } blocked;
  return std::thread([body = std::move(body), on_escape = std::move(on_escape)]() mutable noexcept {
    const char* what = nullptr;
    try {
      body();
      return;
    } catch (const std::exception& e) {
      what = e.what();
      try {
        on_escape(what);
      } catch (...) {
      }
      return;
    } catch (...) {
    }
    try {
      on_escape("unknown exception");
    } catch (...) {
    }
  });
}

}  // namespace mysql_sync
