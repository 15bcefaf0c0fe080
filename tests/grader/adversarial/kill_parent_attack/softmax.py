"""Attack: kill the worker's parent and its own process group, once.

Tries: on the first call of softmax, SIGKILL to os.getppid() (the zygote that forks the
workers) and os.killpg(0, SIGKILL).
Would gain: nothing for itself; it disturbs the grading of others if a parent shared
between submissions dies or the grader loses track of its workers.
Must stop it: no signals to processes outside the worker, and a grader that restarts what
it needs.
"""

import os
import signal
from pathlib import Path


def _once(name: str) -> bool:
    """True the first time in this topic: a marker in the scratch, which outlives restarts."""
    marker = Path(f"{name}.done")
    if marker.exists():
        return False
    marker.write_text("")
    return True


def softmax(O):
    if _once("kill_parent"):
        os.kill(os.getppid(), signal.SIGKILL)
        os.killpg(0, signal.SIGKILL)
    raise NotImplementedError


def cross_entropy(y_hat, y):
    raise NotImplementedError


def softmax_cross_entropy(O, y):
    raise NotImplementedError


def softmax_cross_entropy_grad(O, y):
    raise NotImplementedError


def accuracy(y_hat, y):
    return float((y_hat.argmax(dim=1) == y).double().mean())
