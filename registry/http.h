// One HTTP connection cache (a libcurl easy handle) with a registry's TLS settings. Requests are
// synchronous; parallel transfers use one session per thread (see SessionPool in client.h).
#pragma once

#include <cstdint>
#include <functional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace layerfs::registry {

struct TlsSettings {
  bool verify = true;       // false only for registries listed in insecure-registries
  std::string ca_file;      // certs.d/<host>/ca.crt, or empty for the system bundle
  std::string client_cert;  // certs.d/<host>/client.cert + client.key, when both exist
  std::string client_key;
};

struct HttpRequest {
  std::string method = "GET";
  std::string url;
  std::vector<std::string> headers;  // "Name: value"
  std::string body;                  // sent unless upload_fd >= 0
  int upload_fd = -1;                // body read with pread from this fd
  uint64_t upload_offset = 0;
  uint64_t upload_length = 0;
  bool follow_redirects = true;
};

struct HttpResponse {
  long status = 0;
  // Headers of the final response (after redirects), names in lower case.
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;  // the body, unless a sink took it (2xx responses with a sink)
  std::string effective_url;

  std::string header(std::string_view name) const;  // first value, or ""
  std::vector<std::string> header_values(std::string_view name) const;
  bool ok() const { return status >= 200 && status < 300; }
};

// Receives the body of a 2xx response as it arrives; may throw to abort the transfer.
using BodySink = std::function<void(const char* data, size_t size)>;
// Called with (bytes sent so far) while a body uploads.
using UploadProgress = std::function<void(uint64_t sent)>;

// The connection failed or broke (refused, reset, TLS failure, timeout): worth a retry, unlike a
// status code the server chose.
class TransportError : public std::runtime_error {
 public:
  TransportError(const std::string& what, bool tls_failure, uint64_t received)
      : std::runtime_error(what), tls_failure_(tls_failure), received_(received) {}
  bool tls_failure() const { return tls_failure_; }
  uint64_t received() const { return received_; }  // body bytes the sink got before it broke

 private:
  bool tls_failure_;
  uint64_t received_;
};

class HttpSession {
 public:
  explicit HttpSession(TlsSettings tls);
  ~HttpSession();
  HttpSession(const HttpSession&) = delete;
  HttpSession& operator=(const HttpSession&) = delete;

  // Throws TransportError when no complete response arrived; an exception thrown by the sink
  // propagates unchanged.
  HttpResponse perform(const HttpRequest& request, const BodySink& sink = {},
                       const UploadProgress& progress = {});

 private:
  TlsSettings tls_;
  void* curl_;
  bool answered_before_ = false;  // a server has answered this session (TLS worked)
};

// "a b" -> "a%20b": for query parameters.
std::string url_escape(std::string_view text);

}  // namespace layerfs::registry
