// A client for one registry endpoint (Docker Registry HTTP API v2 / OCI distribution): anonymous,
// Basic or Bearer authentication learnt from the WWW-Authenticate challenge (tokens cached until
// they expire, re-challenged on 401), retries with backoff on 5xx, 429 and dropped connections,
// and a pool of connections so that several threads transfer at once.
#pragma once

#include <chrono>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "registry/auth_challenge.h"
#include "registry/credentials.h"
#include "registry/http.h"
#include "registry/registry_config.h"

namespace layerfs::registry {

class RegistryClient {
 public:
  RegistryClient(Endpoint endpoint, std::optional<Credentials> credentials);
  ~RegistryClient();

  const Endpoint& endpoint() const { return endpoint_; }
  const std::string& registry() const { return endpoint_.registry; }
  bool has_credentials() const { return credentials_.has_value(); }

  // Access every token should carry, e.g. "repository:library/busybox:pull".
  void add_scope(const std::string& scope);

  // GET /v2/: checks that the registry speaks the v2 API (an insecure registry falls back to
  // plain HTTP here), authenticates and learns the scheme. Returns the final status: 200, or 401
  // when the credentials (or their absence) were refused; throws when unreachable.
  long ping();

  // `target` is a path under the base URL ("/v2/...") or an absolute URL (upload Locations).
  // Retries transient failures; a sink that already received bytes makes a TransportError
  // propagate (the caller resumes with a Range request).
  HttpResponse request(HttpRequest request, const BodySink& sink = {},
                       const UploadProgress& progress = {});

  std::string url(const std::string& target) const;

 private:
  class SessionLease;
  std::unique_ptr<HttpSession> acquire_session();
  void release_session(std::unique_ptr<HttpSession> session);
  std::string authorization_header();
  // Reacts to a 401; true when a retry may succeed.
  bool handle_unauthorized(const HttpResponse& response, const std::string& sent_authorization);
  void fetch_token_locked();

  Endpoint endpoint_;
  std::optional<Credentials> credentials_;

  std::mutex mutex_;  // guards everything below
  std::vector<std::unique_ptr<HttpSession>> idle_sessions_;
  std::string scheme_;  // "", "basic" or "bearer"
  AuthChallenge challenge_;
  std::set<std::string> scopes_;
  std::string token_;
  std::set<std::string> token_scopes_;
  std::chrono::steady_clock::time_point token_expiry_;
};

// One line for a failed response: the registry's errors ("manifest unknown: manifest unknown"),
// else the HTTP status.
std::string describe_error(const HttpResponse& response);

// The `next` target of an RFC 5988 Link header (`</v2/_catalog?last=x&n=100>; rel="next"`).
std::string next_link(const HttpResponse& response);

}  // namespace layerfs::registry
