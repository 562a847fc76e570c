// libcurl, loaded when the first HTTP session starts. Linked normally, libcurl and the thirty
// libraries it pulls in (GnuTLS, Kerberos, LDAP, ICU...) cost every layerfs process about 12 ms of
// dynamic linking, a sixth of a `run --rm`; only registry commands and ADD of a URL need them.
#pragma once

#include <curl/curl.h>

namespace layerfs::registry {

struct CurlLibrary {
  decltype(&::curl_global_init) global_init;
  decltype(&::curl_easy_init) easy_init;
  decltype(&::curl_easy_cleanup) easy_cleanup;
  decltype(&::curl_easy_reset) easy_reset;
  decltype(&::curl_easy_setopt) easy_setopt;
  decltype(&::curl_easy_perform) easy_perform;
  decltype(&::curl_easy_getinfo) easy_getinfo;
  decltype(&::curl_easy_strerror) easy_strerror;
  decltype(&::curl_slist_append) slist_append;
  decltype(&::curl_slist_free_all) slist_free_all;
};

// Loads libcurl.so.4 once (and runs curl_global_init); throws Error naming what is missing.
const CurlLibrary& curl_library();

}  // namespace layerfs::registry
