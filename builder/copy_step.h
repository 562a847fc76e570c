// COPY and ADD: sources from the context or another stage/image are written into a fresh upper
// directory, at the destination resolved in the current image (symlinks followed, WORKDIR
// applied); the upper directory then becomes the step's layer.
#pragma once

#include <functional>
#include <map>
#include <memory>

#include "builder/build_state.h"
#include "builder/image_view.h"
#include "builder/source_tree.h"
#include "layers/store.h"

namespace layerfs::builder {

struct CopyRequest {
  const Instruction* instruction;
  std::vector<std::string> words;  // expanded sources then destination
  std::string chown, chmod;        // expanded flag values
  const SourceTree* source;        // context or --from tree
  // ADD's URL sources (as written) and the files they were downloaded to.
  std::map<std::string, std::string> downloads;
  bool is_add = false;
};

// Parses --chown=user[:group] with the image's /etc/passwd and /etc/group.
std::pair<uid_t, gid_t> resolve_chown(const ImageView& image, const std::string& spec);

// Digest of what the sources name: paths, types, modes, owners, sizes and bytes.
std::string digest_sources(const SourceTree& tree, const std::vector<std::string>& patterns);

// Writes the copied files under upper_dir (an empty directory).
void run_copy(const StageState& state, const ImageView& image, const CopyRequest& request,
              const std::string& upper_dir);

}  // namespace layerfs::builder
