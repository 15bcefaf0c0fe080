"""A correct losses submission: one class with helper methods, float64 arithmetic cast back, NumPy-style
names on tensors (torch.square, torch.multiply, torch.minimum)."""

import torch


class _Residual:
    """The residual of a prediction against its targets, in float64, and what each loss makes of it."""

    def __init__(self, y_hat, y):
        self.dtype = y_hat.dtype
        self.e = torch.subtract(y_hat.double(), torch.reshape(y.double(), y_hat.shape))

    def cast(self, value):
        return value.to(self.dtype)

    def absolute(self):
        return self.cast(torch.absolute(self.e))

    def half_square(self):
        return self.cast(torch.multiply(torch.square(self.e), 0.5))

    def huber(self, delta):
        a = torch.absolute(self.e)
        d = torch.full_like(a, delta)
        inner = torch.minimum(a, d)
        return self.cast(torch.square(inner) / 2 + d * (a - inner))

    def huber_slope(self, delta):
        d = torch.full_like(self.e, delta)
        return self.cast(torch.maximum(torch.minimum(self.e, d), -d))


def _threshold(delta):
    delta = float(delta)
    if not delta > 0:
        raise ValueError(f"huber: need delta > 0 (got delta={delta!r})")
    return delta


def l1_loss(y_hat, y):
    return _Residual(y_hat, y).absolute()


def l2_loss(y_hat, y):
    return _Residual(y_hat, y).half_square()


def huber_loss(y_hat, y, delta=1.0):
    return _Residual(y_hat, y).huber(_threshold(delta))


def huber_loss_grad(y_hat, y, delta=1.0):
    return _Residual(y_hat, y).huber_slope(_threshold(delta))


def l2_penalty(w):
    return torch.einsum("i,i->", w.reshape(-1).double(), w.reshape(-1).double()).div(2).to(w.dtype)
