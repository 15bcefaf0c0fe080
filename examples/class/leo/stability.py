r"""Numerical stability: softplus and log-sigmoid that never overflow, and gradient clipping.

A formula that is right on paper can be useless in floating point. ``log(1 + exp(x))`` is inf
once ``exp(x)`` overflows (x > 88 in float32, x > 709 in float64), although the answer is
just about x; ``log(sigmoid(x))`` is -inf once ``sigmoid(x)`` underflows to 0 (x < -88 to
-104 in float32, depending on how the sigmoid is computed), although the answer is just about
x. Rearrange them so that ``exp`` is only ever taken of a non-positive number (it then
underflows harmlessly to 0):

.. math:: \log(1 + e^{x}) = \max(x, 0) + \log\big(1 + e^{-|x|}\big)

and use ``torch.log1p`` for log(1 + small), which keeps the digits that ``1 + small`` rounds away.

Exploding gradients are the other overflow (d2l §5.4): gradient clipping (d2l §9.5) rescales
all the gradients of a model together so that their global norm is at most ``max_norm``.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import Tensor

__all__ = ["clip_grad_norm_", "grad_norm", "log_sigmoid", "softplus"]


def softplus(x: Tensor) -> Tensor:
    r"""The softplus function, element-wise, finite and accurate for every finite x.

    .. math:: \operatorname{softplus}(x) = \log(1 + e^{x}) = \max(x, 0) + \log\big(1 + e^{-|x|}\big)

    The left-hand form, as written, overflows: ``torch.log(1 + torch.exp(x))`` is inf for
    x > 88 in float32 (``exp(89)`` is inf), although softplus(89) ≈ 89. The right-hand form only
    exponentiates -|x| ≤ 0. softplus is a smooth ReLU: softplus(x) ≈ max(x, 0) for large |x|,
    log 2 at 0, and always ≥ 0 (> 0 until e^{-|x|} underflows).

    Args:
        x: float32 or float64, any shape (0-dim and empty included); any finite values
            (softplus(1e4) = 1e4, softplus(-1e4) = 0).

    Shape:
        x: (*). Output: (*), same as x.

    Returns:
        A new tensor with x's dtype and device; x is untouched. Checked against the exact value
        at the dtype's tolerance plus an absolute 4·ε·(1 + |x|), ε the dtype's machine epsilon,
        for |x| ≤ 1e4.

    Banned: ``torch.nn.functional.softplus``, ``torch.nn.Softplus``, ``torch.logaddexp``
    (log(1 + eˣ) = logaddexp(0, x)), ``torch.special.*``.

    d2l: §5.4 (sec_numerical_stability)
    """
    # TODO(stability.softplus): implement
    raise NotImplementedError("stability.softplus")


def log_sigmoid(x: Tensor) -> Tensor:
    r"""The logarithm of the sigmoid, element-wise, finite and accurate for every finite x.

    .. math:: \log \sigma(x) = \log \frac{1}{1 + e^{-x}} = -\operatorname{softplus}(-x)

    ``torch.log(torch.sigmoid(x))`` is -inf in float32 for x < -104 at the latest (the sigmoid
    underflows to 0; on the CPU already below -88), although log σ(-1e4) = -1e4. The
    log-sigmoid is the log-likelihood of a positive label in logistic regression: it must stay
    finite however wrong the model is. It is ≈ x for large negative x, -log 2 at 0, ≈ 0 for
    large positive x, and always ≤ 0.

    Args:
        x: float32 or float64, any shape (0-dim and empty included); any finite values
            (log_sigmoid(-1e4) = -1e4, log_sigmoid(1e4) = 0).

    Shape:
        x: (*). Output: (*), same as x.

    Returns:
        A new tensor with x's dtype and device; x is untouched. Checked as ``softplus`` is.

    Banned: ``torch.nn.functional.logsigmoid``, ``torch.nn.LogSigmoid``, ``torch.logaddexp``,
    ``torch.special.*``.

    d2l: §5.4 (sec_numerical_stability)
    """
    # TODO(stability.log_sigmoid): implement
    raise NotImplementedError("stability.log_sigmoid")


def grad_norm(params: Sequence[Tensor]) -> Tensor:
    r"""The global ℓ2 norm of the gradients of ``params``: all of them taken as one vector.

    .. math:: N = \sqrt{\sum_{p} \sum_i (p.\text{grad})_i^2}

    over the params whose ``p.grad`` is not None (skip the others: a param that took no part in
    the loss has no gradient). This is one norm for the whole model, not one per tensor: the
    sum of the squares of every gradient's entries, then a single square root (not the sum of
    the tensors' norms, which is larger).

    Args:
        params: the parameters, tensors of one float dtype (float32 or float64) on one device,
            each with at least one dim (as a model's weights and biases), e.g. leaf tensors that
            require grad after ``loss.backward()``.

    Returns:
        A new 0-dim tensor (a tensor, not a Python float) with the gradients' dtype, on the
        params' device; 0 if no param has a gradient. The params and their gradients are
        untouched.

    Banned: ``torch.nn.utils.get_total_norm``, ``torch.nn.utils.clip_grad_*``, ``torch.norm``,
    ``Tensor.norm``, ``torch.linalg.*norm*``, ``torch.dist``, ``torch.cdist``, ``torch.renorm``,
    ``numpy.linalg.norm``, ``torch.special.*``: square, sum and take the root yourself.

    d2l: §9.5 (sec_rnn-scratch, gradient clipping)
    """
    # TODO(stability.grad_norm): implement
    raise NotImplementedError("stability.grad_norm")


def clip_grad_norm_(params: Sequence[Tensor], max_norm: float) -> Tensor:
    r"""Clip the gradients in place so that their global norm is at most ``max_norm``.

    d2l's ``grad_clipping``: with N = ``grad_norm(params)``,

    .. math:: \text{if } N > \text{max\_norm}: \quad p.\text{grad} \leftarrow
              \frac{\text{max\_norm}}{N}\, p.\text{grad} \quad \text{for every p with a gradient}

    One factor for every gradient, from the global norm: the update keeps its direction and
    only gets shorter (clipping each tensor by its own norm would change the direction).
    When N ≤ max_norm the gradients are left exactly as they were. Scale each ``p.grad`` in
    place (``p.grad.mul_(factor)``, or ``p.grad[:] *= factor`` as d2l does), so that the same
    ``.grad`` tensors hold the clipped values for the optimizer; assigning ``p.grad = ...`` a
    new tensor, or rebinding a loop variable (``g = g * factor``), is not in place. Record no
    autograd history (the gradients do not require grad; ``with torch.no_grad():`` makes that
    explicit). The params' values are untouched.

    Args:
        params: the parameters, as for ``grad_norm``; a param whose grad is None is skipped.
        max_norm: the largest global norm allowed, > 0 (``math.inf`` never clips).

    Returns:
        N, the global norm BEFORE clipping, as ``grad_norm`` returns it (as
        ``torch.nn.utils.clip_grad_norm_`` does, so a training loop can log it).

    Raises:
        ValueError: max_norm ≤ 0 or NaN (the message names max_norm).

    Banned: as for ``grad_norm``: write the clipping yourself.

    d2l: §9.5 (sec_rnn-scratch, gradient clipping)
    """
    # TODO(stability.clip_grad_norm_): implement
    raise NotImplementedError("stability.clip_grad_norm_")
