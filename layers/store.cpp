#include "layers/store.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <nlohmann/json.hpp>

#include "util/dir_lock.h"
#include "util/error.h"
#include "util/sha256.h"
#include "util/unique_fd.h"

namespace layerfs {

namespace {

// Removes entries of tmp/ that no live process holds locked.
void collect_staging_garbage(const std::string& tmp_dir) {
  for (const auto& name : directory_entries(tmp_dir)) {
    std::string path = tmp_dir + "/" + name;
    UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW));
    if (fd && ::flock(fd.get(), LOCK_EX | LOCK_NB) != 0) continue;  // in use
    remove_tree(path);
  }
}

}  // namespace

StagingDir::StagingDir(const std::string& tmp_dir, const std::string& prefix) {
  path_ = make_temp_dir(tmp_dir, prefix);
  lock_fd_ = ::open(path_.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (lock_fd_ < 0 || ::flock(lock_fd_, LOCK_EX) != 0) throw_errno("lock " + path_);
}

StagingDir::~StagingDir() {
  try {
    remove_tree(path_);
  } catch (...) {
    // Left for the next writer's garbage collection.
  }
  if (lock_fd_ >= 0) ::close(lock_fd_);
}

std::string default_store_root() {
  if (const char* env = std::getenv("LAYERFS_ROOT"); env && *env) return env;
  if (::geteuid() == 0 && !std::getenv("XDG_DATA_HOME")) return "/var/lib/layerfs";
  if (const char* xdg = std::getenv("XDG_DATA_HOME"); xdg && *xdg)
    return std::string(xdg) + "/layerfs";
  const char* home = std::getenv("HOME");
  if (home == nullptr || *home == '\0') throw UserError("HOME is not set; pass --root");
  return std::string(home) + "/.local/share/layerfs";
}

Store::Store(std::string root) : root_(absolute_path(root)) {
  for (const auto& dir :
       {root_, blobs_dir(), layers_dir(), containers_dir(), cache_dir(), tmp_dir()})
    make_dirs(dir, 0700);
}

std::unique_ptr<FileLock> Store::lock_for_writing() const {
  auto lock = std::make_unique<FileLock>(root_ + "/lock");
  collect_staging_garbage(tmp_dir());
  return lock;
}

std::string Store::blob_path(const std::string& digest) const {
  return blobs_dir() + "/" + digest_hex(digest);
}

bool Store::has_blob(const std::string& digest) const { return path_exists(blob_path(digest)); }

std::string Store::read_blob(const std::string& digest) const {
  auto data = read_file_if_exists(blob_path(digest));
  if (!data) throw UserError("blob " + digest + " is missing from the store at " + root_);
  if (sha256_digest(*data) != digest)
    throw UserError("blob " + digest + " in the store is corrupt (digest mismatch)");
  return std::move(*data);
}

std::string Store::write_blob(std::string_view data) const {
  std::string digest = sha256_digest(data);
  if (has_blob(digest)) return digest;
  AtomicFile file(blob_path(digest), tmp_dir(), 0644);
  file.write(data);
  file.commit();
  return digest;
}

void Store::adopt_blob(const std::string& staged_path, const std::string& digest,
                       Durability durability) const {
  std::string target = blob_path(digest);
  if (::rename(staged_path.c_str(), target.c_str()) != 0) throw_errno("rename blob " + digest);
  if (durability == Durability::Synced) fsync_dir(blobs_dir());
}

void Store::remove_blob(const std::string& digest) const {
  if (::unlink(blob_path(digest).c_str()) != 0 && errno != ENOENT)
    throw_errno("remove blob " + digest);
}

std::string Store::layer_path(const std::string& diff_id) const {
  return layers_dir() + "/" + digest_hex(diff_id);
}

std::string Store::layer_diff_path(const std::string& diff_id) const {
  return layer_path(diff_id) + "/diff";
}

bool Store::has_layer(const std::string& diff_id) const {
  return path_exists(layer_path(diff_id) + "/info.json");
}

void write_layer_info(const std::string& path, const LayerInfo& info, Durability durability) {
  nlohmann::json j = {{"diff_id", info.diff_id},
                      {"blob_digest", info.blob_digest},
                      {"media_type", info.media_type},
                      {"blob_size", info.blob_size},
                      {"size", info.size},
                      {"created", info.created}};
  write_file_atomic(path, j.dump(2) + "\n", 0644, durability);
}

LayerInfo parse_layer_info(const std::string& json_text, const std::string& where) {
  try {
    auto j = nlohmann::json::parse(json_text);
    LayerInfo info;
    info.diff_id = j.at("diff_id").get<std::string>();
    info.blob_digest = j.value("blob_digest", "");
    info.media_type = j.value("media_type", "");
    info.blob_size = j.value("blob_size", uint64_t{0});
    info.size = j.value("size", uint64_t{0});
    info.created = j.value("created", "");
    return info;
  } catch (const nlohmann::json::exception& e) {
    throw UserError(where + ": " + e.what());
  }
}

LayerInfo Store::read_layer_info(const std::string& diff_id) const {
  std::string path = layer_path(diff_id) + "/info.json";
  auto text = read_file_if_exists(path);
  if (!text) throw UserError("layer " + diff_id + " is not in the store");
  return parse_layer_info(*text, path);
}

std::vector<std::string> Store::list_layers() const {
  std::vector<std::string> ids;
  for (const auto& name : directory_entries(layers_dir()))
    if (is_hex64(name) && path_exists(layers_dir() + "/" + name + "/info.json"))
      ids.push_back("sha256:" + name);
  return ids;
}

bool Store::adopt_layer(const std::string& staged_layer_dir, const LayerInfo& info) const {
  if (has_layer(info.diff_id)) return false;
  write_layer_info(staged_layer_dir + "/info.json", info);
  adopt_complete_layer(staged_layer_dir, info.diff_id);
  fsync_dir(layers_dir());
  return true;
}

void Store::adopt_complete_layer(const std::string& staged_layer_dir,
                                 const std::string& diff_id) const {
  std::string target = layer_path(diff_id);
  // A directory without info.json is what a killed adoption left: replace it.
  if (path_exists(target)) remove_tree(target);
  if (::rename(staged_layer_dir.c_str(), target.c_str()) != 0)
    throw_errno("rename layer into " + target);
}

void Store::remove_layer(const std::string& diff_id) const {
  std::string path = layer_path(diff_id);
  // Removing info.json first makes a half-removed layer invisible.
  ::unlink((path + "/info.json").c_str());
  remove_tree(path);
}

namespace {

constexpr const char* kHoldPrefix = "hold-";
constexpr const char* kHoldFile = "images.json";

}  // namespace

ImageHold::ImageHold(const Store& store, const std::vector<std::string>& image_ids)
    : dir_(store.tmp_dir(), kHoldPrefix) {
  write_file_atomic(dir_.path() + "/" + kHoldFile, nlohmann::json(image_ids).dump(), 0600,
                    Durability::Unsynced);
}

std::vector<std::string> Store::held_image_ids() const {
  std::vector<std::string> ids;
  for (const auto& name : directory_entries(tmp_dir())) {
    if (name.rfind(kHoldPrefix, 0) != 0) continue;
    std::string path = tmp_dir() + "/" + name;
    // A hold whose lock can be taken belongs to a process that has ended.
    if (!locked_by_another(path, LOCK_SH)) continue;
    auto text = read_file_if_exists(path + "/" + kHoldFile);
    auto j = nlohmann::json::parse(text.value_or(""), nullptr, false);
    if (!j.is_array()) continue;
    for (const auto& id : j)
      if (id.is_string()) ids.push_back(id.get<std::string>());
  }
  return ids;
}

std::vector<std::string> Store::container_image_ids() const {
  std::vector<std::string> ids;
  for (const auto& name : directory_entries(containers_dir())) {
    auto text = read_file_if_exists(containers_dir() + "/" + name + "/config.json");
    if (!text) continue;
    auto j = nlohmann::json::parse(*text, nullptr, false);
    if (j.is_object() && j.contains("Image") && j["Image"].is_string())
      ids.push_back(j["Image"].get<std::string>());
  }
  return ids;
}

}  // namespace layerfs
