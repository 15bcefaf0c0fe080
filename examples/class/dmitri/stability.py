"""A stability submission: log(1 + e^{-|x|}) without log1p, a Python float accumulator in
float64, and every gradient rescaled by theta / norm (``param.grad[:] *= theta / norm``)."""

import math

import torch


def softplus(x):
    # log(1 + tiny) rounds to 0 instead of tiny: off by less than the absolute tolerance
    return torch.maximum(x, torch.zeros_like(x)) + torch.log(1 + torch.exp(-torch.abs(x)))


def log_sigmoid(x):
    return torch.minimum(x, torch.zeros_like(x)) - torch.log(1 + torch.exp(-torch.abs(x)))


def grad_norm(params):
    total, last = 0.0, None
    for param in params:
        if param.grad is not None:
            total += float(torch.sum(param.grad.double() ** 2))
            last = param.grad
    if last is None:  # torch's default dtype, on the params' device
        return torch.tensor(0.0, device=params[0].device if len(params) > 0 else "cpu")
    return torch.tensor(math.sqrt(total), dtype=last.dtype, device=last.device)


def clip_grad_norm_(params, max_norm):
    if math.isnan(max_norm) or max_norm <= 0:
        raise ValueError(f"max_norm must be positive, got {max_norm}")
    norm = grad_norm(params)
    theta = max_norm
    for param in params:
        if param.grad is not None:
            param.grad[:] *= theta / norm
    return norm
