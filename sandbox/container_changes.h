// What a container changed, read from its upper directory alone (no full-tree comparison):
// `diff` lines, `commit` (the upper becomes a layer of a new image) and `export` (the merged
// tree as a tar).
#pragma once

#include <string>
#include <vector>

#include "layers/store.h"
#include "sandbox/container.h"

namespace layerfs::sandbox {

struct Change {
  char kind;  // 'A' added, 'C' changed, 'D' deleted
  std::string path;
};

// Changes in docker's order (sorted by path). upper is in the OCI whiteout format; lowers are
// the directories below it, top first (to tell added from changed).
std::vector<Change> upper_changes(const std::string& upper, const std::vector<std::string>& lowers);

struct CommitOptions {
  std::string author, message;
  std::vector<std::string> changes;  // -c Dockerfile instructions
  std::string tag;                   // canonical name, or empty
  bool pause = true;                 // stop the container's processes while its upper is read
};

// Snapshots the container's upper directory into a layer (copied: the container keeps it) and
// registers an image made from the container's config; returns the image ID.
std::string commit_container(const Store& store, const Container& container,
                             const CommitOptions& options);

// Writes the container's merged file system as a tar to fd (mounted read-only for the time).
void export_container(const Store& store, const Container& container, int fd);

}  // namespace layerfs::sandbox
