#include "registry/pull.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <atomic>
#include <exception>
#include <mutex>
#include <thread>

#include "layers/image.h"
#include "layers/image_index.h"
#include "layers/new_image.h"
#include "registry/blob_download.h"
#include "registry/client.h"
#include "registry/manifest.h"
#include "util/error.h"
#include "util/sha256.h"

namespace layerfs::registry {

namespace {

struct FetchedManifest {
  std::string bytes;
  std::string digest;
  ManifestDocument doc;
};

// GET a manifest by tag or digest; the digest is checked against the bytes (always for a digest
// reference, and against Docker-Content-Digest when the registry sends one).
FetchedManifest fetch_manifest(RegistryClient& client, const Reference& ref,
                               const std::string& tag_or_digest) {
  HttpRequest request;
  request.url = "/v2/" + ref.path + "/manifests/" + tag_or_digest;
  request.headers.push_back(manifest_accept_header());
  HttpResponse response = client.request(request);
  std::string name = ref.familiar_repository() +
                     (tag_or_digest.rfind("sha256:", 0) == 0 ? "@" : ":") + tag_or_digest;
  if (response.status == 404)
    throw UserError("manifest for " + name + " not found: " + describe_error(response));
  if (!response.ok()) throw UserError(name + ": " + describe_error(response));
  FetchedManifest out;
  out.bytes = std::move(response.body);
  out.digest = sha256_digest(out.bytes);
  std::string expected = tag_or_digest.rfind("sha256:", 0) == 0
                             ? tag_or_digest
                             : response.header("docker-content-digest");
  if (!expected.empty() && expected != out.digest)
    throw UserError(name + ": manifest digest mismatch: expected " + expected + ", got " +
                    out.digest + "; refused");
  out.doc = parse_manifest(out.bytes, response.header("content-type"), name);
  return out;
}

// The client for the first endpoint that answers (mirrors first for docker.io).
std::unique_ptr<RegistryClient> connect(const RegistryConfig& config, const std::string& registry,
                                        const std::string& scope, bool pulling) {
  auto endpoints = endpoints_for(config, registry, pulling);
  std::string errors;
  for (auto& endpoint : endpoints) {
    auto credentials = find_credentials(endpoint.mirror ? endpoint.base_url : registry);
    auto client = std::make_unique<RegistryClient>(endpoint, credentials);
    client->add_scope(scope);
    try {
      client->ping();
      return client;
    } catch (const UserError& e) {
      if (&endpoint == &endpoints.back()) throw;
      spdlog::warn("mirror {}: {}", endpoint.base_url, e.what());
    }
  }
  throw UserError("no endpoint for " + registry);
}

struct LayerJob {
  Descriptor descriptor;
  std::string diff_id;
  LayerInfo info;
  bool present = false;
  std::unique_ptr<StagedLayer> staged;  // downloaded, adopted with the image
};

std::string layer_id(const LayerJob& job) { return short_digest(job.descriptor.digest); }

// Moves the staged layers into the store in one batch (one sync for all: adopt_staged_layers);
// caller holds the writer lock.
void adopt_staged(const Store& store, std::vector<LayerJob>& jobs, Progress& progress) {
  std::vector<StagedLayer*> staged;
  for (const auto& job : jobs)
    if (job.staged) staged.push_back(job.staged.get());
  std::vector<LayerInfo> adopted = adopt_staged_layers(store, staged);
  for (size_t i = 0, k = 0; i < jobs.size(); ++i) {
    if (!jobs[i].staged) continue;
    jobs[i].info = adopted[k++];
    jobs[i].staged.reset();
    progress.update(layer_id(jobs[i]), "Pull complete");
  }
}

// Downloads and stages the missing layers, several at once.
void fetch_layers(RegistryClient& client, const Store& store, const std::string& repository,
                  std::vector<LayerJob>& jobs, int parallel, Progress& progress) {
  std::vector<size_t> todo;
  for (size_t i = 0; i < jobs.size(); ++i)
    if (!jobs[i].present) todo.push_back(i);
  std::atomic<size_t> next{0};
  std::atomic<bool> cancelled{false};
  std::mutex error_mutex;
  std::exception_ptr first_error;
  auto worker = [&] {
    while (!cancelled) {
      size_t k = next++;
      if (k >= todo.size()) return;
      LayerJob& job = jobs[todo[k]];
      try {
        uint64_t total = job.descriptor.size;
        const std::string id = layer_id(job);  // once: byte counts arrive every TLS record
        job.staged = download_layer(
            client, store, repository, job.descriptor, job.diff_id,
            [&](uint64_t bytes) { progress.update(id, "Downloading", bytes, total); }, cancelled);
        progress.update(id, "Extracting");
        // Flushed now, while other layers still download, rather than all at once at the end:
        // adopt_staged_layers' own sync then has little left to wait for.
        sync_file_system(store.tmp_dir());
      } catch (...) {
        std::lock_guard lock(error_mutex);
        if (!first_error) first_error = std::current_exception();
        cancelled = true;
      }
    }
  };
  for (size_t i : todo) progress.update(layer_id(jobs[i]), "Waiting");
  std::vector<std::thread> threads;
  size_t count = std::min<size_t>(todo.size(), size_t(std::max(parallel, 1)));
  for (size_t i = 0; i < count; ++i) threads.emplace_back(worker);
  for (auto& t : threads) t.join();
  if (first_error) std::rethrow_exception(first_error);
}

}  // namespace

PullResult pull_image(const Store& store, const RegistryConfig& config, const Reference& ref,
                      const PullOptions& options, Progress& progress) {
  Platform platform = options.platform.empty() ? Platform{} : parse_platform(options.platform);
  auto client = connect(config, ref.domain, "repository:" + ref.path + ":pull", true);
  std::string wanted = ref.digest.empty() ? ref.tag : ref.digest;
  if (ref.digest.empty())
    progress.message(ref.tag + ": Pulling from " + ref.path);
  else
    progress.message(ref.digest + ": Pulling from " + ref.path);

  FetchedManifest top = fetch_manifest(*client, ref, wanted);
  FetchedManifest manifest = top;
  if (top.doc.is_index()) {
    Descriptor entry = select_platform(top.doc, platform);
    manifest = fetch_manifest(*client, ref, entry.digest);
    if (manifest.doc.is_index())
      throw UserError(ref.familiar() + ": nested manifest lists are not supported");
  }
  std::string where = ref.familiar_repository() + "@" + manifest.digest;
  Descriptor config_desc = config_of(manifest.doc, where);
  std::vector<Descriptor> layers = layers_of(manifest.doc, where);

  std::string config_bytes = store.has_blob(config_desc.digest)
                                 ? store.read_blob(config_desc.digest)
                                 : fetch_small_blob(*client, ref.path, config_desc.digest);
  auto config_json = nlohmann::json::parse(config_bytes, nullptr, false);
  if (!config_json.is_object()) throw UserError(where + ": image config is not JSON");
  std::vector<std::string> diff_ids;
  for (const auto& d : config_json.value("rootfs", nlohmann::json::object())
                           .value("diff_ids", nlohmann::json::array()))
    diff_ids.push_back(d.get<std::string>());
  if (diff_ids.size() != layers.size())
    throw UserError(where + ": the manifest lists " + std::to_string(layers.size()) +
                    " layers, the config " + std::to_string(diff_ids.size()));

  std::vector<LayerJob> jobs(layers.size());
  bool anything_new = false;
  for (size_t i = 0; i < layers.size(); ++i) {
    jobs[i].descriptor = layers[i];
    jobs[i].diff_id = diff_ids[i];
    jobs[i].present = store.has_layer(diff_ids[i]) && store.has_blob(layers[i].digest);
    if (jobs[i].present) {
      jobs[i].info = store.read_layer_info(diff_ids[i]);
      jobs[i].info.blob_digest = layers[i].digest;
      jobs[i].info.blob_size = layers[i].size;
      jobs[i].info.media_type = layers[i].media_type;
      progress.update(layer_id(jobs[i]), "Already exists");
    } else {
      anything_new = true;
    }
  }
  try {
    fetch_layers(*client, store, ref.path, jobs, options.parallel, progress);
  } catch (...) {
    // Layers that arrived before the failure are kept: the next attempt does not fetch them.
    auto lock = store.lock_for_writing();
    adopt_staged(store, jobs, progress);
    throw;
  }

  PullResult result;
  result.digest = top.digest;
  result.name = ref.digest.empty() ? ref.canonical() : ref.repository() + "@" + ref.digest;
  {
    auto lock = store.lock_for_writing();
    adopt_staged(store, jobs, progress);
    ImageIndex index = ImageIndex::load(store);
    std::string image_id = sha256_digest(config_bytes);
    anything_new |= !index.images.count(image_id);
    NewImage image;
    image.config = config_json;
    image.config_bytes = config_bytes;
    for (const auto& job : jobs) image.layers.push_back(job.info);
    image.manifest_bytes = manifest.bytes;
    if (ref.digest.empty()) image.tags = {ref.canonical()};
    image.repo_digests = {ref.repository() + "@" + top.digest};
    result.image_id = register_image(store, index, image);
  }
  result.downloaded = anything_new;
  progress.message("Digest: " + top.digest);
  std::string shown =
      ref.digest.empty() ? ref.familiar() : ref.familiar_repository() + "@" + ref.digest;
  progress.message(anything_new ? "Status: Downloaded newer image for " + shown
                                : "Status: Image is up to date for " + shown);
  return result;
}

std::vector<PullResult> pull_all_tags(const Store& store, const RegistryConfig& config,
                                      const Reference& repository, const PullOptions& options,
                                      Progress& progress) {
  auto client = connect(config, repository.domain, "repository:" + repository.path + ":pull", true);
  std::vector<std::string> tags;
  std::string target = "/v2/" + repository.path + "/tags/list?n=1000";
  while (!target.empty()) {
    HttpRequest request;
    request.url = target;
    HttpResponse response = client->request(request);
    if (!response.ok())
      throw UserError(repository.familiar_repository() + ": " + describe_error(response));
    auto doc = nlohmann::json::parse(response.body, nullptr, false);
    if (doc.is_object() && doc["tags"].is_array())
      for (const auto& t : doc["tags"]) tags.push_back(t.get<std::string>());
    target = next_link(response);
  }
  if (tags.empty())
    throw UserError(repository.familiar_repository() + ": the repository has no tags");
  std::sort(tags.begin(), tags.end());
  std::vector<PullResult> results;
  for (const auto& tag : tags) {
    Reference ref = repository;
    ref.tag = tag;
    ref.digest.clear();
    results.push_back(pull_image(store, config, ref, options, progress));
  }
  return results;
}

}  // namespace layerfs::registry
