"""Attack: call a banned softmax through a disguise the source check cannot see.

Disguise: softmin(-O), which is softmax(O) and not on the banned list.
Tries: softmax = F.softmin(-O, dim=1),
a call of a function course.yml bans for softmax.
Would gain: softmax's points without computing it.
Must stop it: detection of the banned call at run time (the torch operators the
function dispatches, or trip-wired entry points), tied to the function under test.
The twin raises NotImplementedError in softmax instead.
"""

import torch.nn.functional as F


def softmax(O):
    return F.softmin(-O, dim=1)


def cross_entropy(y_hat, y):
    raise NotImplementedError


def softmax_cross_entropy(O, y):
    raise NotImplementedError


def softmax_cross_entropy_grad(O, y):
    raise NotImplementedError


def accuracy(y_hat, y):
    raise NotImplementedError
