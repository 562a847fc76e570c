#include "layers/image_tag.h"

#include "layers/image.h"
#include "layers/reference.h"
#include "util/error.h"

namespace layerfs {

std::string tag_image(const Store& store, const std::string& source, const std::string& target) {
  Reference ref = parse_reference(target);
  if (!ref.digest.empty())
    throw UserError("refusing to create a tag with a digest reference: " + target);
  auto lock = store.lock_for_writing();
  ImageIndex index = ImageIndex::load(store);
  std::string image_id = resolve_image(index, source);
  index.tags[ref.canonical()] = index.images.at(image_id).manifest_digest;
  index.save(store);
  return image_id;
}

}  // namespace layerfs
