// Running a function as root of a new user namespace (with a private mount namespace), so that
// a union mounted there presents the image's owners in that namespace and its root-owned files
// stay readable (export of a rootless container). Real root only gets the mount namespace.
#pragma once

#include <functional>

namespace layerfs::sandbox {

// Forks; the child enters the namespaces (id maps written by us through write_id_maps), runs
// fn and exits with its result (125 on an exception, whose message goes to stderr). Returns the
// child's exit status.
int run_in_user_namespace(const std::function<int()>& fn);

}  // namespace layerfs::sandbox
