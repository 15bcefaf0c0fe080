"""K-fold cross-validation, written from the spec with Python lists and a set for the complement."""

from __future__ import annotations

import statistics

import torch


def kfold_indices(n, k, shuffle=False, generator=None):
    if k < 2 or k > n:
        raise ValueError(f"k must satisfy 2 <= k <= n, got k={k}, n={n}")
    perm = torch.randperm(n, generator=generator).tolist() if shuffle else list(range(n))
    base, extra = divmod(n, k)
    folds, start = [], 0
    for j in range(k):
        size = base + (1 if j < extra else 0)
        valid = sorted(perm[start:start + size])
        in_valid = set(valid)
        train = [t for t in range(n) if t not in in_valid]
        folds.append((torch.tensor(train, dtype=torch.long), torch.tensor(valid, dtype=torch.long)))
        start += size
    return folds


def get_k_fold_data(k, i, X, y):
    if not 0 <= i < k:
        raise ValueError(f"i={i} must be in [0, k)")
    if not 2 <= k <= len(X):
        raise ValueError(f"k={k} must be between 2 and n={len(X)}")
    fold_size = X.shape[0] // k
    X_train, y_train = None, None
    for j in range(k):
        idx = slice(j * fold_size, (j + 1) * fold_size)
        X_part, y_part = X[idx, ...], y[idx]
        if j == i:
            X_valid, y_valid = X_part, y_part
        elif X_train is None:
            X_train, y_train = X_part, y_part
        else:
            X_train = torch.cat([X_train, X_part], 0)
            y_train = torch.cat([y_train, y_part], 0)
    return X_train, y_train, X_valid, y_valid


def k_fold_cross_validate(train_and_eval, k, X, y):
    kfold_indices(len(X), k)  # checks k before any training
    train_scores, valid_scores = [], []
    for i in range(k):
        train_score, valid_score = train_and_eval(*get_k_fold_data(k, i, X, y))
        train_scores.append(float(train_score))
        valid_scores.append(float(valid_score))
    return statistics.fmean(train_scores), statistics.fmean(valid_scores)
