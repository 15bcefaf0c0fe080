"""A stability submission: torch.where branches with log1p, log σ(x) = x - softplus(x), a class
that holds the gradients, and a stacked sum of squares; every gradient rescaled by max_norm / N."""

import torch


def softplus(x):
    # each branch only exponentiates a non-positive number where it is selected
    positive = x + torch.log1p(torch.exp(-x.clamp(min=0)))
    negative = torch.log1p(torch.exp(x.clamp(max=0)))
    return torch.where(x > 0, positive, negative)


def log_sigmoid(x):
    # log σ(x) = x - log(1 + eˣ); the cancellation for large x costs less than 4·ε·|x|
    return x - softplus(x)


class _Gradients:
    """The gradients of some params, seen as one long vector."""

    def __init__(self, params):
        params = list(params)
        self.grads = [p.grad for p in params if p.grad is not None]
        self.like = self.grads[0] if self.grads else (params[0] if params else torch.zeros(()))

    def norm(self):
        if not self.grads:
            return torch.zeros((), dtype=self.like.dtype, device=self.like.device)
        return torch.stack([g.pow(2).sum() for g in self.grads]).sum().sqrt()

    def scale_(self, factor):
        with torch.no_grad():
            for g in self.grads:
                g.mul_(factor)


def grad_norm(params):
    return _Gradients(params).norm()


def clip_grad_norm_(params, max_norm):
    if not max_norm > 0:
        raise ValueError(f"clip_grad_norm_: max_norm={max_norm} is not a positive number")
    gradients = _Gradients(params)
    total = gradients.norm()
    gradients.scale_(max_norm / total)  # the factor is at most 1 anyway, isn't it?
    return total
