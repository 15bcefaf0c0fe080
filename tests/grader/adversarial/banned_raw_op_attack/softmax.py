"""Attack: call a banned softmax through a disguise the source check cannot see.

Disguise: the raw C++ callable behind an aten operator overload.
Tries: softmax = torch.ops.aten._softmax.default._op(O, 1, False),
a call of a function course.yml bans for softmax.
Would gain: softmax's points without computing it.
Must stop it: detection of the banned call at run time (the torch operators the
function dispatches, or trip-wired entry points), tied to the function under test.
The twin raises NotImplementedError in softmax instead.
"""

import torch


def softmax(O):
    return torch.ops.aten._softmax.default._op(O, 1, False)


def cross_entropy(y_hat, y):
    raise NotImplementedError


def softmax_cross_entropy(O, y):
    raise NotImplementedError


def softmax_cross_entropy_grad(O, y):
    raise NotImplementedError


def accuracy(y_hat, y):
    raise NotImplementedError
