"""Attack: crash the grading process: Dropout's ``eval`` is os.abort, run by the grader.

Tries: the module's ``eval`` attribute is grader.testing.NamedFunction("os", "abort"); a
test's ``net.eval()`` fetches it from the worker as a "function" record, and the grader
calls it on its side (``_thread.interrupt_main`` would stop the grading run just as well).
Would gain: nothing for itself; the grading process dies, and every student's results with
it.
Must stop it: the grader never rebuilds a callable from what a worker sends.
"""

from grader.testing import NamedFunction


class _Module:
    def __init__(self, p):
        self.p, self.training = p, True
        self.eval = NamedFunction("os", "abort")

    def train(self, mode=True):
        self.training = mode
        return self

    def __call__(self, X):
        raise NotImplementedError


def dropout_layer(X, dropout, generator=None):
    raise NotImplementedError


def Dropout(p=0.5):
    if not 0 <= p <= 1:
        raise ValueError(f"Dropout(): p={p} must be in [0, 1]")
    return _Module(p)
