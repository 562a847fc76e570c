#include "tests/fuse/differential/op_generator.h"

#include <linux/fs.h>

#include <vector>

namespace layerfs::differential {
namespace {

struct Weighted {
  OpKind kind;
  unsigned weight;
};

// Mutations dominate; renames and copy-up triggers (writes, truncates, chmod, xattrs on lower
// files) are where union file systems go wrong, so they weigh most.
constexpr Weighted kWeights[] = {
    {OpKind::Create, 8},      {OpKind::WriteAt, 9},     {OpKind::Truncate, 6},
    {OpKind::Append, 6},      {OpKind::Rename, 14},     {OpKind::Link, 4},
    {OpKind::Unlink, 7},      {OpKind::Mkdir, 6},       {OpKind::Rmdir, 5},
    {OpKind::Chmod, 4},       {OpKind::Chown, 3},       {OpKind::Symlink, 3},
    {OpKind::SetXattr, 5},    {OpKind::RemoveXattr, 2}, {OpKind::Mkfifo, 1},
    {OpKind::RecreateDir, 3}, {OpKind::ReadFile, 6},    {OpKind::ListDir, 6},
    {OpKind::Stat, 4},        {OpKind::TmpfileLink, 2},
};

}  // namespace

Operation OpGenerator::next(const TreeSnapshot& current) {
  std::vector<std::string> all, files, dirs;
  for (const auto& [path, node] : current) {
    if (!path.empty()) all.push_back(path);
    if (node.type == 'd') dirs.push_back(path);
    if (node.type == 'f') files.push_back(path);
  }
  if (all.empty()) all.push_back("nothing-here");
  if (files.empty()) files.push_back("no-file");
  auto in_dir = [&](const std::string& dir, const std::string& name) {
    return dir.empty() ? name : dir + "/" + name;
  };
  // New names come from a small pool, so later operations find them again, and collide.
  auto new_path = [&] {
    return in_dir(random_.pick(dirs), "n" + std::to_string(random_.between(0, 9)));
  };
  auto any_path = [&] { return random_.percent(85) ? random_.pick(all) : new_path(); };
  auto file_path = [&] { return random_.percent(90) ? random_.pick(files) : any_path(); };
  auto dir_path = [&] { return random_.percent(90) ? random_.pick(dirs) : any_path(); };
  // Setuid and setgid bits too: a write, truncate or chown must clear them as overlayfs does.
  static const mode_t kModes[] = {0644, 0600, 0755,  0700,  0444,  0555,
                                  0640, 0777, 04755, 02755, 02745, 06777};
  auto mode = [&] { return kModes[random_.between(0, 11)]; };
  auto file_size = [&](const std::string& path) -> uint64_t {
    auto it = current.find(path);
    return it == current.end() ? 0 : it->second.size;
  };
  auto write_length = [&] {
    return random_.percent(10) ? random_.between(65536, 200000) : random_.between(1, 9000);
  };

  unsigned total = 0;
  for (const auto& w : kWeights) total += w.weight;
  unsigned roll = static_cast<unsigned>(random_.between(0, total - 1));
  OpKind kind = kWeights[0].kind;
  for (const auto& w : kWeights) {
    if (roll < w.weight) {
      kind = w.kind;
      break;
    }
    roll -= w.weight;
  }

  Operation op{.kind = kind};
  ++counter_;
  switch (kind) {
    case OpKind::Create:
    case OpKind::TmpfileLink:
      op.path = random_.percent(85) ? new_path() : any_path();
      op.mode = mode() | 0200;
      op.length = random_.between(0, 5000);
      op.seed = random_.next_seed();
      break;
    case OpKind::WriteAt:
      op.path = file_path();
      op.offset = random_.between(0, file_size(op.path) + 5000);
      op.length = write_length();
      op.seed = random_.next_seed();
      break;
    case OpKind::Append:
      op.path = file_path();
      op.length = write_length();
      op.seed = random_.next_seed();
      break;
    case OpKind::Truncate:
      op.path = file_path();
      op.length = random_.between(0, file_size(op.path) * 2 + 3000);
      op.flags = random_.percent(50) ? 1 : 0;
      break;
    case OpKind::Rename: {
      op.path = random_.percent(45) ? dir_path() : any_path();
      op.path2 = random_.percent(60) ? new_path() : any_path();
      unsigned flavour = static_cast<unsigned>(random_.between(0, 9));
      op.flags = flavour < 6 ? 0 : flavour < 8 ? RENAME_NOREPLACE : RENAME_EXCHANGE;
      break;
    }
    case OpKind::Link:
      op.path = file_path();
      op.path2 = random_.percent(85) ? new_path() : any_path();
      break;
    case OpKind::Unlink:
      op.path = any_path();
      break;
    case OpKind::Mkdir:
      op.path = random_.percent(85) ? new_path() : any_path();
      op.mode = mode() | 0700;
      break;
    case OpKind::Rmdir:
      op.path = dir_path();
      break;
    case OpKind::Chmod:
      op.path = any_path();
      op.mode = mode();
      break;
    case OpKind::Chown: {
      // Unchanged, root or another user: a chown clears setuid/setgid bits either way.
      static const uid_t kIds[] = {static_cast<uid_t>(-1), 0, 1000};
      op.path = any_path();
      op.owner = kIds[random_.between(0, 2)];
      op.group = kIds[random_.between(0, 2)];
      break;
    }
    case OpKind::Symlink:
      op.path = random_.percent(85) ? new_path() : any_path();
      op.value = random_.percent(70) ? random_.pick(all) : "dangling" + std::to_string(counter_);
      break;
    case OpKind::SetXattr:
      op.path = any_path();
      op.name = "user.op" + std::to_string(random_.between(0, 2));
      op.value = "x" + std::to_string(counter_);
      break;
    case OpKind::RemoveXattr:
      op.path = any_path();
      op.name =
          random_.percent(50) ? "user.test0" : "user.op" + std::to_string(random_.between(0, 2));
      break;
    case OpKind::Mkfifo:
      op.path = new_path();
      op.mode = 0644;
      break;
    case OpKind::RecreateDir:
      op.path = random_.pick(dirs);
      if (op.path.empty()) op.path = dirs.size() > 1 ? dirs[1] : "d0";  // never the root
      op.mode = mode() | 0700;
      break;
    case OpKind::ReadFile:
      op.path = file_path();
      break;
    case OpKind::ListDir:
      op.path = dir_path();
      break;
    case OpKind::Stat:
      op.path = any_path();
      break;
    case OpKind::OracleOnlyMkdir:
      break;
  }
  return op;
}

}  // namespace layerfs::differential
