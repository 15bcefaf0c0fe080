"""Honest twin: a Dropout module whose forward pass is not implemented."""


class _Module:
    def __init__(self, p):
        self.p, self.training = p, True

    def train(self, mode=True):
        self.training = mode
        return self

    def eval(self):
        return self.train(False)

    def __call__(self, X):
        raise NotImplementedError


def dropout_layer(X, dropout, generator=None):
    raise NotImplementedError


def Dropout(p=0.5):
    if not 0 <= p <= 1:
        raise ValueError(f"Dropout(): p={p} must be in [0, 1]")
    return _Module(p)
