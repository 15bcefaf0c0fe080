"""WRONG on purpose: MAPPO's Huber loss, whose linear piece covers only e > δ, not e < −δ.

Source: marlbenchmark/on-policy (the MAPPO benchmark), commit
01e0a0dbbe7b5ae2bc70c279150305eadd233e8b (2022-09-14), onpolicy/utils/util.py: ``huber_loss``
and ``mse_loss``, which onpolicy/algorithms/r_mappo/r_mappo.py calls on the error
``e = return_batch - values`` (target minus prediction).
Licence: MIT. Copyright (c) 2021 MAPPO contributors.
Adapted: the contract's functions take (y_hat, y) and form the source's error
e = y − y_hat (y first reshaped to y_hat's shape); ``huber_loss(e, d)``'s d is ``delta``, and
δ ≤ 0 or NaN is a ValueError, which the source does not check. The source has no L1 loss, no
derivative of the Huber loss and no L2 penalty: ``l1_loss``, ``huber_loss_grad`` (with the masks
of the fixed loss) and ``l2_penalty`` are written in its style, correctly. The real mistake kept:
``b = (e > d).float()``, so where e < −δ (a prediction above its target by more than δ) both
masks are 0 and the loss is 0 (and so is its gradient); the contract's loss is δ·(|e| − δ/2)
there. Reported in marlbenchmark/on-policy issue #47 and fixed upstream in commit
e0dc1a3815ce6e9742329f45cdd6d45915f1a332 (``b = (abs(e) > d).float()``). ``huber_loss`` must lose
points, and nothing else.
"""

import math

import torch


def _error(y_hat, y):
    return y.reshape(y_hat.shape) - y_hat


def _check(d):
    if math.isnan(d) or d <= 0:
        raise ValueError(f"delta must be positive, got {d}")


def huber_loss(y_hat, y, delta=1.0):
    _check(delta)
    e, d = _error(y_hat, y), delta
    a = (abs(e) <= d).float()
    b = (e > d).float()
    return a*e**2/2 + b*d*(abs(e)-d/2)


def mse_loss(e):
    return e**2/2


def l2_loss(y_hat, y):
    return mse_loss(_error(y_hat, y))


def l1_loss(y_hat, y):
    return abs(_error(y_hat, y))


def huber_loss_grad(y_hat, y, delta=1.0):
    _check(delta)
    e, d = _error(y_hat, y), delta
    a = (abs(e) <= d).float()
    b = (abs(e) > d).float()
    # e = y - y_hat: the derivative with respect to y_hat is minus the derivative in e
    return -(a*e + b*d*torch.sign(e))


def l2_penalty(w):
    return (w**2).sum()/2
