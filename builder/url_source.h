// ADD's URL sources: the file is downloaded (never extracted, even when it is an archive), named
// after the URL path's last component, mode 0600 and its mtime from Last-Modified, as BuildKit
// does; its content digest goes into the cache key and is checked against --checksum.
#pragma once

#include <string>

namespace layerfs::builder {

bool is_url_source(const std::string& source);  // http:// or https://

struct DownloadedFile {
  std::string path;    // dir/<name>
  std::string digest;  // "sha256:..." of the content
};

// Downloads `url` into the existing directory `dir`. Throws UserError (naming the URL) when the
// transfer fails, the server answers with an error status, or `expected_digest` (when given)
// does not match.
DownloadedFile download_url_source(const std::string& url, const std::string& dir,
                                   const std::string& expected_digest = {});

}  // namespace layerfs::builder
