"""Dropout from scratch: d2l's own code, adapted in names and signatures only.

Source: d2l-ai/d2l-en, release v0.17.6 (commit 0f920da87c3d3eb6a6802469fd3e89b7d4f43160),
chapter_multilayer-perceptrons/dropout.md: ``dropout_layer`` and the ``if self.training ==
True:`` pattern of its ``Net`` module, here as the contract's ``Dropout`` module.
Licence: MIT-0 (d2l's LICENSE-SAMPLECODE). Copyright 2019 Amazon.com, Inc. or its affiliates.
Adapted, where d2l deviates from the contract:
- d2l checks ``assert 0 <= dropout <= 1``; the contract wants a ValueError (NaN included).
- d2l returns ``X`` itself for dropout = 0; the contract wants a new tensor: ``X.clone()``.
- d2l draws ``torch.rand(X.shape)`` (CPU, float32, global RNG); the contract draws with the
  generator on X's device: ``torch.rand(X.shape, generator=generator, device=X.device)``.
- ``.float()`` became ``.to(X.dtype)`` so a float64 X stays float64.
The unadapted ``dropout_layer`` is graded as a wrong case in ``real_wrong_d2l/dropout.py``.
"""

import math

import torch
from torch import nn


def dropout_layer(X, dropout, generator=None):
    if math.isnan(dropout) or not 0 <= dropout <= 1:
        raise ValueError(f"dropout must be in [0, 1], got {dropout}")
    # In this case, all elements are dropped out
    if dropout == 1:
        return torch.zeros_like(X)
    # In this case, all elements are kept
    if dropout == 0:
        return X.clone()
    mask = (torch.rand(X.shape, generator=generator, device=X.device) > dropout).to(X.dtype)
    return mask * X / (1.0 - dropout)


class Dropout(nn.Module):
    def __init__(self, p=0.5):
        super().__init__()
        if math.isnan(p) or not 0 <= p <= 1:
            raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")
        self.p = p

    def forward(self, X):
        # Use dropout only when training the model
        if self.training == True:  # noqa: E712 (d2l's own spelling)
            return dropout_layer(X, self.p)
        return X
