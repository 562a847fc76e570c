#include "layers/image_load.h"

#include <archive.h>
#include <archive_entry.h>
#include <fcntl.h>
#include <unistd.h>

#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <thread>

#include "layers/image.h"
#include "layers/import.h"
#include "layers/new_image.h"
#include "layers/reference.h"
#include "util/error.h"
#include "util/sha256.h"
#include "util/unique_fd.h"

namespace layerfs {

namespace {

// JSON documents in image archives are small; anything bigger than this is taken for a layer.
constexpr size_t kMaxJsonBytes = 4 << 20;

std::string normalize_path(std::string path) {
  while (path.rfind("./", 0) == 0) path.erase(0, 2);
  return path;
}

struct ArchiveContents {
  std::map<std::string, std::string> documents;                // path -> bytes
  std::map<std::string, std::unique_ptr<StagedLayer>> layers;  // path -> staged layer
  std::map<std::string, std::string> links;                    // path -> target path
};

class ArchiveReader {
 public:
  ArchiveReader(int fd, std::string source)
      : a_(archive_read_new(), archive_read_free), source_(std::move(source)) {
    archive_read_support_filter_all(a_.get());
    archive_read_support_format_tar(a_.get());
    archive_read_support_format_gnutar(a_.get());
    if (archive_read_open_fd(a_.get(), fd, 1 << 16) != ARCHIVE_OK) fail("");
  }

  struct archive* get() {
    return a_.get();
  }

  [[noreturn]] void fail(const std::string& entry) {
    const char* msg = archive_error_string(a_.get());
    throw UserError(source_ + (entry.empty() ? "" : ": " + entry) + ": " +
                    (msg ? msg : "not a valid image archive"));
  }

  // Reads up to `limit` bytes of the current entry's data into out; returns false at end.
  la_ssize_t read(void* buf, size_t size) { return archive_read_data(a_.get(), buf, size); }

 private:
  std::unique_ptr<struct archive, int (*)(struct archive*)> a_;
  std::string source_;
};

// Feeds the current entry's remaining data (after `head`) into a pipe on a thread while the
// layer reader consumes the other end.
std::unique_ptr<StagedLayer> stage_entry_as_layer(const Store& store, ArchiveReader& reader,
                                                  const std::string& head,
                                                  const std::string& path) {
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) throw_errno("pipe");
  UniqueFd read_end(fds[0]);
  UniqueFd write_end(fds[1]);
  bool read_failed = false;
  std::thread feeder([&] {
    auto write_all = [&](const char* p, size_t n) {
      while (n > 0) {
        ssize_t w = retry_eintr([&] { return ::write(write_end.get(), p, n); });
        if (w < 0) return false;  // the reader gave up (EPIPE)
        p += w;
        n -= static_cast<size_t>(w);
      }
      return true;
    };
    if (write_all(head.data(), head.size())) {
      char buf[1 << 16];
      for (;;) {
        la_ssize_t n = reader.read(buf, sizeof buf);
        if (n < 0) read_failed = true;
        if (n <= 0 || !write_all(buf, static_cast<size_t>(n))) break;
      }
    }
    write_end.reset();
  });
  std::unique_ptr<StagedLayer> staged;
  std::string error;
  try {
    staged = stage_layer(store, fd_source(read_end.get()));
  } catch (const std::exception& e) {
    error = e.what();
  }
  read_end.reset();
  feeder.join();
  if (read_failed) reader.fail(path);
  if (!staged) throw UserError(path + ": " + error);
  return staged;
}

ArchiveContents read_archive(const Store& store, int fd, const std::string& source) {
  ArchiveReader reader(fd, source);
  ArchiveContents contents;
  struct archive_entry* entry = nullptr;
  bool any = false;
  for (;;) {
    int r = archive_read_next_header(reader.get(), &entry);
    if (r == ARCHIVE_EOF) break;
    if (r != ARCHIVE_OK && r != ARCHIVE_WARN) reader.fail(any ? "after last entry" : "");
    any = true;
    std::string path = normalize_path(archive_entry_pathname(entry));
    if (const char* link = archive_entry_symlink(entry)) {
      std::string target = link;
      if (target.find('/') == std::string::npos || target.rfind("../", 0) == 0) {
        // Legacy archives link "<id>/layer.tar" to "../<other id>/layer.tar".
        std::string dir = path.substr(0, path.rfind('/') + 1);
        while (target.rfind("../", 0) == 0) {
          target.erase(0, 3);
          dir = dir.substr(0, dir.rfind('/', dir.size() - 2) + 1);
          if (dir == "/") dir.clear();
        }
        target = dir + target;
      }
      contents.links[path] = normalize_path(target);
      continue;
    }
    if (const char* hard = archive_entry_hardlink(entry)) {
      contents.links[path] = normalize_path(hard);
      continue;
    }
    if (archive_entry_filetype(entry) != AE_IFREG) continue;

    // Sniff: JSON documents start with '{' or '['; everything else big enough is a layer.
    std::string head(512, '\0');
    size_t got = 0;
    while (got < head.size()) {
      la_ssize_t n = reader.read(head.data() + got, head.size() - got);
      if (n < 0) reader.fail(path);
      if (n == 0) break;
      got += static_cast<size_t>(n);
    }
    head.resize(got);
    bool is_json = !head.empty() && (head[0] == '{' || head[0] == '[');
    bool is_layer = path.size() >= 9 && path.substr(path.size() - 9) == "layer.tar";
    if (is_json && !is_layer) {
      std::string doc = head;
      char buf[1 << 16];
      for (;;) {
        la_ssize_t n = reader.read(buf, sizeof buf);
        if (n < 0) reader.fail(path);
        if (n == 0) break;
        doc.append(buf, static_cast<size_t>(n));
        if (doc.size() > kMaxJsonBytes) throw UserError(source + ": " + path + " is too large");
      }
      contents.documents[path] = std::move(doc);
    } else if (path.rfind("blobs/", 0) == 0 || is_layer) {
      contents.layers[path] = stage_entry_as_layer(store, reader, head, path);
    } else {
      contents.documents[path] = head;  // small metadata such as VERSION or oci-layout
    }
  }
  if (!any) throw UserError(source + ": empty archive");
  return contents;
}

nlohmann::json parse_document(const ArchiveContents& contents, const std::string& path,
                              const std::string& source) {
  auto it = contents.documents.find(path);
  if (it == contents.documents.end()) throw UserError(source + ": missing " + path);
  auto j = nlohmann::json::parse(it->second, nullptr, false);
  if (j.is_discarded()) throw UserError(source + ": " + path + " is not valid JSON");
  return j;
}

// A blob path's digest, when the path names one (blobs/sha256/<hex>, <hex>.json).
std::string digest_in_path(const std::string& path) {
  std::string name = path.substr(path.rfind('/') + 1);
  if (name.size() > 5 && name.substr(name.size() - 5) == ".json") name.resize(name.size() - 5);
  return is_hex64(name) ? "sha256:" + name : std::string();
}

struct PendingImage {
  nlohmann::json config;
  std::string config_bytes;
  std::vector<StagedLayer*> layers;
  std::vector<std::string> tags;  // canonical
};

PendingImage resolve_pending(ArchiveContents& contents, const std::string& config_path,
                             const std::vector<std::string>& layer_paths,
                             const std::string& source) {
  PendingImage pending;
  auto doc = contents.documents.find(config_path);
  if (doc == contents.documents.end()) throw UserError(source + ": missing config " + config_path);
  pending.config_bytes = doc->second;
  std::string expected = digest_in_path(config_path);
  if (!expected.empty() && sha256_digest(pending.config_bytes) != expected)
    throw UserError(source + ": " + config_path + ": digest mismatch");
  pending.config = nlohmann::json::parse(pending.config_bytes, nullptr, false);
  if (!pending.config.is_object()) throw UserError(source + ": " + config_path + " is not JSON");
  std::vector<std::string> diff_ids;
  if (pending.config.contains("rootfs"))
    for (const auto& d : pending.config["rootfs"].value("diff_ids", nlohmann::json::array()))
      diff_ids.push_back(d.get<std::string>());
  if (diff_ids.size() != layer_paths.size())
    throw UserError(source + ": " + config_path + " lists " + std::to_string(diff_ids.size()) +
                    " layers but the manifest has " + std::to_string(layer_paths.size()));
  for (size_t i = 0; i < layer_paths.size(); ++i) {
    std::string path = layer_paths[i];
    for (int hops = 0; contents.links.count(path) && hops < 8; ++hops) path = contents.links[path];
    auto it = contents.layers.find(path);
    if (it == contents.layers.end()) throw UserError(source + ": missing layer " + layer_paths[i]);
    StagedLayer* layer = it->second.get();
    std::string named = digest_in_path(path);
    if (!named.empty() && named != layer->info().blob_digest && named != layer->info().diff_id)
      throw UserError(source + ": " + path + ": digest mismatch (content is " +
                      layer->info().blob_digest + ")");
    if (layer->info().diff_id != diff_ids[i])
      throw UserError(source + ": layer " + path + " has diff ID " + layer->info().diff_id +
                      " but the config expects " + diff_ids[i]);
    pending.layers.push_back(layer);
  }
  return pending;
}

std::vector<PendingImage> images_from_docker_manifest(ArchiveContents& contents,
                                                      const std::string& source) {
  std::vector<PendingImage> images;
  auto manifest = parse_document(contents, "manifest.json", source);
  if (!manifest.is_array()) throw UserError(source + ": manifest.json is not a list");
  for (const auto& m : manifest) {
    std::vector<std::string> layer_paths;
    for (const auto& l : m.value("Layers", nlohmann::json::array()))
      layer_paths.push_back(normalize_path(l.get<std::string>()));
    auto pending =
        resolve_pending(contents, normalize_path(m.value("Config", "")), layer_paths, source);
    for (const auto& tag : m.value("RepoTags", nlohmann::json::array()))
      if (tag.is_string())
        pending.tags.push_back(parse_reference(tag.get<std::string>()).canonical());
    images.push_back(std::move(pending));
  }
  return images;
}

std::vector<PendingImage> images_from_oci_index(ArchiveContents& contents,
                                                const std::string& source) {
  std::vector<PendingImage> images;
  auto blob_path = [](const std::string& digest) { return "blobs/sha256/" + digest_hex(digest); };
  auto index = parse_document(contents, "index.json", source);
  for (const auto& desc : index.value("manifests", nlohmann::json::array())) {
    std::string digest = desc.value("digest", "");
    std::string path = blob_path(digest);
    auto manifest = parse_document(contents, path, source);
    if (sha256_digest(contents.documents[path]) != digest)
      throw UserError(source + ": " + path + ": digest mismatch");
    if (manifest.contains("manifests"))
      throw UserError(source + ": nested image indexes are not supported (" + digest + ")");
    std::vector<std::string> layer_paths;
    for (const auto& l : manifest.value("layers", nlohmann::json::array()))
      layer_paths.push_back(blob_path(l.value("digest", "")));
    std::string config_digest =
        manifest.value("config", nlohmann::json::object()).value("digest", "");
    auto pending = resolve_pending(contents, blob_path(config_digest), layer_paths, source);
    auto annotations = desc.value("annotations", nlohmann::json::object());
    std::string name = annotations.value("io.containerd.image.name", "");
    if (name.empty()) name = annotations.value("org.opencontainers.image.ref.name", "");
    if (!name.empty()) {
      try {
        pending.tags.push_back(parse_reference(name).canonical());
      } catch (const UserError&) {
        // A bare tag such as "latest" names no repository: load the image untagged.
      }
    }
    images.push_back(std::move(pending));
  }
  return images;
}

}  // namespace

std::vector<LoadedImage> load_images(const Store& store, int in_fd, const std::string& source) {
  ArchiveContents contents = read_archive(store, in_fd, source);
  std::vector<PendingImage> pending = contents.documents.count("manifest.json")
                                          ? images_from_docker_manifest(contents, source)
                                      : contents.documents.count("index.json")
                                          ? images_from_oci_index(contents, source)
                                          : throw UserError(source +
                                                            ": neither manifest.json nor "
                                                            "index.json: not an image archive");
  if (pending.empty()) throw UserError(source + ": the archive holds no image");

  auto lock = store.lock_for_writing();
  ImageIndex index = ImageIndex::load(store);
  std::vector<LoadedImage> loaded;
  for (auto& image : pending) {
    NewImage ni;
    ni.config = image.config;
    ni.layers = adopt_staged_layers(store, image.layers);
    ni.tags = image.tags;
    // Keep the config bytes exactly: the image ID is their digest.
    ni.config_bytes = image.config_bytes;
    std::string id = register_image(store, index, ni);
    LoadedImage result{id, {}};
    for (const auto& tag : image.tags) result.tags.push_back(parse_reference(tag).familiar());
    loaded.push_back(std::move(result));
  }
  return loaded;
}

}  // namespace layerfs
