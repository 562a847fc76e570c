// Image references as docker parses them: [registry[:port]/]path[:tag][@digest].
// No registry means docker.io, a single path component on docker.io gets "library/", and no tag
// (and no digest) means "latest".
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace layerfs {

struct Reference {
  std::string domain;  // "docker.io", "127.0.0.1:5000"
  std::string path;    // "library/busybox"
  std::string tag;     // empty when the reference has only a digest
  std::string digest;  // "sha256:..." or empty

  // "docker.io/library/busybox"
  std::string repository() const { return domain + "/" + path; }
  // "busybox", "127.0.0.1:5000/team/app": docker's familiar form of the repository.
  std::string familiar_repository() const;
  // "docker.io/library/busybox:latest" (tag form) or "...@sha256:..." (digest only).
  std::string canonical() const;
  // "busybox:latest", the way docker prints it.
  std::string familiar() const;
};

// Parses a reference; throws UserError ("invalid reference format: ...") naming the input.
// default_tag=false leaves tag empty when none is given (for `images REPO` filters).
Reference parse_reference(std::string_view text, bool default_tag = true);

// True when text looks like an image ID or an unambiguous ID prefix ("sha256:abc", "abc123").
bool looks_like_id_prefix(std::string_view text);

}  // namespace layerfs
