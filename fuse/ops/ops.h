// The FUSE low-level operations, one file each (ops/<name>.cpp), and the table that wires them.
#pragma once

#include <fuse_lowlevel.h>

#include <cstdint>
#include <string_view>

namespace layerfs::fuse {
class UnionFs;
}

namespace layerfs::fuse::ops {

void init(void* userdata, fuse_conn_info* conn);
void lookup(fuse_req_t req, fuse_ino_t parent, const char* name);
void forget(fuse_req_t req, fuse_ino_t ino, uint64_t nlookup);
void forget_multi(fuse_req_t req, size_t count, fuse_forget_data* forgets);
void getattr(fuse_req_t req, fuse_ino_t ino, fuse_file_info* fi);
void setattr(fuse_req_t req, fuse_ino_t ino, struct stat* attr, int to_set, fuse_file_info* fi);
void readlink(fuse_req_t req, fuse_ino_t ino);
void mknod(fuse_req_t req, fuse_ino_t parent, const char* name, mode_t mode, dev_t rdev);
void mkdir(fuse_req_t req, fuse_ino_t parent, const char* name, mode_t mode);
void symlink(fuse_req_t req, const char* link, fuse_ino_t parent, const char* name);
void create(fuse_req_t req, fuse_ino_t parent, const char* name, mode_t mode, fuse_file_info* fi);
void link(fuse_req_t req, fuse_ino_t ino, fuse_ino_t newparent, const char* newname);
void unlink(fuse_req_t req, fuse_ino_t parent, const char* name);
void rmdir(fuse_req_t req, fuse_ino_t parent, const char* name);
void rename(fuse_req_t req, fuse_ino_t parent, const char* name, fuse_ino_t newparent,
            const char* newname, unsigned int flags);
void open(fuse_req_t req, fuse_ino_t ino, fuse_file_info* fi);
void read(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off, fuse_file_info* fi);
void write_buf(fuse_req_t req, fuse_ino_t ino, fuse_bufvec* in, off_t off, fuse_file_info* fi);
void flush(fuse_req_t req, fuse_ino_t ino, fuse_file_info* fi);
void release(fuse_req_t req, fuse_ino_t ino, fuse_file_info* fi);
void fsync(fuse_req_t req, fuse_ino_t ino, int datasync, fuse_file_info* fi);
void fallocate(fuse_req_t req, fuse_ino_t ino, int mode, off_t offset, off_t length,
               fuse_file_info* fi);
void lseek(fuse_req_t req, fuse_ino_t ino, off_t off, int whence, fuse_file_info* fi);
void copy_file_range(fuse_req_t req, fuse_ino_t ino_in, off_t off_in, fuse_file_info* fi_in,
                     fuse_ino_t ino_out, off_t off_out, fuse_file_info* fi_out, size_t len,
                     int flags);
void opendir(fuse_req_t req, fuse_ino_t ino, fuse_file_info* fi);
void readdir(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off, fuse_file_info* fi);
void readdirplus(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off, fuse_file_info* fi);
void releasedir(fuse_req_t req, fuse_ino_t ino, fuse_file_info* fi);
void fsyncdir(fuse_req_t req, fuse_ino_t ino, int datasync, fuse_file_info* fi);
void statfs(fuse_req_t req, fuse_ino_t ino);
void setxattr(fuse_req_t req, fuse_ino_t ino, const char* name, const char* value, size_t size,
              int flags);
void getxattr(fuse_req_t req, fuse_ino_t ino, const char* name, size_t size);
void listxattr(fuse_req_t req, fuse_ino_t ino, size_t size);
void removexattr(fuse_req_t req, fuse_ino_t ino, const char* name);
void ioctl(fuse_req_t req, fuse_ino_t ino, unsigned int cmd, void* arg, fuse_file_info* fi,
           unsigned flags, const void* in_buf, size_t in_bufsz, size_t out_bufsz);
// A setxattr of fuse/chown_request.h's attribute on the root.
void chown_request(fuse_req_t req, fuse_ino_t ino, std::string_view value);

// A FUSE_STATX request (fuse/statx_request.h), which libfuse does not know: served from its raw
// bytes, the reply written to `device` here.
void statx(UnionFs& fs, int device, uint64_t unique, uint64_t nodeid);

// All of the above in libfuse's table.
fuse_lowlevel_ops operations();

}  // namespace layerfs::fuse::ops
