"""Linear regression from scratch: d2l's own code, adapted in names and signatures only.

Source: d2l-ai/d2l-en, release v0.17.6 (commit 0f920da87c3d3eb6a6802469fd3e89b7d4f43160):
chapter_linear-networks/linear-regression-scratch.md (``data_iter``, the training loop) and
d2l/torch.py (``linreg``, ``squared_loss``, ``sgd``); ``sgd_`` keeps d2l's ``sgd`` inside a
class in the style of release v1.0.3's ``SGD(d2l.HyperParameters)`` (``step``/``zero_grad``,
chapter_linear-regression/linear-regression-scratch.md).
Licence: MIT-0 (d2l's LICENSE-SAMPLECODE). Copyright 2019 Amazon.com, Inc. or its affiliates.
Adapted, where d2l deviates from the contract:
- ``data_iter``: d2l shuffles ``list(range(n))`` with Python's ``random.shuffle``; the contract
  draws the order from ``torch.randperm(n, generator=generator)``, so that one line changed
  (and the generator parameter added). Checks for batch_size and lengths added (ValueError).
- ``sgd_``: d2l's ``sgd(params, lr, batch_size)`` assumes every param has a grad and has no
  weight decay; the contract skips params whose grad is None, adds ``weight_decay``, and
  rejects bad lr/batch_size/weight_decay. The update line is d2l's
  ``param -= lr * param.grad / batch_size`` plus the decay term.
- ``d2l.matmul``/``d2l.reshape`` are ``torch.matmul``/``torch.reshape``.
- ``train_linreg`` is d2l's loop with its initialisation (w ~ N(0, 0.01²), b = 0), drawing w
  with the generator and the features' dtype, returning (w, b) detached.
"""

import torch


def data_iter(batch_size, features, labels, generator=None):
    if batch_size < 1 or len(features) != len(labels):
        raise ValueError(f"bad batch_size={batch_size} or lengths {len(features)} != {len(labels)}")
    num_examples = len(features)
    # The examples are read at random, in no particular order
    indices = torch.randperm(num_examples, generator=generator)
    for i in range(0, num_examples, batch_size):
        batch_indices = indices[i: min(i + batch_size, num_examples)]
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
