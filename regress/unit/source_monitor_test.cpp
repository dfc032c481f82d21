// The source monitor's arithmetic: bytes behind across binlog files and the retention left.
#include <gtest/gtest.h>

#include <chrono>
#include <mutex>
#include <thread>

#include "task/source_monitor.h"

namespace mysql_sync {
namespace {

SourceSnapshot three_files(int64_t expire_seconds = 0) {
  SourceSnapshot s;
  s.files = {{"binlog.000007", 1000}, {"binlog.000008", 500}, {"binlog.000009", 300}};
  s.current = BinlogPosition{"binlog.000009", 300, ""};
  s.expire_seconds = expire_seconds;
  return s;
}

TEST(SourceMonitorTest, BytesBehindInTheActiveFile) {
  EXPECT_EQ(bytes_behind(three_files(), BinlogPosition{"binlog.000009", 120, ""}), 180);
  EXPECT_EQ(bytes_behind(three_files(), BinlogPosition{"binlog.000009", 300, ""}), 0);
  // The applied position may be ahead of a poll made a moment earlier.
  EXPECT_EQ(bytes_behind(three_files(), BinlogPosition{"binlog.000009", 400, ""}), 0);
}

TEST(SourceMonitorTest, BytesBehindAcrossFiles) {
  // Rest of 000007 (1000 - 400) + all of 000008 (500) + 000009 up to the current 300.
  EXPECT_EQ(bytes_behind(three_files(), BinlogPosition{"binlog.000007", 400, ""}), 600 + 500 + 300);
  EXPECT_EQ(bytes_behind(three_files(), BinlogPosition{"binlog.000008", 500, ""}), 300);
}

TEST(SourceMonitorTest, BytesBehindUnknown) {
  EXPECT_FALSE(bytes_behind(three_files(), BinlogPosition{"binlog.000003", 4, ""}));  // purged
  EXPECT_FALSE(bytes_behind(three_files(), BinlogPosition{}));                        // nothing applied yet
  EXPECT_FALSE(bytes_behind(SourceSnapshot{}, BinlogPosition{"binlog.000009", 4, ""}));  // no poll yet
}

TEST(SourceMonitorTest, RetentionOffWhenBinlogsNeverExpire) {
  EXPECT_FALSE(retention_left(three_files(0), BinlogPosition{"binlog.000009", 4, ""}, std::nullopt, 1000));
}

TEST(SourceMonitorTest, RetentionOfTheActiveFileIsTheWholeExpiry) {
  EXPECT_EQ(retention_left(three_files(86400), BinlogPosition{"binlog.000009", 4, ""}, std::nullopt, 5000),
            86400);
}

TEST(SourceMonitorTest, RetentionOfAClosedFileCountsFromItsRotate) {
  SourceSnapshot s = three_files(3600);
  EXPECT_EQ(retention_left(s, BinlogPosition{"binlog.000007", 4, ""}, int64_t(10000), 10600), 3000);
  // Overdue: the server may purge it at its next rotation.
  EXPECT_EQ(retention_left(s, BinlogPosition{"binlog.000007", 4, ""}, int64_t(10000), 14000), -400);
  // Closed at an unknown time: unknown, never a guess that could be too long.
  EXPECT_FALSE(retention_left(s, BinlogPosition{"binlog.000007", 4, ""}, std::nullopt, 10600));
  // Already purged.
  EXPECT_FALSE(retention_left(s, BinlogPosition{"binlog.000001", 4, ""}, int64_t(10000), 10600));
}

TEST(SourceMonitorTest, UnreachableSourceLeavesFiguresUnknownAndReportsOnce) {
  SourceUri uri = SourceUri::parse("mysql://u:secret@127.0.0.1:1");  // nothing listens on port 1
  int published = 0;
  MonitorFigures last;
  SourceMonitorConfig config;
  config.uri = uri;
  config.poll_seconds = 0.05;
  std::mutex m;
  config.publish = [&](const MonitorFigures& f) {
    std::lock_guard<std::mutex> lock(m);
    published++;
    last = f;
  };
  SourceMonitor monitor(config);
  monitor.set_applied(BinlogPosition{"binlog.000001", 4, ""});
  monitor.start();
  std::string error;
  for (int i = 0; i < 200 && error.empty(); i++) {
    error = monitor.take_new_error();
    if (error.empty()) std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  EXPECT_NE(error.find("127.0.0.1:1"), std::string::npos) << error;
  EXPECT_EQ(error.find("secret"), std::string::npos) << error;
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  EXPECT_EQ(monitor.take_new_error(), "");  // the same failure is reported once
  monitor.stop();
  std::lock_guard<std::mutex> lock(m);
  EXPECT_GT(published, 0);
  EXPECT_FALSE(last.bytes_behind);
  EXPECT_FALSE(last.retention_left_seconds);
}

}  // namespace
}  // namespace mysql_sync
