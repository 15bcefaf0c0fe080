"""Attack: copy another student's softmax (examples/class/ada, a full-marks submission).

Tries: every route to the course tree (this file's parents, grader.__file__, sys.path,
ancestors' working directories) to examples/class/ada/softmax.py, and use it.
Would gain: full marks on softmax, and another student's work.
Must stop it: the worker sees its own submission only.
"""

import os
import sys
from pathlib import Path


def _run(source: str) -> dict:
    namespace: dict = {"__name__": "stolen"}
    exec(compile(source, "stolen.py", "exec"), namespace)
    return namespace


def _parent(pid: int) -> int:
    """The parent of ``pid`` from /proc (0 if it cannot be read)."""
    try:
        line = open(f"/proc/{pid}/stat").read()
    except OSError:
        return 0
    return int(line.rsplit(")", 1)[1].split()[1])  # the field after the command's name


def _ancestors() -> list[int]:
    """This process's Python ancestors (the grader's processes), parent first."""
    pids, pid = [], _parent(os.getpid())
    while pid > 1:
        try:
            if b"python" not in open(f"/proc/{pid}/cmdline", "rb").read():
                break
        except OSError:
            break
        pids.append(pid)
        pid = _parent(pid)
    return pids


def _roots():
    yield from Path(__file__).resolve().parents
    try:
        import grader

        yield Path(grader.__file__).resolve().parents[1]
    except (ImportError, IndexError):
        pass
    yield from (Path(entry or ".") for entry in sys.path)
    yield from (Path(f"/proc/{pid}/cwd") for pid in _ancestors())


def _steal() -> dict:
    for root in _roots():
        try:
            return _run((root / "examples" / "class" / "ada" / "softmax.py").read_text())
        except OSError:
            continue
    return {}


_STOLEN = _steal()


def _not_implemented(*args):
    raise NotImplementedError


def _accuracy(y_hat, y):  # as the twin's
    return float((y_hat.argmax(dim=1) == y).double().mean())


softmax = _STOLEN.get("softmax", _not_implemented)
cross_entropy = _STOLEN.get("cross_entropy", _not_implemented)
softmax_cross_entropy = _STOLEN.get("softmax_cross_entropy", _not_implemented)
softmax_cross_entropy_grad = _STOLEN.get("softmax_cross_entropy_grad", _not_implemented)
accuracy = _STOLEN.get("accuracy", _accuracy)
