// registry_test_server: the HTTP peers a registry test needs besides the registry itself.
//   registry_test_server free-port
//       prints a TCP port on 127.0.0.1 that was free a moment ago (for docker-registry's addr).
//   registry_test_server token PORT_FILE KEY.pem CERT.pem ISSUER SERVICE USER PASSWORD [EXPIRES]
//       Bearer token issuer: GET /token?service=S&scope=... with Basic USER:PASSWORD answers a
//       JWT (RS256, x5c = CERT) granting every requested scope; wrong or missing credentials: 401.
//   registry_test_server search PORT_FILE RESULTS.json
//       Docker Hub search stand-in: GET /v1/search?q=T&n=N answers the entries of RESULTS.json
//       (a list in Hub's result shape) whose name or description contains T, in Hub's format.
// Binds 127.0.0.1 on a port the kernel picks and writes it to PORT_FILE once listening; logs one
// line per request on stderr; runs until killed.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <atomic>
#include <cctype>
#include <cstdio>
#include <ctime>
#include <iostream>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <vector>

#include "util/base64.h"
#include "util/fs.h"
#include "util/unique_fd.h"

namespace {

using layerfs::UniqueFd;

struct Request {
  std::string method, path;
  std::multimap<std::string, std::string> query;
  std::map<std::string, std::string> headers;  // lower-case names
};

std::string url_decode(const std::string& s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size()) {
      out += char(std::stoi(s.substr(i + 1, 2), nullptr, 16));
      i += 2;
    } else {
      out += s[i] == '+' ? ' ' : s[i];
    }
  }
  return out;
}

bool read_request(int fd, Request& request) {
  std::string data;
  char buf[4096];
  while (data.find("\r\n\r\n") == std::string::npos) {
    ssize_t n = ::read(fd, buf, sizeof buf);
    if (n <= 0 || data.size() > (1 << 20)) return false;
    // Not HTTP (a TLS handshake from a client trying https first): hang up at once, as a plain
    // HTTP server does, so the client falls back instead of waiting.
    if (data.empty() && !std::isupper(static_cast<unsigned char>(buf[0]))) return false;
    data.append(buf, size_t(n));
  }
  std::string head = data.substr(0, data.find("\r\n\r\n"));
  size_t line_end = head.find("\r\n");
  std::string line = head.substr(0, line_end);
  size_t sp1 = line.find(' '), sp2 = line.rfind(' ');
  if (sp1 == std::string::npos || sp2 == sp1) return false;
  request.method = line.substr(0, sp1);
  std::string target = line.substr(sp1 + 1, sp2 - sp1 - 1);
  size_t q = target.find('?');
  request.path = target.substr(0, q);
  if (q != std::string::npos) {
    std::string rest = target.substr(q + 1);
    for (size_t start = 0; start <= rest.size();) {
      size_t amp = rest.find('&', start);
      if (amp == std::string::npos) amp = rest.size();
      std::string pair = rest.substr(start, amp - start);
      size_t eq = pair.find('=');
      if (!pair.empty())
        request.query.emplace(url_decode(pair.substr(0, eq)),
                              eq == std::string::npos ? "" : url_decode(pair.substr(eq + 1)));
      start = amp + 1;
    }
  }
  for (size_t pos = line_end; pos != std::string::npos && pos < head.size();) {
    size_t next = head.find("\r\n", pos + 2);
    std::string h =
        head.substr(pos + 2, next == std::string::npos ? std::string::npos : next - pos - 2);
    size_t colon = h.find(':');
    if (colon != std::string::npos) {
      std::string name = h.substr(0, colon);
      for (char& c : name) c = char(std::tolower(static_cast<unsigned char>(c)));
      size_t v = h.find_first_not_of(' ', colon + 1);
      request.headers[name] = v == std::string::npos ? "" : h.substr(v);
    }
    pos = next;
  }
  return true;
}

void respond(int fd, int status, const std::string& body, const std::string& extra = "") {
  std::string reason = status == 200 ? "OK" : status == 401 ? "Unauthorized" : "Not Found";
  std::string out =
      "HTTP/1.1 " + std::to_string(status) + " " + reason +
      "\r\nContent-Type: application/json\r\nContent-Length: " + std::to_string(body.size()) +
      "\r\nConnection: close\r\n" + extra + "\r\n" + body;
  for (size_t sent = 0; sent < out.size();) {
    ssize_t n = ::write(fd, out.data() + sent, out.size() - sent);
    if (n <= 0) return;
    sent += size_t(n);
  }
}

// --- token issuer ---------------------------------------------------------------------------

struct Issuer {
  EVP_PKEY* key = nullptr;
  std::string cert_der_b64;
  std::string issuer, service, user, password;
  int expires = 300;
};

std::string sign_rs256(EVP_PKEY* key, const std::string& input) {
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  size_t len = 0;
  std::string sig;
  if (EVP_DigestSignInit(ctx, nullptr, EVP_sha256(), nullptr, key) == 1 &&
      EVP_DigestSign(ctx, nullptr, &len, reinterpret_cast<const unsigned char*>(input.data()),
                     input.size()) == 1) {
    sig.resize(len);
    EVP_DigestSign(ctx, reinterpret_cast<unsigned char*>(sig.data()), &len,
                   reinterpret_cast<const unsigned char*>(input.data()), input.size());
    sig.resize(len);
  }
  EVP_MD_CTX_free(ctx);
  return sig;
}

// "repository:team/app:pull,push" -> {"type","name","actions"}
nlohmann::json access_for(const std::string& scope) {
  size_t first = scope.find(':'), last = scope.rfind(':');
  if (first == std::string::npos || first == last) return nullptr;
  nlohmann::json actions = nlohmann::json::array();
  std::string list = scope.substr(last + 1);
  for (size_t start = 0; start <= list.size();) {
    size_t comma = list.find(',', start);
    if (comma == std::string::npos) comma = list.size();
    if (comma > start) actions.push_back(list.substr(start, comma - start));
    start = comma + 1;
  }
  return {{"type", scope.substr(0, first)},
          {"name", scope.substr(first + 1, last - first - 1)},
          {"actions", actions}};
}

void serve_token(const Issuer& issuer, int fd, const Request& request) {
  std::string expected = "Basic " + layerfs::base64_encode(issuer.user + ":" + issuer.password);
  auto auth = request.headers.find("authorization");
  if (request.path != "/token") return respond(fd, 404, "{}");
  if (auth == request.headers.end() || auth->second != expected)
    return respond(fd, 401, R"({"details":"incorrect username or password"})");
  auto service = request.query.find("service");
  if (service == request.query.end() || service->second != issuer.service)
    return respond(fd, 401, R"({"details":"unknown service"})");
  nlohmann::json access = nlohmann::json::array();
  auto [begin, end] = request.query.equal_range("scope");
  for (auto it = begin; it != end; ++it)
    // Several scopes may come in one parameter, separated by spaces.
    for (size_t start = 0; start <= it->second.size();) {
      size_t sp = it->second.find(' ', start);
      if (sp == std::string::npos) sp = it->second.size();
      if (auto a = access_for(it->second.substr(start, sp - start)); !a.is_null())
        access.push_back(a);
      start = sp + 1;
    }
  long now = long(std::time(nullptr));
  static std::atomic<int> serial{0};
  nlohmann::json header = {{"typ", "JWT"}, {"alg", "RS256"}, {"x5c", {issuer.cert_der_b64}}};
  nlohmann::json claims = {{"iss", issuer.issuer},
                           {"sub", issuer.user},
                           {"aud", issuer.service},
                           {"exp", now + issuer.expires},
                           {"nbf", now - 10},
                           {"iat", now},
                           {"jti", std::to_string(now) + "-" + std::to_string(++serial)},
                           {"access", access}};
  std::string signing_input =
      layerfs::base64url_encode(header.dump()) + "." + layerfs::base64url_encode(claims.dump());
  std::string token =
      signing_input + "." + layerfs::base64url_encode(sign_rs256(issuer.key, signing_input));
  respond(fd, 200,
          nlohmann::json{{"token", token}, {"access_token", token}, {"expires_in", issuer.expires}}
              .dump());
}

Issuer load_issuer(char** argv, int argc) {
  Issuer issuer;
  FILE* kf = std::fopen(argv[3], "r");
  FILE* cf = std::fopen(argv[4], "r");
  if (!kf || !cf) throw std::runtime_error("cannot open key or certificate");
  issuer.key = PEM_read_PrivateKey(kf, nullptr, nullptr, nullptr);
  X509* cert = PEM_read_X509(cf, nullptr, nullptr, nullptr);
  std::fclose(kf);
  std::fclose(cf);
  if (!issuer.key || !cert) throw std::runtime_error("cannot parse key or certificate");
  unsigned char* der = nullptr;
  int len = i2d_X509(cert, &der);
  issuer.cert_der_b64 =
      layerfs::base64_encode(std::string(reinterpret_cast<char*>(der), size_t(len)));
  OPENSSL_free(der);
  X509_free(cert);
  issuer.issuer = argv[5];
  issuer.service = argv[6];
  issuer.user = argv[7];
  issuer.password = argv[8];
  if (argc > 9) issuer.expires = std::stoi(argv[9]);
  return issuer;
}

// --- Hub search stand-in --------------------------------------------------------------------

void serve_search(const nlohmann::json& entries, int fd, const Request& request) {
  if (request.path != "/v1/search") return respond(fd, 404, R"({"errors":[{"code":"NOT_FOUND"}]})");
  auto q = request.query.find("q");
  std::string term = q == request.query.end() ? "" : q->second;
  auto n = request.query.find("n");
  size_t limit = n == request.query.end() ? 25 : std::stoul(n->second);
  nlohmann::json results = nlohmann::json::array();
  for (const auto& e : entries)
    if (results.size() < limit && (e.value("name", "").find(term) != std::string::npos ||
                                   e.value("description", "").find(term) != std::string::npos))
      results.push_back(e);
  respond(fd, 200,
          nlohmann::json{{"num_pages", 1},
                         {"num_results", results.size()},
                         {"page_size", limit},
                         {"page", 1},
                         {"query", term},
                         {"results", results}}
              .dump());
}

UniqueFd listen_on_loopback(uint16_t port) {
  UniqueFd fd(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
  int one = 1;
  ::setsockopt(fd.get(), SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::bind(fd.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
      ::listen(fd.get(), 64) != 0)
    throw std::runtime_error("cannot listen on 127.0.0.1");
  return fd;
}

uint16_t port_of(int fd) {
  sockaddr_in addr{};
  socklen_t len = sizeof addr;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  return ntohs(addr.sin_port);
}

template <typename Handler>
int serve(const std::string& port_file, Handler handler) {
  UniqueFd listener = listen_on_loopback(0);
  layerfs::write_file_atomic(port_file, std::to_string(port_of(listener.get())) + "\n");
  while (true) {
    int client = ::accept4(listener.get(), nullptr, nullptr, SOCK_CLOEXEC);
    if (client < 0) continue;
    std::thread([client, handler] {
      UniqueFd fd(client);
      timeval timeout{10, 0};  // a silent client does not hold a thread forever
      ::setsockopt(fd.get(), SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
      Request request;
      if (!read_request(fd.get(), request)) return;
      std::cerr << request.method << " " << request.path << "\n";
      handler(fd.get(), request);
    }).detach();
  }
}

}  // namespace

int main(int argc, char** argv) {
  try {
    std::string mode = argc > 1 ? argv[1] : "";
    if (mode == "free-port") {
      UniqueFd fd = listen_on_loopback(0);
      std::cout << port_of(fd.get()) << "\n";
      return 0;
    }
    if (mode == "token" && argc >= 9) {
      Issuer issuer = load_issuer(argv, argc);
      return serve(argv[2], [issuer](int fd, const Request& r) { serve_token(issuer, fd, r); });
    }
    if (mode == "search" && argc == 4) {
      auto entries = nlohmann::json::parse(layerfs::read_file(argv[3]));
      return serve(argv[2], [entries](int fd, const Request& r) { serve_search(entries, fd, r); });
    }
    std::cerr << "usage: registry_test_server free-port | token PORT_FILE KEY CERT ISSUER SERVICE "
                 "USER PASSWORD [EXPIRES] | search PORT_FILE RESULTS.json\n";
    return 2;
  } catch (const std::exception& e) {
    std::cerr << "registry_test_server: " << e.what() << "\n";
    return 1;
  }
}
