"""Attack: call a banned softmax through a disguise the source check cannot see.

Disguise: torch._refs.softmax, torch's reference implementation under another name.
Tries: softmax = importlib.import_module("torch._refs").softmax(O, 1),
a call of a function course.yml bans for softmax.
Would gain: softmax's points without computing it.
Must stop it: detection of the banned call at run time (the torch operators the
function dispatches, or trip-wired entry points), tied to the function under test.
The twin raises NotImplementedError in softmax instead.
"""

import importlib


def softmax(O):
    return importlib.import_module("torch._refs").softmax(O, 1)


def cross_entropy(y_hat, y):
    raise NotImplementedError


def softmax_cross_entropy(O, y):
    raise NotImplementedError


def softmax_cross_entropy_grad(O, y):
    raise NotImplementedError


def accuracy(y_hat, y):
    raise NotImplementedError
