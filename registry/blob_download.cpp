#include "registry/blob_download.h"

#include <fcntl.h>
#include <unistd.h>

#include <exception>
#include <thread>

#include "util/error.h"
#include "util/sha256.h"
#include "util/unique_fd.h"

namespace layerfs::registry {

namespace {

constexpr int kMaxResumes = 5;
// libcurl hands over a TLS record (16 KiB at most) per call; the pipe gets fewer, larger writes,
// which halves the system time of a transfer.
constexpr size_t kPipeChunk = 256 << 10;

void write_all(int fd, const char* data, size_t size) {
  while (size > 0) {
    ssize_t n = retry_eintr([&] { return ::write(fd, data, size); });
    if (n < 0) throw_errno("write to layer stream");
    data += n;
    size -= size_t(n);
  }
}

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
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) throw_errno("pipe");
  UniqueFd read_end(fds[0]), write_end(fds[1]);
  // A bigger pipe lets the network run ahead of extraction for a while.
  ::fcntl(write_end.get(), F_SETPIPE_SZ, 1 << 20);

  std::unique_ptr<StagedLayer> staged;
  std::exception_ptr stage_error;
  std::thread stager([&] {
    try {
      staged = stage_layer(store, read_end.get(), layer.digest, diff_id);
    } catch (...) {
      stage_error = std::current_exception();
    }
    read_end.reset();  // a writer still sending gets EPIPE and stops
  });

  std::exception_ptr download_error;
  uint64_t offset = 0;
  std::string pending;  // received, not yet written to the pipe
  pending.reserve(kPipeChunk);
  auto flush = [&] {
    write_all(write_end.get(), pending.data(), pending.size());
    pending.clear();
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
          pending.append(data, size);
          if (pending.size() >= kPipeChunk) flush();
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
    flush();
  } catch (...) {
    download_error = std::current_exception();
  }
  write_end.reset();  // end of stream for the stager
  stager.join();
  // The stager's error explains a broken pipe; otherwise the download's error comes first.
  if (download_error) {
    bool broken_pipe = false;
    try {
      std::rethrow_exception(download_error);
    } catch (const SysError& e) {
      broken_pipe = e.code() == EPIPE;
    } catch (...) {
    }
    if (!(broken_pipe && stage_error)) std::rethrow_exception(download_error);
  }
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
