"""Attack: spin a CPU core in a background thread from import until the worker dies.

Tries: steal CPU time from the other workers for the whole topic.
Would gain: nothing for itself; others' calls slow down and may time out.
Must stop it: a CPU-time limit per worker, and the worker killed when its topic ends.
"""

import threading


def _spin() -> None:
    while True:
        pass


threading.Thread(target=_spin, daemon=True).start()


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
