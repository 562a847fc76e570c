#include "builder/copy_step.h"

#include <fcntl.h>
#include <unistd.h>

#include <cstring>

#include "builder/file_writer.h"
#include "layers/archive/layer_reader.h"
#include "util/error.h"
#include "util/fs.h"
#include "util/sha256.h"
#include "util/unique_fd.h"

namespace layerfs::builder {

namespace {

bool is_number(const std::string& s) {
  return !s.empty() && s.find_first_not_of("0123456789") == std::string::npos;
}

// Field `field` of the line in an /etc/passwd-style file whose first field is `name`.
std::optional<std::string> lookup_db(const std::optional<std::string>& text,
                                     const std::string& name, size_t field) {
  if (!text) return std::nullopt;
  size_t pos = 0;
  while (pos < text->size()) {
    size_t end = text->find('\n', pos);
    if (end == std::string::npos) end = text->size();
    std::string line = text->substr(pos, end - pos);
    pos = end + 1;
    std::vector<std::string> fields;
    size_t i = 0;
    while (i <= line.size()) {
      size_t j = line.find(':', i);
      if (j == std::string::npos) j = line.size();
      fields.push_back(line.substr(i, j - i));
      i = j + 1;
    }
    if (fields.size() > field && fields[0] == name) return fields[field];
  }
  return std::nullopt;
}

void hash_tree(const SourceTree& tree, const std::string& path, Sha256& hash) {
  auto entry = tree.lookup(path);
  if (!entry) return;
  const auto& st = entry->st;
  hash.update(path + '\0' + std::to_string(st.st_mode) + ':' + std::to_string(st.st_uid) + ':' +
              std::to_string(st.st_gid) + ':' + std::to_string(st.st_size) + '\0');
  if (S_ISLNK(st.st_mode)) {
    hash.update(entry->symlink_target + '\0');
  } else if (S_ISREG(st.st_mode)) {
    hash.update(sha256_file_hex(entry->host_path));
  } else if (S_ISDIR(st.st_mode)) {
    for (const auto& name : tree.list(path))
      hash_tree(tree, path.empty() ? name : path + "/" + name, hash);
  }
}

// Creates the missing directories of `dir` (absolute in the image) under upper, each as the image
// shows it already, or root-owned 0755 when new.
void ensure_directories(const ImageView& image, const std::string& upper, const std::string& dir,
                        uid_t new_uid, gid_t new_gid) {
  std::string current;
  size_t i = 1;
  while (i <= dir.size()) {
    size_t j = dir.find('/', i);
    if (j == std::string::npos) j = dir.size();
    if (j > i) {
      current += "/" + dir.substr(i, j - i);
      struct stat st;
      if (::lstat((upper + current).c_str(), &st) != 0) {
        auto existing = image.lookup(current);
        if (existing && S_ISDIR(existing->st.st_mode))
          make_image_directory(upper + current, existing->st.st_uid, existing->st.st_gid,
                               existing->st.st_mode & 07777, &existing->st.st_mtim);
        else
          make_image_directory(upper + current, new_uid, new_gid, 0755);
      }
    }
    i = j + 1;
  }
}

bool looks_like_archive(const std::string& path) {
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW));
  if (!fd) return false;
  unsigned char head[512] = {};
  ssize_t n = ::pread(fd.get(), head, sizeof head, 0);
  if (n < 6) return false;
  if (head[0] == 0x1f && head[1] == 0x8b) return true;  // gzip
  if (std::memcmp(head, "BZh", 3) == 0) return true;    // bzip2
  if (std::memcmp(head,
                  "\xfd"
                  "7zXZ",
                  5) == 0)
    return true;                                                   // xz
  if (std::memcmp(head, "\x28\xb5\x2f\xfd", 4) == 0) return true;  // zstd
  return n >= 262 && std::memcmp(head + 257, "ustar", 5) == 0;     // tar
}

// Moves everything in `from` into `to`, merging directories.
void merge_move(const std::string& from, const std::string& to) {
  for (const auto& name : ContextTree(from, {}).list("")) {
    std::string src = from + "/" + name, dst = to + "/" + name;
    struct stat s, d;
    ::lstat(src.c_str(), &s);
    if (::lstat(dst.c_str(), &d) == 0) {
      if (S_ISDIR(s.st_mode) && S_ISDIR(d.st_mode)) {
        merge_move(src, dst);
        continue;
      }
      if (S_ISDIR(d.st_mode))
        remove_tree(dst);
      else
        ::unlink(dst.c_str());
    }
    if (::rename(src.c_str(), dst.c_str()) != 0) throw_errno("rename " + src);
  }
}

void extract_archive(const std::string& archive, const std::string& dest_dir,
                     const std::string& scratch) {
  make_dirs(scratch, 0700);
  UniqueFd fd(::open(archive.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW));
  if (!fd) throw_errno("open " + archive);
  ingest_layer(fd.get(), -1, scratch);
  merge_move(scratch, dest_dir);
  remove_tree(scratch);
}

std::string basename_or_root(const std::string& path) {
  auto slash = path.rfind('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

}  // namespace

std::pair<uid_t, gid_t> resolve_chown(const ImageView& image, const std::string& spec) {
  auto colon = spec.find(':');
  std::string user = spec.substr(0, colon);
  std::string group = colon == std::string::npos ? "" : spec.substr(colon + 1);
  if (user.empty()) throw UserError("--chown=" + spec + ": missing user");
  auto passwd = is_number(user) && (group.empty() || is_number(group))
                    ? std::optional<std::string>()
                    : image.read_file("/etc/passwd");
  uid_t uid;
  std::optional<gid_t> primary;
  if (is_number(user)) {
    uid = static_cast<uid_t>(std::stoul(user));
  } else {
    auto field = lookup_db(passwd, user, 2);
    if (!field || !is_number(*field))
      throw UserError("--chown=" + spec + ": no user \"" + user + "\" in the image's /etc/passwd");
    uid = static_cast<uid_t>(std::stoul(*field));
    auto gid_field = lookup_db(passwd, user, 3);
    if (gid_field && is_number(*gid_field)) primary = static_cast<gid_t>(std::stoul(*gid_field));
  }
  if (group.empty()) return {uid, primary.value_or(static_cast<gid_t>(uid))};
  if (is_number(group)) return {uid, static_cast<gid_t>(std::stoul(group))};
  auto field = lookup_db(image.read_file("/etc/group"), group, 2);
  if (!field || !is_number(*field))
    throw UserError("--chown=" + spec + ": no group \"" + group + "\" in the image's /etc/group");
  return {uid, static_cast<gid_t>(std::stoul(*field))};
}

std::string digest_sources(const SourceTree& tree, const std::vector<std::string>& patterns) {
  Sha256 hash;
  for (const auto& pattern : patterns) {
    hash.update("source " + pattern + '\0');
    for (const auto& path : tree.expand(pattern)) hash_tree(tree, path, hash);
  }
  return "sha256:" + hash.finish_hex();
}

void run_copy(const StageState& state, const ImageView& image, const CopyRequest& request,
              const std::string& upper_dir) {
  const auto& words = request.words;
  const std::string keyword = request.is_add ? "ADD" : "COPY";
  if (words.size() < 2) throw UserError(keyword + " requires at least two arguments");
  std::string dest = words.back();
  bool dest_is_dir = dest.size() > 0 && (dest.back() == '/' || dest.ends_with("/."));
  if (dest.empty() || dest[0] != '/') dest = state.workdir() + "/" + dest;
  dest = image.resolve(clean_image_path(dest), true);

  CopyOwnership ownership;
  if (!request.chown.empty()) {
    auto [uid, gid] = resolve_chown(image, request.chown);
    ownership.set_owner = true;
    ownership.uid = uid;
    ownership.gid = gid;
  }
  if (!request.chmod.empty()) {
    char* end = nullptr;
    unsigned long mode = std::strtoul(request.chmod.c_str(), &end, 8);
    if (*end || mode > 07777) throw UserError("--chmod=" + request.chmod + ": not an octal mode");
    ownership.set_mode = true;
    ownership.mode = static_cast<mode_t>(mode);
  }
  uid_t dir_uid = ownership.set_owner ? ownership.uid : 0;
  gid_t dir_gid = ownership.set_owner ? ownership.gid : 0;

  // Each source argument: a heredoc, a downloaded URL, or paths (wildcards expanded) in the
  // source tree.
  struct Source {
    std::string path;
    const Heredoc* heredoc = nullptr;
    bool downloaded = false;  // path is the host file an ADD URL was downloaded to
  };
  std::vector<Source> sources;
  for (size_t i = 0; i + 1 < words.size(); ++i) {
    if (auto url = request.downloads.find(words[i]); url != request.downloads.end()) {
      sources.push_back({url->second, nullptr, true});
      continue;
    }
    const Heredoc* heredoc = nullptr;
    if (words[i].rfind("<<", 0) == 0)
      for (const auto& h : request.instruction->heredocs)
        if (words[i].find(h.name) != std::string::npos) heredoc = &h;
    if (heredoc) {
      sources.push_back({heredoc->name, heredoc});
      continue;
    }
    for (auto& path : request.source->expand(words[i])) sources.push_back({path});
  }
  if (sources.size() > 1 && !dest_is_dir)
    throw UserError("When using " + keyword +
                    " with more than one source file, the destination must be a directory and "
                    "end with a /");
  auto existing = image.lookup(dest);
  bool into_dir = dest_is_dir || (existing && S_ISDIR(existing->st.st_mode));

  for (const auto& [path, heredoc, downloaded] : sources) {
    auto entry = heredoc || downloaded ? std::nullopt : request.source->lookup(path);
    bool is_dir = entry && S_ISDIR(entry->st.st_mode);
    bool archive = request.is_add && entry && S_ISREG(entry->st.st_mode) &&
                   looks_like_archive(entry->host_path);
    if (is_dir || archive) {
      ensure_directories(image, upper_dir, dest, dir_uid, dir_gid);
      if (archive)
        extract_archive(entry->host_path, upper_dir + dest, upper_dir + "/.layerfs-add");
      else
        for (const auto& name : request.source->list(path))
          copy_into(*request.source, path.empty() ? name : path + "/" + name,
                    upper_dir + dest + "/" + name, ownership);
      continue;
    }
    std::string target = into_dir ? dest + "/" + basename_or_root(path) : dest;
    ensure_directories(image, upper_dir, target.substr(0, target.rfind('/')), dir_uid, dir_gid);
    if (heredoc) {
      write_image_file(upper_dir + target, heredoc->content, dir_uid, dir_gid,
                       ownership.set_mode ? ownership.mode : 0644);
    } else if (downloaded) {
      // Never extracted, even an archive; owned by root (or --chown), mode 0600 (or --chmod).
      copy_into(ContextTree(dirname_of(path), {}), basename_or_root(path), upper_dir + target,
                ownership);
    } else {
      copy_into(*request.source, path, upper_dir + target, ownership);
    }
  }
}

}  // namespace layerfs::builder
