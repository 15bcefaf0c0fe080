"""Honest twin: every function of the topic raises NotImplementedError."""


def softmax(O):
    raise NotImplementedError


def cross_entropy(y_hat, y):
    raise NotImplementedError


def softmax_cross_entropy(O, y):
    raise NotImplementedError


def softmax_cross_entropy_grad(O, y):
    raise NotImplementedError


def accuracy(y_hat, y):
    raise NotImplementedError
