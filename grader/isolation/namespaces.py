"""Linux namespaces for a worker: its own user, mount, network (none), IPC and UTS namespace.

Needs no privilege where the kernel allows unprivileged user namespaces. Must run in a
single-threaded process (a freshly forked worker). ``python namespaces.py`` probes whether this
machine allows them (exit status 0); it imports nothing of the engine, so the probe is cheap.
"""

from __future__ import annotations

import ctypes
import os
import sys
import tempfile

__all__ = ["enter"]

_CLONE_NEWNS, _CLONE_NEWUTS, _CLONE_NEWIPC, _CLONE_NEWUSER, _CLONE_NEWNET = (
    0x20000, 0x04000000, 0x08000000, 0x10000000, 0x40000000)
_MS_NOSUID, _MS_NODEV, _MS_REC, _MS_PRIVATE = 2, 4, 1 << 14, 1 << 18

_libc = ctypes.CDLL(None, use_errno=True)


def enter(work: str, disk_mb: int) -> None:
    """Enter new namespaces, keeping this process's uid and gid; ``work`` becomes a private tmpfs.

    Raises:
        OSError: the kernel refused a step (user namespaces disabled, a multi-threaded process).
    """
    uid, gid = os.geteuid(), os.getegid()
    if _libc.unshare(_CLONE_NEWUSER | _CLONE_NEWNS | _CLONE_NEWNET | _CLONE_NEWIPC | _CLONE_NEWUTS) != 0:
        raise OSError(ctypes.get_errno(), "unshare(user, mount, net, ipc, uts namespaces) failed")
    for name, text in (("setgroups", "deny"), ("uid_map", f"{uid} {uid} 1"), ("gid_map", f"{gid} {gid} 1")):
        with open(f"/proc/self/{name}", "w") as f:
            f.write(text)
    if _libc.mount(None, b"/", None, _MS_REC | _MS_PRIVATE, None) != 0:
        raise OSError(ctypes.get_errno(), "making the mounts private failed")
    os.makedirs(work, exist_ok=True)
    options = f"size={disk_mb}m,mode=0700".encode()
    if _libc.mount(b"tmpfs", work.encode(), b"tmpfs", _MS_NOSUID | _MS_NODEV, options) != 0:
        raise OSError(ctypes.get_errno(), f"mounting a tmpfs on {work} failed")


def _probe() -> int:
    with tempfile.TemporaryDirectory(prefix="dlgrade-probe-") as scratch:
        pid = os.fork()
        if pid == 0:  # the mount goes with the child's namespace, so the folder can be removed
            try:
                enter(os.path.join(scratch, "work"), 1)
            finally:
                os._exit(0 if os.path.ismount(os.path.join(scratch, "work")) else 1)
        return os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1])


if __name__ == "__main__":
    sys.exit(_probe())
