"""A correct sgd submission written the d2l way: a list of shuffled indices, param.data updates."""

from __future__ import annotations

import math

import torch


def data_iter(batch_size, features, labels, generator=None):
    num_examples = len(features)
    if batch_size < 1:
        raise ValueError(f"batch_size must be at least 1, got batch_size={batch_size}")
    if num_examples != len(labels):
        raise ValueError(f"features has {num_examples} rows but labels has {len(labels)}")
    indices = torch.randperm(num_examples, generator=generator).tolist()

    def batches():
        for i in range(0, num_examples, batch_size):
            batch_indices = torch.tensor(indices[i:min(i + batch_size, num_examples)], device=features.device)
            yield features[batch_indices], labels[batch_indices]

    return batches()


def linreg(X, w, b):
    return torch.matmul(X, w) + b


def squared_loss(y_hat, y):
    diff = y_hat - y.reshape_as(y_hat)
    return diff * diff * 0.5


def sgd_(params, lr, batch_size, weight_decay=0.0):
    if math.isnan(lr) or lr <= 0:
        raise ValueError(f"the learning rate lr must be positive, got {lr}")
    if batch_size < 1:
        raise ValueError(f"batch_size must be at least 1, got {batch_size}")
    if math.isnan(weight_decay) or weight_decay < 0:
        raise ValueError(f"weight_decay must be non-negative, got {weight_decay}")
    for param in params:
        if param.grad is None:
            continue
        param.data.sub_(lr * (param.grad / batch_size + weight_decay * param.data))
        param.grad.zero_()


def train_linreg(features, labels, lr=0.03, num_epochs=3, batch_size=10, generator=None):
    w = torch.normal(0, 0.01, size=(features.shape[1], 1), generator=generator, dtype=features.dtype)
    w = w.to(features.device).requires_grad_(True)
    b = torch.zeros(1, dtype=features.dtype, device=features.device, requires_grad=True)
    net, loss = linreg, squared_loss
    for epoch in range(num_epochs):
        for X, y in data_iter(batch_size, features, labels, generator):
            l = loss(net(X, w, b), y)
            l.sum().backward()
            sgd_([w, b], lr, batch_size)
    return w.detach(), b.detach()
