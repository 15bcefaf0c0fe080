"""WRONG on purpose: ML-From-Scratch's ReLU gradient, 1 at x = 0 (the contract and PyTorch: 0).

Source: eriklindernoren/ML-From-Scratch, mlfromscratch/deep_learning/activation_functions.py
(commit a2806c6732eee8d27762edd6d864e0c179d8e9e8): ``Sigmoid``, ``TanH`` and ``ReLU`` classes
with ``__call__`` and ``gradient``.
Licence: MIT. Copyright (c) 2017 Erik Linder-Norén.
Adapted: NumPy calls are their torch twins on tensors; the contract's six functions call the
classes. ``ReLU.gradient`` is the original's ``np.where(x >= 0, 1, 0)``: the real mistake this
case keeps, so ``relu_grad`` must lose points (at x = 0) and nothing else.
"""

import torch


class Sigmoid():
    def __call__(self, x):
        return 1 / (1 + torch.exp(-x))

    def gradient(self, x):
        return self.__call__(x) * (1 - self.__call__(x))


class TanH():
    def __call__(self, x):
        return 2 / (1 + torch.exp(-2*x)) - 1

    def gradient(self, x):
        return 1 - torch.pow(self.__call__(x), 2)


class ReLU():
    def __call__(self, x):
        return torch.where(x >= 0, x, torch.zeros_like(x))

    def gradient(self, x):
        return torch.where(x >= 0, torch.ones_like(x), torch.zeros_like(x))


def relu(x):
    return ReLU()(x)


def sigmoid(x):
    return Sigmoid()(x)


def tanh(x):
    return TanH()(x)


def relu_grad(x):
    return ReLU().gradient(x)


def sigmoid_grad(x):
    return Sigmoid().gradient(x)


def tanh_grad(x):
    return TanH().gradient(x)
