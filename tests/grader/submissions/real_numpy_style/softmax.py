"""Softmax and cross-entropy the SciPy and scikit-learn way, NumPy idioms on tensors.

Sources:
- scipy/scipy, release 1.10.1, scipy/special/_logsumexp.py: ``softmax`` (``x_max =
  np.amax(x, axis, keepdims=True)``, ``exp_x_shifted = np.exp(x - x_max)``, divided by its sum)
  and ``log_softmax`` (non-finite maxima set to 0, ``tmp = x - x_max``, ``out = tmp -
  np.log(np.sum(np.exp(tmp)))``). Licence: BSD-3-Clause. Copyright (c) 2001-2002 Enthought,
  Inc. 2003-2022, SciPy Developers.
- scikit-learn/scikit-learn, release 1.5.2: sklearn/neural_network/_base.py (``log_loss``:
  ``-xlogy(y_true, y_prob).sum()`` on one-hot targets, here the picked entries) and
  sklearn/neural_network/_multilayer_perceptron.py (the output layer's delta,
  ``deltas[last] = activations[-1] - y`` with one-hot y). Licence: BSD-3-Clause. Copyright (c)
  2007-2024 The scikit-learn developers.
Adapted: axis=1 fixed (rows are examples); the NumPy calls are their torch twins on tensors
(``np.amax`` is ``torch.amax``, ``np.isfinite`` ``torch.isfinite``); the one-hot targets of
scikit-learn are built with ``torch.eye(q)[y]``; ``log_softmax`` is renamed ``_log_probs``
(a private helper); ``accuracy`` is scikit-learn's ``accuracy_score`` arithmetic
(``score = y_true == y_pred``, averaged) on ``argmax`` predictions, returned as a Python float.
"""

import torch


def softmax(O):
    x_max = torch.amax(O, dim=1, keepdim=True)
    exp_x_shifted = torch.exp(O - x_max)
    return exp_x_shifted / torch.sum(exp_x_shifted, dim=1, keepdim=True)


def cross_entropy(y_hat, y):
    y_true = torch.eye(y_hat.shape[1], dtype=torch.bool, device=y_hat.device)[y]
    return -torch.log(y_hat[y_true])


def _log_probs(x):
    x_max = torch.amax(x, dim=1, keepdim=True)
    x_max[~torch.isfinite(x_max)] = 0
    tmp = x - x_max
    exp_tmp = torch.exp(tmp)
    s = torch.sum(exp_tmp, dim=1, keepdim=True)
    out = torch.log(s)
    out = tmp - out
    return out


def softmax_cross_entropy(O, y):
    y_true = torch.eye(O.shape[1], dtype=torch.bool, device=O.device)[y]
    return -_log_probs(O)[y_true]


def softmax_cross_entropy_grad(O, y):
    y_true = torch.eye(O.shape[1], dtype=O.dtype, device=O.device)[y]
    return softmax(O) - y_true


def accuracy(y_hat, y):
    y_pred = torch.argmax(y_hat, dim=1)
    return float(torch.mean((y == y_pred).to(torch.float64)))
