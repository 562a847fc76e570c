#include "fuse/lower_hard_links.h"

#include <ftw.h>
#include <sys/stat.h>

#include "util/error.h"

namespace layerfs::fuse {

namespace {

// nftw passes no user data: the scan in progress (one at a time, under LowerHardLinks's mutex).
thread_local std::unordered_map<ino_t, std::vector<std::string>>* scanning = nullptr;
thread_local size_t root_length = 0;

int visit(const char* path, const struct stat* st, int type, FTW*) {
  if (type == FTW_F && !S_ISDIR(st->st_mode) && st->st_nlink > 1) {
    std::string relative(path + root_length);
    while (!relative.empty() && relative.front() == '/') relative.erase(0, 1);
    (*scanning)[st->st_ino].push_back(std::move(relative));
  }
  return 0;
}

}  // namespace

std::vector<std::string> LowerHardLinks::names_of(size_t layer, const std::string& layer_path,
                                                  ino_t ino) {
  std::lock_guard lock(mutex_);
  auto it = scanned_.find(layer);
  if (it == scanned_.end()) {
    InodeNames names;
    scanning = &names;
    root_length = layer_path.size();
    int res = ::nftw(layer_path.c_str(), visit, 16, FTW_PHYS);
    scanning = nullptr;
    if (res != 0) throw_errno("scan " + layer_path + " for hard links");
    it = scanned_.emplace(layer, std::move(names)).first;
  }
  auto found = it->second.find(ino);
  return found == it->second.end() ? std::vector<std::string>{} : found->second;
}

}  // namespace layerfs::fuse
