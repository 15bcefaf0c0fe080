"""Broadcasting: the shape rule itself, then two computations written with it.

``broadcast_shape`` spells out the rule that PyTorch and NumPy apply when an element-wise
operation meets tensors of different shapes; ``pairwise_sq_dists`` and ``standardize`` use it
instead of loops (an (n, 1, d) tensor minus a (1, m, d) one, a (n, d) matrix minus its (d,)
column means).
"""

from __future__ import annotations

import torch
from torch import Tensor

__all__ = ["broadcast_shape", "pairwise_sq_dists", "standardize"]


def broadcast_shape(a: tuple[int, ...], b: tuple[int, ...]) -> tuple[int, ...]:
    r"""The shape of the result of an element-wise operation on tensors of shapes a and b.

    The NumPy/PyTorch rule: align the shapes from the right (the shorter one is padded with 1s on
    the left); at each position the sizes must be equal or one of them must be 1, and the result
    takes the other one. A size 0 broadcasts with 1 (giving 0) and with 0 only: (0,) and (3,)
    are incompatible.

    Args:
        a: the first shape, a tuple of sizes >= 0 (may be empty: a 0-dim tensor).
        b: the second shape, likewise.

    Returns:
        The broadcast shape, a tuple of Python ints of length max(len(a), len(b)).
        E.g. (5, 1, 3) and (4, 1) give (5, 4, 3); (0, 3) and (1, 3) give (0, 3).

    Raises:
        ValueError: a and b are incompatible (the message names a and b).

    Banned: ``torch.broadcast_shapes``, ``torch.broadcast_tensors``, ``numpy.broadcast_shapes``,
    ``numpy.broadcast``.

    d2l: §2.1.4 (subsec_broadcasting)
    """
    # TODO(broadcasting.broadcast_shape): implement
    raise NotImplementedError("broadcasting.broadcast_shape")


def pairwise_sq_dists(X: Tensor, Y: Tensor) -> Tensor:
    r"""Squared Euclidean distances between every row of X and every row of Y, by broadcasting.

    .. math:: D_{ij} = \|X_i - Y_j\|^2 = \sum_k (X_{ik} - Y_{jk})^2

    Write it without a ``for``/``while`` loop or a comprehension: X[:, None, :] has shape
    (n, 1, d), Y[None, :, :] has shape (1, m, d), and their difference has shape (n, m, d).
    The expansion ‖Xᵢ‖² − 2 Xᵢ·Yⱼ + ‖Yⱼ‖² (a matrix product, no (n, m, d) temporary) is also
    accepted, but its rounding error can make an entry slightly negative where Xᵢ ≈ Yⱼ: clamp
    it at 0.

    Args:
        X: float32 or float64, (n, d).
        Y: the same dtype and device as X, (m, d).

    Shape:
        X: (n, d), Y: (m, d). Output: (n, m).

    Returns:
        A new tensor with X's dtype and device, every entry >= 0; X and Y are untouched.
        Compared with the exact distances at an absolute tolerance of 8·d·ε·(‖Xᵢ‖² + ‖Yⱼ‖²),
        ε the dtype's machine epsilon.

    Raises:
        ValueError: X and Y have different numbers of columns d (the message names X and Y).

    Banned: ``torch.cdist``.

    d2l: §2.1.4 (subsec_broadcasting)
    """
    # TODO(broadcasting.pairwise_sq_dists): implement
    raise NotImplementedError("broadcasting.pairwise_sq_dists")


def standardize(X: Tensor) -> Tensor:
    r"""Center each column at mean 0 and scale it to standard deviation 1.

    .. math:: Z_{ij} = \frac{X_{ij} - \mu_j}{s_j}, \quad
              s_j = \sqrt{\frac{1}{n-1} \sum_i (X_{ij} - \mu_j)^2}

    The standard deviation uses Bessel's correction (n − 1, ``torch.std``'s default). A constant
    column (all its entries equal) has s = 0 and becomes zeros, not NaN. Detect it by comparing
    its entries, not s with 0: in float32 the mean of a constant column is often off by an
    ulp, so s is a tiny positive number (and (X − μ)/s garbage).

    Args:
        X: float32 or float64, (n, d) with n >= 2. Tested with columns that are either constant
            or have a standard deviation of at least 0.1·max|entry|.

    Shape:
        X: (n, d). Output: (n, d).

    Returns:
        A new tensor with X's dtype and device; X is untouched.

    Raises:
        ValueError: fewer than 2 rows (the message names X).

    d2l: §2.1.4 (subsec_broadcasting)
    """
    # TODO(broadcasting.standardize): implement
    raise NotImplementedError("broadcasting.standardize")
