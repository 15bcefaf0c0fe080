"""Honest twin: nothing implemented but accuracy, which returns 2.0 (the fake's value)."""


def softmax(O):
    raise NotImplementedError


def cross_entropy(y_hat, y):
    raise NotImplementedError


def softmax_cross_entropy(O, y):
    raise NotImplementedError


def softmax_cross_entropy_grad(O, y):
    raise NotImplementedError


def accuracy(y_hat, y):
    return 2.0
