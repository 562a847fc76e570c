#include "registry/curl_library.h"

#include <dlfcn.h>

#include <mutex>
#include <string>

#include "util/error.h"

namespace layerfs::registry {
namespace {

// The soname of Debian's libcurl4 (the ABI the headers we build with describe).
constexpr const char* kLibcurl = "libcurl.so.4";

template <typename Function>
void resolve(void* handle, const char* name, Function& out) {
  void* symbol = ::dlsym(handle, name);
  if (symbol == nullptr) throw UserError(std::string(kLibcurl) + " has no " + name);
  out = reinterpret_cast<Function>(symbol);
}

CurlLibrary load() {
  void* handle = ::dlopen(kLibcurl, RTLD_NOW | RTLD_LOCAL);
  if (handle == nullptr)
    throw UserError(std::string("cannot load ") + kLibcurl +
                    " (apt-get install libcurl4): " + ::dlerror());
  CurlLibrary curl;
  resolve(handle, "curl_global_init", curl.global_init);
  resolve(handle, "curl_easy_init", curl.easy_init);
  resolve(handle, "curl_easy_cleanup", curl.easy_cleanup);
  resolve(handle, "curl_easy_reset", curl.easy_reset);
  resolve(handle, "curl_easy_setopt", curl.easy_setopt);
  resolve(handle, "curl_easy_perform", curl.easy_perform);
  resolve(handle, "curl_easy_getinfo", curl.easy_getinfo);
  resolve(handle, "curl_easy_strerror", curl.easy_strerror);
  resolve(handle, "curl_slist_append", curl.slist_append);
  resolve(handle, "curl_slist_free_all", curl.slist_free_all);
  if (curl.global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
    throw UserError(std::string(kLibcurl) + ": curl_global_init failed");
  return curl;  // the library stays loaded for the life of the process
}

}  // namespace

const CurlLibrary& curl_library() {
  static std::once_flag once;
  static CurlLibrary library;
  std::call_once(once, [] { library = load(); });
  return library;
}

}  // namespace layerfs::registry
