#!/usr/bin/env python3
"""Concurrent random operations on a union mount, then consistency checks (mount_concurrency_test).

usage: concurrent_ops.py populate LOWER
       concurrent_ops.py run MOUNT --workers N --seconds S --seed X
       concurrent_ops.py snapshot MOUNT OUT.json

A few processes work on a small set of names at once, so that their operations collide: writes,
truncation, renames of files and of lower directories, hard links, unlinks, chmod, xattrs, and
writes through shared mappings (msync, and close writing dirty pages back). Errors the races
cause (ENOENT, EEXIST, ENOTEMPTY...) are expected; EIO, ENOTCONN and ESTALE are not, and neither
is a worker that does not finish. `snapshot` then checks that every listed name can be looked up
and read, and that link counts match the names found, and writes the tree for comparison after a
remount.
"""
import errno
import hashlib
import json
import mmap
import os
import random
import signal
import stat
import sys
import time

NAMES = ["a", "b", "c", "d", "e"]
DIRS = ["", "d1", "d2", "d1/s", "d2/s", "deep/x/y"]
# Every open is non-blocking: a name may be a fifo by now, and its open must not wait for a peer.
NB = os.O_NONBLOCK


def populate(lower):
    rng = random.Random(7)
    for d in DIRS:
        os.makedirs(os.path.join(lower, d), exist_ok=True)
        for n in NAMES[:3]:
            with open(os.path.join(lower, d, n), "wb") as f:
                f.write(bytes(rng.getrandbits(8) for _ in range(rng.randint(0, 20000))))
    os.link(os.path.join(lower, "d1", "a"), os.path.join(lower, "d2", "d"))
    os.link(os.path.join(lower, "d1", "a"), os.path.join(lower, "e"))
    os.symlink("d1/b", os.path.join(lower, "d"))
    os.setxattr(os.path.join(lower, "d1", "b"), "user.lower", b"1")


def pick_path(rng, root):
    return os.path.join(root, rng.choice(DIRS), rng.choice(NAMES))


def op(rng, root):
    p = pick_path(rng, root)
    q = pick_path(rng, root)
    kind = rng.randrange(22)
    if kind == 0:
        fd = os.open(p, os.O_WRONLY | os.O_CREAT | NB, 0o644)
        try:
            os.pwrite(fd, os.urandom(rng.randint(1, 9000)), rng.randint(0, 30000))
        finally:
            os.close(fd)
    elif kind == 1:
        fd = os.open(p, os.O_WRONLY | os.O_APPEND | os.O_CREAT | NB, 0o644)
        try:
            os.write(fd, b"x" * rng.randint(1, 5000))
        finally:
            os.close(fd)
    elif kind == 2:
        fd = os.open(p, os.O_RDONLY | NB)
        try:
            while os.read(fd, 65536):
                pass
        finally:
            os.close(fd)
    elif kind == 3:
        os.truncate(p, rng.randint(0, 25000))
    elif kind == 4:
        os.rename(p, q)
    elif kind == 5:
        os.link(p, q)
    elif kind == 6:
        os.unlink(p)
    elif kind == 7:
        os.mkdir(p)
    elif kind == 8:
        os.rmdir(p)
    elif kind == 9:
        os.chmod(p, rng.choice([0o600, 0o644, 0o755, 0o4755]))
    elif kind == 10:
        os.setxattr(p, "user.k" + str(rng.randrange(3)), os.urandom(rng.randint(1, 64)))
    elif kind == 11:
        d = os.path.dirname(p)
        for n in os.listdir(d):
            try:
                os.lstat(os.path.join(d, n))
            except FileNotFoundError:
                pass  # removed meanwhile by another worker
    elif kind == 12:
        os.symlink(rng.choice(NAMES), p)
    elif kind == 13:
        # rename of a directory (lower ones included)
        os.rename(os.path.join(root, rng.choice(DIRS[1:])), q)
    elif kind == 14:
        fd = os.open(p, os.O_RDWR | NB)
        try:
            size = os.fstat(fd).st_size
            if size > 0:
                with mmap.mmap(fd, min(size, 8192)) as m:
                    m[0:1] = b"M"
                    m.flush()
        finally:
            os.close(fd)
    elif kind == 15:
        os.removexattr(p, "user.k" + str(rng.randrange(3)))
    elif kind == 16:
        fd = os.open(p, os.O_WRONLY | os.O_TRUNC | NB)
        try:
            os.write(fd, b"t" * rng.randint(0, 3000))
        finally:
            os.close(fd)
    elif kind == 17:
        os.utime(p, (rng.randint(0, 2**31), rng.randint(0, 2**31)))
    elif kind == 18:
        src = os.open(p, os.O_RDONLY | NB)
        try:
            dst = os.open(q, os.O_WRONLY | os.O_CREAT | NB, 0o644)
            try:
                os.copy_file_range(src, dst, rng.randint(1, 20000), 0, rng.randint(0, 5000))
            finally:
                os.close(dst)
        finally:
            os.close(src)
    elif kind == 19:
        fd = os.open(p, os.O_WRONLY | NB)
        try:
            os.posix_fallocate(fd, rng.randint(0, 20000), rng.randint(1, 20000))
        finally:
            os.close(fd)
    elif kind == 20:
        os.readlink(p)
    else:
        os.mkfifo(p)


def run(mount, workers, seconds, seed):
    pids = []
    sys.stdout.flush()
    for w in range(workers):
        pid = os.fork()
        if pid == 0:
            rng = random.Random(seed * 100 + w)
            end = time.monotonic() + seconds
            while time.monotonic() < end:
                try:
                    op(rng, mount)
                except OSError as e:
                    if e.errno in (errno.EIO, errno.ENOTCONN, errno.ESTALE):
                        print(f"worker {w}: {e}", file=sys.stderr)
                        os._exit(1)
                except ValueError:
                    pass  # mmap of an empty file
                except Exception as e:  # a bug of this script: say which
                    print(f"worker {w}: {e!r}", file=sys.stderr)
                    os._exit(3)
            os._exit(0)
        pids.append(pid)
    failed = False
    deadline = time.monotonic() + seconds + 30
    while pids:
        for pid in list(pids):
            done, status = os.waitpid(pid, os.WNOHANG)
            if done:
                pids.remove(pid)
                # SIGBUS: a mapped page beyond the end another worker truncated to, as anywhere.
                if os.WIFSIGNALED(status) and os.WTERMSIG(status) == signal.SIGBUS:
                    continue
                if status != 0:
                    print(f"a worker ended with wait status {status:#x}", file=sys.stderr)
                    failed = True
        if pids and time.monotonic() > deadline:
            # Stuck in the file system: killed, they die once the FUSE connection is aborted.
            print(f"{len(pids)} workers still blocked {seconds + 30:.0f} s after the start",
                  file=sys.stderr)
            for pid in pids:
                os.kill(pid, signal.SIGKILL)
            return 2
        time.sleep(0.05)
    return 1 if failed else 0


def snapshot(mount):
    tree = {}
    problems = []
    names_of_ino = {}
    for dirpath, dirnames, filenames in os.walk(mount):
        for name in dirnames + filenames:
            path = os.path.join(dirpath, name)
            rel = os.path.relpath(path, mount)
            try:
                st = os.lstat(path)
            except OSError as e:
                problems.append(f"{rel}: listed but lstat fails: {e}")
                continue
            entry = {"mode": st.st_mode, "nlink": st.st_nlink, "ino": st.st_ino}
            if stat.S_ISREG(st.st_mode):
                with open(path, "rb") as f:
                    data = f.read()
                if len(data) != st.st_size:
                    problems.append(f"{rel}: read {len(data)} bytes, st_size {st.st_size}")
                entry["size"] = st.st_size
                entry["sha"] = hashlib.sha256(data).hexdigest()
                names_of_ino.setdefault(st.st_ino, []).append((rel, st.st_nlink))
            elif stat.S_ISLNK(st.st_mode):
                entry["target"] = os.readlink(path)
            if not stat.S_ISLNK(st.st_mode):
                entry["xattrs"] = {
                    k: os.getxattr(path, k, follow_symlinks=False).hex()
                    for k in sorted(os.listxattr(path, follow_symlinks=False))
                    if k.startswith("user.")
                }
            tree[rel] = entry
    for ino, names in names_of_ino.items():
        for rel, nlink in names:
            if nlink != len(names):
                problems.append(f"{rel}: st_nlink {nlink}, but {len(names)} names share inode "
                                f"{ino}: {sorted(n for n, _ in names)}")
    return tree, problems


def main():
    cmd = sys.argv[1]
    if cmd == "populate":
        populate(sys.argv[2])
    elif cmd == "run":
        args = dict(zip(sys.argv[3::2], sys.argv[4::2]))
        sys.exit(run(sys.argv[2], int(args["--workers"]), float(args["--seconds"]),
                     int(args["--seed"])))
    elif cmd == "snapshot":
        tree, problems = snapshot(sys.argv[2])
        with open(sys.argv[3], "w") as out:
            json.dump(tree, out, indent=1, sort_keys=True)
        for p in problems:
            print("PROBLEM:", p)
        sys.exit(1 if problems else 0)


if __name__ == "__main__":
    main()
