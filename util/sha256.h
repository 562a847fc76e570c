// Streaming SHA-256 (OpenSSL EVP) and the "sha256:<hex>" digest strings built from it.
#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>

struct evp_md_ctx_st;

namespace layerfs {

class Sha256 {
 public:
  Sha256();
  ~Sha256();
  Sha256(const Sha256&) = delete;
  Sha256& operator=(const Sha256&) = delete;

  void update(const void* data, size_t size);
  void update(std::string_view data) { update(data.data(), data.size()); }
  // The 64-digit lowercase hex digest; the hasher is spent afterwards.
  std::string finish_hex();

 private:
  evp_md_ctx_st* ctx_;
};

std::string sha256_hex(std::string_view data);
// "sha256:" + sha256_hex(data).
std::string sha256_digest(std::string_view data);
// Hashes a whole file by path.
std::string sha256_file_hex(const std::string& path);

bool is_hex64(std::string_view s);
// Accepts "sha256:<64 hex>"; returns the hex part or throws UserError naming the input.
std::string digest_hex(std::string_view digest);

}  // namespace layerfs
