#include "registry/push.h"

#include <algorithm>
#include <atomic>
#include <exception>
#include <map>
#include <mutex>
#include <set>
#include <thread>

#include "layers/image.h"
#include "layers/image_index.h"
#include "registry/blob_upload.h"
#include "registry/client.h"
#include "registry/manifest.h"
#include "util/error.h"
#include "util/fs.h"

namespace layerfs::registry {

namespace {

// Repositories of `registry` that the store knows to hold each blob: every image pulled from or
// pushed to that registry records a repo digest, and its manifest lists its blobs.
std::map<std::string, std::set<std::string>> known_locations(const Store& store,
                                                             const ImageIndex& index,
                                                             const std::string& registry,
                                                             const std::string& except) {
  std::map<std::string, std::set<std::string>> out;
  for (const auto& [id, record] : index.images) {
    std::set<std::string> repos;
    for (const auto& rd : record.repo_digests) {
      Reference ref;
      try {
        ref = parse_reference(rd);
      } catch (const UserError&) {
        continue;
      }
      if (ref.domain == registry && ref.path != except) repos.insert(ref.path);
    }
    if (repos.empty()) continue;
    auto text = read_file_if_exists(store.blob_path(record.manifest_digest));
    auto manifest = nlohmann::json::parse(text.value_or(""), nullptr, false);
    if (!manifest.is_object()) continue;
    std::vector<std::string> digests = {id};
    for (const auto& layer : manifest.value("layers", nlohmann::json::array()))
      if (layer.is_object()) digests.push_back(layer.value("digest", ""));
    for (const auto& d : digests) out[d].insert(repos.begin(), repos.end());
  }
  return out;
}

}  // namespace

PushResult push_image(const Store& store, const RegistryConfig& config, const std::string& text,
                      const PushOptions& options, Progress& progress) {
  Reference ref = parse_reference(text);
  if (!ref.digest.empty()) throw UserError("cannot push a digest reference: " + text);
  ImageIndex index = ImageIndex::load(store);
  std::string image_id;
  try {
    image_id = resolve_image(index, ref.canonical());
  } catch (const UserError&) {
    throw UserError("An image does not exist locally with the tag: " + ref.familiar_repository() +
                    (ref.tag == "latest" ? "" : ":" + ref.tag));
  }
  Image image = load_image(store, index, image_id);
  std::string manifest_bytes = store.read_blob(image.record.manifest_digest);
  ManifestDocument manifest = parse_manifest(manifest_bytes, "", ref.familiar());
  std::string where = ref.familiar();

  std::vector<BlobToPush> blobs;
  auto locations = known_locations(store, index, ref.domain, ref.path);
  auto add_blob = [&](const Descriptor& d) {
    BlobToPush blob{d.digest, store.blob_path(d.digest), d.size, {}};
    if (!store.has_blob(d.digest))
      throw UserError(where + ": blob " + d.digest + " is not in the store");
    auto it = locations.find(d.digest);
    if (it != locations.end()) blob.mount_from.assign(it->second.begin(), it->second.end());
    blobs.push_back(std::move(blob));
  };
  for (const auto& layer : layers_of(manifest, where)) add_blob(layer);
  add_blob(config_of(manifest, where));

  Endpoint endpoint = endpoints_for(config, ref.domain, false).back();
  RegistryClient client(endpoint, find_credentials(ref.domain));
  client.add_scope("repository:" + ref.path + ":pull,push");
  for (const auto& blob : blobs)
    for (const auto& from : blob.mount_from) client.add_scope("repository:" + from + ":pull");
  progress.message("The push refers to repository [" + ref.repository() + "]");
  long status = client.ping();
  if (status == 401)
    throw UserError("push to " + ref.domain + " refused: unauthorized: authentication required");

  // Layers (and the config) in parallel; the manifest goes last, once every blob is there.
  for (const auto& blob : blobs) progress.update(short_digest(blob.digest), "Preparing");
  std::atomic<size_t> next{0};
  std::atomic<bool> failed{false};
  std::mutex error_mutex;
  std::exception_ptr first_error;
  auto worker = [&] {
    while (!failed) {
      size_t k = next++;
      if (k >= blobs.size()) return;
      const BlobToPush& blob = blobs[k];
      std::string id = short_digest(blob.digest);
      try {
        std::string mounted_from;
        UploadOutcome outcome = push_blob(
            client, ref.path, blob, options.chunk_size,
            [&](uint64_t sent) { progress.update(id, "Pushing", sent, blob.size); }, mounted_from);
        progress.update(id, outcome == UploadOutcome::AlreadyExists ? "Layer already exists"
                            : outcome == UploadOutcome::Mounted     ? "Mounted from " + mounted_from
                                                                    : "Pushed");
      } catch (...) {
        std::lock_guard lock(error_mutex);
        if (!first_error) first_error = std::current_exception();
        failed = true;
      }
    }
  };
  std::vector<std::thread> threads;
  size_t count = std::min<size_t>(blobs.size(), size_t(std::max(options.parallel, 1)));
  for (size_t i = 0; i < count; ++i) threads.emplace_back(worker);
  for (auto& t : threads) t.join();
  if (first_error) std::rethrow_exception(first_error);

  HttpRequest put;
  put.method = "PUT";
  put.url = "/v2/" + ref.path + "/manifests/" + ref.tag;
  put.headers = {"Content-Type: " + manifest.media_type};
  put.body = manifest_bytes;
  HttpResponse response = client.request(put);
  if (response.status != 201 && response.status != 200)
    throw UserError("manifest for " + where + ": " + describe_error(response));

  PushResult result{image.record.manifest_digest, manifest_bytes.size()};
  {
    // Like docker, remember where the image now is (RepoDigests; later pushes mount from it).
    auto lock = store.lock_for_writing();
    ImageIndex fresh = ImageIndex::load(store);
    auto it = fresh.images.find(image_id);
    std::string repo_digest = ref.repository() + "@" + result.digest;
    if (it != fresh.images.end()) {
      auto& rds = it->second.repo_digests;
      if (std::find(rds.begin(), rds.end(), repo_digest) == rds.end()) {
        rds.push_back(repo_digest);
        fresh.save(store);
      }
    }
  }
  progress.message(ref.tag + ": digest: " + result.digest +
                   " size: " + std::to_string(result.size));
  return result;
}

}  // namespace layerfs::registry
