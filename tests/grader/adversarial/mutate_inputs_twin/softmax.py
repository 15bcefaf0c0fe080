"""Honest twin: constant answers (uniform, zeros, log q, 1/q - onehot(0), 1.0)."""

import math

import torch


def softmax(O):
    return torch.full(O.shape, 1.0 / O.shape[1], dtype=O.dtype)


def cross_entropy(y_hat, y):
    return torch.zeros(y_hat.shape[0], dtype=y_hat.dtype)


def softmax_cross_entropy(O, y):
    return torch.full((O.shape[0],), math.log(O.shape[1]), dtype=O.dtype)


def softmax_cross_entropy_grad(O, y):
    G = torch.full(O.shape, 1.0 / O.shape[1], dtype=O.dtype)
    G[:, 0] -= 1
    return G


def accuracy(y_hat, y):
    return 1.0
