#include <gtest/gtest.h>

#include "task/commit_time.h"

namespace mysql_sync {
namespace {

constexpr uint32_t kStamp = 1795619650;  // whole seconds, as MariaDB writes them
constexpr int64_t kStampUs = int64_t(kStamp) * 1000000;

TEST(CommitTime, ArrivalWithinTheStampedSecondIsTheCommitTime) {
  EXPECT_EQ(commit_time_us(kStamp, kStampUs), kStampUs);
  EXPECT_EQ(commit_time_us(kStamp, kStampUs + 730000), kStampUs + 730000);
  EXPECT_EQ(commit_time_us(kStamp, kStampUs + 999999), kStampUs + 999999);
}

TEST(CommitTime, ArrivalAfterTheSecondKeepsTheStamp) {
  // A backlog: the arrival says nothing about when in its second the commit was.
  EXPECT_EQ(commit_time_us(kStamp, kStampUs + 1000000), kStampUs);
  EXPECT_EQ(commit_time_us(kStamp, kStampUs + 3600000000LL), kStampUs);
}

TEST(CommitTime, ArrivalBeforeTheStampKeepsTheStamp) {
  // The source's clock is ahead of ours.
  EXPECT_EQ(commit_time_us(kStamp, kStampUs - 1), kStampUs);
  EXPECT_EQ(commit_time_us(kStamp, 0), kStampUs);
}

}  // namespace
}  // namespace mysql_sync
