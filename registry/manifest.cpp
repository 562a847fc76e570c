#include "registry/manifest.h"

#include "layers/image.h"
#include "util/error.h"
#include "util/sha256.h"

namespace layerfs::registry {

namespace {

Descriptor descriptor_from(const nlohmann::json& j, const std::string& where) {
  if (!j.is_object() || !j.contains("digest") || !j["digest"].is_string())
    throw UserError(where + ": descriptor without a digest");
  Descriptor d;
  d.media_type = j.value("mediaType", "");
  d.digest = j["digest"].get<std::string>();
  digest_hex(d.digest);  // refuses anything but sha256:<64 hex>
  d.size = j.value("size", uint64_t(0));
  return d;
}

}  // namespace

std::string manifest_accept_header() {
  return std::string("Accept: ") + kOciManifestType + ", " + kDockerManifestType + ", " +
         kOciIndexType + ", " + kDockerManifestListType;
}

std::string Platform::text() const {
  return os + "/" + architecture + (variant.empty() ? "" : "/" + variant);
}

Platform parse_platform(const std::string& text) {
  Platform p;
  size_t first = text.find('/');
  if (first == std::string::npos || first == 0 || first + 1 == text.size())
    throw UserError("invalid platform \"" + text + "\": want os/arch[/variant]");
  p.os = text.substr(0, first);
  std::string rest = text.substr(first + 1);
  size_t second = rest.find('/');
  p.architecture = rest.substr(0, second);
  if (second != std::string::npos) p.variant = rest.substr(second + 1);
  if (p.architecture.empty()) throw UserError("invalid platform \"" + text + "\"");
  return p;
}

bool ManifestDocument::is_index() const {
  return media_type == kOciIndexType || media_type == kDockerManifestListType;
}

ManifestDocument parse_manifest(const std::string& bytes, const std::string& content_type,
                                const std::string& where) {
  ManifestDocument doc;
  doc.json = nlohmann::json::parse(bytes, nullptr, false);
  if (!doc.json.is_object()) throw UserError(where + ": manifest is not a JSON object");
  doc.media_type = doc.json.value("mediaType", "");
  if (doc.media_type.empty()) {
    std::string type = content_type.substr(0, content_type.find(';'));
    doc.media_type = type;
    // OCI documents may leave mediaType out: tell an index from a manifest by its fields.
    if (type.empty() || type == "application/json" || type == "application/octet-stream")
      doc.media_type = doc.json.contains("manifests") ? kOciIndexType : kOciManifestType;
  }
  bool docker_schema1 =
      doc.media_type.rfind("application/vnd.docker.distribution.manifest.v1", 0) == 0;
  if (doc.json.value("schemaVersion", 0) == 1 || docker_schema1)
    throw UserError(where + ": schema 1 manifests are not supported");
  if (!doc.is_index() && doc.media_type != kOciManifestType &&
      doc.media_type != kDockerManifestType)
    throw UserError(where + ": unsupported manifest type " + doc.media_type);
  return doc;
}

Descriptor select_platform(const ManifestDocument& index, const Platform& platform) {
  auto manifests = index.json.find("manifests");
  if (manifests == index.json.end() || !manifests->is_array())
    throw UserError("manifest list without manifests");
  const nlohmann::json* fallback = nullptr;
  for (const auto& entry : *manifests) {
    auto p = entry.value("platform", nlohmann::json::object());
    if (p.value("os", "") != platform.os || p.value("architecture", "") != platform.architecture)
      continue;
    std::string variant = p.value("variant", "");
    if (variant == platform.variant) return descriptor_from(entry, "manifest list");
    // arm64 means v8 when either side leaves the variant out.
    if (platform.architecture == "arm64" && (variant.empty() || variant == "v8") &&
        (platform.variant.empty() || platform.variant == "v8"))
      return descriptor_from(entry, "manifest list");
    if (platform.variant.empty() && !fallback) fallback = &entry;
  }
  if (fallback) return descriptor_from(*fallback, "manifest list");
  throw UserError("no matching manifest for " + platform.text() + " in the manifest list entries");
}

Descriptor config_of(const ManifestDocument& manifest, const std::string& where) {
  auto it = manifest.json.find("config");
  if (it == manifest.json.end()) throw UserError(where + ": manifest has no config");
  return descriptor_from(*it, where);
}

std::vector<Descriptor> layers_of(const ManifestDocument& manifest, const std::string& where) {
  std::vector<Descriptor> out;
  auto it = manifest.json.find("layers");
  if (it == manifest.json.end() || !it->is_array())
    throw UserError(where + ": manifest has no layer list");
  for (const auto& layer : *it) out.push_back(descriptor_from(layer, where));
  return out;
}

}  // namespace layerfs::registry
