"""Norms, written straight from the formulas in the input's dtype."""

import math

import torch


def _sum(t, dim, keepdim):
    if dim is None:
        return t.sum()
    return t.sum(dim=dim, keepdim=keepdim)


def l1_norm(x, dim=None, keepdim=False):
    return _sum(x.abs(), dim, keepdim)


def l2_norm(x, dim=None, keepdim=False):
    return torch.sqrt(_sum(x * x, dim, keepdim))


def lp_norm(x, p, dim=None, keepdim=False):
    if math.isnan(p) or p < 1:
        raise ValueError(f"lp_norm: p must be at least 1, got p={p}")
    if math.isinf(p):
        if dim is None:
            return x.abs().max()
        return x.abs().max(dim=dim, keepdim=keepdim).values
    return _sum(x.abs().pow(p), dim, keepdim).pow(1.0 / p)


def frobenius_norm(X):
    if X.ndim != 2:
        raise ValueError(f"X must be a matrix, but X has {X.ndim} dimensions")
    return torch.sqrt((X ** 2).sum())
