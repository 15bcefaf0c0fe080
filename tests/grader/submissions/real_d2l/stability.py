"""Gradient clipping and a stable softplus: d2l's own code, adapted in names and signatures only.

Source: d2l-ai/d2l-en, release v0.17.6 (commit 0f920da87c3d3eb6a6802469fd3e89b7d4f43160):
chapter_recurrent-neural-networks/rnn-scratch.md (``grad_clipping``, pytorch tab, also in
d2l/torch.py) and chapter_multilayer-perceptrons/mlp-scratch.md (``relu`` as
``torch.max(X, torch.zeros_like(X))``).
Licence: MIT-0 (d2l's LICENSE-SAMPLECODE). Copyright 2019 Amazon.com, Inc. or its affiliates.
Adapted, where d2l deviates from the contract or has no code:
- ``grad_clipping(net, theta)`` takes a module or an object with ``.params``; here the params
  come as a list. It sums ``torch.sum(p.grad ** 2)`` over every param, which fails on a param
  without a gradient: those are skipped, and the sum starts from a 0-dim zero so that no
  gradient at all gives a norm of 0 (``torch.sqrt`` of the int 0 fails). The norm is split into
  the contract's ``grad_norm``, ``clip_grad_norm_`` returns it, and θ ≤ 0 or NaN is a
  ValueError.
- d2l has no code for softplus or log-sigmoid: they are written here in d2l's style, in the
  stable form max(x, 0) + log(1 + e^{−|x|}) (``torch.log1p``; the idea of
  chapter_linear-networks/softmax-regression-concise.md's stable softmax: exponentiate only
  non-positive numbers), with log σ(x) = −softplus(−x).
"""

import math

import torch


def relu(X):
    a = torch.zeros_like(X)
    return torch.max(X, a)


def softplus(x):
    return relu(x) + torch.log1p(torch.exp(-torch.abs(x)))


def log_sigmoid(x):
    return -softplus(-x)


def grad_norm(params):
    params = [p for p in params if p.grad is not None]
    zero = torch.zeros((), dtype=params[0].dtype, device=params[0].device) if params else torch.zeros(())
    return torch.sqrt(sum((torch.sum((p.grad ** 2)) for p in params), zero))


def clip_grad_norm_(params, max_norm):
    """Clip the gradient."""
    theta = max_norm
    if math.isnan(theta) or theta <= 0:
        raise ValueError(f"max_norm must be positive, got {max_norm}")
    params = [p for p in params if p.grad is not None]
    norm = grad_norm(params)
    if norm > theta:
        for param in params:
            param.grad[:] *= theta / norm
    return norm
