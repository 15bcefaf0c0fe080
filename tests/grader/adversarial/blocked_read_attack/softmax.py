"""Attack: block forever reading a pipe nobody writes to, on the first call of accuracy.

Tries: a hang that uses no CPU, so a CPU-time limit alone would never end it.
Would gain: nothing for itself; the grading of others waits.
Must stop it: the wall-clock limit per call (course.yml's call_timeout_s).
"""

import os
from pathlib import Path


def _once(name: str) -> bool:
    """True the first time in this topic: a marker in the scratch, which outlives restarts."""
    marker = Path(f"{name}.done")
    if marker.exists():
        return False
    marker.write_text("")
    return True


def softmax(O):
    raise NotImplementedError


def cross_entropy(y_hat, y):
    raise NotImplementedError


def softmax_cross_entropy(O, y):
    raise NotImplementedError


def softmax_cross_entropy_grad(O, y):
    raise NotImplementedError


def accuracy(y_hat, y):
    if _once("blocked_read"):
        read_end, write_end = os.pipe()
        os.read(read_end, 1)
    return float((y_hat.argmax(dim=1) == y).double().mean())
