"""Activation functions as classes with a gradient method: ML-From-Scratch's, on tensors.

Source: eriklindernoren/ML-From-Scratch, mlfromscratch/deep_learning/activation_functions.py
(commit a2806c6732eee8d27762edd6d864e0c179d8e9e8): ``Sigmoid``, ``TanH`` and ``ReLU``, each a
class whose ``__call__`` is the function and whose ``gradient`` its derivative.
Licence: MIT. Copyright (c) 2017 Erik Linder-Norén.
Adapted: ``np.exp``/``np.where``/``np.power`` are ``torch.exp``/``torch.where``/``torch.pow``
on tensors (``torch.where`` needs tensors, so the constants are ``zeros_like``/``ones_like``);
the contract's six functions call the classes (``relu_grad(x)`` is ``ReLU().gradient(x)``).
Where the original deviates from the contract: its ``ReLU.gradient`` is
``np.where(x >= 0, 1, 0)``, 1 at x = 0, where the contract (and PyTorch) give 0; here ``x > 0``.
The unadapted version is graded as a wrong case in
``real_wrong_mlfromscratch/activations.py``. ``Sigmoid`` (``1 / (1 + exp(-x))``) and ``TanH``
(``2 / (1 + exp(-2x)) - 1``) are kept as written: exp overflows to inf for very negative x, and
1 / inf = 0 gives the right limits without a NaN.
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
        return torch.where(x > 0, torch.ones_like(x), torch.zeros_like(x))


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
