"""K-fold cross-validation, written from the spec: torch.split, boolean masks and d2l-style slices."""

from __future__ import annotations

import torch


def kfold_indices(n: int, k: int, shuffle: bool = False, generator: torch.Generator | None = None):
    if k < 2:
        raise ValueError("k (the number of folds) must be at least 2, got %d" % k)
    if k > n:
        raise ValueError(f"k={k} folds need at least k examples, got n={n}")
    order = torch.randperm(n, generator=generator) if shuffle else torch.arange(n)
    sizes = torch.full((k,), n // k, dtype=torch.int64)
    sizes[: n % k] += 1
    out = []
    for block in torch.split(order, sizes.tolist()):
        mask = torch.ones(n, dtype=torch.bool)
        mask[block] = False
        out.append((torch.nonzero(mask).flatten(), torch.sort(block).values))
    return out


def get_k_fold_data(k, i, X, y):
    if i < 0 or i >= k:
        raise ValueError(f"i must be in range(k) = range({k}), got {i}")
    n = X.shape[0]
    if not 2 <= k <= n:
        raise ValueError(f"need 2 <= k <= n, got k={k} for n={n}")
    fold_size, rem = divmod(n, k)
    start = i * fold_size + min(i, rem)
    stop = start + fold_size + (1 if i < rem else 0)
    X_train, y_train = torch.cat([X[:start], X[stop:]]), torch.cat([y[:start], y[stop:]])
    return X_train, y_train, X[start:stop].clone(), y[start:stop].clone()


def k_fold_cross_validate(train_and_eval, k, X, y):
    if not 2 <= k <= len(X):
        raise ValueError(f"k={k} must be between 2 and len(X)={len(X)}")
    train_l_sum, valid_l_sum = 0, 0
    for i in range(k):
        train_l, valid_l = train_and_eval(*get_k_fold_data(k, i, X, y))
        train_l_sum += train_l
        valid_l_sum += valid_l
    return float(train_l_sum / k), float(valid_l_sum / k)
