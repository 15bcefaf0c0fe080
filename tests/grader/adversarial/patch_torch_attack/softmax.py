"""Attack: patch torch's comparisons in the worker so that every check passes.

Tries: at import, replace torch.allclose, torch.equal, torch.isclose, torch.eq,
torch.testing.assert_close and Tensor.__eq__ / equal / allclose / isclose in the worker.
Would gain: every test whose comparison runs in the interpreter the submission runs in.
Must stop it: the tests compare in the grading process, on plain tensors rebuilt from the
worker's bytes; nothing patched in the worker reaches them.
"""

import torch
import torch.testing


def _true(*args, **kwargs):
    return True


def _all_true(a, *args, **kwargs):
    return torch.ones(torch.as_tensor(a).shape, dtype=torch.bool)


def _pass(*args, **kwargs):
    return None


torch.allclose = torch.equal = _true
torch.isclose = torch.eq = _all_true
torch.testing.assert_close = _pass
torch.Tensor.equal = torch.Tensor.allclose = _true
torch.Tensor.isclose = torch.Tensor.__eq__ = _all_true


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
