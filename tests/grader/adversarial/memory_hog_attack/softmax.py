"""Attack: allocate 64 GiB at import, and keep it.

Tries: one 64 GiB tensor, then 256 MiB chunks (touched, so really resident) up to 64 GiB;
once per topic (a restarted worker does not do it again).
Would gain: nothing for itself; the machine swaps or the OOM killer takes someone else's
process.
Must stop it: a memory limit on the worker (course.yml's memory_mb).
BOUNDED: where no address-space limit is set, it stops at half of MemAvailable, so an
unsandboxed run cannot make the machine kill anything.
"""

import resource
from pathlib import Path

import torch

_HOARD = []


def _once(name: str) -> bool:
    """True the first time in this topic: a marker in the scratch, which outlives restarts."""
    marker = Path(f"{name}.done")
    if marker.exists():
        return False
    marker.write_text("")
    return True


def _cap() -> int:
    if resource.getrlimit(resource.RLIMIT_AS)[0] != resource.RLIM_INFINITY:
        return 64 * 2**30  # a limit is there to stop it
    try:
        with open("/proc/meminfo") as f:
            available = next(int(line.split()[1]) * 1024 for line in f if line.startswith("MemAvailable:"))
    except (OSError, StopIteration):
        return 0
    return min(64 * 2**30, available // 2)


def _hog() -> None:
    try:
        _HOARD.append(torch.ones(64 * 2**30, dtype=torch.uint8))
        return
    except (RuntimeError, MemoryError):
        pass
    cap, held = _cap(), 0
    while held + 2**28 <= cap:
        try:
            _HOARD.append(torch.ones(2**28, dtype=torch.uint8))
        except (RuntimeError, MemoryError):
            return
        held += 2**28


if _once("memory_hog"):
    _hog()


def softmax(O):
    raise NotImplementedError


def cross_entropy(y_hat, y):
    raise NotImplementedError


def softmax_cross_entropy(O, y):
    raise NotImplementedError


def softmax_cross_entropy_grad(O, y):
    raise NotImplementedError


def accuracy(y_hat, y):
    return float((y_hat.argmax(dim=1) == y).double().mean())
