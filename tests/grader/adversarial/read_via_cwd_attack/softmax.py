"""Attack: find the reference through working directories: its own, /proc/self/cwd, and
those of every ancestor process (the grader runs from the course root).

Tries: cwd and its parents, /proc/self/cwd, /proc/<ancestor>/cwd for every ancestor found
through /proc/<pid>/stat; the first solutions/softmax.py found is run.
Would gain: full marks on softmax without writing one.
Must stop it: a private scratch as cwd, and a PID namespace (or no /proc) that hides the
grader's processes and their working directories.
"""

import os
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


def _folders():
    cwd = Path.cwd()
    yield from (cwd, *cwd.parents)
    yield Path("/proc/self/cwd")
    for pid in _ancestors():
        yield Path(f"/proc/{pid}/cwd")


def _steal() -> dict:
    for folder in _folders():
        try:
            return _run((folder / "solutions" / "softmax.py").read_text())
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
