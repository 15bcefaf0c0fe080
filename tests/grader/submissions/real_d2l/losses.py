"""Regression losses and the L2 penalty: d2l's own code, adapted in names and signatures only.

Source: d2l-ai/d2l-en, release v0.17.6 (commit 0f920da87c3d3eb6a6802469fd3e89b7d4f43160):
chapter_linear-networks/linear-regression-scratch.md (``squared_loss``, also in d2l/torch.py)
and chapter_multilayer-perceptrons/weight-decay.md (``l2_penalty``, pytorch tab:
``torch.sum(w.pow(2)) / 2``; release v1.0.3 keeps it in chapter_linear-regression/weight-decay.md
as ``d2l.reduce_sum(w**2) / 2``).
Licence: MIT-0 (d2l's LICENSE-SAMPLECODE). Copyright 2019 Amazon.com, Inc. or its affiliates.
Adapted, where d2l deviates from the contract or has no code:
- ``squared_loss`` is the contract's ``l2_loss``; ``d2l.reshape`` is ``torch.reshape``.
- d2l has no code for the L1 or the Huber loss (Huber's is an exercise of
  chapter_linear-networks/linear-regression-concise.md), nor for Huber's derivative: they are
  written here in ``squared_loss``'s style (the residual against ``d2l.reshape(y, y_hat.shape)``,
  one loss per element, no reduction), with the contract's Huber (δ·(|e| − δ/2) beyond δ, as
  ``torch.nn.HuberLoss``) and its ValueError for δ ≤ 0 or NaN.
"""

import math

import torch


def squared_loss(y_hat, y):
    """Squared loss."""
    return (y_hat - torch.reshape(y, y_hat.shape)) ** 2 / 2


def l2_loss(y_hat, y):
    return squared_loss(y_hat, y)


def l1_loss(y_hat, y):
    """Absolute loss."""
    return torch.abs(y_hat - torch.reshape(y, y_hat.shape))


def huber_loss(y_hat, y, delta=1.0):
    """Huber's robust loss."""
    if math.isnan(delta) or delta <= 0:
        raise ValueError(f"delta must be positive, got {delta}")
    error = torch.abs(y_hat - torch.reshape(y, y_hat.shape))
    return torch.where(error <= delta, error ** 2 / 2, delta * (error - delta / 2))


def huber_loss_grad(y_hat, y, delta=1.0):
    """The derivative of Huber's robust loss with respect to y_hat."""
    if math.isnan(delta) or delta <= 0:
        raise ValueError(f"delta must be positive, got {delta}")
    return torch.clamp(y_hat - torch.reshape(y, y_hat.shape), -delta, delta)


def l2_penalty(w):
    return torch.sum(w.pow(2)) / 2
