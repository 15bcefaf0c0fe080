"""Broadcasting exercises: zip_longest over reversed shapes, einsum of differences, float64 statistics."""

from itertools import zip_longest

import torch


def broadcast_shape(a, b):
    out = []
    for x, y in zip_longest(reversed(a), reversed(b), fillvalue=1):
        if x != y and x != 1 and y != 1:
            raise ValueError("incompatible shapes: a=%s, b=%s" % (a, b))
        out.append(y if x == 1 else x)
    return tuple(out[::-1])


def pairwise_sq_dists(X, Y):
    if X.size(-1) != Y.size(-1):
        raise ValueError("X and Y must have the same number of features")
    diff = X.unsqueeze(1) - Y.unsqueeze(0)
    return torch.einsum("nmd,nmd->nm", diff, diff)


def standardize(X):
    n = X.size(0)
    if n < 2:
        raise ValueError("X must have at least two rows, got n=%d" % n)
    Xd = X.to(torch.float64)
    mu = Xd.sum(0) / n
    sd = (((Xd - mu) ** 2).sum(0) / (n - 1)).sqrt()
    constant = (X != X[0]).sum(0) == 0
    Z = torch.where(constant, torch.zeros_like(Xd), (Xd - mu) / sd)
    return Z.to(X.dtype)
