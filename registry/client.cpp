#include "registry/client.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <nlohmann/json.hpp>
#include <random>
#include <thread>

#include "util/base64.h"
#include "util/error.h"

namespace layerfs::registry {

namespace {

constexpr int kMaxAttempts = 5;

bool is_transient(long status) {
  return status == 429 || status == 500 || status == 502 || status == 503 || status == 504;
}

void backoff(int attempt) {
  // 250 ms, 500 ms, 1 s, 2 s, ... with jitter, so that parallel transfers do not retry in step.
  thread_local std::mt19937 rng{std::random_device{}()};
  auto base = std::chrono::milliseconds(250 << std::min(attempt, 4));
  std::uniform_int_distribution<int> jitter(0, int(base.count() / 2));
  std::this_thread::sleep_for(base + std::chrono::milliseconds(jitter(rng)));
}

std::string join_scopes_query(const std::set<std::string>& scopes) {
  std::string out;
  for (const auto& s : scopes) out += "&scope=" + url_escape(s);
  return out;
}

}  // namespace

RegistryClient::RegistryClient(Endpoint endpoint, std::optional<Credentials> credentials)
    : endpoint_(std::move(endpoint)), credentials_(std::move(credentials)) {}

RegistryClient::~RegistryClient() = default;

void RegistryClient::add_scope(const std::string& scope) {
  std::lock_guard lock(mutex_);
  scopes_.insert(scope);
}

std::string RegistryClient::url(const std::string& target) const {
  if (target.rfind("http://", 0) == 0 || target.rfind("https://", 0) == 0) return target;
  return endpoint_.base_url + target;
}

std::unique_ptr<HttpSession> RegistryClient::acquire_session() {
  {
    std::lock_guard lock(mutex_);
    if (!idle_sessions_.empty()) {
      auto session = std::move(idle_sessions_.back());
      idle_sessions_.pop_back();
      return session;
    }
  }
  return std::make_unique<HttpSession>(endpoint_.tls);
}

void RegistryClient::release_session(std::unique_ptr<HttpSession> session) {
  std::lock_guard lock(mutex_);
  idle_sessions_.push_back(std::move(session));
}

std::string RegistryClient::authorization_header() {
  std::lock_guard lock(mutex_);
  if (scheme_ == "basic" && credentials_)
    return "Authorization: Basic " +
           base64_encode(credentials_->username + ":" + credentials_->password);
  if (scheme_ == "bearer") {
    bool covered =
        std::includes(token_scopes_.begin(), token_scopes_.end(), scopes_.begin(), scopes_.end());
    if (token_.empty() || !covered || std::chrono::steady_clock::now() >= token_expiry_)
      fetch_token_locked();
    if (!token_.empty()) return "Authorization: Bearer " + token_;
  }
  return {};
}

void RegistryClient::fetch_token_locked() {
  std::string realm = challenge_.param("realm");
  if (realm.empty()) throw UserError(registry() + ": Bearer challenge without a realm");
  std::string query = "service=" + url_escape(challenge_.param("service"));
  std::set<std::string> scopes = scopes_;
  query += join_scopes_query(scopes);
  HttpRequest token_request;
  token_request.url = realm + (realm.find('?') == std::string::npos ? "?" : "&") + query;
  if (credentials_) {
    token_request.url += "&account=" + url_escape(credentials_->username);
    token_request.headers.push_back(
        "Authorization: Basic " +
        base64_encode(credentials_->username + ":" + credentials_->password));
  }
  // The token server is often another host: its own TLS settings (system CAs) unless it is
  // the registry itself.
  TlsSettings tls;
  if (realm.rfind(endpoint_.base_url + "/", 0) == 0) tls = endpoint_.tls;
  HttpSession session(tls);
  HttpResponse response;
  for (int attempt = 0;; ++attempt) {
    try {
      response = session.perform(token_request);
      if (!is_transient(response.status) || attempt + 1 >= kMaxAttempts) break;
    } catch (const TransportError& e) {
      if (attempt + 1 >= kMaxAttempts) throw UserError("token server: " + std::string(e.what()));
    }
    backoff(attempt);
  }
  token_.clear();
  if (response.status == 401 || response.status == 403) {
    spdlog::debug("token server refused: {}", response.body);
    return;  // the request goes out without a token and reports the registry's 401
  }
  if (!response.ok()) throw UserError("token server " + realm + ": " + describe_error(response));
  auto doc = nlohmann::json::parse(response.body, nullptr, false);
  if (!doc.is_object()) throw UserError("token server " + realm + ": answer is not JSON");
  token_ = doc.value("token", doc.value("access_token", ""));
  if (token_.empty()) throw UserError("token server " + realm + ": answer holds no token");
  int expires_in = doc.value("expires_in", 60);
  // Renew a little early so that a token never expires between check and use.
  token_expiry_ =
      std::chrono::steady_clock::now() + std::chrono::seconds(std::max(expires_in - 10, 5));
  token_scopes_ = scopes;
}

bool RegistryClient::handle_unauthorized(const HttpResponse& response,
                                         const std::string& sent_authorization) {
  auto challenge = preferred_challenge(response.header_values("www-authenticate"));
  if (!challenge) return false;
  std::lock_guard lock(mutex_);
  if (challenge->scheme == "basic") {
    bool sent_basic = sent_authorization.rfind("Authorization: Basic", 0) == 0;
    scheme_ = "basic";
    return credentials_ && !sent_basic;
  }
  if (challenge->scheme != "bearer") return false;
  scheme_ = "bearer";
  std::string scope = challenge->param("scope");
  bool new_scope = false;
  // A challenge may name several scopes separated by spaces.
  for (size_t start = 0; start < scope.size();) {
    size_t end = scope.find(' ', start);
    if (end == std::string::npos) end = scope.size();
    if (end > start) new_scope |= scopes_.insert(scope.substr(start, end - start)).second;
    start = end + 1;
  }
  bool new_realm = challenge_.param("realm") != challenge->param("realm") ||
                   challenge_.param("service") != challenge->param("service");
  challenge_ = *challenge;
  // Retry when something changed: a first token, another scope, or an expired token.
  bool had_token = sent_authorization.rfind("Authorization: Bearer", 0) == 0;
  token_.clear();
  return !had_token || new_scope || new_realm || challenge->param("error") == "invalid_token";
}

HttpResponse RegistryClient::request(HttpRequest request, const BodySink& sink,
                                     const UploadProgress& progress) {
  request.url = url(request.url);
  size_t base_headers = request.headers.size();
  int auth_retries = 0;
  for (int attempt = 0;;) {
    request.headers.resize(base_headers);
    std::string authorization = authorization_header();
    // Credentials go only to the registry itself, never to a redirect target on another host.
    if (!authorization.empty() && request.url.rfind(endpoint_.base_url, 0) == 0)
      request.headers.push_back(authorization);
    auto session = acquire_session();
    HttpResponse response;
    try {
      response = session->perform(request, sink, progress);
    } catch (const TransportError& e) {
      release_session(std::move(session));
      // A TLS failure (wrong CA, plain HTTP server) will not go away by retrying.
      if (e.received() > 0 || e.tls_failure() || ++attempt >= kMaxAttempts) throw;
      spdlog::info("{} (retrying)", e.what());
      backoff(attempt);
      continue;
    }
    release_session(std::move(session));
    if (response.status == 401 && auth_retries < 2 &&
        handle_unauthorized(response, authorization)) {
      ++auth_retries;
      continue;
    }
    if (is_transient(response.status) && ++attempt < kMaxAttempts) {
      spdlog::info("{} {}: HTTP {} (retrying)", request.method, request.url, response.status);
      backoff(attempt);
      continue;
    }
    return response;
  }
}

long RegistryClient::ping() {
  HttpRequest probe;
  probe.url = "/v2/";
  try {
    return request(probe).status;
  } catch (const TransportError& e) {
    if (!endpoint_.insecure || endpoint_.base_url.rfind("https://", 0) != 0)
      throw UserError(std::string(e.what()) +
                      (e.tls_failure() ? " (add the registry's CA as certs.d/" + registry() +
                                             "/ca.crt, or list it in insecure-registries)"
                                       : ""));
    // docker's rule for insecure registries: HTTPS without verification first, then HTTP.
    spdlog::info("{}; trying plain HTTP", e.what());
    endpoint_.base_url = "http://" + endpoint_.base_url.substr(8);
    try {
      return request(probe).status;
    } catch (const TransportError& e2) {
      throw UserError(e2.what());
    }
  }
}

std::string describe_error(const HttpResponse& response) {
  auto doc = nlohmann::json::parse(response.body, nullptr, false);
  std::string out;
  if (doc.is_object() && doc.contains("errors") && doc["errors"].is_array()) {
    for (const auto& e : doc["errors"]) {
      if (!e.is_object()) continue;
      std::string code = e.value("code", "");
      std::transform(code.begin(), code.end(), code.begin(),
                     [](unsigned char c) { return c == '_' ? ' ' : char(std::tolower(c)); });
      std::string message = e.value("message", "");
      if (!out.empty()) out += "; ";
      out += code.empty() ? message : message.empty() ? code : code + ": " + message;
    }
  }
  if (out.empty()) {
    out = "HTTP " + std::to_string(response.status);
    if (response.status == 401) out = "unauthorized: authentication required";
    if (response.status == 403) out = "denied: requested access to the resource is denied";
    if (response.status == 404) out = "not found";
  }
  return out;
}

std::string next_link(const HttpResponse& response) {
  for (const auto& value : response.header_values("link")) {
    if (value.find("rel=\"next\"") == std::string::npos) continue;
    auto open = value.find('<');
    auto close = value.find('>', open);
    if (open != std::string::npos && close != std::string::npos)
      return value.substr(open + 1, close - open - 1);
  }
  return {};
}

}  // namespace layerfs::registry
