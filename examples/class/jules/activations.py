"""A correct activations submission: masks and where, tanh through the sigmoid."""

import torch


def relu(x):
    return x * (x > 0)


def sigmoid(x):
    # each branch only exponentiates a non-positive number where it is selected
    pos = 1 / (1 + torch.exp(-x.clamp(min=0)))
    e = torch.exp(x.clamp(max=0))
    return torch.where(x >= 0, pos, e / (1 + e))


def tanh(x):
    return 2 * sigmoid(2 * x) - 1


def relu_grad(x):
    return torch.where(x > 0, torch.ones_like(x), torch.zeros_like(x))


def sigmoid_grad(x):
    s = sigmoid(x)
    return s * (1 - s)


def tanh_grad(x):
    t = tanh(x)
    return 1 - t * t
