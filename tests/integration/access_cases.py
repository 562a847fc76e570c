#!/usr/bin/env python3
"""Permission checks and special files on a union mount, each case printing "NAME RESULT" (ok,
an errno name, or what it read), for tests/integration/mount_access_test.sh to compare between
kernel overlayfs and layerfs over the same lower layer.

  access_cases.py populate LOWER OTHER_UID   the lower layer (run as root, or root in a userns)
  access_cases.py run MOUNT OTHER_UID        the cases; those marked "other" run as OTHER_UID
"""
import errno
import fcntl
import mmap
import os
import socket
import stat
import ctypes
import struct
import sys
import time

# Inode flags (chattr): the ioctls and the flags the cases use.
FS_IOC_GETFLAGS, FS_IOC_SETFLAGS = 0x80086601, 0x40086602
FS_NODUMP_FL, FS_NOATIME_FL = 0x40, 0x80


def inode_flags(path, add=0):
    """The flags of `path` after adding `add` (ioctls take an int, whatever their encoding)."""
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
    try:
        buffer = bytearray(struct.pack("<i", 0))
        fcntl.ioctl(fd, FS_IOC_GETFLAGS, buffer)
        if add:
            fcntl.ioctl(fd, FS_IOC_SETFLAGS, struct.pack("<i", struct.unpack("<i", buffer)[0] | add))
            fcntl.ioctl(fd, FS_IOC_GETFLAGS, buffer)
        return hex(struct.unpack("<i", buffer)[0])
    finally:
        os.close(fd)


# POSIX ACLs as the kernel stores them in system.posix_acl_* xattrs: a version, then entries of
# (tag, permissions, id).
ACL_USER_OBJ, ACL_USER, ACL_GROUP_OBJ, ACL_MASK, ACL_OTHER = 0x01, 0x02, 0x04, 0x10, 0x20
NO_ID = 0xFFFFFFFF


def acl(*entries):
    return struct.pack("<I", 2) + b"".join(struct.pack("<HHI", *e) for e in entries)


def acl_granting(other, perm, mask):
    return acl((ACL_USER_OBJ, 6, NO_ID), (ACL_USER, perm, other), (ACL_GROUP_OBJ, 0, NO_ID),
               (ACL_MASK, mask, NO_ID), (ACL_OTHER, 0, NO_ID))


def populate(lower, other):
    def put(name, mode, text="data\n"):
        path = os.path.join(lower, name)
        with open(path, "w") as f:
            f.write(text)
        os.chmod(path, mode)
        return path

    def directory(name, mode):
        path = os.path.join(lower, name)
        os.mkdir(path)
        os.chmod(path, mode)

    put("secret", 0o600)
    put("public", 0o644)
    put("shared", 0o666)
    put("lockfile", 0o666)
    put("script", 0o644, "#!/bin/sh\nexit 0\n")
    put("for_acl", 0o644)
    for name, mode in (("private", 0o700), ("traverse", 0o711), ("closed", 0o755)):
        directory(name, mode)
        put(os.path.join(name, "f"), 0o644)
    # Named-user ACL entries: the other user may read the first, not the second.
    os.setxattr(put("acl_granted", 0o640), "system.posix_acl_access", acl_granting(other, 4, 4))
    os.setxattr(put("acl_denied", 0o644), "system.posix_acl_access", acl_granting(other, 0, 4))
    # New files in this directory give the other user read and write (a default ACL).
    directory("acl_dir", 0o755)
    os.setxattr(os.path.join(lower, "acl_dir"), "system.posix_acl_default",
                acl_granting(other, 6, 6))
    directory("setgid", 0o2777)  # owned by root's group: new entries get that group
    os.setxattr(put("colored", 0o644), "user.color", b"blue")
    directory("replaced", 0o755)
    put("replaced/old", 0o644)
    # The other user's fifo and symlink: copied up by a rename, they keep their owner.
    os.mkfifo(os.path.join(lower, "others_fifo"), 0o620)
    os.chown(os.path.join(lower, "others_fifo"), other, other)
    os.symlink("public", os.path.join(lower, "others_link"))
    os.lchown(os.path.join(lower, "others_link"), other, other)
    # noatime is carried up by a copy-up, nodump is not (as overlayfs does).
    inode_flags(put("flagged", 0o644), FS_NOATIME_FL | FS_NODUMP_FL)
    directory("sticky", 0o1777)
    put("sticky/root_file", 0o666)
    os.chown(put("sticky/other_file", 0o644), other, other)


def result_of(action):
    try:
        value = action()
        return "ok" if value is None else str(value)
    except OSError as e:
        return errno.errorcode.get(e.errno, str(e.errno))


def as_other(other, action):
    """Runs action in a child process with OTHER's uid and gid and no groups."""
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(read_end)
        try:
            os.setgroups([])
            os.setresgid(other, other, other)
            os.setresuid(other, other, other)
            text = result_of(action)
        except BaseException as e:  # anything else is a failure of the case itself
            text = "error:" + type(e).__name__
        os.write(write_end, text.encode())
        os._exit(0)
    os.close(write_end)
    chunks = []
    while True:
        chunk = os.read(read_end, 4096)
        if not chunk:
            break
        chunks.append(chunk)
    os.close(read_end)
    os.waitpid(pid, 0)
    return b"".join(chunks).decode()


def read_all(path, flags=os.O_RDONLY):
    fd = os.open(path, flags)
    try:
        return os.read(fd, 100).decode().strip()
    finally:
        os.close(fd)


def write_to(path, flags, text=b"x\n"):
    fd = os.open(path, flags, 0o644)
    try:
        os.write(fd, text)
    finally:
        os.close(fd)


def exec_script(path):
    pid = os.fork()
    if pid == 0:
        try:
            os.execv(path, [path])
        except OSError as e:
            os._exit(100 + e.errno)
    _, status = os.waitpid(pid, 0)
    code = os.waitstatus_to_exitcode(status)
    if code >= 100:
        raise OSError(code - 100, "exec")


def chown_own_to_root(m):
    path = os.path.join(m, "sticky", "mine")
    write_to(path, os.O_WRONLY | os.O_CREAT)
    os.chown(path, 0, 0)


def fsync_file_and_dir(m):
    path = os.path.join(m, "synced")
    fd = os.open(path, os.O_WRONLY | os.O_CREAT, 0o644)
    os.write(fd, b"synced\n")
    os.fsync(fd)
    os.close(fd)
    dirfd = os.open(m, os.O_RDONLY | os.O_DIRECTORY)
    os.fsync(dirfd)
    os.close(dirfd)
    return read_all(path)


def unix_socket(m):
    path = os.path.join(m, "sock")
    server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    server.bind(path)
    server.listen(1)
    client = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    client.connect(path)
    peer, _ = server.accept()
    client.sendall(b"hello")
    got = peer.recv(5).decode()
    for s in (peer, client, server):
        s.close()
    kind = "socket" if stat.S_ISSOCK(os.lstat(path).st_mode) else "not-a-socket"
    os.unlink(path)
    return f"{kind}:{got}"


def posix_lock(m, other):
    path = os.path.join(m, "lockfile")
    fd = os.open(path, os.O_RDWR)
    fcntl.lockf(fd, fcntl.LOCK_EX)

    def try_lock():
        theirs = os.open(path, os.O_RDWR)
        try:
            fcntl.lockf(theirs, fcntl.LOCK_EX | fcntl.LOCK_NB)
        finally:
            os.close(theirs)

    while_held = as_other(other, try_lock)
    fcntl.lockf(fd, fcntl.LOCK_UN)
    after = as_other(other, try_lock)
    os.close(fd)
    return f"held:{while_held},released:{after}"


def acl_of_new_file(m, other):
    path = os.path.join(m, "acl_dir", "new")
    os.close(os.open(path, os.O_WRONLY | os.O_CREAT, 0o666))
    inherited = os.getxattr(path, "system.posix_acl_access").hex()
    writes = as_other(other, lambda: write_to(path, os.O_WRONLY | os.O_APPEND))
    return f"{inherited} other-writes:{writes}"


def xattr_names(path):
    return ",".join(sorted(os.listxattr(path, follow_symlinks=False))) or "-"


def xattrs_after_copy_up(m):
    path = os.path.join(m, "colored")
    os.chmod(path, 0o640)  # copies the file up (its metadata at least)
    return xattr_names(path)


def xattrs_of_replaced_directory(m):
    path = os.path.join(m, "replaced")
    os.unlink(os.path.join(path, "old"))
    os.rmdir(path)
    os.mkdir(path)  # now opaque: the lower directory's entries stay hidden
    return f"{xattr_names(path)} entries:{len(os.listdir(path))}"


def new_entries_in_setgid(m, other):
    def make():
        os.mkdir(os.path.join(m, "setgid", "sub"), 0o755)
        write_to(os.path.join(m, "setgid", "file"), os.O_WRONLY | os.O_CREAT)

    made = as_other(other, make)
    sub, new = os.stat(os.path.join(m, "setgid", "sub")), os.stat(os.path.join(m, "setgid", "file"))
    return f"{made} sub:{oct(sub.st_mode)}:{sub.st_gid} file:{oct(new.st_mode)}:{new.st_gid}"


def acls_of_new_directory(m):
    path = os.path.join(m, "acl_dir", "subdir")
    os.mkdir(path, 0o777)
    access = os.getxattr(path, "system.posix_acl_access").hex()
    default = os.getxattr(path, "system.posix_acl_default").hex()
    return f"{oct(os.stat(path).st_mode)} access:{access} default:{default}"


def acl_set_through_mount(m, other):
    path = os.path.join(m, "for_acl")
    os.setxattr(path, "system.posix_acl_access", acl_granting(other, 6, 6))
    appends = as_other(other, lambda: write_to(path, os.O_WRONLY | os.O_APPEND))
    acl = os.getxattr(path, "system.posix_acl_access").hex()
    return f"{oct(os.stat(path).st_mode)} other-appends:{appends} acl:{acl}"


def symlink_owner(m, other):
    path = os.path.join(m, "link")
    os.symlink("public", path)
    os.lchown(path, other, other)
    st = os.lstat(path)
    return f"{st.st_uid}:{st.st_gid}"


def exact_times(m):
    path = os.path.join(m, "shared")
    os.utime(path, ns=(1_500_000_000_123_456_789, 1_600_000_000_987_654_321))
    st = os.stat(path)
    return f"{st.st_atime_ns} {st.st_mtime_ns}"


def sparse_file(m):
    path = os.path.join(m, "sparse")
    fd = os.open(path, os.O_WRONLY | os.O_CREAT, 0o644)
    os.ftruncate(fd, 1 << 30)
    os.pwrite(fd, b"x", 1 << 29)
    os.close(fd)
    st = os.stat(path)
    return f"size:{st.st_size} blocks:{st.st_blocks}"


def link_counts(m):
    counts = [os.stat(os.path.join(m, *names)).st_nlink
              for names in ((), ("private",), ("acl_dir",), ("sticky",), ("secret",))]
    return " ".join(map(str, counts))


def other_makes_fifo(m, other):
    path = os.path.join(m, "sticky", "fifo")
    made = as_other(other, lambda: os.mkfifo(path, 0o640))
    st = os.stat(path)
    return f"{made} {oct(st.st_mode)} {st.st_uid}:{st.st_gid}"


def setuid_by_root(m):
    path = os.path.join(m, "script")
    os.chmod(path, 0o4755)
    return oct(os.stat(path).st_mode)


def others_own_files(m, other):
    home = os.path.join(m, "sticky", "home")

    def make():
        os.mkdir(home, 0o700)
        path = os.path.join(home, "mine")
        write_to(path, os.O_WRONLY | os.O_CREAT)
        os.chmod(path, 0o600)
        os.link(path, os.path.join(home, "also"))
        os.setxattr(path, "user.note", b"hi")
        return xattr_names(path)

    made = as_other(other, make)
    st = os.stat(os.path.join(home, "also"))
    root_reads = read_all(os.path.join(home, "mine"))
    return f"{made} {oct(st.st_mode)} {st.st_uid}:{st.st_gid} nlink:{st.st_nlink} root:{root_reads}"


def file_capability(m):
    path = os.path.join(m, "script")
    # VFS_CAP_REVISION_2 with the effective flag: cap_net_raw (13) permitted.
    os.setxattr(path, "security.capability", struct.pack("<IIIII", 0x02000001, 1 << 13, 0, 0, 0))
    return os.getxattr(path, "security.capability").hex()


def owners_after_rename(m):
    owners = []
    for name in ("others_fifo", "others_link"):
        os.rename(os.path.join(m, name), os.path.join(m, name + "_moved"))
        st = os.lstat(os.path.join(m, name + "_moved"))
        owners.append(f"{oct(st.st_mode)}:{st.st_uid}:{st.st_gid}")
    return " ".join(owners)


def other_binds_socket(m, other):
    path = os.path.join(m, "sticky", "their_sock")

    def bind():
        server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        server.bind(path)
        server.close()

    bound = as_other(other, bind)
    st = os.lstat(path)
    return f"{bound} socket:{stat.S_ISSOCK(st.st_mode)} {st.st_uid}:{st.st_gid}"


def link_open_file(fd, path):
    """Gives the open file `fd` the name `path` (how an O_TMPFILE file is kept)."""
    dirfd = os.open(os.path.dirname(path), os.O_PATH)
    try:
        os.link(f"/proc/self/fd/{fd}", os.path.basename(path), dst_dir_fd=dirfd)
    finally:
        os.close(dirfd)


def tmpfile_linked(m):
    """An O_TMPFILE file in a lower directory: unnamed until linked, then one file."""
    directory = os.path.join(m, "closed")
    fd = os.open(directory, os.O_TMPFILE | os.O_RDWR, 0o640)
    try:
        os.write(fd, b"first\n")
        st = os.fstat(fd)
        unnamed = f"{oct(st.st_mode)} nlink:{st.st_nlink} size:{st.st_size}"
        names = len(os.listdir(directory))
        link_open_file(fd, os.path.join(directory, "kept"))
        os.write(fd, b"second\n")
        named = os.stat(os.path.join(directory, "kept"))
        same = named.st_ino == os.fstat(fd).st_ino
        content = read_all(os.path.join(directory, "kept")).replace("\n", "+")
        return (f"{unnamed} names:{names} linked:{oct(named.st_mode)} nlink:{named.st_nlink} "
                f"{named.st_uid}:{named.st_gid} fd_nlink:{os.fstat(fd).st_nlink} same_ino:{same} "
                f"read:{content} names:{len(os.listdir(directory))}")
    finally:
        os.close(fd)


def write_after_unlinking_one_name(m):
    """Writes through a file whose name was unlinked show through its other name."""
    first, second = os.path.join(m, "first_name"), os.path.join(m, "second_name")
    write_to(first, os.O_WRONLY | os.O_CREAT, b"one\n")
    os.link(first, second)
    fd = os.open(first, os.O_WRONLY | os.O_APPEND)
    try:
        os.unlink(first)
        size_before = f"{os.stat(second).st_size}:{read_all(second)}"
        os.write(fd, b"two\n")
    finally:
        os.close(fd)
    st = os.stat(second)
    return f"{size_before} {st.st_size} nlink:{st.st_nlink} read:{read_all(second).replace(chr(10), '+')}"


def tmpfile_exclusive(m):
    fd = os.open(m, os.O_TMPFILE | os.O_WRONLY | os.O_EXCL, 0o600)
    try:
        return result_of(lambda: link_open_file(fd, os.path.join(m, "never")))
    finally:
        os.close(fd)


def tmpfile_in_acl_dir(m):
    fd = os.open(os.path.join(m, "acl_dir"), os.O_TMPFILE | os.O_RDWR, 0o666)
    try:
        path = os.path.join(m, "acl_dir", "from_tmpfile")
        link_open_file(fd, path)
        return f"{oct(os.stat(path).st_mode)} {os.getxattr(path, 'system.posix_acl_access').hex()}"
    finally:
        os.close(fd)


def tmpfile_by_other(m, other):
    path = os.path.join(m, "sticky", "their_tmpfile")

    def make():
        fd = os.open(os.path.join(m, "sticky"), os.O_TMPFILE | os.O_WRONLY, 0o640)
        try:
            os.write(fd, b"theirs\n")
            link_open_file(fd, path)
        finally:
            os.close(fd)

    made = as_other(other, make)
    st = os.stat(path)
    return f"{made} {oct(st.st_mode)} {st.st_uid}:{st.st_gid} read:{read_all(path)}"


def direct_io(m):
    """O_DIRECT writes and reads (page-aligned buffers) of a new file and of a lower one."""
    block = mmap.mmap(-1, 4096)

    def write_and_read(path, flags, fill):
        block.seek(0)
        block.write(fill * 4096)
        fd = os.open(path, flags | os.O_DIRECT, 0o644)
        try:
            written = os.write(fd, block)
            back = mmap.mmap(-1, 4096)
            got = os.preadv(fd, [back], os.lseek(fd, 0, os.SEEK_CUR) - 4096)
            return f"{written}:{got}:{back[:1].decode()}"
        finally:
            os.close(fd)

    new = write_and_read(os.path.join(m, "direct_new"), os.O_RDWR | os.O_CREAT, b"n")
    # A lower file: copied up, then written at its end (its 5 bytes padded to the block first).
    os.truncate(os.path.join(m, "shared"), 4096)
    lower = write_and_read(os.path.join(m, "shared"), os.O_RDWR | os.O_APPEND, b"l")
    return f"new:{new} lower:{lower} size:{os.stat(os.path.join(m, 'shared')).st_size}"


def whiteout_device(m):
    """A character device 0/0 is how overlayfs marks a deletion: nobody may make one."""
    path = os.path.join(m, "made_whiteout")
    made = result_of(lambda: os.mknod(path, stat.S_IFCHR | 0o600, os.makedev(0, 0)))
    return f"{made} listed:{'made_whiteout' in os.listdir(m)}"


def chattr_flags(m):
    """lsattr and chattr: a lower file's flags, after a copy-up, set on a file and a directory."""
    path = os.path.join(m, "flagged")
    before = inode_flags(path)
    os.chmod(path, 0o600)
    copied = inode_flags(path)
    added = inode_flags(path, FS_NODUMP_FL)
    directory = inode_flags(os.path.join(m, "closed"), FS_NOATIME_FL)
    return f"lower:{before} copied:{copied} set:{added} dir:{directory}"


class Statx(ctypes.Structure):
    _fields_ = [("mask", ctypes.c_uint32), ("head", ctypes.c_byte * 76),
                ("btime_sec", ctypes.c_int64), ("btime_nsec", ctypes.c_uint32),
                ("rest", ctypes.c_byte * 164)]


def birth_time(path):
    """statx's birth time of `path` as seconds.nanoseconds, or None when none is shown."""
    STATX_BTIME, AT_SYMLINK_NOFOLLOW = 0x800, 0x100
    buffer = Statx()
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.statx(-100, path.encode(), AT_SYMLINK_NOFOLLOW, STATX_BTIME, ctypes.byref(buffer)):
        raise OSError(ctypes.get_errno(), "statx")
    return f"{buffer.btime_sec}.{buffer.btime_nsec:09}" if buffer.mask & STATX_BTIME else None


def birth_times(m):
    """A lower file's birth time (when it was written, as its mtime says), and new files' (now)."""
    lower = birth_time(os.path.join(m, "colored"))
    written = os.stat(os.path.join(m, "colored")).st_mtime
    lower_known = lower is not None and abs(float(lower) - written) < 1
    before = time.time() - 1
    write_to(os.path.join(m, "born"), os.O_WRONLY | os.O_CREAT)
    os.chmod(os.path.join(m, "colored"), 0o600)  # a copy-up: the upper copy is born now
    after = time.time() + 1
    fresh = [birth_time(os.path.join(m, name)) for name in ("born", "colored")]
    return f"lower:{lower_known} fresh:{[t is not None and before <= float(t) <= after for t in fresh]}"


def device_node(m):
    path = os.path.join(m, "null")
    os.mknod(path, stat.S_IFCHR | 0o666, os.makedev(1, 3))
    write_to(path, os.O_WRONLY)
    return "read:" + read_all(path)


def run(m, other):
    p = lambda *names: os.path.join(m, *names)  # noqa: E731
    other_cases = [
        ("read_secret", lambda: read_all(p("secret"))),
        ("read_public", lambda: read_all(p("public"))),
        ("append_public", lambda: write_to(p("public"), os.O_WRONLY | os.O_APPEND)),
        ("truncate_secret", lambda: os.truncate(p("secret"), 0)),
        ("list_private", lambda: len(os.listdir(p("private")))),
        ("stat_in_private", lambda: os.stat(p("private", "f")).st_size),
        ("list_traverse", lambda: len(os.listdir(p("traverse")))),
        ("read_in_traverse", lambda: read_all(p("traverse", "f"))),
        ("create_in_closed", lambda: write_to(p("closed", "new"), os.O_WRONLY | os.O_CREAT)),
        ("unlink_in_closed", lambda: os.unlink(p("closed", "f"))),
        ("unlink_sticky_root_file", lambda: os.unlink(p("sticky", "root_file"))),
        ("rename_sticky_root_file", lambda: os.rename(p("sticky", "root_file"), p("sticky", "x"))),
        ("write_sticky_root_file", lambda: write_to(p("sticky", "root_file"), os.O_WRONLY)),
        ("unlink_sticky_own", lambda: os.unlink(p("sticky", "other_file"))),
        ("chmod_not_owner", lambda: os.chmod(p("public"), 0o777)),
        ("chown_own_to_root", lambda: chown_own_to_root(m)),
        ("utime_set_not_owner", lambda: os.utime(p("shared"), (1, 1))),
        ("utime_now_writable", lambda: os.utime(p("shared"), None)),
        ("setxattr_not_writable", lambda: os.setxattr(p("public"), "user.x", b"1")),
        ("setxattr_writable", lambda: os.setxattr(p("shared"), "user.x", b"1")),
        ("noatime_not_owner", lambda: read_all(p("public"), os.O_RDONLY | os.O_NOATIME)),
        ("link_secret", lambda: os.link(p("secret"), p("sticky", "hl"))),
        ("exec_without_x", lambda: exec_script(p("script"))),
        ("access_secret_r", lambda: os.access(p("secret"), os.R_OK)),
        ("access_shared_w", lambda: os.access(p("shared"), os.W_OK)),
        ("acl_read_granted", lambda: read_all(p("acl_granted"))),
        ("acl_read_denied", lambda: read_all(p("acl_denied"))),
        ("tmpfile_in_closed", lambda: os.close(os.open(p("closed"), os.O_TMPFILE | os.O_RDWR))),
    ]
    for name, action in other_cases:
        print(name, as_other(other, action))
    root_cases = [
        ("root_exec_without_x", lambda: exec_script(p("script"))),
        ("root_access_x", lambda: os.access(p("script"), os.X_OK)),
        ("root_read_secret", lambda: read_all(p("secret"))),
        ("fsync_file_and_dir", lambda: fsync_file_and_dir(m)),
        ("unix_socket", lambda: unix_socket(m)),
        ("posix_lock", lambda: posix_lock(m, other)),
        ("device_node", lambda: device_node(m)),
        ("statfs", lambda: "bsize:%d namemax:%d" % (os.statvfs(m).f_bsize, os.statvfs(m).f_namemax)),
        ("acl_of_new_file", lambda: acl_of_new_file(m, other)),
        ("acls_of_new_directory", lambda: acls_of_new_directory(m)),
        ("acl_set_through_mount", lambda: acl_set_through_mount(m, other)),
        ("symlink_owner", lambda: symlink_owner(m, other)),
        ("exact_times", lambda: exact_times(m)),
        ("sparse_file", lambda: sparse_file(m)),
        ("link_counts", lambda: link_counts(m)),
        ("other_makes_fifo", lambda: other_makes_fifo(m, other)),
        ("setuid_by_root", lambda: setuid_by_root(m)),
        ("others_own_files", lambda: others_own_files(m, other)),
        ("file_capability", lambda: file_capability(m)),
        ("owners_after_rename", lambda: owners_after_rename(m)),
        ("other_binds_socket", lambda: other_binds_socket(m, other)),
        ("tmpfile_linked", lambda: tmpfile_linked(m)),
        ("write_after_unlinking_one_name", lambda: write_after_unlinking_one_name(m)),
        ("tmpfile_exclusive", lambda: tmpfile_exclusive(m)),
        ("tmpfile_in_acl_dir", lambda: tmpfile_in_acl_dir(m)),
        ("tmpfile_by_other", lambda: tmpfile_by_other(m, other)),
        ("direct_io", lambda: direct_io(m)),
        ("whiteout_device", lambda: whiteout_device(m)),
        ("chattr_flags", lambda: chattr_flags(m)),
        ("birth_times", lambda: birth_times(m)),
        ("xattrs_after_copy_up", lambda: xattrs_after_copy_up(m)),
        ("xattrs_of_replaced_directory", lambda: xattrs_of_replaced_directory(m)),
        ("xattrs_of_new_file", lambda: (write_to(p("fresh"), os.O_WRONLY | os.O_CREAT),
                                        xattr_names(p("fresh")))[1]),
        ("new_entries_in_setgid", lambda: new_entries_in_setgid(m, other)),
        ("chmod_masks_acl", lambda: (os.chmod(p("acl_granted"), 0o600),
                                     as_other(other, lambda: read_all(p("acl_granted"))))[1]),
        ("acl_removed", lambda: (os.removexattr(p("acl_denied"), "system.posix_acl_access"),
                                 as_other(other, lambda: read_all(p("acl_denied"))))[1]),
        ("chmod_then_other_reads", lambda: (os.chmod(p("secret"), 0o644),
                                            as_other(other, lambda: read_all(p("secret"))))[1]),
    ]
    for name, action in root_cases:
        print(name, result_of(action))


def serve_command_line(populate_layer, run_cases):
    """`populate LOWER OTHER_UID` or `run MOUNT OTHER_UID`, for this file and the others like it."""
    command, where, other = sys.argv[1], sys.argv[2], int(sys.argv[3])
    if command == "populate":
        populate_layer(where, other)
    elif command == "run":
        run_cases(where, other)
    else:
        sys.exit(f"unknown command {command}")


if __name__ == "__main__":
    serve_command_line(populate, run)
