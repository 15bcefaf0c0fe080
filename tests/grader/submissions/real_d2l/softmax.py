"""Softmax regression from scratch: d2l's own code, adapted in names and signatures only.

Source: d2l-ai/d2l-en, release v1.0.3 (commit b2e2ae30898a9d0126a9699ae7e441de3e272715):
chapter_linear-classification/softmax-regression-scratch.md (``softmax``, ``cross_entropy``),
d2l/torch.py (``Classifier.accuracy``), and the formulas of
chapter_linear-classification/softmax-regression-concise.md §4.5.2 (subtract ō = max_k o_k
before exponentiating; log ŷ_j = o_j − ō − log Σ_k exp(o_k − ō)) and softmax-regression.md
§4.1.2.3 (∂l/∂o_j = softmax(o)_j − y_j).
Licence: MIT-0 (d2l's LICENSE-SAMPLECODE). Copyright 2019 Amazon.com, Inc. or its affiliates.
Adapted, where d2l deviates from the contract:
- d2l's scratch ``softmax`` exponentiates O as is (the book warns it is "not robust against
  very large or very small arguments"); the contract requires it finite for |O| ≤ 1e4, so the
  row maximum is subtracted first, as the concise chapter derives (one line).
- ``softmax_cross_entropy`` and ``softmax_cross_entropy_grad`` are the chapter's formulas
  written in d2l's scratch style (d2l itself calls the built-in loss there).
- ``Classifier.accuracy(self, Y_hat, Y, averaged=True)`` is a method returning a tensor; here a
  function returning a Python float (``float(...)``), as the contract asks.
- ``d2l.exp``/``d2l.reduce_sum``/``d2l.reduce_mean``/``d2l.astype``/``d2l.reshape``/``d2l.argmax``
  are the torch functions they alias; ``keepdims`` is torch's ``keepdim``.
The unadapted scratch ``softmax`` (and v0.17.6's count-returning ``accuracy``) are graded as
wrong cases in ``real_wrong_d2l/softmax.py``.
"""

import torch


def softmax(X):
    X_exp = torch.exp(X - X.max(1, keepdim=True).values)
    partition = torch.sum(X_exp, 1, keepdim=True)
    return X_exp / partition  # The broadcasting mechanism is applied here


def cross_entropy(y_hat, y):
    return -torch.log(y_hat[list(range(len(y_hat))), y])


def softmax_cross_entropy(O, y):
    O_max = O.max(1, keepdim=True).values
    log_y_hat = O - O_max - torch.log(torch.sum(torch.exp(O - O_max), 1, keepdim=True))
    return -log_y_hat[list(range(len(O))), y]


def softmax_cross_entropy_grad(O, y):
    grad = softmax(O)
    grad[list(range(len(O))), y] -= 1
    return grad


def accuracy(Y_hat, Y, averaged=True):
    """Compute the number of correct predictions."""
    Y_hat = torch.reshape(Y_hat, (-1, Y_hat.shape[-1]))
    preds = torch.argmax(Y_hat, dim=1).type(Y.dtype)
    compare = (preds == torch.reshape(Y, (-1,))).type(torch.float32)
    return float(torch.mean(compare)) if averaged else compare
