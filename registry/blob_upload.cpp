#include "registry/blob_upload.h"

#include <fcntl.h>

#include "util/error.h"
#include "util/unique_fd.h"

namespace layerfs::registry {

namespace {

constexpr int kUploadAttempts = 3;

std::string with_query(const std::string& location, const std::string& parameter) {
  return location + (location.find('?') == std::string::npos ? "?" : "&") + parameter;
}

// Upload Locations may be relative to the registry.
std::string upload_location(const RegistryClient& client, const HttpResponse& response,
                            const std::string& what) {
  std::string location = response.header("location");
  if (location.empty()) throw UserError(what + ": the registry sent no upload location");
  if (location.rfind("http://", 0) == 0 || location.rfind("https://", 0) == 0) return location;
  return client.url(location.front() == '/' ? location : "/" + location);
}

bool blob_exists(RegistryClient& client, const std::string& repository, const std::string& digest) {
  HttpRequest head;
  head.method = "HEAD";
  head.url = "/v2/" + repository + "/blobs/" + digest;
  HttpResponse response = client.request(head);
  if (response.status == 200) return true;
  if (response.status == 404) return false;
  throw UserError("blob " + digest + ": " + describe_error(response));
}

// Sends the whole blob in one PUT, or in PATCH chunks when it is larger than chunk_size.
void upload(RegistryClient& client, std::string location, const BlobToPush& blob, int fd,
            uint64_t chunk_size, const std::function<void(uint64_t)>& on_bytes) {
  const std::string what = "upload of " + blob.digest;
  uint64_t offset = 0;
  if (chunk_size > 0 && blob.size > chunk_size) {
    while (offset < blob.size) {
      uint64_t length = std::min(chunk_size, blob.size - offset);
      HttpRequest patch;
      patch.method = "PATCH";
      patch.url = location;
      patch.headers = {
          "Content-Type: application/octet-stream",
          "Content-Range: " + std::to_string(offset) + "-" + std::to_string(offset + length - 1)};
      patch.upload_fd = fd;
      patch.upload_offset = offset;
      patch.upload_length = length;
      uint64_t base = offset;
      HttpResponse response = client.request(patch, {}, [&](uint64_t sent) {
        if (on_bytes) on_bytes(base + sent);
      });
      if (response.status != 202) throw UserError(what + ": " + describe_error(response));
      location = upload_location(client, response, what);
      offset += length;
    }
  }
  HttpRequest put;
  put.method = "PUT";
  put.url = with_query(location, "digest=" + url_escape(blob.digest));
  put.headers = {"Content-Type: application/octet-stream"};
  put.upload_fd = fd;
  put.upload_offset = offset;
  put.upload_length = blob.size - offset;
  HttpResponse response = client.request(put, {}, [&](uint64_t sent) {
    if (on_bytes) on_bytes(offset + sent);
  });
  if (response.status != 201 && response.status != 204)
    throw UserError(what + ": " + describe_error(response));
}

}  // namespace

UploadOutcome push_blob(RegistryClient& client, const std::string& repository,
                        const BlobToPush& blob, uint64_t chunk_size,
                        const std::function<void(uint64_t)>& on_bytes, std::string& mounted_from) {
  if (blob_exists(client, repository, blob.digest)) return UploadOutcome::AlreadyExists;
  UniqueFd fd(::open(blob.path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd) throw_errno("open " + blob.path);
  std::string upload_base = "/v2/" + repository + "/blobs/uploads/";
  for (int attempt = 1;; ++attempt) {
    try {
      HttpResponse start;
      // A mount that the registry cannot do starts an ordinary upload (202) instead.
      for (const auto& from : blob.mount_from) {
        HttpRequest mount;
        mount.method = "POST";
        mount.url = upload_base + "?mount=" + url_escape(blob.digest) + "&from=" + url_escape(from);
        start = client.request(mount);
        if (start.status == 201) {
          mounted_from = from;
          return UploadOutcome::Mounted;
        }
        if (start.status == 202) break;
      }
      if (start.status != 202) {
        HttpRequest post;
        post.method = "POST";
        post.url = upload_base;
        start = client.request(post);
      }
      if (start.status != 202)
        throw UserError("upload of " + blob.digest + ": " + describe_error(start));
      upload(client, upload_location(client, start, "upload of " + blob.digest), blob, fd.get(),
             chunk_size, on_bytes);
      return UploadOutcome::Pushed;
    } catch (const TransportError& e) {
      // A broken upload session cannot be continued reliably: start a new one.
      if (attempt >= kUploadAttempts) throw UserError(e.what());
    }
  }
}

}  // namespace layerfs::registry
