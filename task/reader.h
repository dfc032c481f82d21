// The reader thread: network and binlog decoding, never a PostgreSQL call. It streams from the
// source, decodes with our decoder, assembles whole transactions of the task's tables and hands
// them to the worker's main thread through a lock-free single-producer/single-consumer queue,
// waking it through an eventfd that the main loop waits on together with its latch.
#pragma once
#include "common/cxx_zone.h"

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <map>
#include <unordered_map>
#include <vector>

#include <boost/lockfree/spsc_queue.hpp>

#include "source/source_uri.h"
#include "binlog/table_map.h"
#include "ddl/ddl_plan.h"
#include "ddl/name_map.h"
#include "task/source_item.h"

namespace mysql_sync {

class BinlogStream;

struct ReaderTable {
  std::string schema;
  std::string name;
  TableShape shape;  // as recorded at schema sync
};

struct ReaderConfig {
  SourceUri uri;
  uint32_t server_id = 0;
  // How the source lists the task's connection (source/binlog_stream.h).
  std::string report_host = "mysql_sync";
  uint16_t report_port = 0;
  std::string replica_uuid;
  // The applied position; its GTID set (when the source has GTIDs on) is where the stream resumes.
  BinlogPosition start;
  std::vector<ReaderTable> tables;
  // DDL replay: the source definition of each table (parallel to `tables`), what decides whether a
  // created or renamed table belongs to the task, and the policies.
  std::vector<TrackedTable> tracked;
  std::vector<std::string> patterns;
  NameMap names;
  DdlPolicies policies;
  std::map<std::string, std::vector<std::string>> table_keys;  // "db.table" -> table_keys' primary key
  BinlogPosition approved_ddl;  // the DDL ending here paused the task; resume_sync approved it
  InvalidDates invalid_dates = InvalidDates::to_null;
  size_t queue_capacity = 65536;
  // Bytes of decoded changes the task may hold (mysql_sync.max_memory); 0 = no limit. Queued
  // and applying items may take half, a transaction being assembled a quarter: a transaction
  // larger than that goes to a spill file in spill_dir.
  size_t max_memory = 0;
  std::string spill_dir;
  double heartbeat_seconds = 1.0;
  // Called on the reader thread when a binlog file ends: its name and the unix time of its
  // ROTATE event (the source monitor dates the file's expiry with it).
  std::function<void(const std::string& file, int64_t closed_at)> on_file_closed;
};

class Reader {
 public:
  explicit Reader(ReaderConfig config);
  ~Reader();  // stops and joins the thread
  Reader(const Reader&) = delete;
  Reader& operator=(const Reader&) = delete;

  void start();
  void stop();  // thread-safe, idempotent

  // Main thread: the next item, or null when the queue is empty. Calling it says the previous
  // item is done with (its memory no longer counts).
  std::unique_ptr<SourceItem> pop();
  // Main thread: hands an applied item back, for the reader thread to free. Freeing a transaction
  // costs a free() per row and per long value; the main thread is the apply's bottleneck and the
  // reader thread has time to spare (and allocated the memory, so the allocator's per-thread
  // caches get it back). Items with a spill file are freed here.
  void recycle(std::unique_ptr<SourceItem> item);
  // Main thread: call before waiting; returns false (do not wait) when items arrived meanwhile.
  bool prepare_to_wait();
  void done_waiting();
  int wake_fd() const { return wake_fd_; }
  void drain_wake_fd();

  int64_t last_event_at_us() const { return last_event_at_us_.load(std::memory_order_relaxed); }

 private:
  void run();
  void stream_once();
  void push(std::unique_ptr<SourceItem> item);
  void free_recycled();  // reader thread
  void fail(const std::string& sqlstate, const std::string& message, const std::string& hint, bool transient);
  // Plans a QUERY event's statements against the tracked tables; applies the plans that go ahead
  // to the reader's own table list. Returns false when a plan stops the task (pause or fail).
  bool plan_query(const std::string& sql, const std::string& schema, const BinlogPosition& at,
                  std::vector<DdlPlan>& plans);
  void track(const DdlEffect& effect);
  GhostTables ghosts_;

  ReaderConfig config_;
  std::unordered_map<std::string, uint32_t> table_index_;  // "db\0table" -> index
  std::unordered_map<std::string, bool> synced_databases_;
  boost::lockfree::spsc_queue<SourceItem*> queue_;
  boost::lockfree::spsc_queue<SourceItem*> recycled_;  // main thread -> reader thread, to free
  std::thread thread_;
  std::atomic<bool> stopping_{false};
  std::atomic<bool> main_waiting_{false};
  std::atomic<int64_t> last_event_at_us_{0};
  std::atomic<int64_t> held_bytes_{0};  // estimated bytes of items queued or being applied
  int64_t popped_bytes_ = 0;            // main thread: the item being applied
  // The reader waits for space with hysteresis: once the queue is full (or the memory limit is
  // reached) it sleeps until the main thread has drained it to half, so that the two threads do
  // not ping-pong a futex wake-up per item. reader_waiting_ tells the main thread to notify.
  bool has_space(int64_t incoming_bytes) const;
  bool below_low_water() const;
  void wait_for_space(int64_t incoming_bytes);
  std::mutex space_mutex_;
  std::condition_variable space_available_;
  std::atomic<bool> reader_waiting_{false};
  std::mutex stream_mutex_;
  BinlogStream* stream_ = nullptr;  // the live stream, for stop() to interrupt
  int wake_fd_ = -1;
  // An error the thread could not push as a failure item (start_helper_thread's catch-all):
  // pop() returns it as one.
  std::mutex escaped_mutex_;
  std::string escaped_;
  std::atomic<bool> escaped_flag_{false};
  BinlogPosition position_;  // last transaction boundary delivered
};

}  // namespace mysql_sync
