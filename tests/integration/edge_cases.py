#!/usr/bin/env python3
"""Edge cases of a union mount: names and their limits, renames over lower directories, listings
that change while read, files whose name goes while open, holes, mmap, xattr limits, symlinks.
Each case prints "NAME RESULT" (ok, an errno name, or what it saw), for
tests/integration/mount_edge_test.sh to compare between kernel overlayfs and layerfs over the
same lower layer.

  edge_cases.py populate LOWER OTHER_UID   the lower layer (run as root, or root in a userns)
  edge_cases.py run MOUNT OTHER_UID        the cases; those marked "other" run as OTHER_UID
"""
import ctypes
import mmap
import os
import shutil
import stat
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from access_cases import as_other, result_of, serve_command_line  # noqa: E402

AT_FDCWD = -100
RENAME_NOREPLACE, RENAME_WHITEOUT = 1, 4
FALLOC_FL_KEEP_SIZE, FALLOC_FL_PUNCH_HOLE = 1, 2
libc = ctypes.CDLL(None, use_errno=True)
libc.fallocate.argtypes = [ctypes.c_int, ctypes.c_int, ctypes.c_long, ctypes.c_long]


def checked(result):
    if result != 0:
        raise OSError(ctypes.get_errno(), "libc")


def populate(lower, other):
    def put(name, text="data\n", mode=0o644):
        path = os.path.join(lower, name)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w") as f:
            f.write(text)
        os.chmod(path, mode)
        return path

    for name in ("full/a", "emptied/a", "touched/a", "listed/a", "tree/a", "gone/a",
                 "moved/a", "attrs/a", "owned/a", "parent/sub/a"):
        put(name)
    for i in range(200):
        put(f"many/f{i:03}", f"{i}\n")
    for i in range(8):
        put(f"walk/e{i}")
    with open(os.path.join(lower, "holes"), "wb") as f:
        f.write(b"b" * 16384)
    with open(os.path.join(lower, "sparse"), "wb") as f:
        f.truncate(1 << 20)
        f.seek(65536)
        f.write(b"x")
    put("mapped", "m" * 8192)
    for name in ("truncated", "grown", "appended", "reader", "target", "reused", "original",
                 "kept_open", "written_open", "cut_open", "renamed_over", "linked", "xattrs",
                 "copied", "plain", "big"):
        put(name, f"{name}\n")
    os.chmod(put("zero"), 0)
    os.setxattr(os.path.join(lower, "xattrs"), "user.k", b"val")
    os.setxattr(os.path.join(lower, "xattrs"), "user.j", b"v2")
    os.symlink("target", os.path.join(lower, "link"))
    os.symlink("plain", os.path.join(lower, "link2"))
    os.mkfifo(os.path.join(lower, "fifo"))
    os.utime(os.path.join(lower, "touched"), (1577836800, 1577836800))
    os.mkdir(os.path.join(lower, "setgid"))
    os.chmod(os.path.join(lower, "setgid"), 0o2777)
    os.chown(os.path.join(lower, "setgid"), -1, other)
    os.mkdir(os.path.join(lower, "public"))
    os.chmod(os.path.join(lower, "public"), 0o777)
    os.chown(put("public/theirs", mode=0o755), other, other)


def renameat2(old, new, flags):
    checked(libc.renameat2(AT_FDCWD, old.encode(), AT_FDCWD, new.encode(), flags))


def with_fd(path, flags, action):
    fd = os.open(path, flags)
    try:
        return action(fd)
    finally:
        os.close(fd)


def names(path):
    return " ".join(sorted(os.listdir(path)))


def getdents_while_deleting(p):
    """Every name not deleted during a listing is listed once."""
    seen = []
    with os.scandir(p("many")) as entries:
        for i, entry in enumerate(entries):
            seen.append(entry.name)
            if i == 5:
                for k in range(0, 200, 2):
                    try:
                        os.unlink(p("many", f"f{k:03}"))
                    except FileNotFoundError:
                        pass
    kept = [f"f{k:03}" for k in range(1, 200, 2)]
    return f"missing:{len(set(kept) - set(seen))} twice:{len(seen) - len(set(seen))}"


def telldir_seekdir(p):
    libc.opendir.restype = ctypes.c_void_p
    libc.readdir.restype = ctypes.c_void_p
    libc.readdir.argtypes = [ctypes.c_void_p]
    libc.telldir.argtypes = [ctypes.c_void_p]
    libc.telldir.restype = ctypes.c_long
    libc.seekdir.argtypes = [ctypes.c_void_p, ctypes.c_long]
    libc.closedir.argtypes = [ctypes.c_void_p]
    handle = libc.opendir(p("walk").encode())
    name = lambda entry: ctypes.string_at(entry + 19).decode()  # noqa: E731 (d_name's offset)
    for _ in range(3):
        libc.readdir(handle)
    where = libc.telldir(handle)
    first = name(libc.readdir(handle))
    libc.seekdir(handle, where)
    again = name(libc.readdir(handle))
    libc.closedir(handle)
    return first == again


def punch_hole(p):
    def punch(fd):
        checked(libc.fallocate(fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, 4096, 8192))
        data = os.pread(fd, 16384, 0)
        return f"{data.count(b'b')} zeros:{data.count(0)} size:{os.fstat(fd).st_size}"
    return with_fd(p("holes"), os.O_RDWR, punch)


def mmap_write(p):
    def write(fd):
        with mmap.mmap(fd, 4096) as mapped:
            mapped[0:5] = b"HELLO"
            mapped.flush()
    with_fd(p("mapped"), os.O_RDWR, write)
    with open(p("mapped"), "rb") as f:
        return f.read(8)


def two_appenders(p):
    a = os.open(p("appended"), os.O_WRONLY | os.O_APPEND)
    b = os.open(p("appended"), os.O_WRONLY | os.O_APPEND)
    for fd, text in ((a, b"1"), (b, b"2"), (a, b"3")):
        os.write(fd, text)
    os.close(a)
    os.close(b)
    return open(p("appended")).read().replace("\n", "+")


def reader_across_copy_up(p):
    reader = os.open(p("reader"), os.O_RDONLY)
    os.read(reader, 2)
    with_fd(p("reader"), os.O_WRONLY, lambda fd: os.pwrite(fd, b"ZZ", 0))
    data = os.pread(reader, 6, 0)
    os.close(reader)
    return data


def unlink_then_use(p, name, action):
    fd = os.open(p(name), os.O_RDWR)
    try:
        os.unlink(p(name))
        return action(fd)
    finally:
        os.close(fd)


def renamed_over_while_open(p):
    # Open for writing: overlayfs copies the file up at the open, so that its fstat counts the
    # union's names. Opened read-only, it would count the lower file's, where layerfs still
    # counts the union's (README).
    fd = os.open(p("renamed_over"), os.O_RDWR)
    with open(p("replacement"), "w") as f:
        f.write("new\n")
    os.rename(p("replacement"), p("renamed_over"))
    data = os.read(fd, 20)
    nlink = os.fstat(fd).st_nlink
    os.close(fd)
    return f"{data} nlink:{nlink} now:{open(p('renamed_over')).read().strip()}"


def removed_directory_fd(p):
    os.mkdir(p("short_lived"))
    fd = os.open(p("short_lived"), os.O_RDONLY | os.O_DIRECTORY)
    os.rmdir(p("short_lived"))
    try:
        listed = f"nlink:{os.fstat(fd).st_nlink} names:{os.listdir(fd)}"
        created = result_of(lambda: os.close(os.open("x", os.O_CREAT | os.O_WRONLY, 0o644,
                                                     dir_fd=fd)))
        return f"{listed} create:{created}"
    finally:
        os.close(fd)


def removed_lower_directory_fd(p):
    fd = os.open(p("tree"), os.O_RDONLY | os.O_DIRECTORY)
    shutil.rmtree(p("tree"))
    try:
        return os.listdir(fd)
    finally:
        os.close(fd)


def dots(p):
    same = os.stat(p("parent")).st_ino == os.stat(p("parent", ".")).st_ino == \
        os.stat(p("parent", "sub", "..")).st_ino
    listed = {e.name: e.inode() for e in os.scandir(p("parent"))}
    return f"dots:{same} listed_ino:{listed.get('sub') == os.stat(p('parent', 'sub')).st_ino}"


def xattr_limits(p):
    def size_of(call, *args):
        n = call(*args)
        if n < 0:
            raise OSError(ctypes.get_errno(), "xattr")
        return n
    small = ctypes.create_string_buffer(2)
    path = p("xattrs").encode()
    results = [
        result_of(lambda: os.setxattr(p("big"), "user.big", b"v" * 65536)),
        result_of(lambda: os.setxattr(p("big"), "user.big2", b"v" * 65537)),
        result_of(lambda: size_of(libc.listxattr, path, small, 2)),
        result_of(lambda: size_of(libc.listxattr, path, None, 0)),
        result_of(lambda: size_of(libc.getxattr, path, b"user.k", small, 2)),
        result_of(lambda: size_of(libc.getxattr, path, b"user.k", None, 0)),
        result_of(lambda: os.removexattr(p("xattrs"), "user.none")),
        result_of(lambda: os.setxattr(p("xattrs"), "user.k", b"n", os.XATTR_CREATE)),
        result_of(lambda: os.setxattr(p("xattrs"), "user.none", b"n", os.XATTR_REPLACE)),
        result_of(lambda: os.setxattr(p("xattrs"), "user.k", b"new", os.XATTR_REPLACE)),
        result_of(lambda: os.setxattr(p("big"), "user." + "n" * 300, b"1")),
        result_of(lambda: os.setxattr(p("fifo"), "user.f", b"1")),
        result_of(lambda: os.setxattr(p("link"), "user.l", b"1", follow_symlinks=False)),
    ]
    for i in range(100):
        os.setxattr(p("plain"), f"user.n{i}", b"")
    results.append(len(os.listxattr(p("plain"))))
    results.append(os.getxattr(p("xattrs"), "user.k"))
    return " ".join(map(str, results))


def run(m, other):
    p = lambda *names: os.path.join(m, *names)  # noqa: E731
    cases = [
        ("name_255", lambda: (open(p("n" * 255), "w").close(), os.path.exists(p("n" * 255)))[1]),
        ("name_256", lambda: open(p("n" * 256), "w").close()),
        ("symlink_4095", lambda: (os.symlink("t" * 4095, p("long")), len(os.readlink(p("long"))))[1]),
        ("three_dots", lambda: (open(p("..."), "w").close(),
                                " ".join(x for x in sorted(os.listdir(m)) if x.startswith(".")))[1]),
        ("file_over_lower_dir", lambda: (open(p("plainfile"), "w").close(),
                                         os.rename(p("plainfile"), p("full")))),
        ("dir_over_full_lower_dir", lambda: (os.mkdir(p("newdir")), os.rename(p("newdir"), p("full")))),
        ("dir_over_emptied_lower_dir", lambda: (os.mkdir(p("newdir2")), open(p("newdir2", "in"), "w"),
                                                os.unlink(p("emptied", "a")),
                                                os.rename(p("newdir2"), p("emptied")),
                                                names(p("emptied")))[4]),
        ("rmdir_whiteouts_only", lambda: (os.unlink(p("gone", "a")), os.rmdir(p("gone")),
                                          os.path.exists(p("gone")))[2]),
        ("mkdir_over_deleted_dir", lambda: (shutil.rmtree(p("moved")), os.mkdir(p("moved")),
                                            names(p("moved")))[2]),
        ("noreplace_over_whiteout", lambda: (os.unlink(p("original")), open(p("src"), "w").write("s"),
                                             renameat2(p("src"), p("original"), RENAME_NOREPLACE),
                                             open(p("original")).read())[3]),
        ("rename_whiteout_flag", lambda: renameat2(p("plain"), p("plain2"), RENAME_WHITEOUT)),
        ("getdents_while_deleting", lambda: getdents_while_deleting(p)),
        ("telldir_seekdir", lambda: telldir_seekdir(p)),
        ("dots", lambda: dots(p)),
        ("one_st_dev", lambda: len({os.lstat(p(x)).st_dev for x in ("parent", "parent/sub/a", "link")})),
        ("punch_hole", lambda: punch_hole(p)),
        ("seek_hole", lambda: with_fd(p("sparse"), os.O_RDONLY, lambda fd: (
            os.lseek(fd, 0, os.SEEK_DATA), os.lseek(fd, 0, os.SEEK_HOLE)))),
        ("truncate_up", lambda: (os.truncate(p("grown"), 1 << 20), with_fd(
            p("grown"), os.O_RDONLY, lambda fd: (os.lseek(fd, 0, os.SEEK_HOLE), os.fstat(fd).st_size)))[1]),
        ("o_trunc", lambda: (os.close(os.open(p("truncated"), os.O_WRONLY | os.O_TRUNC)),
                             os.stat(p("truncated")).st_size)[1]),
        ("mmap_write", lambda: mmap_write(p)),
        ("two_appenders", lambda: two_appenders(p)),
        ("append_fd_truncate", lambda: with_fd(p("copied"), os.O_WRONLY | os.O_APPEND, lambda fd: (
            os.ftruncate(fd, 1), os.write(fd, b"Z")))),
        ("reader_across_copy_up", lambda: reader_across_copy_up(p)),
        ("copy_file_range", lambda: with_fd(p("holes"), os.O_RDONLY, lambda src: with_fd(
            p("copy"), os.O_CREAT | os.O_WRONLY, lambda dst: os.copy_file_range(src, dst, 100)))),
        ("unlinked_fstat_read", lambda: unlink_then_use(p, "kept_open", lambda fd: (
            os.fstat(fd).st_nlink, os.read(fd, 20)))),
        ("unlinked_write", lambda: unlink_then_use(p, "written_open", lambda fd: (
            os.pwrite(fd, b"W", 0), os.pread(fd, 20, 0), os.fstat(fd).st_size))),
        ("unlinked_ftruncate", lambda: unlink_then_use(p, "cut_open", lambda fd: (
            os.ftruncate(fd, 2), os.pread(fd, 20, 0)))),
        ("unlinked_proc_link", lambda: unlink_then_use(p, "linked", lambda fd: os.readlink(
            f"/proc/self/fd/{fd}").replace(m, "M"))),
        ("renamed_over_while_open", lambda: renamed_over_while_open(p)),
        ("removed_directory_fd", lambda: removed_directory_fd(p)),
        ("removed_lower_directory_fd", lambda: removed_lower_directory_fd(p)),
        ("unlink_recreate_ino", lambda: (os.stat(p("reused")).st_ino, os.unlink(p("reused")),
                                         open(p("reused"), "w").close())[0] != os.stat(p("reused")).st_ino),
        ("link_then_unlink_original", lambda: (os.link(p("target"), p("attrs", "alias")),
                                               os.unlink(p("target")),
                                               open(p("attrs", "alias")).read().strip(),
                                               os.stat(p("attrs", "alias")).st_nlink)[2:]),
        ("utime_now_lower_dir", lambda: (os.utime(p("touched")), os.stat(p("touched")).st_mtime > 1577836800)[1]),
        ("lutimes_symlink", lambda: (os.utime(p("link"), (7, 8), follow_symlinks=False),
                                     os.lstat(p("link")).st_mtime, os.readlink(p("link")))[1:]),
        ("link_symlink", lambda: (os.link(p("link2"), p("link2b"), follow_symlinks=False),
                                  os.readlink(p("link2b")), os.lstat(p("link2")).st_nlink)[1:]),
        ("chmod_through_symlink", lambda: (os.chmod(p("link2"), 0o600), oct(os.stat(p("plain")).st_mode))[1]),
        ("o_nofollow_symlink", lambda: os.close(os.open(p("link2"), os.O_RDONLY | os.O_NOFOLLOW))),
        ("o_path_symlink", lambda: with_fd(p("link2"), os.O_PATH | os.O_NOFOLLOW,
                                           lambda fd: stat.S_ISLNK(os.fstat(fd).st_mode))),
        ("access_mode_000", lambda: (os.access(p("zero"), os.R_OK), os.access(p("zero"), os.X_OK))),
        ("xattr_on_lower_dir", lambda: (os.setxattr(p("listed"), "user.d", b"1"), names(p("listed")))[1]),
        ("chown_lower_dir", lambda: (os.chown(p("owned"), 5, 6), os.stat(p("owned")).st_uid,
                                     names(p("owned")), os.stat(p("owned", "a")).st_uid)[1:]),
        ("statvfs_of_file", lambda: os.statvfs(p("parent", "sub", "a")).f_namemax),
        ("xattr_limits", lambda: xattr_limits(p)),
        ("other_mkdir_p_in_setgid", lambda: as_other(other, lambda: (
            os.makedirs(p("setgid", "a", "b")), oct(os.stat(p("setgid", "a", "b")).st_mode),
            os.stat(p("setgid", "a", "b")).st_gid == os.stat(p("setgid")).st_gid)[1:])),
        ("other_setuid_then_write", lambda: as_other(other, lambda: (
            os.chmod(p("public", "theirs"), 0o4755),
            with_fd(p("public", "theirs"), os.O_WRONLY | os.O_APPEND, lambda fd: os.write(fd, b"x")),
            oct(os.stat(p("public", "theirs")).st_mode))[2])),
        ("other_chgrp_foreign", lambda: as_other(other, lambda: os.chown(p("public", "theirs"), -1, 0))),
    ]
    for name, action in cases:
        print(name, result_of(action))


if __name__ == "__main__":
    serve_command_line(populate, run)
