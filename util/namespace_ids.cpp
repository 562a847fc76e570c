#include "util/namespace_ids.h"

#include <algorithm>
#include <sstream>

#include "util/fs.h"

namespace layerfs {

std::vector<IdRange> read_id_map(const std::string& file) {
  std::vector<IdRange> ranges;
  std::istringstream in(read_file_if_exists(file).value_or(""));
  uint32_t inside = 0, outside = 0, count = 0;
  while (in >> inside >> outside >> count) ranges.push_back({inside, count});
  return ranges;
}

bool id_mapped(const std::vector<IdRange>& ranges, uint32_t id) {
  return std::any_of(ranges.begin(), ranges.end(),
                     [id](const IdRange& r) { return id >= r.inside && id - r.inside < r.count; });
}

}  // namespace layerfs
