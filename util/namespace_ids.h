// The ids a user namespace maps (/proc/PID/uid_map and gid_map), as seen from inside it.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace layerfs {

struct IdRange {
  uint32_t inside = 0, count = 0;
};

// The ranges of a uid_map or gid_map file (empty when it cannot be read).
std::vector<IdRange> read_id_map(const std::string& file);

bool id_mapped(const std::vector<IdRange>& ranges, uint32_t id);

}  // namespace layerfs
