"""Vector and matrix norms (ℓ1, ℓ2, ℓp, ℓ∞ and Frobenius), reduced over all elements or one dim.

Every norm takes ``dim=None`` to reduce over every element (a 0-dim result, whatever ``keepdim``
is) or an int (negative allowed) to reduce along that dimension, with ``keepdim`` as in
``torch.sum``. The result has the input's dtype and device. Write them with element-wise
operations and reductions (``abs``, ``**``, ``sum``, ``amax``, ``sqrt``); the norm functions of
torch and NumPy are banned.
"""

from __future__ import annotations

import math

import torch
from torch import Tensor

__all__ = ["frobenius_norm", "l1_norm", "l2_norm", "lp_norm"]


def l1_norm(x: Tensor, dim: int | None = None, keepdim: bool = False) -> Tensor:
    r"""The ℓ1 norm: the sum of absolute values.

    .. math:: \|x\|_1 = \sum_i |x_i|

    Args:
        x: float32 or float64, any shape, at least one element.
        dim: None to reduce over every element; an int (negative counts from the end) to reduce
            along that dimension.
        keepdim: with an int ``dim``, keep the reduced dimension with size 1, as
            ``torch.sum(x, dim, keepdim=keepdim)`` does. Ignored when ``dim`` is None
            (beware: ``x.sum(dim=None, keepdim=True)`` keeps every dimension, with size 1).

    Shape:
        x: (*). Output: () if ``dim`` is None (whatever ``keepdim`` is); otherwise x's shape
        without ``dim``, or with size 1 there if ``keepdim``.

    Returns:
        A new tensor with x's dtype and device; x is untouched.

    Banned: ``torch.norm``, ``Tensor.norm``, ``torch.linalg.*norm*``, ``torch.dist``,
    ``torch.cdist``, ``torch.renorm``, ``numpy.linalg.norm``.

    d2l: §2.3.11 (subsec_lin-algebra-norms)
    """
    # TODO(norms.l1_norm): implement
    raise NotImplementedError("norms.l1_norm")


def l2_norm(x: Tensor, dim: int | None = None, keepdim: bool = False) -> Tensor:
    r"""The ℓ2 (Euclidean) norm: the square root of the sum of squares.

    .. math:: \|x\|_2 = \sqrt{\sum_i x_i^2}

    Args:
        x: float32 or float64, any shape, at least one element.
        dim: None to reduce over every element; an int (negative counts from the end) to reduce
            along that dimension.
        keepdim: with an int ``dim``, keep the reduced dimension with size 1, as
            ``torch.sum(x, dim, keepdim=keepdim)`` does. Ignored when ``dim`` is None
            (beware: ``x.sum(dim=None, keepdim=True)`` keeps every dimension, with size 1).

    Shape:
        x: (*). Output: () if ``dim`` is None (whatever ``keepdim`` is); otherwise x's shape
        without ``dim``, or with size 1 there if ``keepdim``.

    Returns:
        A new tensor with x's dtype and device; x is untouched.

    Banned: ``torch.norm``, ``Tensor.norm``, ``torch.linalg.*norm*``, ``torch.dist``,
    ``torch.cdist``, ``torch.renorm``, ``numpy.linalg.norm``.

    d2l: §2.3.11 (subsec_lin-algebra-norms)
    """
    # TODO(norms.l2_norm): implement
    raise NotImplementedError("norms.l2_norm")


def lp_norm(x: Tensor, p: float, dim: int | None = None, keepdim: bool = False) -> Tensor:
    r"""The ℓp norm for a real p ≥ 1; p = ``math.inf`` gives the largest absolute value.

    .. math:: \|x\|_p = \Big(\sum_i |x_i|^p\Big)^{1/p}, \qquad \|x\|_\infty = \max_i |x_i|

    Take the absolute value before the power: for an odd p, xᵢᵖ of a negative xᵢ is negative,
    and for a fractional p it is NaN.

    Args:
        x: float32 or float64, any shape, at least one element. Tested with entries 0 or
            1e-2 <= |xᵢ| <= 1e3 (so |xᵢ|ᵖ neither overflows nor underflows in float32).
        p: a real number >= 1 (tested for 1 <= p <= 10), or ``math.inf``.
        dim: None to reduce over every element; an int (negative counts from the end) to reduce
            along that dimension.
        keepdim: with an int ``dim``, keep the reduced dimension with size 1, as
            ``torch.sum(x, dim, keepdim=keepdim)`` does. Ignored when ``dim`` is None
            (beware: ``x.sum(dim=None, keepdim=True)`` keeps every dimension, with size 1).

    Shape:
        x: (*). Output: () if ``dim`` is None (whatever ``keepdim`` is); otherwise x's shape
        without ``dim``, or with size 1 there if ``keepdim``.

    Returns:
        A new tensor with x's dtype and device; x is untouched.

    Raises:
        ValueError: p < 1 or p is NaN (the message names p).

    Banned: ``torch.norm``, ``Tensor.norm``, ``torch.linalg.*norm*``, ``torch.dist``,
    ``torch.cdist``, ``torch.renorm``, ``numpy.linalg.norm``.

    d2l: §2.3.11 (subsec_lin-algebra-norms)
    """
    # TODO(norms.lp_norm): implement
    raise NotImplementedError("norms.lp_norm")


def frobenius_norm(X: Tensor) -> Tensor:
    r"""The Frobenius norm of a matrix: the ℓ2 norm of all its entries.

    .. math:: \|X\|_F = \sqrt{\sum_{i,j} x_{ij}^2}

    Args:
        X: float32 or float64, 2-D, at least one element.

    Shape:
        X: (n, m). Output: () (a 0-dim tensor).

    Returns:
        A new 0-dim tensor with X's dtype and device; X is untouched.

    Raises:
        ValueError: X is not 2-D (the message names X).

    Banned: ``torch.norm``, ``Tensor.norm``, ``torch.linalg.*norm*``, ``torch.dist``,
    ``torch.cdist``, ``torch.renorm``, ``numpy.linalg.norm``.

    d2l: §2.3.11 (subsec_lin-algebra-norms)
    """
    # TODO(norms.frobenius_norm): implement
    raise NotImplementedError("norms.frobenius_norm")
