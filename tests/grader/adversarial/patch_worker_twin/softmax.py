"""Honest twin: a naive softmax, and None from every other function."""

import torch


def softmax(O):
    e = torch.exp(O)  # overflows for logits past ~88 (float32): the large-logit tests fail
    return e / e.sum(dim=1, keepdim=True)


def cross_entropy(y_hat, y):
    return None


def softmax_cross_entropy(O, y):
    return None


def softmax_cross_entropy_grad(O, y):
    return None


def accuracy(y_hat, y):
    return None
