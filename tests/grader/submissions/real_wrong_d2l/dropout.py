"""WRONG on purpose: d2l's ``dropout_layer`` as the book writes it.

Source: d2l-ai/d2l-en, release v0.17.6 (commit 0f920da87c3d3eb6a6802469fd3e89b7d4f43160),
chapter_multilayer-perceptrons/dropout.md: ``dropout_layer`` and the ``if self.training ==
True:`` pattern of its ``Net`` module, here as the contract's ``Dropout``.
Licence: MIT-0 (d2l's LICENSE-SAMPLECODE). Copyright 2019 Amazon.com, Inc. or its affiliates.
Adapted: the contract's ``generator`` parameter is accepted (and, as in the book, unused).
The real deviations from the contract kept:
- ``assert 0 <= dropout <= 1``: an AssertionError where a ValueError is due (and NaN passes);
- ``return X`` for dropout = 0: X itself, not a new tensor;
- ``torch.rand(X.shape)``: the global RNG on the CPU in float32, not the generator, and a
  float32 mask (``.float()``) that turns a float64 X into float32.
``Dropout`` validates p itself (so its construction is right) and calls ``dropout_layer``.
"""

import math

import torch
from torch import nn


def dropout_layer(X, dropout, generator=None):
    assert 0 <= dropout <= 1
    # In this case, all elements are dropped out
    if dropout == 1:
        return torch.zeros_like(X)
    # In this case, all elements are kept
    if dropout == 0:
        return X
    mask = (torch.rand(X.shape) > dropout).float()
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
