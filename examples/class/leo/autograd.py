"""Automatic differentiation: gradients and Jacobians by autograd, checked by central differences.

d2l computes a gradient by marking ``x`` as requiring grad, summing the output and calling
``backward``; these functions package that recipe so that the caller's tensor is left exactly
as it was, and compare it with the finite-difference approximation every autograd test uses.
"""

from __future__ import annotations

from collections.abc import Callable

import torch
from torch import Tensor

__all__ = ["grad", "jacobian", "numerical_grad"]


def grad(f: Callable[[Tensor], Tensor], x: Tensor) -> Tensor:
    r"""The gradient of ``f(x).sum()`` with respect to ``x``, computed by autograd.

    .. math:: g_i = \frac{\partial}{\partial x_i} \sum_k f(x)_k

    Summing first is d2l's ``y.sum().backward()`` convention for a non-scalar ``y``.

    Args:
        f: a function of a tensor, built from differentiable torch operations.
        x: the point, float32 or float64, any shape; a plain tensor or a leaf that requires
            grad (possibly with a ``.grad`` already).

    Shape:
        x: (*). Output: (*), same as x.

    Returns:
        A new tensor with x's dtype and device that does not require grad. An ``f`` whose
        output does not depend on x has gradient zeros. Afterwards ``x.requires_grad`` and
        ``x.grad`` are what they were before the call (no gradient is accumulated into x).

    d2l: §2.5 (sec_autograd)
    """
    # TODO(autograd.grad): implement
    raise NotImplementedError("autograd.grad")


def numerical_grad(f: Callable[[Tensor], Tensor], x: Tensor, h: float = 1e-5) -> Tensor:
    r"""The gradient of ``F = f(·).sum()`` at ``x`` by central differences, element by element.

    .. math:: g_i = \frac{F(x + h e_i) - F(x - h e_i)}{2h}

    The error is O(h²·F''') from truncation plus O(ε·|F|/h) from rounding: h trades one
    for the other (1e-5 suits float64).

    Args:
        f: a function of a tensor (any torch operations; it is only evaluated).
        x: the point, float32 or float64, any shape and layout (e.g. a transposed view).
        h: the step, a float > 0.

    Shape:
        x: (*). Output: (*), same as x.

    Returns:
        A new tensor with x's dtype and device; x is left unchanged.

    Raises:
        ValueError: h ≤ 0 or NaN.

    Banned: ``torch.autograd.gradcheck``, ``torch.autograd.functional.*``.

    d2l: §2.5 (sec_autograd)
    """
    # TODO(autograd.numerical_grad): implement
    raise NotImplementedError("autograd.numerical_grad")


def jacobian(f: Callable[[Tensor], Tensor], x: Tensor) -> Tensor:
    r"""The Jacobian of a vector function, one autograd pass per output.

    .. math:: J_{ij} = \frac{\partial f_i}{\partial x_j}

    Args:
        f: maps a 1-D tensor of size n to a 1-D tensor of size m.
        x: the point, 1-D, float32 or float64.

    Shape:
        x: (n,). f(x): (m,). Output: (m, n).

    Returns:
        A new tensor with x's dtype and device; zeros where f does not depend on x. x, its
        ``requires_grad`` and its ``.grad`` are left as they were.

    Raises:
        ValueError: x is not 1-D.

    Banned: ``torch.autograd.functional.*``, ``torch.func.*``.

    d2l: §2.5 (sec_autograd)
    """
    # TODO(autograd.jacobian): implement
    raise NotImplementedError("autograd.jacobian")
