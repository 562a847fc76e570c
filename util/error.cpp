#include "util/error.h"

#include <cstring>

namespace layerfs {

SysError::SysError(const std::string& what, int err)
    : std::runtime_error(what + ": " + std::strerror(err)), err_(err) {}

void throw_errno(const std::string& what) { throw SysError(what, errno); }

void throw_errno(const std::string& what, int err) { throw SysError(what, err); }

}  // namespace layerfs
