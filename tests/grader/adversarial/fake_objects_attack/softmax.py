"""Attack: return objects that pretend to be the right answer.

Tries: results that are not tensors but claim to be: __eq__ always True, __bool__ True,
the input's shape/dtype/device, any method returning itself, a __class__ that says
torch.Tensor; accuracy returns a float subclass equal to everything.
Would gain: every test, if the grader compared the object itself or trusted isinstance.
Must stop it: an object that is not data stays in the worker behind a handle; the grader
checks the exact type of what it rebuilt.
"""

import torch


class _Pretender:
    def __init__(self, like):
        self.shape, self.dtype, self.device = like.shape, like.dtype, like.device
        self.requires_grad = False

    @property
    def __class__(self):
        return torch.Tensor

    def __eq__(self, other):
        return True

    def __ne__(self, other):
        return False

    def __bool__(self):
        return True

    def __float__(self):
        return 0.0

    def __getattr__(self, name):
        return lambda *args, **kwargs: self


class _AnyFloat(float):
    def __eq__(self, other):
        return True

    def __sub__(self, other):
        return 0.0

    __rsub__ = __sub__
    __hash__ = float.__hash__


def softmax(O):
    return _Pretender(O)


def cross_entropy(y_hat, y):
    return _Pretender(y)


def softmax_cross_entropy(O, y):
    return _Pretender(y)


def softmax_cross_entropy_grad(O, y):
    return _Pretender(O)


def accuracy(y_hat, y):
    return _AnyFloat(2.0)
