// Where this user's live state goes (daemon locks, slirp4netns API sockets): short paths, private
// to the user, gone at reboot.
#pragma once

#include <string>

namespace layerfs {

// $XDG_RUNTIME_DIR/layerfs, else /tmp/layerfs-<uid> (created 0700; refused unless it is ours),
// where <uid> is the user's id outside any user namespace we run in.
std::string user_runtime_dir();

}  // namespace layerfs
