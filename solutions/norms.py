"""Vector and matrix norms (ℓ1, ℓ2, ℓp, ℓ∞ and Frobenius), reduced over all elements or one dim.

Every norm takes ``dim=None`` to reduce over every element (a 0-dim result, whatever ``keepdim``
is) or an int (negative allowed) to reduce along that dimension, with ``keepdim`` as in
``torch.sum``. The result has the input's dtype and device.
"""

from __future__ import annotations

import math

from torch import Tensor

__all__ = ["frobenius_norm", "l1_norm", "l2_norm", "lp_norm"]


def _flatten_if_none(x: Tensor, dim: int | None, keepdim: bool) -> tuple[Tensor, int, bool]:
    """``dim=None`` means every element: reduce the flattened tensor along 0, without keepdim."""
    if dim is None:
        return x.reshape(-1), 0, False
    return x, dim, keepdim


def _power_norm(x: Tensor, p: float, dim: int | None, keepdim: bool) -> Tensor:
    """(Σ|xᵢ|ᵖ)^(1/p), or max|xᵢ| for p = ∞, along ``dim``; p ≥ 1 is the caller's check."""
    a, dim, keepdim = _flatten_if_none(x.abs(), dim, keepdim)
    top = a.amax(dim, keepdim=True)
    if p == math.inf:
        return top if keepdim else top.squeeze(dim)
    # Scale by the largest |xᵢ| so that |xᵢ|ᵖ can neither overflow nor underflow; a slice of
    # zeros keeps scale 1 (0/0 would be NaN).
    scale = top.masked_fill(top == 0, 1)
    norm = ((a / scale) ** p).sum(dim, keepdim=True) ** (1 / p) * scale
    return norm if keepdim else norm.squeeze(dim)


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
    a, dim, keepdim = _flatten_if_none(x.abs(), dim, keepdim)
    return a.sum(dim, keepdim=keepdim)


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
    return _power_norm(x, 2, dim, keepdim)


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
    if not p >= 1:  # also rejects NaN, for which every comparison is False
        raise ValueError(f"lp_norm(): p={p!r} must be >= 1 (or math.inf)")
    return _power_norm(x, p, dim, keepdim)


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
    if X.dim() != 2:
        raise ValueError(f"frobenius_norm(): X must be 2-D, got X.dim()={X.dim()} (shape {tuple(X.shape)})")
    return _power_norm(X, 2, None, False)
