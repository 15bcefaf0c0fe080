"""WRONG on purpose: d2l's ``data_iter``, which shuffles with Python's ``random``.

Source: d2l-ai/d2l-en, release v0.17.6 (commit 0f920da87c3d3eb6a6802469fd3e89b7d4f43160),
chapter_linear-networks/linear-regression-scratch.md (``data_iter``, the training loop) and
d2l/torch.py (``linreg``, ``squared_loss``, ``sgd``).
Licence: MIT-0 (d2l's LICENSE-SAMPLECODE). Copyright 2019 Amazon.com, Inc. or its affiliates.
Adapted: the contract's ``generator`` parameter is accepted by ``data_iter`` (and, as in the
book, unused); ``d2l.tensor`` is ``torch.tensor``. The other functions are adapted to the
contract as in ``real_d2l/sgd.py``. The real deviation kept: the order comes from
``random.shuffle``, not ``torch.randperm(n, generator=generator)``, so a seeded generator does
not decide (or reproduce) it; ``data_iter`` must lose points, and ``train_linreg``, which draws
its batches from it, may too.
"""

import random

import torch


def data_iter(batch_size, features, labels, generator=None):
    num_examples = len(features)
    indices = list(range(num_examples))
    # The examples are read at random, in no particular order
    random.shuffle(indices)
    for i in range(0, num_examples, batch_size):
        batch_indices = torch.tensor(
            indices[i: min(i + batch_size, num_examples)])
        yield features[batch_indices], labels[batch_indices]


def linreg(X, w, b):
    """The linear regression model."""
    return torch.matmul(X, w) + b


def squared_loss(y_hat, y):
    """Squared loss."""
    return (y_hat - torch.reshape(y, y_hat.shape)) ** 2 / 2


class SGD:
    """Minibatch stochastic gradient descent."""
    def __init__(self, params, lr, batch_size, weight_decay=0.0):
        if not (lr > 0 and batch_size >= 1 and weight_decay >= 0):
            raise ValueError(f"invalid lr={lr}, batch_size={batch_size} or weight_decay={weight_decay}")
        self.params, self.lr, self.batch_size, self.weight_decay = params, lr, batch_size, weight_decay

    def step(self):
        with torch.no_grad():
            for param in self.params:
                if param.grad is not None:
                    param -= self.lr * (param.grad / self.batch_size + self.weight_decay * param)

    def zero_grad(self):
        for param in self.params:
            if param.grad is not None:
                param.grad.zero_()


def sgd_(params, lr, batch_size, weight_decay=0.0):
    """Minibatch stochastic gradient descent."""
    params = list(params)
    optim = SGD(params, lr, batch_size, weight_decay)
    optim.step()
    optim.zero_grad()


def train_linreg(features, labels, lr=0.03, num_epochs=3, batch_size=10, generator=None):
    w = torch.normal(0, 0.01, size=(features.shape[1], 1), generator=generator,
                     dtype=features.dtype).to(features.device).requires_grad_(True)
    b = torch.zeros(1, dtype=features.dtype, device=features.device, requires_grad=True)
    net, loss = linreg, squared_loss
    for epoch in range(num_epochs):
        for X, y in data_iter(batch_size, features, labels, generator):
            l = loss(net(X, w, b), y)  # Minibatch loss in `X` and `y`
            # Compute gradient on `l` with respect to [`w`, `b`]
            l.sum().backward()
            sgd_([w, b], lr, batch_size)  # Update parameters using their gradient
    return w.detach(), b.detach()
