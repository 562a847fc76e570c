#include "registry/http.h"

#include <unistd.h>

#include <algorithm>
#include <exception>

#include "registry/curl_library.h"
#include "util/error.h"

namespace layerfs::registry {

namespace {

std::string lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return std::tolower(c); });
  return out;
}

std::string trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() &&
         (s.back() == ' ' || s.back() == '\t' || s.back() == '\r' || s.back() == '\n'))
    s.remove_suffix(1);
  return std::string(s);
}

// State shared with libcurl's callbacks for one transfer.
struct Transfer {
  CURL* curl;
  HttpResponse* response;
  const BodySink* sink;
  const HttpRequest* request;
  const UploadProgress* progress;
  uint64_t received = 0;
  uint64_t sent = 0;
  uint64_t range_skip = 0;  // a "Range: bytes=N-" request answered with the whole body
  std::exception_ptr error;
};

size_t on_header(char* data, size_t size, size_t count, void* user) {
  auto* t = static_cast<Transfer*>(user);
  std::string_view line(data, size * count);
  // A new status line starts the headers of the next response (after a redirect or 100).
  if (line.rfind("HTTP/", 0) == 0) {
    t->response->headers.clear();
  } else if (auto colon = line.find(':'); colon != std::string_view::npos) {
    t->response->headers.emplace_back(lower(line.substr(0, colon)), trim(line.substr(colon + 1)));
  }
  return size * count;
}

size_t on_body(char* data, size_t size, size_t count, void* user) {
  auto* t = static_cast<Transfer*>(user);
  size_t n = size * count;
  long status = 0;
  curl_library().easy_getinfo(t->curl, CURLINFO_RESPONSE_CODE, &status);
  if (*t->sink && status >= 200 && status < 300) {
    if (status == 200 && t->range_skip > 0) {
      size_t drop = size_t(std::min<uint64_t>(t->range_skip, n));
      t->range_skip -= drop;
      data += drop;
      n -= drop;
      if (n == 0) return drop;
    }
    try {
      (*t->sink)(data, n);
    } catch (...) {
      t->error = std::current_exception();
      return 0;  // aborts the transfer with CURLE_WRITE_ERROR
    }
    t->received += n;
    return size * count;
  } else {
    t->response->body.append(data, n);
  }
  return n;
}

size_t on_upload(char* buffer, size_t size, size_t count, void* user) {
  auto* t = static_cast<Transfer*>(user);
  const HttpRequest& r = *t->request;
  size_t want = size * count;
  uint64_t total = r.upload_fd >= 0 ? r.upload_length : r.body.size();
  size_t n = static_cast<size_t>(std::min<uint64_t>(want, total - t->sent));
  if (n == 0) return 0;
  if (r.upload_fd >= 0) {
    ssize_t got = retry_eintr(
        [&] { return ::pread(r.upload_fd, buffer, n, off_t(r.upload_offset + t->sent)); });
    if (got <= 0) return CURL_READFUNC_ABORT;
    n = size_t(got);
  } else {
    std::copy_n(r.body.data() + t->sent, n, buffer);
  }
  t->sent += n;
  if (*t->progress) (*t->progress)(t->sent);
  return n;
}

int on_seek(void* user, curl_off_t offset, int origin) {
  // libcurl rewinds the body when it must resend it (a redirect or an auth retry).
  auto* t = static_cast<Transfer*>(user);
  if (origin != SEEK_SET) return CURL_SEEKFUNC_CANTSEEK;
  t->sent = uint64_t(offset);
  return CURL_SEEKFUNC_OK;
}

bool is_tls_failure(CURLcode code) {
  return code == CURLE_SSL_CONNECT_ERROR || code == CURLE_PEER_FAILED_VERIFICATION ||
         code == CURLE_SSL_CACERT_BADFILE || code == CURLE_SSL_CERTPROBLEM;
}

}  // namespace

std::string HttpResponse::header(std::string_view name) const {
  for (const auto& [k, v] : headers)
    if (k == name) return v;
  return {};
}

std::vector<std::string> HttpResponse::header_values(std::string_view name) const {
  std::vector<std::string> out;
  for (const auto& [k, v] : headers)
    if (k == name) out.push_back(v);
  return out;
}

HttpSession::HttpSession(TlsSettings tls) : tls_(std::move(tls)) {
  curl_ = curl_library().easy_init();
  if (!curl_) throw std::runtime_error("cannot initialise libcurl");
}

HttpSession::~HttpSession() { curl_library().easy_cleanup(static_cast<CURL*>(curl_)); }

HttpResponse HttpSession::perform(const HttpRequest& request, const BodySink& sink,
                                  const UploadProgress& progress) {
  const CurlLibrary& api = curl_library();
  CURL* curl = static_cast<CURL*>(curl_);
  // Reset clears the options but keeps the connection cache: the next request to the same
  // registry reuses the TCP and TLS session.
  api.easy_reset(curl);
  HttpResponse response;
  Transfer t{curl, &response, &sink, &request, &progress, 0, 0, 0, nullptr};

  api.easy_setopt(curl, CURLOPT_URL, request.url.c_str());
  api.easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
  api.easy_setopt(curl, CURLOPT_FOLLOWLOCATION, request.follow_redirects ? 1L : 0L);
  api.easy_setopt(curl, CURLOPT_MAXREDIRS, 10L);
  api.easy_setopt(curl, CURLOPT_CONNECTTIMEOUT, 30L);
  // A stalled server (no byte for 60 s) counts as a dropped connection.
  api.easy_setopt(curl, CURLOPT_LOW_SPEED_LIMIT, 1L);
  api.easy_setopt(curl, CURLOPT_LOW_SPEED_TIME, 60L);
  api.easy_setopt(curl, CURLOPT_BUFFERSIZE, 512L * 1024);
  api.easy_setopt(curl, CURLOPT_UPLOAD_BUFFERSIZE, 2L * 1024 * 1024);
  api.easy_setopt(curl, CURLOPT_USERAGENT, "layerfs/0.1");
  // HTTP/1.1, as docker and skopeo speak to registries: a session makes one request at a time, so
  // HTTP/2's multiplexing gains nothing, while its 16 KiB frames and flow control cost CPU on both
  // ends of a bulk transfer (Go's HTTP/2 server especially).
  api.easy_setopt(curl, CURLOPT_HTTP_VERSION, long(CURL_HTTP_VERSION_1_1));
  api.easy_setopt(curl, CURLOPT_HEADERFUNCTION, on_header);
  api.easy_setopt(curl, CURLOPT_HEADERDATA, &t);
  api.easy_setopt(curl, CURLOPT_WRITEFUNCTION, on_body);
  api.easy_setopt(curl, CURLOPT_WRITEDATA, &t);
  api.easy_setopt(curl, CURLOPT_SSL_VERIFYPEER, tls_.verify ? 1L : 0L);
  api.easy_setopt(curl, CURLOPT_SSL_VERIFYHOST, tls_.verify ? 2L : 0L);
  if (!tls_.ca_file.empty()) api.easy_setopt(curl, CURLOPT_CAINFO, tls_.ca_file.c_str());
  if (!tls_.client_cert.empty()) {
    api.easy_setopt(curl, CURLOPT_SSLCERT, tls_.client_cert.c_str());
    api.easy_setopt(curl, CURLOPT_SSLKEY, tls_.client_key.c_str());
  }

  struct curl_slist* headers = nullptr;
  for (const auto& h : request.headers) {
    headers = api.slist_append(headers, h.c_str());
    // A server may ignore the range and send everything: the sink still gets only the range.
    if (h.rfind("Range: bytes=", 0) == 0) t.range_skip = std::stoull(h.substr(13));
  }
  // No "Expect: 100-continue" round trip before each upload.
  headers = api.slist_append(headers, "Expect:");
  api.easy_setopt(curl, CURLOPT_HTTPHEADER, headers);

  bool has_body = request.upload_fd >= 0 || !request.body.empty() || request.method == "PUT" ||
                  request.method == "PATCH" || request.method == "POST";
  if (request.method == "HEAD") {
    api.easy_setopt(curl, CURLOPT_NOBODY, 1L);
  } else if (has_body) {
    uint64_t length = request.upload_fd >= 0 ? request.upload_length : request.body.size();
    api.easy_setopt(curl, CURLOPT_UPLOAD, 1L);
    api.easy_setopt(curl, CURLOPT_READFUNCTION, on_upload);
    api.easy_setopt(curl, CURLOPT_READDATA, &t);
    api.easy_setopt(curl, CURLOPT_SEEKFUNCTION, on_seek);
    api.easy_setopt(curl, CURLOPT_SEEKDATA, &t);
    api.easy_setopt(curl, CURLOPT_INFILESIZE_LARGE, curl_off_t(length));
    if (request.method != "PUT")
      api.easy_setopt(curl, CURLOPT_CUSTOMREQUEST, request.method.c_str());
  } else if (request.method != "GET") {
    api.easy_setopt(curl, CURLOPT_CUSTOMREQUEST, request.method.c_str());
  }

  CURLcode code = api.easy_perform(curl);
  api.slist_free_all(headers);
  if (t.error) std::rethrow_exception(t.error);
  // A handshake that fails after this session has had answers is a server going away or
  // restarting, not a certificate problem: worth a retry like any dropped connection.
  bool tls_failure = is_tls_failure(code) && !answered_before_;
  answered_before_ = answered_before_ || code == CURLE_OK || !response.headers.empty();
  if (code != CURLE_OK)
    throw TransportError(request.method + " " + request.url + ": " + api.easy_strerror(code),
                         tls_failure, t.received);
  api.easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &response.status);
  char* effective = nullptr;
  api.easy_getinfo(curl, CURLINFO_EFFECTIVE_URL, &effective);
  if (effective) response.effective_url = effective;
  return response;
}

std::string url_escape(std::string_view text) {
  std::string out;
  for (unsigned char c : text) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out += char(c);
    } else {
      static const char hex[] = "0123456789ABCDEF";
      out += '%';
      out += hex[c >> 4];
      out += hex[c & 15];
    }
  }
  return out;
}

}  // namespace layerfs::registry
