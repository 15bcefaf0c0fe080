"""Norms computed in float64 along the last axis (after moving ``dim`` there), cast back at the end."""

import math

import torch
from torch import Tensor


def _rows(x: Tensor, dim):
    """x as float64 with the reduced axis last: (..., k)."""
    y = x.to(torch.float64)
    return y.reshape(1, -1) if dim is None else torch.movedim(y, dim, -1)


def _finish(out: Tensor, x: Tensor, dim, keepdim) -> Tensor:
    if dim is None:
        out = out.reshape(())
    elif keepdim:
        out = out.unsqueeze(dim)
    return out.to(x.dtype)


def l1_norm(x: Tensor, dim=None, keepdim=False) -> Tensor:
    return _finish(torch.abs(_rows(x, dim)).sum(-1), x, dim, keepdim)


def l2_norm(x: Tensor, dim=None, keepdim=False) -> Tensor:
    y = _rows(x, dim)
    return _finish(torch.einsum("...k,...k->...", y, y).sqrt(), x, dim, keepdim)


def lp_norm(x: Tensor, p: float, dim=None, keepdim=False) -> Tensor:
    if not (p >= 1):
        raise ValueError("lp_norm needs p >= 1 (p = %r)" % (p,))
    a = torch.abs(_rows(x, dim))
    if p == math.inf:
        return _finish(torch.sort(a, dim=-1).values[..., -1], x, dim, keepdim)
    total = torch.pow(a, p).sum(-1)
    return _finish(torch.exp(torch.log(total) / p), x, dim, keepdim)


def frobenius_norm(X: Tensor) -> Tensor:
    if len(X.shape) != 2:
        raise ValueError("frobenius_norm: X should be 2-D, got shape %s" % (tuple(X.shape),))
    Y = X.to(torch.float64)
    return torch.sqrt(torch.trace(Y.T @ Y)).to(X.dtype)
