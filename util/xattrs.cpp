#include "util/xattrs.h"

#include <sys/xattr.h>

#include <algorithm>
#include <cerrno>

#include "util/error.h"

namespace layerfs {

namespace {

// Grows the buffer while the attribute (or the name list) grows under us.
template <typename Call>
std::string read_sized(Call&& call, const std::string& what) {
  std::string buffer(256, '\0');
  for (;;) {
    ssize_t n = call(buffer.data(), buffer.size());
    if (n >= 0) {
      buffer.resize(static_cast<size_t>(n));
      return buffer;
    }
    if (errno != ERANGE) throw_errno(what);
    ssize_t needed = call(nullptr, 0);
    if (needed < 0) throw_errno(what);
    buffer.resize(static_cast<size_t>(needed) + 1);
  }
}

}  // namespace

std::vector<Xattr> list_xattrs(const std::string& path) {
  std::string names;
  try {
    names =
        read_sized([&](char* buf, size_t size) { return ::llistxattr(path.c_str(), buf, size); },
                   "list xattrs of " + path);
  } catch (const SysError& e) {
    if (e.code() == ENOTSUP) return {};
    throw;
  }
  std::vector<Xattr> out;
  for (size_t pos = 0; pos < names.size();) {
    std::string name = names.c_str() + pos;
    pos += name.size() + 1;
    if (name.empty()) continue;
    try {
      std::string value = read_sized(
          [&](char* buf, size_t size) {
            return ::lgetxattr(path.c_str(), name.c_str(), buf, size);
          },
          "read xattr " + name + " of " + path);
      out.push_back({std::move(name), std::move(value)});
    } catch (const SysError& e) {
      if (e.code() != ENODATA) throw;  // removed meanwhile
    }
  }
  std::sort(out.begin(), out.end(), [](const Xattr& a, const Xattr& b) { return a.name < b.name; });
  return out;
}

}  // namespace layerfs
