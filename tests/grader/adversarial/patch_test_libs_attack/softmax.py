"""Attack: patch pytest, Hypothesis and the course's assertion helpers in the worker.

Tries: at import, make pytest.fail/raises/approx, hypothesis.given/assume and the course's
tests.helpers (assert_close, assert_tensor_like, assert_unchanged) do nothing, and replace
the builtin AssertionError, in case the tests run where the submission runs.
Would gain: every test, if assertions ran in the worker.
Must stop it: the tests and their helpers run in the grading process only.
"""

import builtins
import sys

import torch


def _pass(*args, **kwargs):
    return None


def _skip_test(*args, **kwargs):
    return lambda test: (lambda *a, **k: None)


try:
    import pytest

    pytest.fail = pytest.approx = _pass
    pytest.raises = lambda *a, **k: __import__("contextlib").nullcontext()
except ImportError:
    pass
try:
    import hypothesis

    hypothesis.given = _skip_test
    hypothesis.assume = _pass
except ImportError:
    pass
try:
    import tests.helpers as helpers

    helpers.assert_close = helpers.assert_tensor_like = helpers.assert_unchanged = _pass
    sys.modules["tests.helpers"] = helpers
except ImportError:
    pass
builtins.AssertionError = type("AssertionError", (Warning,), {})


def softmax(O):
    e = torch.exp(O)  # as the twin: no max subtraction
    return e / e.sum(dim=1, keepdim=True)


def cross_entropy(y_hat, y):
    raise NotImplementedError


def softmax_cross_entropy(O, y):
    raise NotImplementedError


def softmax_cross_entropy_grad(O, y):
    raise NotImplementedError


def accuracy(y_hat, y):
    raise NotImplementedError
