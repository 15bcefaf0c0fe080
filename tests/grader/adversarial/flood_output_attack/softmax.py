"""Attack: print 4 GiB to stdout and stderr at import.

Tries: fill the grader's memory or disk if it captures or logs what a worker prints.
Would gain: nothing for itself; the grader runs out of memory or disk.
Must stop it: a worker's output discarded, or capped.
"""

import os
import sys

_CHUNK = b"dlgrade flood " * (2**24 // 14)
for _ in range(128):
    for _fd in (1, 2):
        try:
            os.write(_fd, _CHUNK)
        except OSError:
            pass
print("done flooding", file=sys.stderr)


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
