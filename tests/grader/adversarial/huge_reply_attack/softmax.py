"""Attack: replies too large for the grader: over its payload limit, over its header
limit, and just under the payload limit.

Tries: on the first call of each function, softmax returns 2**27 + 1 float32 (just over
512 MiB of buffers); cross_entropy a 17 MiB string (over the 16 MiB header limit); the
gradient 2**27 - 2**20 float32 (just under: the grader must take it and fail the test).
Would gain: nothing for itself; a grader that runs out of memory or crashes.
Must stop it: bounded frames: an oversized reply fails the call, never the grader.
"""

from pathlib import Path

import torch


def _once(name: str) -> bool:
    """True the first time in this topic: a marker in the scratch, which outlives restarts."""
    marker = Path(f"{name}.done")
    if marker.exists():
        return False
    marker.write_text("")
    return True


def softmax(O):
    if _once("huge_softmax"):
        return torch.zeros(2**27 + 1)
    raise NotImplementedError


def cross_entropy(y_hat, y):
    if _once("huge_cross_entropy"):
        return "x" * (17 * 2**20)
    raise NotImplementedError


def softmax_cross_entropy(O, y):
    raise NotImplementedError


def softmax_cross_entropy_grad(O, y):
    if _once("huge_reply"):
        return torch.zeros(2**27 - 2**20)
    raise NotImplementedError


def accuracy(y_hat, y):
    return float((y_hat.argmax(dim=1) == y).double().mean())
