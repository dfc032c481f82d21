// The source commit time of a transaction, for lag_seconds.
#pragma once
#include "common/cxx_zone.h"

#include <cstdint>

namespace mysql_sync {

// The commit time of a transaction whose commit event is stamped `stamp_s` (binlog header, seconds
// since the epoch) and arrived at `arrived_us` (microseconds since the epoch, our clock).
// MariaDB stamps binlog events in whole seconds (MySQL 8's GTID events carry microseconds and do
// not come here): the commit happened in [stamp, stamp + 1 s) and before it arrived. While the
// reader keeps up, the arrival falls in that second and is the closer bound (off by the network
// delay only); the stamp alone would add up to 1 s of lag that is not there. An arrival outside
// the second (a backlog, or clocks apart) says nothing more, so the stamp stays.
inline int64_t commit_time_us(uint32_t stamp_s, int64_t arrived_us) {
  int64_t stamp_us = int64_t(stamp_s) * 1000000;
  return arrived_us >= stamp_us && arrived_us < stamp_us + 1000000 ? arrived_us : stamp_us;
}

}  // namespace mysql_sync
