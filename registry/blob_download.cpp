#include "registry/blob_download.h"

#include <algorithm>
#include <exception>
#include <thread>

#include "util/error.h"
#include "util/sha256.h"

namespace layerfs::registry {

namespace {

constexpr int kMaxResumes = 5;
// libcurl hands over a TLS record (16 KiB at most) per call; the stager gets blocks of exactly
// this size (page-aligned: the blob is written with O_DIRECT straight from them), a few queued (a
// few MiB that the network may run ahead of extraction).
constexpr size_t kHandOverBytes = 1 << 20;
constexpr size_t kQueuedBlocks = 3;

std::string blob_target(const std::string& repository, const std::string& digest) {
  return "/v2/" + repository + "/blobs/" + digest;
}

[[noreturn]] void throw_blob_error(const HttpResponse& response, const std::string& digest) {
  throw UserError("blob " + digest + ": " + describe_error(response));
}

}  // namespace

std::string fetch_small_blob(RegistryClient& client, const std::string& repository,
                             const std::string& digest, size_t max_bytes) {
  HttpRequest request;
  request.url = blob_target(repository, digest);
  std::string body;
  HttpResponse response = client.request(request, [&](const char* data, size_t size) {
    if (body.size() + size > max_bytes) throw UserError("blob " + digest + " is too large");
    body.append(data, size);
  });
  if (!response.ok()) throw_blob_error(response, digest);
  if (sha256_digest(body) != digest)
    throw UserError("blob " + digest + ": the registry sent content with digest " +
                    sha256_digest(body) + "; refused");
  return body;
}

std::unique_ptr<StagedLayer> download_layer(RegistryClient& client, const Store& store,
                                            const std::string& repository, const Descriptor& layer,
                                            const std::string& diff_id,
                                            const std::function<void(uint64_t)>& on_bytes,
                                            const std::atomic<bool>& cancelled) {
  // The stager takes the bytes from this queue: no pipe, so no kernel copies in between.
  BlockQueue queue(kQueuedBlocks);
  std::unique_ptr<StagedLayer> staged;
  std::exception_ptr stage_error;
  std::thread stager([&] {
    try {
      staged = stage_layer(
          store,
          [&](Block& block) {
            queue.recycle(std::move(block));
            block = Block();
            return queue.pop(block);
          },
          layer.digest, diff_id);
    } catch (...) {
      stage_error = std::current_exception();
    }
    queue.cancel();  // a download still sending stops
  });

  std::exception_ptr download_error;
  bool stager_gone = false;  // the stager stopped taking bytes: its error explains the download's
  uint64_t offset = 0;
  Block pending = queue.spare();  // received, not yet handed over
  auto hand_over = [&] {
    if (pending.empty()) return;
    if (!queue.push(std::move(pending))) {
      stager_gone = true;
      throw UserError("the layer is no longer read");
    }
    pending = queue.spare();
  };
  try {
    for (int resumes = 0;; ++resumes) {
      HttpRequest request;
      request.url = blob_target(repository, layer.digest);
      if (offset > 0) request.headers.push_back("Range: bytes=" + std::to_string(offset) + "-");
      HttpResponse response;
      try {
        response = client.request(request, [&](const char* data, size_t size) {
          if (cancelled) throw UserError("cancelled");
          for (size_t left = size; left > 0;) {
            if (pending.capacity() < kHandOverBytes) pending.reserve(kHandOverBytes);
            size_t n = std::min(left, kHandOverBytes - pending.size());
            append(pending, data, n);
            data += n;
            left -= n;
            if (pending.size() == kHandOverBytes) hand_over();
          }
          offset += size;
          if (on_bytes) on_bytes(offset);
        });
      } catch (const TransportError& e) {
        // Resume from `offset` while each attempt makes progress; a registry that stays away
        // has already had request()'s retries.
        if (e.received() == 0 || resumes + 1 >= kMaxResumes || cancelled)
          throw UserError("download of " + layer.digest + " failed: " + e.what());
        continue;
      }
      if (!response.ok()) throw_blob_error(response, layer.digest);
      break;
    }
    hand_over();
  } catch (...) {
    download_error = std::current_exception();
  }
  queue.close();  // end of stream for the stager
  stager.join();
  // The stager's error explains why it stopped reading; otherwise the download's error comes
  // first.
  if (download_error && !(stager_gone && stage_error)) std::rethrow_exception(download_error);
  if (stage_error) {
    try {
      std::rethrow_exception(stage_error);
    } catch (const UserError& e) {
      throw UserError("layer " + layer.digest + " refused: " + e.what());
    }
  }
  return staged;
}

}  // namespace layerfs::registry
