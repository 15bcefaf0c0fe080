"""Broadcasting exercises: shapes popped from the right, the expanded distance formula, std_mean."""

import torch


def broadcast_shape(a, b):
    left, right = list(a), list(b)
    result = []
    while left or right:
        x = left.pop() if left else 1
        y = right.pop() if right else 1
        if x == 1:
            result.append(y)
        elif y == 1 or x == y:
            result.append(x)
        else:
            raise ValueError(f"shapes a={tuple(a)} and b={tuple(b)} cannot be broadcast ({x} vs {y})")
    return tuple(reversed(result))


def pairwise_sq_dists(X, Y):
    if X.shape[1] != Y.shape[1]:
        raise ValueError(f"X has d={X.shape[1]} columns but Y has {Y.shape[1]}")
    sq_x = (X ** 2).sum(dim=1, keepdim=True)
    sq_y = (Y ** 2).sum(dim=1)
    D = sq_x + sq_y - 2 * (X @ Y.T)
    return D.clamp(min=0)


def standardize(X):
    if X.shape[0] < 2:
        raise ValueError(f"standardize needs at least 2 rows, X has n={X.shape[0]}")
    std, mean = torch.std_mean(X, dim=0)
    constant = X.max(dim=0).values == X.min(dim=0).values
    Z = (X - mean) / torch.where(constant, 1.0, std)
    Z[:, constant] = 0
    return Z
