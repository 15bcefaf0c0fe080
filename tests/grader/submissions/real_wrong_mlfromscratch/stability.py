"""WRONG on purpose: ML-From-Scratch's SoftPlus, log(1 + exp(x)) as written, which overflows.

Source: eriklindernoren/ML-From-Scratch, mlfromscratch/deep_learning/activation_functions.py
(commit a2806c6732eee8d27762edd6d864e0c179d8e9e8): the ``SoftPlus`` class, whose ``__call__``
is ``np.log(1 + np.exp(x))`` and whose ``gradient`` is the sigmoid.
Licence: MIT. Copyright (c) 2017 Erik Linder-Norén.
Adapted: ``np.log``/``np.exp`` are ``torch.log``/``torch.exp`` on tensors; ``softplus(x)`` is
``SoftPlus()(x)``, and ``log_sigmoid(x)`` is the contract's −softplus(−x) through the same class
(the source has no log-sigmoid). The source has no gradient clipping either: ``grad_norm`` and
``clip_grad_norm_`` are d2l's ``grad_clipping`` (d2l-ai/d2l-en, release v0.17.6, commit
0f920da87c3d3eb6a6802469fd3e89b7d4f43160, chapter_recurrent-neural-networks/rnn-scratch.md;
MIT-0, Copyright 2019 Amazon.com, Inc. or its affiliates), adapted to the contract as in
``real_d2l/stability.py``, and correct. The real mistake kept: exp(x) overflows to inf for
x > 88 in float32 (x > 709 in float64), so ``softplus`` is inf where the answer is about x, and
``log_sigmoid`` is −inf for x < −88; both must lose points, and nothing else.
"""

import math

import torch


class SoftPlus():
    def __call__(self, x):
        return torch.log(1 + torch.exp(x))

    def gradient(self, x):
        return 1 / (1 + torch.exp(-x))


def softplus(x):
    return SoftPlus()(x)


def log_sigmoid(x):
    return -SoftPlus()(-x)


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
