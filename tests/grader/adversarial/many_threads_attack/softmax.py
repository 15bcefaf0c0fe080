"""Attack: start 2000 threads at import, each sleeping for an hour.

Tries: exhaust the machine's threads and memory for stacks.
Would gain: nothing for itself; other submissions' workers fail to start threads.
Must stop it: limits on the worker's threads / address space, and the tree killed when
the worker ends. Bounded at 2000 threads, which the machine survives unsandboxed.
"""

import threading
import time

for _ in range(2000):
    try:
        threading.Thread(target=time.sleep, args=(3600,), daemon=True).start()
    except RuntimeError:  # can't start new thread: a limit was hit
        break


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
