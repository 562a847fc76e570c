// Staged layers become stored layers in one batch: in order, complete (blob, diff/, info.json),
// a layer already stored is kept and only re-pointed at the blob it arrived in, and nothing is
// visible in the store before adoption.
#include <gtest/gtest.h>

#include "layers/import.h"
#include "layers/store.h"
#include "tests/layers/archive_test_support.h"

namespace layerfs {
namespace {

using namespace archive_test;

std::unique_ptr<StagedLayer> stage(const Store& store, const std::string& layer_bytes) {
  UniqueFd in = fd_with(layer_bytes);
  return stage_layer(store, fd_source(in.get()));
}

TEST(AdoptStagedLayers, StoresEveryLayerInOrderWithItsInfo) {
  TempDir tmp;
  Store store(tmp.path());
  const std::string plain = build_tar({file("a", "first")});
  const std::string gzipped = build_tar({file("b", "second")}, "gzip");
  auto first = stage(store, plain);
  auto second = stage(store, gzipped);
  EXPECT_FALSE(store.has_layer(first->info().diff_id)) << "visible before adoption";

  std::vector<LayerInfo> stored;
  {
    auto lock = store.lock_for_writing();
    stored = adopt_staged_layers(store, {first.get(), second.get()});
  }
  ASSERT_EQ(stored.size(), 2u);
  EXPECT_EQ(stored[0].diff_id, sha256_digest(plain));
  EXPECT_EQ(stored[1].blob_digest, sha256_digest(gzipped));
  for (const LayerInfo& info : stored) {
    ASSERT_TRUE(store.has_layer(info.diff_id));
    EXPECT_TRUE(store.has_blob(info.blob_digest));
    EXPECT_EQ(store.read_layer_info(info.diff_id).blob_digest, info.blob_digest);
  }
  EXPECT_EQ(read_file(store.layer_diff_path(stored[1].diff_id) + "/b"), "second");
  EXPECT_EQ(read_file(store.blob_path(stored[1].blob_digest)), gzipped);
}

TEST(AdoptStagedLayers, ALayerAlreadyStoredIsKept) {
  TempDir tmp;
  Store store(tmp.path());
  const std::string tar = build_tar({file("same", "content")});
  auto plain = stage(store, tar);
  {
    auto lock = store.lock_for_writing();
    adopt_staged_layers(store, {plain.get()});
  }
  // The same tar again, gzipped: the stored layer stays, the blob is the one given.
  const std::string gzipped = build_tar({file("same", "content")}, "gzip");
  auto again = stage(store, gzipped);
  std::vector<LayerInfo> stored;
  {
    auto lock = store.lock_for_writing();
    stored = adopt_staged_layers(store, {again.get()});
  }
  ASSERT_EQ(stored.size(), 1u);
  EXPECT_EQ(stored[0].diff_id, sha256_digest(tar));
  EXPECT_EQ(stored[0].blob_digest, sha256_digest(gzipped));
  EXPECT_TRUE(store.has_blob(sha256_digest(gzipped)));
  EXPECT_TRUE(store.has_blob(sha256_digest(tar)));
}

TEST(AdoptStagedLayers, NothingToAdoptIsNothingDone) {
  TempDir tmp;
  Store store(tmp.path());
  auto lock = store.lock_for_writing();
  EXPECT_TRUE(adopt_staged_layers(store, {}).empty());
}

}  // namespace
}  // namespace layerfs
