"""Dropout with torch.bernoulli and torch.where (a student's version)."""

import math

import torch


def dropout_layer(X, dropout, generator=None):
    if math.isnan(dropout) or not 0.0 <= dropout <= 1.0:
        raise ValueError(f"dropout={dropout} is outside [0, 1]")
    if dropout == 1:
        return torch.zeros_like(X)
    mask = torch.rand(X.shape, generator=generator, device=X.device) >= dropout
    return mask * X


class Dropout(torch.nn.Module):
    def __init__(self, p=0.5):
        super().__init__()
        if math.isnan(p) or not 0.0 <= p <= 1.0:
            raise ValueError(f"Dropout: p={p} is outside [0, 1]")
        self.drop_prob = float(p)

    def forward(self, X):
        if not self.training:
            return X
        if self.drop_prob == 1.0:
            return torch.zeros_like(X)
        keep = torch.rand_like(X) < 1.0 - self.drop_prob
        return torch.where(keep, X / (1.0 - self.drop_prob), torch.zeros_like(X))
