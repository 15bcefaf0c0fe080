"""WRONG on purpose: d2l's scratch softmax (no max subtraction) and its count-returning accuracy.

Source: d2l-ai/d2l-en, release v0.17.6 (commit 0f920da87c3d3eb6a6802469fd3e89b7d4f43160):
chapter_linear-networks/softmax-regression-scratch.md (``softmax``, ``cross_entropy``, and the
loss of its training loop, ``cross_entropy(softmax(O), y)``) and d2l/torch.py (``accuracy``).
Licence: MIT-0 (d2l's LICENSE-SAMPLECODE). Copyright 2019 Amazon.com, Inc. or its affiliates.
Adapted: ``d2l.exp``/``d2l.reduce_sum``/``d2l.log``/``d2l.argmax``/``d2l.astype`` are the torch
functions they alias. The real mistakes kept, as the contract sees them:
- ``softmax`` exponentiates O as is (the book itself warns it is not robust): exp overflows
  to inf for logits above ~88 (float32), inf / inf = NaN;
- ``softmax_cross_entropy`` is d2l's composition ``cross_entropy(softmax(O), y)``: NaN or inf
  where softmax overflows or the true class's probability underflows (no log-sum-exp);
- ``accuracy`` returns the *number* of correct predictions (d2l divides by the count later,
  in ``evaluate_accuracy``); the contract asks for the fraction;
``cross_entropy`` is correct, and so is ``softmax_cross_entropy_grad`` (softmax(O) − onehot(y),
the book's formula) to the contract, which promises no stability there: it shares this
``softmax``'s overflow only at logits the contract does not test.
"""

import torch


def softmax(X):
    X_exp = torch.exp(X)
    partition = torch.sum(X_exp, 1, keepdim=True)
    return X_exp / partition  # The broadcasting mechanism is applied here


def cross_entropy(y_hat, y):
    return - torch.log(y_hat[range(len(y_hat)), y])


def softmax_cross_entropy(O, y):
    return cross_entropy(softmax(O), y)


def softmax_cross_entropy_grad(O, y):
    grad = softmax(O)
    grad[range(len(O)), y] -= 1
    return grad


def accuracy(y_hat, y):
    """Compute the number of correct predictions."""
    if len(y_hat.shape) > 1 and y_hat.shape[1] > 1:
        y_hat = torch.argmax(y_hat, dim=1)
    cmp = y_hat.type(y.dtype) == y
    return float(torch.sum(cmp.type(y.dtype)))
