"""Dropout as in d2l, with the edge cases handled (a student's version)."""

import torch
from torch import nn


def dropout_layer(X, dropout, generator=None):
    if not (0 <= dropout <= 1):
        raise ValueError(f"dropout must be between 0 and 1, got {dropout}")
    if dropout == 1:
        return torch.zeros_like(X)
    if dropout == 0:
        return X.clone()
    mask = (torch.rand(X.shape, generator=generator, device=X.device) > dropout).float()
    return mask * X / (1.0 - dropout)


class Dropout(nn.Module):
    def __init__(self, p=0.5):
        super().__init__()
        if not (0 <= p <= 1):
            raise ValueError(f"p must be in [0, 1], got {p}")
        self.p = p

    def forward(self, X):
        if self.training:
            return dropout_layer(X, self.p)
        return X
