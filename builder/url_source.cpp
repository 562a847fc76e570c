#include "builder/url_source.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <ctime>

#include "registry/http.h"
#include "util/error.h"
#include "util/fs.h"
#include "util/sha256.h"
#include "util/unique_fd.h"

namespace layerfs::builder {

namespace {

// BuildKit's name when the URL path has no last component.
constexpr const char* kUnnamed = "__unnamed__";

std::string file_name_of(const std::string& url) {
  std::string path = url.substr(url.find("://") + 3);
  path = path.substr(0, path.find_first_of("?#"));
  auto slash = path.find('/');
  if (slash == std::string::npos) return kUnnamed;
  path = path.substr(slash);
  while (!path.empty() && path.back() == '/') path.pop_back();
  std::string name = path.substr(path.rfind('/') + 1);
  return name.empty() || name == "." || name == ".." ? kUnnamed : name;
}

// Last-Modified is an HTTP date ("Sun, 06 Nov 1994 08:49:37 GMT"); without one the file gets
// the Unix epoch, so that the layer does not depend on when it was built (BuildKit's rule).
struct timespec modification_time(const std::string& last_modified) {
  struct tm tm = {};
  const char* end = ::strptime(last_modified.c_str(), "%a, %d %b %Y %H:%M:%S GMT", &tm);
  if (last_modified.empty() || end == nullptr || *end != '\0') return {0, 0};
  return {::timegm(&tm), 0};
}

}  // namespace

bool is_url_source(const std::string& source) {
  return source.starts_with("http://") || source.starts_with("https://");
}

DownloadedFile download_url_source(const std::string& url, const std::string& dir,
                                   const std::string& expected_digest) {
  DownloadedFile file{dir + "/" + file_name_of(url), {}};
  UniqueFd out(::open(file.path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600));
  if (!out) throw_errno("create " + file.path);
  Sha256 hash;
  registry::HttpSession session{registry::TlsSettings{}};
  registry::HttpRequest request;
  request.url = url;
  registry::HttpResponse response;
  try {
    response = session.perform(request, [&](const char* data, size_t size) {
      hash.update(data, size);
      write_all(out.get(), data, size, file.path);
    });
  } catch (const registry::TransportError& e) {
    throw UserError(std::string("failed to download ") + url + ": " + e.what());
  }
  if (!response.ok())
    throw UserError("failed to download " + url + ": invalid response status " +
                    std::to_string(response.status));
  file.digest = "sha256:" + hash.finish_hex();
  if (!expected_digest.empty() && expected_digest != file.digest)
    throw UserError("checksum mismatch for " + url + ": expected " + expected_digest + ", got " +
                    file.digest);
  struct timespec mtime = modification_time(response.header("last-modified"));
  struct timespec times[2] = {mtime, mtime};
  if (::futimens(out.get(), times) != 0) throw_errno("set times of " + file.path);
  return file;
}

}  // namespace layerfs::builder
