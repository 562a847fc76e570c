#include "fuse/merged_dir.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <functional>
#include <string_view>
#include <unordered_set>

#include "fuse/layer_search.h"
#include "fuse/path_fd.h"
#include "fuse/whiteout.h"
#include "util/error.h"

namespace layerfs::fuse {

namespace {

struct RawEntry {
  ino64_t ino;
  off64_t off;
  unsigned short reclen;
  unsigned char type;
  char name[];
};

mode_t mode_of_dtype(unsigned char type) { return DTTOIF(type); }

// Calls visit(name, d_type, d_ino) for every entry of one directory layer.
template <typename Visit>
void for_each_entry(int dir_path_fd, Visit&& visit) {
  UniqueFd dir(reopen_at(dir_path_fd, O_RDONLY | O_DIRECTORY));
  if (!dir) throw_errno("open directory");
  alignas(8) char buffer[32768];
  for (;;) {
    long n = ::syscall(SYS_getdents64, dir.get(), buffer, sizeof buffer);
    if (n < 0) throw_errno("getdents");
    if (n == 0) return;
    for (long pos = 0; pos < n;) {
      auto* entry = reinterpret_cast<RawEntry*>(buffer + pos);
      pos += entry->reclen;
      std::string_view name = entry->name;
      if (name == "." || name == "..") continue;
      unsigned char type = entry->type;
      if (type == DT_UNKNOWN || type == DT_CHR) {
        struct stat st;
        if (::fstatat(dir_path_fd, entry->name, &st, AT_SYMLINK_NOFOLLOW) != 0) continue;
        if (is_whiteout_device(st))
          type = DT_WHT;  // overlayfs whiteout
        else
          type = IFTODT(st.st_mode);
      }
      visit(name, type, entry->ino);
    }
  }
}

}  // namespace

DirListing read_merged(const LayerStack& stack, const DirLayers& dirs) {
  DirListing listing;
  std::unordered_set<std::string> decided;  // names shown or hidden by a layer above
  std::vector<std::string> whiteouts;
  for (const LayerEntry& dir : dirs) {
    dev_t dev = stack.at(dir.layer).dev;
    whiteouts.clear();
    for_each_entry(dir.get(), [&](std::string_view name, unsigned char type, ino64_t ino) {
      if (type == DT_WHT) {
        whiteouts.emplace_back(name);
        return;
      }
      if (is_marker_name(name)) {
        if (name != kOpaqueMarker) whiteouts.emplace_back(name.substr(kWhiteoutPrefix.size()));
        return;
      }
      auto [it, inserted] = decided.emplace(name);
      if (!inserted) return;
      // Upper files copied up from below keep their origin's number, as getattr shows it.
      std::string entry_name(name);
      uint64_t shown =
          stable_ino_at(stack, dir.layer, FileAt(dir.get(), entry_name.c_str()), dev, ino);
      listing.push_back(DirEntry{std::move(entry_name), mode_of_dtype(type), shown, 0, dir.layer});
    });
    // A whiteout hides the name in the layers below its own.
    for (auto& name : whiteouts) decided.insert(std::move(name));
  }
  order_by_cookie(listing);
  return listing;
}

uint64_t cookie_of(std::string_view name) {
  // 62 bits of the name's hash, above the three offsets readdir reserves.
  constexpr uint64_t kFirstCookie = 3;
  return (std::hash<std::string_view>{}(name) >> 2) + kFirstCookie;
}

void order_by_cookie(DirListing& listing) {
  for (DirEntry& entry : listing) entry.cookie = cookie_of(entry.name);
  std::sort(listing.begin(), listing.end(), [](const DirEntry& a, const DirEntry& b) {
    return a.cookie != b.cookie ? a.cookie < b.cookie : a.name < b.name;
  });
  // Two names with one hash (never seen in practice): the later one takes the next free value.
  for (size_t i = 1; i < listing.size(); ++i) {
    if (listing[i].cookie <= listing[i - 1].cookie) listing[i].cookie = listing[i - 1].cookie + 1;
  }
}

DirListing::const_iterator resume_at(const DirListing& listing, uint64_t offset) {
  return std::upper_bound(
      listing.begin(), listing.end(), offset,
      [](uint64_t value, const DirEntry& entry) { return value < entry.cookie; });
}

std::shared_ptr<const DirListing> merged_listing(UnionFs& fs, Node& dir) {
  DirState& state = *dir.dir_state;
  std::lock_guard lock(state.listing_mutex);
  if (!state.listing) {
    state.listing =
        dir.removed
            ? std::make_shared<const DirListing>()
            : std::make_shared<const DirListing>(read_merged(fs.layers, fs.dir_layers(dir)));
  }
  return state.listing;
}

}  // namespace layerfs::fuse
