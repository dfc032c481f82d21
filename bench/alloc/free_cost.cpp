// bench/alloc/free_cost.cpp: what freeing the decoded changes costs the thread that frees them.
// Build and run from the repository root:
//   g++ -O2 -std=c++17 -I. bench/alloc/free_cost.cpp -o /tmp/free_cost -pthread && /tmp/free_cost
// Pipelined: a producer thread allocates items, the consumer frees each one as it arrives (as the
// worker's main thread did before); the consumer's thread CPU time spent in delete is measured.
#include <atomic>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <thread>
#include <vector>
#include "task/source_item.h"
using namespace mysql_sync;
static Row make_row() {
  Row r;
  r.emplace_back(std::string("123456"));
  r.emplace_back(std::string("4567"));
  r.emplace_back(std::string(120, 'c'));
  r.emplace_back(std::string(60, 'p'));
  return r;
}
static double cpu() {
  timespec t;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
  return t.tv_sec + t.tv_nsec / 1e9;
}
int main() {
  const int n = 255000;
  std::vector<std::atomic<SourceItem*>> items(n);
  std::thread producer([&] {
    for (int i = 0; i < n; i++) {
      auto* it = new SourceItem();
      for (int c = 0; c < 4; c++) {
        TableChange ch;
        ch.op = c < 2 ? RowOp::update : (c == 2 ? RowOp::remove : RowOp::insert);
        if (ch.op != RowOp::insert) ch.before = make_row();
        if (ch.op != RowOp::remove) ch.after = make_row();
        it->changes.push_back(std::move(ch));
      }
      items[i].store(it, std::memory_order_release);
    }
  });
  double in_delete = 0;
  for (int i = 0; i < n; i++) {
    SourceItem* it;
    while ((it = items[i].load(std::memory_order_acquire)) == nullptr) std::this_thread::yield();
    double c0 = cpu();
    delete it;
    in_delete += cpu() - c0;
  }
  producer.join();
  printf("consumer thread CPU in delete, pipelined, 1.02M changes: %.3f s\n", in_delete);
}
