"""Softmax regression's output layer and loss: softmax, cross-entropy, its gradient, accuracy.

A linear layer gives each of n examples q scores, the logits O (n, q). Softmax turns each row
into a probability distribution over the q classes; the cross-entropy loss of an example is
−log of the probability its model gives the true class. Written as in the formulas, exp
overflows to inf for logits of a few hundred (float32: 89) and underflows to 0 for very negative
ones, so a careful implementation subtracts each row's maximum first (softmax is unchanged by
that shift) and computes the log of a sum of exponentials without forming the probabilities
(the log-sum-exp trick). The gradient of the summed loss has a closed form, softmax(O) − onehot(y).
"""

from __future__ import annotations

import torch
from torch import Tensor

__all__ = ["accuracy", "cross_entropy", "softmax", "softmax_cross_entropy", "softmax_cross_entropy_grad"]


def softmax(O: Tensor) -> Tensor:
    r"""Row-wise softmax of the logits O: each row becomes a probability distribution.

    .. math:: \operatorname{softmax}(O)_{ij} = \frac{\exp(O_{ij})}{\sum_k \exp(O_{ik})}
              = \frac{\exp(O_{ij} - m_i)}{\sum_k \exp(O_{ik} - m_i)}, \quad m_i = \max_k O_{ik}

    The second form is the same number, but its exponentials lie in (0, 1]: no overflow, and
    the largest term is exactly 1, so the denominator never underflows to 0.

    Args:
        O: logits, float32 or float64, 2-D. Every finite value with |O| ≤ 1e4 must give a
            finite result (e.g. softmax([[1e4, 0, -1e4]]) = [[1, 0, 0]]).

    Shape:
        O: (n, q). Output: (n, q); each row sums to 1.

    Returns:
        A new tensor with O's dtype and device; O is untouched (no in-place ``O -= ...``).

    Banned: ``torch.softmax``, ``Tensor.softmax``, ``torch.nn.functional.softmax``,
    ``log_softmax`` in any form, ``torch.logsumexp``, ``Tensor.logsumexp``,
    ``torch.special.*softmax``, ``torch.nn.Softmax``.

    d2l: §4.1.1, §4.4.1 (sec_softmax, sec_softmax_scratch)
    """
    # TODO(softmax.softmax): implement
    raise NotImplementedError("softmax.softmax")


def cross_entropy(y_hat: Tensor, y: Tensor) -> Tensor:
    r"""The cross-entropy loss of each example: −log of the probability given its true class.

    .. math:: \ell_i = -\log \hat{y}_{i, y_i}

    Pick one entry per row (row i, column y[i]), e.g. ``y_hat[range(n), y]``, not
    ``y_hat[:, y]``, which is an (n, n) matrix.

    Args:
        y_hat: predicted probabilities, float32 or float64. Entries other than
            ``y_hat[i, y[i]]`` may be 0 (they play no part in the loss). ``y_hat[i, y[i]] = 0``
            gives inf (−log 0), as d2l's version; the tests use ``y_hat[i, y[i]] > 0``.
        y: true class of each example, int64, values in [0, q).

    Shape:
        y_hat: (n, q). y: (n,). Output: (n,), one loss per example (not averaged).

    Returns:
        A new tensor with y_hat's dtype and device; y_hat and y are untouched.

    Banned: ``torch.nn.functional.cross_entropy``, ``torch.nn.functional.nll_loss``,
    ``torch.nn.CrossEntropyLoss``, ``torch.nn.NLLLoss`` (and the softmax functions).

    d2l: §4.1.2, §4.4.3 (sec_softmax, sec_softmax_scratch)
    """
    # TODO(softmax.cross_entropy): implement
    raise NotImplementedError("softmax.cross_entropy")


def softmax_cross_entropy(O: Tensor, y: Tensor) -> Tensor:
    r"""The cross-entropy of softmax(O), computed from the logits without forming softmax(O).

    .. math:: \ell_i = -\log \operatorname{softmax}(O)_{i, y_i}
              = m_i + \log \sum_k \exp(O_{ik} - m_i) - O_{i, y_i}, \quad m_i = \max_k O_{ik}

    (the log-sum-exp trick). Where the true class's probability underflows to 0, e.g.
    O = [[1e3, -1e3]] and y = [1], ``cross_entropy(softmax(O), y)`` gives −log 0 = inf, but
    the loss is 2000: this function must return it.

    Args:
        O: logits, float32 or float64, 2-D; finite with |O| ≤ 1e4.
        y: true class of each example, int64, values in [0, q).

    Shape:
        O: (n, q). y: (n,). Output: (n,), one loss per example (not averaged).

    Returns:
        A new tensor with O's dtype and device; O and y are untouched. With large logits it is
        compared with the exact value at an absolute tolerance of 4·ε·(1 + max|O|), ε the
        dtype's machine epsilon.

    Banned: ``torch.logsumexp``, ``Tensor.logsumexp``, ``log_softmax`` in any form, the softmax
    functions, ``torch.nn.functional.cross_entropy``, ``torch.nn.functional.nll_loss``,
    ``torch.nn.CrossEntropyLoss``, ``torch.nn.NLLLoss``.

    d2l: §4.1.2, §4.5 (sec_softmax, sec_softmax_concise: "softmax revisited")
    """
    # TODO(softmax.softmax_cross_entropy): implement
    raise NotImplementedError("softmax.softmax_cross_entropy")


def softmax_cross_entropy_grad(O: Tensor, y: Tensor) -> Tensor:
    r"""The gradient of the summed loss Σᵢ softmax_cross_entropy(O, y)ᵢ with respect to O.

    .. math:: \frac{\partial}{\partial O_{ij}} \sum_k \ell_k
              = \operatorname{softmax}(O)_{ij} - [\,j = y_i\,]

    Row i only depends on example i (the loss is summed, not averaged: no division by n). Derive
    it by hand: subtract 1 at each example's true class from the probabilities.

    Args:
        O: logits, float32 or float64, 2-D.
        y: true class of each example, int64, values in [0, q).

    Shape:
        O: (n, q). y: (n,). Output: (n, q), like O; each row sums to 0.

    Returns:
        A new tensor with O's dtype and device; O and y are untouched.

    Banned: everything banned for ``softmax``, plus ``Tensor.backward`` and
    ``torch.autograd.*``: no autograd in this function.

    d2l: §4.1.2.3 (subsec_softmax_and_derivatives)
    """
    # TODO(softmax.softmax_cross_entropy_grad): implement
    raise NotImplementedError("softmax.softmax_cross_entropy_grad")


def accuracy(y_hat: Tensor, y: Tensor) -> float:
    r"""The fraction of examples whose highest score is at their true class.

    The prediction of row i is ``argmax_j y_hat[i, j]``; where several entries tie for the
    maximum, the first one (the smallest j) wins, as ``torch.argmax`` does.

    Args:
        y_hat: scores or probabilities, float32 or float64.
        y: true class of each example, int64, values in [0, q).

    Shape:
        y_hat: (n, q), n ≥ 1. y: (n,).

    Returns:
        A Python float in [0, 1] (not a tensor, not a count): correct predictions / n.
        Compared at an absolute tolerance of 1e-6. y_hat and y are untouched.

    d2l: §4.4.4 (sec_softmax_scratch, "classification accuracy")
    """
    # TODO(softmax.accuracy): implement
    raise NotImplementedError("softmax.accuracy")
