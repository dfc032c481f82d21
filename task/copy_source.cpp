#include "task/copy_source.h"

#include <algorithm>
#include <cstring>

namespace mysql_sync {

int CopyText::read(char* out, int max, int) {
  size_t n = std::min(size_ - offset_, static_cast<size_t>(max));
  std::memcpy(out, text_ + offset_, n);
  offset_ += n;
  return static_cast<int>(n);
}

}  // namespace mysql_sync
