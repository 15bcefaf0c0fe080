r"""Loss functions for regression and the L2 penalty of weight decay, written from their formulas.

The four losses compare predictions ŷ with targets y element by element, through the residual
e = ŷ − y (y first reshaped to ŷ's shape), and return one loss per element, not reduced: the
caller sums or averages. ``l1_loss`` is |e| and ``l2_loss`` is e²/2 (§3.1.3, d2l's
``squared_loss``), and ``huber_loss`` is quadratic near 0 and linear beyond δ (the Huber exercise
of §3.5), robust to outliers like L1 yet smooth at 0 like L2. ``huber_loss_grad`` is its
derivative, derived by hand. ``l2_penalty`` is the weight-decay term Σw²/2 of §3.7.2.
"""

from __future__ import annotations

import torch
from torch import Tensor

__all__ = ["huber_loss", "huber_loss_grad", "l1_loss", "l2_loss", "l2_penalty"]


def l1_loss(y_hat: Tensor, y: Tensor) -> Tensor:
    r"""The absolute error of each prediction, not reduced.

    .. math:: l_i = |\hat{y}_i - y_i|

    y is first reshaped to ``y_hat``'s shape: a (n,) y against a (n, 1) y_hat would otherwise
    broadcast to an (n, n) matrix of every prediction against every target. Return one loss per
    element; the caller reduces (no ``.sum()``, no ``.mean()`` here).

    Args:
        y_hat: predictions, float32 or float64, any shape.
        y: targets, y_hat's dtype, the same number of elements as y_hat (any shape).

    Shape:
        y_hat: (\*). y: any shape with y_hat.numel() elements. Output: (\*), y_hat's shape.

    Returns:
        A new tensor with y_hat's dtype and device, one loss per element (no sum, no mean);
        y_hat and y are untouched.

    Banned: ``torch.nn.functional.l1_loss``, ``torch.nn.L1Loss`` (and the other losses' library
    forms).

    d2l: §3.1.3 (The Normal Distribution and Squared Loss; §3.1's exercise on Laplace noise
    leads to this loss)
    """
    # TODO(losses.l1_loss): implement
    raise NotImplementedError("losses.l1_loss")


def l2_loss(y_hat: Tensor, y: Tensor) -> Tensor:
    r"""Half the squared error of each prediction, not reduced (d2l's ``squared_loss``).

    .. math:: l_i = \tfrac12 (\hat{y}_i - y_i)^2

    The ½ is part of the loss: its derivative is then e itself.
    y is first reshaped to ``y_hat``'s shape: a (n,) y against a (n, 1) y_hat would otherwise
    broadcast to an (n, n) matrix of every prediction against every target. Return one loss per
    element; the caller reduces (no ``.sum()``, no ``.mean()`` here).

    Args:
        y_hat: predictions, float32 or float64, any shape.
        y: targets, y_hat's dtype, the same number of elements as y_hat (any shape).

    Shape:
        y_hat: (\*). y: any shape with y_hat.numel() elements. Output: (\*), y_hat's shape.

    Returns:
        A new tensor with y_hat's dtype and device, one loss per element (no sum, no mean);
        y_hat and y are untouched.

    Banned: ``torch.nn.functional.mse_loss``, ``torch.nn.MSELoss`` (and the other losses'
    library forms).

    d2l: §3.1.3 (The Normal Distribution and Squared Loss)
    """
    # TODO(losses.l2_loss): implement
    raise NotImplementedError("losses.l2_loss")


def huber_loss(y_hat: Tensor, y: Tensor, delta: float = 1.0) -> Tensor:
    r"""Huber's loss of each prediction: quadratic for small errors, linear for large ones.

    .. math:: l_i = \begin{cases} \tfrac12 e_i^2 & |e_i| \le \delta \\
              \delta\,(|e_i| - \tfrac12\delta) & \text{otherwise} \end{cases},
              \quad e_i = \hat{y}_i - y_i

    Continuous and once differentiable at |e| = δ, where both pieces equal δ²/2 (Huber 1964, as
    ``torch.nn.HuberLoss``). The trap: δ·|e| for the linear piece, without the −δ/2 (as some
    notes write it), jumps from δ²/2 to δ² at |e| = δ. y is reshaped to y_hat's shape and the
    result is not reduced, as in ``l1_loss``.

    Args:
        y_hat: predictions, float32 or float64, any shape.
        y: targets, y_hat's dtype, the same number of elements as y_hat (any shape).
        delta: δ > 0, where the loss turns from quadratic to linear.

    Shape:
        y_hat: (\*). y: any shape with y_hat.numel() elements. Output: (\*), y_hat's shape.

    Returns:
        A new tensor with y_hat's dtype and device, one loss per element (no sum, no mean);
        y_hat and y are untouched.

    Raises:
        ValueError: delta ≤ 0 or NaN (the message names ``delta``).

    Banned: ``torch.nn.functional.huber_loss``, ``torch.nn.functional.smooth_l1_loss``,
    ``torch.nn.HuberLoss``, ``torch.nn.SmoothL1Loss`` (and the other losses' library forms).

    d2l: §3.5 (Exercises: Huber's robust loss)
    """
    # TODO(losses.huber_loss): implement
    raise NotImplementedError("losses.huber_loss")


def huber_loss_grad(y_hat: Tensor, y: Tensor, delta: float = 1.0) -> Tensor:
    r"""The derivative of ``huber_loss`` with respect to each prediction, derived by hand.

    .. math:: \frac{\partial l_i}{\partial \hat{y}_i} = \operatorname{clamp}(e_i, -\delta, \delta)
              = \begin{cases} e_i & |e_i| \le \delta \\ \delta \operatorname{sign}(e_i) &
              \text{otherwise} \end{cases}

    The trap: δ·sign(e) everywhere is the derivative of the linear piece only, e unclamped that
    of the quadratic piece only; and the derivative with respect to y is the opposite sign.

    Args:
        y_hat: predictions, float32 or float64, any shape.
        y: targets, y_hat's dtype, the same number of elements as y_hat (any shape).
        delta: δ > 0, as in ``huber_loss``.

    Shape:
        y_hat: (\*). y: any shape with y_hat.numel() elements. Output: (\*), y_hat's shape.

    Returns:
        A new tensor in [−δ, δ] with y_hat's dtype and device; y_hat and y are untouched.

    Raises:
        ValueError: delta ≤ 0 or NaN (the message names ``delta``).

    Banned: everything banned for ``huber_loss``, plus ``Tensor.backward``, ``torch.autograd.*``
    and ``torch.func.*``: derive it by hand.

    d2l: §3.5 (Exercises: Huber's robust loss)
    """
    # TODO(losses.huber_loss_grad): implement
    raise NotImplementedError("losses.huber_loss_grad")


def l2_penalty(w: Tensor) -> Tensor:
    r"""The L2 penalty of weight decay: half the sum of the squares of every element of w.

    .. math:: \tfrac12 \|\mathbf{w}\|^2 = \tfrac12 \sum_i w_i^2

    Training adds λ·l2_penalty(w) to the loss and calls ``.backward``, so keep it a tensor
    computed from w: ``.item()``, ``float(...)`` or ``torch.tensor(...)`` of the value cut it off
    from w, and weight decay then has no gradient. It is the squared norm halved, not the norm.

    Args:
        w: a weight, float32 or float64, any shape (0-dim and empty included: the sum of no
            squares is 0).

    Shape:
        w: (\*). Output: () (0-dim).

    Returns:
        A 0-dim tensor with w's dtype and device, differentiable by autograd when w requires
        grad (its gradient is w); w is untouched.

    d2l: §3.7.2 (Implementation from Scratch: Defining ℓ2 Norm Penalty)
    """
    # TODO(losses.l2_penalty): implement
    raise NotImplementedError("losses.l2_penalty")
