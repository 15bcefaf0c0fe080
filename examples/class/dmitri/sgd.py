"""A correct sgd submission: a lazily shuffled copy sliced into views, einsum, torch.no_grad steps."""

import math

import torch


def data_iter(batch_size, features, labels, generator=None):
    # a generator function: the checks run at the first next()
    if not isinstance(batch_size, int) or batch_size <= 0:
        raise ValueError("batch_size should be a positive int")
    if features.shape[0] != labels.shape[0]:
        raise ValueError("features and labels must have the same length")
    perm = torch.randperm(features.shape[0], generator=generator)
    shuffled_X, shuffled_y = features[perm.to(features.device)], labels[perm.to(labels.device)]
    start = 0
    while start < features.shape[0]:
        yield shuffled_X[start:start + batch_size], shuffled_y[start:start + batch_size]
        start += batch_size


def linreg(X, w, b):
    return torch.einsum("nd,d...->n...", X, w) + b


def squared_loss(y_hat, y):
    return 0.5 * torch.square(y_hat - y.reshape(y_hat.shape))


def _positive(value, name, allow_zero=False):
    ok = value >= 0 if allow_zero else value > 0
    if math.isnan(value) or not ok:
        raise ValueError(f"invalid {name}: {value}")


def sgd_(params, lr, batch_size, weight_decay=0.0):
    _positive(lr, "lr")
    _positive(batch_size, "batch_size")
    if not weight_decay >= 0:
        raise ValueError(f"weight_decay={weight_decay} must be >= 0")
    with torch.no_grad():
        for p in params:
            if p.grad is not None:
                p -= lr * (p.grad + weight_decay * p)
                p.grad.zero_()


def train_linreg(features, labels, lr=0.03, num_epochs=3, batch_size=10, generator=None):
    n, d = features.shape
    # zeros are as good a start as small noise for this convex problem
    w = torch.zeros((d, 1), dtype=features.dtype, device=features.device, requires_grad=True)
    b = torch.zeros(1, dtype=features.dtype, device=features.device, requires_grad=True)
    for _ in range(num_epochs):
        for X, y in data_iter(batch_size, features, labels, generator=generator):
            squared_loss(linreg(X, w, b), y).sum().backward()
            sgd_((w, b), lr, batch_size)
    return w.detach().clone(), b.detach().clone()
