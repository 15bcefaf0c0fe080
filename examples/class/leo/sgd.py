"""Linear regression from scratch: minibatches, the model, the loss, SGD and the training loop.

d2l builds linear regression out of four small pieces, then a loop that ties them together:
``data_iter`` deals the examples out in random minibatches, ``linreg`` predicts Xw + b,
``squared_loss`` measures each prediction's error, and ``sgd_`` moves every parameter a step
against its gradient. ``train_linreg`` runs that loop on (features, labels) and returns the
learned w and b.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

import torch
from torch import Tensor

__all__ = ["data_iter", "linreg", "sgd_", "squared_loss", "train_linreg"]


def data_iter(batch_size: int, features: Tensor, labels: Tensor,
              generator: torch.Generator | None = None) -> Iterator[tuple[Tensor, Tensor]]:
    r"""Yield (X, y) minibatches that visit every example once, in a random order.

    The order is ONE permutation ``torch.randperm(n, generator=generator)`` of the n examples,
    drawn on the CPU (even when the data are on a GPU; index the data with it). Its first
    ``batch_size`` indices make the first batch, the next ``batch_size`` the second, and so on;
    the last batch holds what is left (1 to ``batch_size`` examples). Row i of ``features`` stays
    paired with row i of ``labels``.

    Args:
        batch_size: examples per batch, an int ≥ 1 (it may exceed n: one batch of all n).
        features: the examples, any dtype, first dim n (e.g. (n, d) float32 or float64).
        labels: one label per example, first dim n (e.g. (n,) or (n, 1)).
        generator: a CPU ``torch.Generator`` for the permutation; None uses torch's global RNG
            (so ``torch.manual_seed`` makes the order reproducible). With a generator, torch's
            global RNG is left alone.

    Shape:
        features: (n, \*). labels: (n, \*). Each X: (b, \*) and y: (b, \*), b = ``batch_size``
        except in the last batch.

    Returns:
        An iterator (a generator function is fine) of (X, y) tuples with the dtype and device of
        ``features`` and ``labels``. The inputs are untouched.

    Raises:
        ValueError: ``batch_size`` < 1, or len(features) ≠ len(labels); raised at the call or at
            the first ``next()``.

    Example: n = 7, batch_size = 3 gives batches of 3, 3 and 1 examples.

    d2l: §3.4.2 (Reading the Dataset)
    """
    # TODO(sgd.data_iter): implement
    raise NotImplementedError("sgd.data_iter")


def linreg(X: Tensor, w: Tensor, b: Tensor) -> Tensor:
    r"""The linear regression model: predictions Xw + b.

    .. math:: \hat{y} = X w + b

    Args:
        X: features, float32 or float64, (n, d).
        w: weights, X's dtype, (d, 1) or (d,).
        b: bias, X's dtype, 0-dim or (1,), broadcast over the n examples.

    Shape:
        X: (n, d). w: (d, 1) or (d,). Output: (n, 1) if w is (d, 1), (n,) if w is (d,).

    Returns:
        A new tensor with X's dtype and device. It carries autograd history when w or b
        requires grad (the training loop differentiates through it).

    d2l: §3.4.4 (Defining the Model)
    """
    # TODO(sgd.linreg): implement
    raise NotImplementedError("sgd.linreg")


def squared_loss(y_hat: Tensor, y: Tensor) -> Tensor:
    r"""Half the squared error of each prediction, not reduced.

    .. math:: l_i = \tfrac12 (\hat{y}_i - y_i)^2

    y is first reshaped to ``y_hat``'s shape (a (n,) y against a (n, 1) y_hat would otherwise
    broadcast to (n, n)).

    Args:
        y_hat: predictions, float32 or float64, any shape.
        y: targets, y_hat's dtype, the same number of elements as y_hat (any shape).

    Shape:
        y_hat: (\*). y: any shape with y_hat.numel() elements. Output: (\*), y_hat's shape.

    Returns:
        A new tensor with y_hat's dtype and device, one loss per element (no sum, no mean).

    d2l: §3.4.5 (Defining the Loss Function)
    """
    # TODO(sgd.squared_loss): implement
    raise NotImplementedError("sgd.squared_loss")


def sgd_(params: Sequence[Tensor], lr: float, batch_size: int, weight_decay: float = 0.0) -> None:
    r"""One minibatch SGD step, in place, on every parameter that has a gradient.

    For every p in ``params`` whose ``p.grad`` is not None:

    .. math:: p \leftarrow p - \text{lr} \cdot \left(\frac{p.\text{grad}}{\text{batch\_size}}
              + \text{weight\_decay} \cdot p\right)

    then ``p.grad`` is zeroed (``p.grad.zero_()``), ready for the next ``backward``. The update
    records no autograd history (``with torch.no_grad():``): p stays a leaf that requires
    grad, and stays the same object (update it in place, never rebind or replace it). A p whose
    grad is None is left alone. The gradient is divided by ``batch_size`` because the loss was
    summed, not averaged, over the minibatch.

    Args:
        params: the parameters, leaf tensors (float32 or float64) that require grad.
        lr: learning rate, > 0.
        batch_size: examples the summed loss covered, an int ≥ 1.
        weight_decay: L2 penalty coefficient λ (the gradient of λ/2·‖p‖²), ≥ 0.

    Returns:
        None; the parameters and their gradients are changed in place.

    Raises:
        ValueError: lr ≤ 0 or NaN, batch_size < 1, weight_decay < 0 or NaN (the message names
            the argument).

    Banned: ``torch.optim.*``.

    d2l: §3.4.6 (Defining the Optimization Algorithm), §3.7 (weight decay)
    """
    # TODO(sgd.sgd_): implement
    raise NotImplementedError("sgd.sgd_")


def train_linreg(features: Tensor, labels: Tensor, lr: float = 0.03, num_epochs: int = 3,
                 batch_size: int = 10, generator: torch.Generator | None = None) -> tuple[Tensor, Tensor]:
    r"""Fit w and b of ``linreg`` to (features, labels) by minibatch SGD, d2l's loop from scratch.

    1. w ~ N(0, 0.01²) of shape (d, 1), drawn with ``generator`` on the CPU, then moved to
       features' device; b = zeros(1); both features' dtype, both requiring grad.
    2. For each of ``num_epochs`` epochs, for each (X, y) of
       ``data_iter(batch_size, features, labels, generator)``:
       loss = squared_loss(linreg(X, w, b), y).sum(); loss.backward();
       ``sgd_([w, b], lr, batch_size)``.

    On d2l's synthetic data (1000 examples, y = Xw + b + noise of std 0.01) the defaults recover
    w and b to within 0.05.

    Args:
        features: (n, d), float32 or float64.
        labels: (n,) or (n, 1), features' dtype.
        lr: learning rate, > 0.
        num_epochs: passes over the data, ≥ 0.
        batch_size: examples per minibatch, ≥ 1 (the last batch may be smaller; ``sgd_`` still
            divides by ``batch_size``).
        generator: a CPU ``torch.Generator``; every random number (w's init and each epoch's
            order) is drawn from it, so a seeded generator makes training reproducible and
            leaves torch's global RNG alone. None uses torch's global RNG.

    Shape:
        features: (n, d). labels: (n,) or (n, 1). Output: w (d, 1), b (1,).

    Returns:
        (w, b), detached (they do not require grad), with features' dtype and device. The
        inputs are untouched.

    Raises:
        ValueError: lr ≤ 0 or NaN, batch_size < 1 (from ``sgd_`` and ``data_iter``).

    Banned: ``torch.optim.*``.

    d2l: §3.4.7 (Training)
    """
    # TODO(sgd.train_linreg): implement
    raise NotImplementedError("sgd.train_linreg")
