"""Attack: raise the exceptions that test runners treat as "not a failure".

Tries: Hypothesis's UnsatisfiedAssumption (an example to discard), pytest's Skipped,
KeyboardInterrupt, StopIteration, and a BaseException subclass named like a pass.
Would gain: tests that end as skipped, discarded or interrupted instead of failed.
Must stop it: only builtin exception types a test may expect cross the process boundary;
anything else fails the call, and a skip is a failure when grading.
"""

from hypothesis.errors import UnsatisfiedAssumption


class Passed(BaseException):
    pass


def softmax(O):
    raise UnsatisfiedAssumption()


def cross_entropy(y_hat, y):
    import pytest

    raise pytest.skip.Exception("skipped")


def softmax_cross_entropy(O, y):
    raise KeyboardInterrupt


def softmax_cross_entropy_grad(O, y):
    raise StopIteration


def accuracy(y_hat, y):
    raise Passed("passed")
