#include "layers/image_save.h"

#include <archive.h>
#include <archive_entry.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <set>

#include "layers/decompress.h"
#include "layers/image.h"
#include "layers/new_image.h"
#include "layers/reference.h"
#include "util/error.h"
#include "util/sha256.h"
#include "util/unique_fd.h"

namespace layerfs {

namespace {

using ArchivePtr = std::unique_ptr<struct archive, int (*)(struct archive*)>;

class TarOut {
 public:
  explicit TarOut(int fd) : a_(archive_write_new(), archive_write_free) {
    archive_write_set_format_pax_restricted(a_.get());
    archive_write_set_bytes_in_last_block(a_.get(), 1);
    if (archive_write_open_fd(a_.get(), fd) != ARCHIVE_OK) fail("open output");
  }

  void add_dir(const std::string& name) {
    if (!dirs_.insert(name).second) return;
    auto* entry = make_entry(name, AE_IFDIR, 0755, 0);
    write_header(entry);
  }

  void add_bytes(const std::string& name, std::string_view data) {
    auto* entry = make_entry(name, AE_IFREG, 0644, data.size());
    write_header(entry);
    if (!data.empty() && archive_write_data(a_.get(), data.data(), data.size()) < 0)
      fail("write " + name);
  }

  void add_file(const std::string& name, const std::string& path) {
    UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
    if (!fd) throw_errno("open " + path);
    struct stat st;
    ::fstat(fd.get(), &st);
    auto* entry = make_entry(name, AE_IFREG, 0644, static_cast<uint64_t>(st.st_size));
    write_header(entry);
    char buf[1 << 16];
    for (;;) {
      ssize_t n = retry_eintr([&] { return ::read(fd.get(), buf, sizeof buf); });
      if (n < 0) throw_errno("read " + path);
      if (n == 0) break;
      if (archive_write_data(a_.get(), buf, static_cast<size_t>(n)) < 0) fail("write " + name);
    }
  }

  void close() {
    if (archive_write_close(a_.get()) != ARCHIVE_OK) fail("finish archive");
  }

 private:
  struct archive_entry* make_entry(const std::string& name, unsigned type, unsigned mode,
                                   uint64_t size) {
    entry_.reset(archive_entry_new());
    archive_entry_set_pathname(entry_.get(), name.c_str());
    archive_entry_set_filetype(entry_.get(), type);
    archive_entry_set_perm(entry_.get(), mode);
    archive_entry_set_size(entry_.get(), static_cast<la_int64_t>(size));
    archive_entry_set_mtime(entry_.get(), 0, 0);
    return entry_.get();
  }
  void write_header(struct archive_entry* entry) {
    if (archive_write_header(a_.get(), entry) != ARCHIVE_OK) fail("write header");
  }
  [[noreturn]] void fail(const std::string& what) {
    const char* msg = archive_error_string(a_.get());
    throw UserError("save: " + what + ": " + (msg ? msg : "archive error"));
  }

  ArchivePtr a_;
  std::unique_ptr<struct archive_entry, void (*)(struct archive_entry*)> entry_{nullptr,
                                                                                archive_entry_free};
  std::set<std::string> dirs_;
};

}  // namespace

void save_images(const Store& store, const std::vector<std::string>& names, int out_fd) {
  ImageIndex index = ImageIndex::load(store);
  StagingDir staging(store.tmp_dir(), "save-");

  struct Saved {
    Image image;
    std::vector<std::string> tags;  // canonical names to record
  };
  std::vector<Saved> saved;
  std::map<std::string, size_t> by_id;
  for (const auto& name : names) {
    std::string id = resolve_image(index, name);
    if (!by_id.count(id)) {
      by_id[id] = saved.size();
      saved.push_back({load_image(store, index, id), {}});
    }
    bool by_name = !looks_like_id_prefix(name) || name.find(':') != std::string::npos;
    if (by_name) {
      Reference ref = parse_reference(name);
      if (ref.digest.empty() && index.tags.count(ref.canonical()))
        saved[by_id[id]].tags.push_back(ref.canonical());
    }
  }

  TarOut tar(out_fd);
  tar.add_dir("blobs/");
  tar.add_dir("blobs/sha256/");
  std::set<std::string> written;
  nlohmann::ordered_json docker_manifest = nlohmann::ordered_json::array();
  nlohmann::ordered_json oci_index = {{"schemaVersion", 2},
                                      {"mediaType", "application/vnd.oci.image.index.v1+json"},
                                      {"manifests", nlohmann::ordered_json::array()}};
  nlohmann::ordered_json repositories = nlohmann::ordered_json::object();

  for (const auto& [image, tags] : saved) {
    std::vector<LayerInfo> layers;
    nlohmann::ordered_json layer_paths = nlohmann::ordered_json::array();
    auto diff_ids = image.diff_ids();
    auto manifest_layers = image.manifest.value("layers", nlohmann::json::array());
    for (size_t i = 0; i < diff_ids.size(); ++i) {
      const std::string& diff_id = diff_ids[i];
      // The image's own manifest names the blob it was given in (plain or compressed).
      std::string blob = i < manifest_layers.size() ? manifest_layers[i].value("digest", diff_id)
                                                    : store.read_layer_info(diff_id).blob_digest;
      std::string plain_path =
          blob == diff_id ? store.blob_path(diff_id) : staging.path() + "/" + digest_hex(diff_id);
      std::string blob_name = "blobs/sha256/" + digest_hex(diff_id);
      if (written.insert(diff_id).second) {
        if (blob != diff_id && decompress_file(store.blob_path(blob), plain_path) != diff_id)
          throw UserError("layer blob " + blob + " does not decompress to " + diff_id);
        tar.add_file(blob_name, plain_path);
      }
      struct stat st;
      if (::stat(plain_path.c_str(), &st) != 0) throw_errno("stat " + plain_path);
      LayerInfo plain;
      plain.diff_id = plain.blob_digest = diff_id;
      plain.media_type = kOciLayerType;
      plain.blob_size = static_cast<uint64_t>(st.st_size);
      layers.push_back(plain);
      layer_paths.push_back(blob_name);
    }
    std::string config_bytes = store.read_blob(image.id);
    std::string config_name = "blobs/sha256/" + digest_hex(image.id);
    if (written.insert(image.id).second) tar.add_bytes(config_name, config_bytes);
    std::string manifest_bytes = make_manifest(image.id, config_bytes.size(), layers);
    std::string manifest_digest = sha256_digest(manifest_bytes);
    if (written.insert(manifest_digest).second)
      tar.add_bytes("blobs/sha256/" + digest_hex(manifest_digest), manifest_bytes);

    nlohmann::ordered_json repo_tags = nlohmann::ordered_json::array();
    for (const auto& canonical : tags) {
      Reference ref = parse_reference(canonical);
      repo_tags.push_back(ref.familiar());
      repositories[ref.familiar_repository()][ref.tag] =
          layers.empty() ? digest_hex(image.id) : digest_hex(layers.back().diff_id);
      oci_index["manifests"].push_back({{"mediaType", kOciManifestType},
                                        {"digest", manifest_digest},
                                        {"size", manifest_bytes.size()},
                                        {"annotations",
                                         {{"io.containerd.image.name", canonical},
                                          {"org.opencontainers.image.ref.name", ref.tag}}}});
    }
    if (tags.empty())
      oci_index["manifests"].push_back({{"mediaType", kOciManifestType},
                                        {"digest", manifest_digest},
                                        {"size", manifest_bytes.size()}});
    docker_manifest.push_back(
        {{"Config", config_name}, {"RepoTags", repo_tags}, {"Layers", layer_paths}});
  }
  tar.add_bytes("index.json", oci_index.dump() + "\n");
  tar.add_bytes("manifest.json", docker_manifest.dump() + "\n");
  tar.add_bytes("oci-layout", "{\"imageLayoutVersion\":\"1.0.0\"}");
  if (!repositories.empty()) tar.add_bytes("repositories", repositories.dump() + "\n");
  tar.close();
}

}  // namespace layerfs
