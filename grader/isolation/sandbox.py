"""The worker's sandbox: what a submission may read, write, start and reach while it is graded.

Layers, each used where this machine has it (:func:`detect`), named in the gradebook:

- ``bubblewrap``: where ``bwrap`` is installed and works, the zygote (and so every worker) runs in
  a mount namespace that holds only Python, its packages, the engine and a scratch folder: the
  course, the other submissions and the output folder are not there at all.
- ``landlock``: each worker confines its own file access before importing the submission
  (:mod:`grader.isolation.landlock`): it reads Python, its packages and its own submission's copy,
  writes only its private scratch folder, opens no TCP port, signals no process outside itself.
- ``seccomp``: one process, no programs, no sockets, no signals to others
  (:mod:`grader.isolation.seccomp`).
- ``namespaces``: a user namespace with its own network (none), IPC and mounts; the scratch
  folder is a size-limited tmpfs there.

Grading needs a filesystem layer (bubblewrap or Landlock); without one it refuses unless the
instructor accepts the risk (``--unsafe``). Resource limits (rlimits) apply in every case.
"""

from __future__ import annotations

import ctypes
import functools
import glob
import os
import resource
import shutil
import signal
import site
import subprocess
import sys
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from grader.isolation import landlock, namespaces, seccomp

__all__ = ["SYSTEM_PATHS", "Sandbox", "confine", "detect", "readable_paths"]

# What Python and torch read at run time besides sys.prefix and the packages: shared libraries,
# the loader's cache, CPU information (torch picks its kernels from it).
SYSTEM_PATHS = ("/usr", "/lib", "/lib64", "/lib32", "/etc/ld.so.cache", "/etc/localtime", "/proc/cpuinfo",
                "/sys/devices/system/cpu", "/dev/urandom", "/dev/random", "/dev/zero")
_CUDA_PATHS = ("/proc/driver/nvidia", "/sys", "/proc/self")
_PR_SET_PDEATHSIG = 1
_libc = ctypes.CDLL(None, use_errno=True)


@dataclass(frozen=True)
class Sandbox:
    """The layers that confine workers on this machine, outermost first."""

    layers: tuple[str, ...]

    @property
    def name(self) -> str:
        """``bubblewrap+landlock+seccomp+namespaces``, ..., or ``none``."""
        return "+".join(self.layers) or "none"

    @property
    def confines_files(self) -> bool:
        """Whether a worker is kept from the course's and other students' files."""
        return "bubblewrap" in self.layers or "landlock" in self.layers


@functools.cache
def detect() -> Sandbox:
    """The sandbox layers this machine offers (probed once per process, in child processes).

    Under bubblewrap a worker enters its namespaces through the host's /proc (bound into the
    sandbox); without Landlock to hide /proc from it, bubblewrap's namespaces must do.
    """
    layers = [name for name, works in (("bubblewrap", _bwrap_works), ("landlock", lambda: landlock.abi_version() > 0),
                                       ("seccomp", seccomp.available), ("namespaces", _namespaces_work))
              if works()]
    if "bubblewrap" in layers and "landlock" not in layers and "namespaces" in layers:
        layers.remove("namespaces")
    return Sandbox(tuple(layers))


def _bwrap_works() -> bool:
    bwrap = shutil.which("bwrap")
    if bwrap is None:
        return False
    probe = [bwrap, "--ro-bind", "/", "/", "--unshare-user", "--unshare-net", "--unshare-ipc", "true"]
    return subprocess.run(probe, capture_output=True, timeout=30).returncode == 0


def _namespaces_work() -> bool:
    probe = [sys.executable, "-I", str(Path(namespaces.__file__))]
    return subprocess.run(probe, capture_output=True, timeout=60).returncode == 0


def readable_paths(protected: Iterable[Path], device: str = "cpu") -> list[str]:
    """What a worker may read: Python, its packages, the engine and system libraries.

    Not the rest of ``sys.path``: the current folder is often the course's or the instructor's.

    A path that holds a ``protected`` folder (the course, the submissions) is opened up child by
    child around it, so ``/work/course/.venv`` stays readable while ``/work/course`` does not.
    """
    engine = str(Path(__file__).resolve().parents[1])
    libraries = [p for p in sys.path if p and any(os.path.isdir(os.path.join(p, m)) for m in ("torch", "numpy"))]
    candidates = {sys.prefix, sys.exec_prefix, sys.base_prefix, sys.base_exec_prefix, engine, *SYSTEM_PATHS,
                  *site.getsitepackages(), site.getusersitepackages(), *libraries}
    if device.startswith("cuda"):
        candidates |= {*_CUDA_PATHS, *glob.glob("/dev/nvidia*")}
    walls = [Path(p).resolve() for p in protected]
    allowed: set[str] = set()
    for path in map(Path, candidates):
        if path.exists():
            allowed |= _around(path.resolve(), walls)
    return sorted(allowed)


def _around(path: Path, walls: list[Path]) -> set[str]:
    """``path``, or what it holds apart from the ``walls`` inside it."""
    inside = [w for w in walls if w.is_relative_to(path)]
    if not inside:
        return {str(path)}
    if path in inside or not path.is_dir():
        return set()
    return set().union(*(_around(child, walls) for child in path.iterdir()))


def bwrap_prefix(readable: list[str], scratch: str, proc: bool) -> list[str]:
    """The bubblewrap command line that runs a program seeing only ``readable`` and ``scratch``
    (and the host's /proc if ``proc``: workers write their namespaces' uid maps there)."""
    binds = [arg for path in readable if not path.startswith("/dev/")  # --dev makes those
             for arg in ("--ro-bind-try", path, path)]
    binds += [arg for path in readable if path.startswith("/dev/nvidia") for arg in ("--dev-bind", path, path)]
    # /lib and friends are links into /usr on most distributions; the loader needs them as such.
    binds += [arg for path in ("/lib", "/lib64", "/lib32", "/bin") if os.path.islink(path)
              for arg in ("--symlink", os.readlink(path), path)]
    return [shutil.which("bwrap") or "bwrap", "--unshare-user", "--unshare-net", "--unshare-ipc", "--unshare-uts",
            "--die-with-parent", "--dev", "/dev", *(["--bind", "/proc", "/proc"] if proc else []), *binds, "--bind", scratch, scratch, "--chdir", scratch]


def confine(sandbox: Sandbox, readable: list[str], scratch: str, limits: dict) -> None:
    """Confine this (freshly forked, single-threaded) worker for good; run before the submission.

    ``scratch`` holds ``src/`` (the submission's copy, read only) and ``work/`` (the working
    directory, read-write: a tmpfs of ``limits["disk_mb"]`` MiB where namespaces exist).

    Raises:
        OSError: a layer the sandbox promised could not be set up (the worker must not go on).
    """
    work = os.path.join(scratch, "work")
    _libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)  # the zygote's end is ours
    if "namespaces" in sandbox.layers:
        namespaces.enter(work, int(limits["disk_mb"]))
    os.chdir(work)
    os.environ.clear()
    os.environ.update(HOME=work, TMPDIR=work, PATH="/usr/bin:/bin", OMP_NUM_THREADS="1", MKL_NUM_THREADS="1")
    tempfile.tempdir = None
    _set_rlimits(limits)
    if "landlock" in sandbox.layers:
        gpus = [p for p in readable if p.startswith("/dev/nvidia")]  # CUDA opens them read-write
        landlock.restrict([*readable, os.path.join(scratch, "src")], [work, os.devnull, *gpus])
    if "seccomp" in sandbox.layers:
        seccomp.deny_escapes()


def _set_rlimits(limits: dict) -> None:
    """CPU seconds, address space (0: none, as on CUDA), file size, open files, no core dumps."""
    cpu = max(int(limits["cpu_time_s"]), 1)
    disk = int(limits["disk_mb"]) * 2**20
    wanted = {resource.RLIMIT_CPU: (cpu, cpu + 1), resource.RLIMIT_FSIZE: (disk, disk),
              resource.RLIMIT_CORE: (0, 0), resource.RLIMIT_NOFILE: (256, 256)}
    if int(limits["memory_mb"]) > 0:  # after torch's import, whose mappings are large
        wanted[resource.RLIMIT_AS] = (int(limits["memory_mb"]) * 2**20,) * 2
    for kind, (soft, hard) in wanted.items():
        _, old_hard = resource.getrlimit(kind)
        hard = hard if old_hard == resource.RLIM_INFINITY else min(hard, old_hard)
        resource.setrlimit(kind, (min(soft, hard), hard))
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a write past the limit fails with EFBIG
