"""A correct activations submission: float64 arithmetic cast back, heaviside, cosh."""

import torch


def relu(x):
    return torch.maximum(x, torch.zeros_like(x))


def sigmoid(x):
    return (0.5 * (1 + tanh(0.5 * x.double()))).to(x.dtype)


def tanh(x):
    y = x.double()
    e = torch.exp(-2 * y.abs())
    return (torch.sign(y) * (1 - e) / (1 + e)).to(x.dtype)


def relu_grad(x):
    return torch.heaviside(x, torch.zeros_like(x))


def sigmoid_grad(x):
    y = x.double()
    return (0.25 / torch.cosh(0.5 * y) ** 2).to(x.dtype)


def tanh_grad(x):
    return (1 / torch.cosh(x.double()) ** 2).to(x.dtype)
