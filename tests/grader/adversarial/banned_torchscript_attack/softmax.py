"""Attack: call a banned softmax through a disguise the source check cannot see.

Disguise: a TorchScript function compiled from a string.
Tries: softmax = _COMPILED.f(O),
a call of a function course.yml bans for softmax.
Would gain: softmax's points without computing it.
Must stop it: detection of the banned call at run time (the torch operators the
function dispatches, or trip-wired entry points), tied to the function under test.
The twin raises NotImplementedError in softmax instead.
"""

import torch

_COMPILED = torch.jit.CompilationUnit(
    "def f(O: torch.Tensor) -> torch.Tensor:\n    return torch.soft" + "max(O, 1)\n")


def softmax(O):
    return _COMPILED.f(O)


def cross_entropy(y_hat, y):
    raise NotImplementedError


def softmax_cross_entropy(O, y):
    raise NotImplementedError


def softmax_cross_entropy_grad(O, y):
    raise NotImplementedError


def accuracy(y_hat, y):
    raise NotImplementedError
