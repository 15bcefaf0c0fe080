"""Vector and matrix norms: NumPy's ``numpy.linalg.norm``, its branches written on tensors.

Source: numpy/numpy, release 2.4.6, numpy/linalg/_linalg.py, ``norm``: the fast path for
``axis=None`` (``x.ravel()``, ``sqnorm = x.dot(x)``, ``sqrt``), the single-axis branches
(``ord == inf``: ``abs(x).max(axis)``; ``ord == 1``: ``add.reduce(abs(x), axis)``;
``ord == 2``: ``sqrt(add.reduce(x * x, axis))``; otherwise ``absx **= ord``,
``add.reduce``, ``ret **= reciprocal(ord)``) and the Frobenius branch
(``sqrt(add.reduce(x * x, axis=axis))``).
Licence: BSD-3-Clause. Copyright (c) 2005-2025, NumPy Developers.
Adapted: the NumPy calls are their torch twins on tensors (``add.reduce`` is ``torch.sum``,
``abs`` is ``torch.abs``, ``reciprocal(ord)`` is ``1.0 / ord``, ``axis``/``keepdims`` are
``dim``/``keepdim``); the contract's four functions select NumPy's branches (``l1_norm`` is
``ord=1``, ``l2_norm`` ``ord=2``, ``lp_norm`` any ord, ``frobenius_norm`` ``'fro'``). Where
NumPy differs from the contract: with ``axis=None`` NumPy reduces a 2-D input with a *matrix*
norm for ord not in (None, 2, 'fro'); the contract wants the vector norm of every element, so
``dim=None`` always ravels first (NumPy's own fast path) and returns a 0-dim tensor. NumPy
accepts any ord; the contract rejects p < 1 or NaN (ValueError, in NumPy's wording style), and
``frobenius_norm`` of a non-2-D X raises NumPy's "Improper number of dimensions to norm."
"""

import math

import torch


def _norm(x, ord, dim, keepdim):
    if dim is None:
        # NumPy's "default, simple, fast, and common cases" path: reduce the raveled x.
        x, dim, keepdim = x.ravel(), 0, False
    if ord == math.inf:
        return torch.amax(torch.abs(x), dim=dim, keepdim=keepdim)
    elif ord == 1:
        # special case for speedup
        return torch.sum(torch.abs(x), dim=dim, keepdim=keepdim)
    elif ord == 2:
        # special case for speedup
        s = x * x
        return torch.sqrt(torch.sum(s, dim=dim, keepdim=keepdim))
    else:
        absx = torch.abs(x)
        absx = absx ** ord
        ret = torch.sum(absx, dim=dim, keepdim=keepdim)
        ret = ret ** (1.0 / ord)
        return ret


def l1_norm(x, dim=None, keepdim=False):
    return _norm(x, 1, dim, keepdim)


def l2_norm(x, dim=None, keepdim=False):
    return _norm(x, 2, dim, keepdim)


def lp_norm(x, p, dim=None, keepdim=False):
    if not p >= 1:
        raise ValueError(f"Invalid norm order '{p}' for vectors")
    return _norm(x, p, dim, keepdim)


def frobenius_norm(X):
    if X.ndim != 2:
        raise ValueError("Improper number of dimensions to norm.")
    return torch.sqrt(torch.sum(X * X, dim=(0, 1)))
