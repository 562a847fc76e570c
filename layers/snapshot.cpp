#include "layers/snapshot.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>

#include "layers/archive/layer_reader.h"
#include "layers/archive/layer_writer.h"
#include "layers/image.h"
#include "layers/new_image.h"
#include "util/error.h"
#include "util/unique_fd.h"

namespace layerfs {

LayerInfo snapshot_directory(const Store& store, const std::string& dir,
                             const SnapshotOptions& options) {
  StagingDir staging(store.tmp_dir(), "snapshot-");
  std::string blob_tmp = staging.path() + "/blob";
  UniqueFd blob(::open(blob_tmp.c_str(), O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0644));
  if (!blob) throw_errno("create " + blob_tmp);
  LayerTarOptions tar_options;
  tar_options.source_date_epoch = options.source_date_epoch;
  WrittenLayer written = write_layer_tar(dir, blob.get(), tar_options);
  if (::fsync(blob.get()) != 0) throw_errno("fsync " + blob_tmp);

  LayerInfo info;
  info.diff_id = written.diff_id;
  info.blob_digest = written.diff_id;
  info.blob_size = written.size;
  info.media_type = kOciLayerType;
  info.created = now_rfc3339();
  info.size = apparent_size(dir);

  if (!store.has_blob(info.blob_digest)) store.adopt_blob(blob_tmp, info.blob_digest);
  if (store.has_layer(info.diff_id)) {
    if (!options.keep_directory) remove_tree(dir);
    return store.read_layer_info(info.diff_id);
  }
  std::string layer_dir = staging.path() + "/layer";
  make_dirs(layer_dir, 0755);
  bool moved = false;
  if (!options.keep_directory) {
    if (::rename(dir.c_str(), (layer_dir + "/diff").c_str()) == 0)
      moved = true;
    else if (errno != EXDEV)
      throw_errno("move " + dir + " into the store");
  }
  if (!moved) {
    // Another file system, or a directory still in use: extract the tar we just wrote.
    make_dirs(layer_dir + "/diff", 0755);
    UniqueFd tar(::open(store.blob_path(info.blob_digest).c_str(), O_RDONLY | O_CLOEXEC));
    if (!tar) throw_errno("open " + store.blob_path(info.blob_digest));
    ingest_layer(tar.get(), -1, layer_dir + "/diff");
    if (!options.keep_directory) remove_tree(dir);
  }
  store.adopt_layer(layer_dir, info);
  return info;
}

}  // namespace layerfs
