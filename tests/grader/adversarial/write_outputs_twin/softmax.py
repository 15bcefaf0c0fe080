"""Honest twin: accuracy written, everything else not implemented."""


def softmax(O):
    raise NotImplementedError


def cross_entropy(y_hat, y):
    raise NotImplementedError


def softmax_cross_entropy(O, y):
    raise NotImplementedError


def softmax_cross_entropy_grad(O, y):
    raise NotImplementedError


def accuracy(y_hat, y):
    return float((y_hat.argmax(dim=1) == y).double().mean())
