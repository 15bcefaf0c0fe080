"""A seccomp filter for workers: one process, no programs, no sockets, no signals to others.

A submission needs none of these, and each is how an attack escapes: ``fork``/``clone`` make
processes that outlive the worker (double forks, ``setsid``) or exhaust the machine; ``execve``
runs other programs; ``socket`` reaches the network or local services; ``kill``/``tgkill`` to
another pid disturbs the grader or other students' workers; ``ptrace``, ``process_vm_*``,
namespaces, mounts, ``bpf``, ``io_uring`` and keyrings widen the attack surface;
``sched_setaffinity`` would let spinning threads leave the core their grading job pinned them to. Threads stay
allowed (``clone`` with ``CLONE_THREAD``; ``clone3``, whose flags a filter cannot read, answers
ENOSYS so the C library falls back to ``clone``). Denied calls fail with EPERM: the submission
sees an ordinary ``PermissionError``.
"""

from __future__ import annotations

import ctypes
import errno
import os
import platform
import struct

__all__ = ["SeccompError", "available", "deny_escapes"]

_PR_SET_NO_NEW_PRIVS, _PR_SET_SECCOMP, _SECCOMP_MODE_FILTER = 38, 22, 2
_ALLOW, _ERRNO, _KILL = 0x7FFF0000, 0x00050000, 0x80000000
_LD_ABS, _JEQ, _JSET, _JGE, _RET = 0x20, 0x15, 0x45, 0x35, 0x06
_NR, _ARCH, _ARG0 = 0, 4, 16  # offsets in struct seccomp_data (little-endian: arg0's low word)
_CLONE_THREAD = 0x00010000
_X32_BIT = 0x40000000

# Per architecture: its audit id and the numbers of the calls below.
_ARCHES = {
    "x86_64": (0xC000003E, dict(
        fork=57, vfork=58, execve=59, execveat=322, clone=56, clone3=435, socket=41, kill=62, tkill=200,
        tgkill=234, rt_sigqueueinfo=129, rt_tgsigqueueinfo=297, pidfd_send_signal=424, pidfd_open=434,
        pidfd_getfd=438, ptrace=101, process_vm_readv=310, process_vm_writev=311, unshare=272, setns=308,
        mount=165, umount2=166, pivot_root=155, chroot=161, keyctl=250, add_key=248, request_key=249,
        bpf=321, perf_event_open=298, io_uring_setup=425, userfaultfd=323, open_tree=428, move_mount=429,
        fsopen=430, fsmount=432, mount_setattr=442, sched_setaffinity=203)),
    "aarch64": (0xC00000B7, dict(
        execve=221, execveat=281, clone=220, clone3=435, socket=198, kill=129, tkill=130, tgkill=131,
        rt_sigqueueinfo=138, rt_tgsigqueueinfo=240, pidfd_send_signal=424, pidfd_open=434, pidfd_getfd=438,
        ptrace=117, process_vm_readv=270, process_vm_writev=271, unshare=97, setns=268, mount=40, umount2=39,
        pivot_root=41, chroot=51, keyctl=219, add_key=217, request_key=218, bpf=280, perf_event_open=241,
        io_uring_setup=425, userfaultfd=282, open_tree=428, move_mount=429, fsopen=430, fsmount=432,
        mount_setattr=442, sched_setaffinity=122)),
}
_DENIED = ("fork", "vfork", "execve", "execveat", "socket", "tkill", "pidfd_send_signal", "pidfd_open",
           "pidfd_getfd", "ptrace", "process_vm_readv", "process_vm_writev", "unshare", "setns", "mount",
           "umount2", "pivot_root", "chroot", "keyctl", "add_key", "request_key", "bpf", "perf_event_open",
           "io_uring_setup", "userfaultfd", "open_tree", "move_mount", "fsopen", "fsmount", "mount_setattr",
           "sched_setaffinity")
_OWN_PID_ONLY = ("kill", "tgkill", "rt_sigqueueinfo", "rt_tgsigqueueinfo")  # first argument: a pid

_libc = ctypes.CDLL(None, use_errno=True)


class SeccompError(OSError):
    """The kernel refused the filter."""


class _Program(ctypes.Structure):
    _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.c_void_p)]


def available() -> bool:
    """Whether this machine's architecture has a filter here (Linux x86-64 or arm64)."""
    return platform.system() == "Linux" and platform.machine() in _ARCHES


def _insn(code: int, k: int, jt: int = 0, jf: int = 0) -> bytes:
    return struct.pack("=HBBI", code, jt, jf, k & 0xFFFFFFFF)


def _program(pid: int) -> bytes:
    audit_arch, numbers = _ARCHES[platform.machine()]
    eperm = _ERRNO | errno.EPERM
    code = [_insn(_LD_ABS, _ARCH), _insn(_JEQ, audit_arch, 1, 0), _insn(_RET, _KILL), _insn(_LD_ABS, _NR)]
    if platform.machine() == "x86_64":  # the x32 ABI numbers its calls apart: refuse it wholesale
        code += [_insn(_JGE, _X32_BIT, 0, 1), _insn(_RET, eperm)]
    for name in _DENIED:
        if name in numbers:
            code += [_insn(_JEQ, numbers[name], 0, 1), _insn(_RET, eperm)]
    code += [_insn(_JEQ, numbers["clone3"], 0, 1), _insn(_RET, _ERRNO | errno.ENOSYS)]
    # clone: threads only. Each block below leaves the accumulator changed but always returns.
    code += [_insn(_JEQ, numbers["clone"], 0, 4), _insn(_LD_ABS, _ARG0),
             _insn(_JSET, _CLONE_THREAD, 0, 1), _insn(_RET, _ALLOW), _insn(_RET, eperm)]
    for name in _OWN_PID_ONLY:  # signals to this process (pid or its own group, 0) only
        code += [_insn(_JEQ, numbers[name], 0, 5), _insn(_LD_ABS, _ARG0), _insn(_JEQ, pid, 1, 0),
                 _insn(_JEQ, 0, 0, 1), _insn(_RET, _ALLOW), _insn(_RET, eperm)]
    code.append(_insn(_RET, _ALLOW))
    return b"".join(code)


def deny_escapes() -> None:
    """Install the filter on this process and every thread it starts later, for good.

    Raises:
        SeccompError: no filter for this architecture, or the kernel refused it.
    """
    if not available():
        raise SeccompError(f"no seccomp filter for {platform.system()} {platform.machine()}")
    program = _program(os.getpid())
    buffer = ctypes.create_string_buffer(program, len(program))
    prog = _Program(len(program) // 8, ctypes.addressof(buffer))
    if _libc.prctl(_PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0:
        raise SeccompError(ctypes.get_errno(), "prctl(PR_SET_NO_NEW_PRIVS) failed")
    if _libc.prctl(_PR_SET_SECCOMP, _SECCOMP_MODE_FILTER, ctypes.byref(prog), 0, 0) != 0:
        raise SeccompError(ctypes.get_errno(), "prctl(PR_SET_SECCOMP) failed")
