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
        raise ValueError(f"fold index i={i} out of range for k={k}")
    train, valid = kfold_indices(len(X), k)[i]
    return X[train], y[train], X[valid], y[valid]


def k_fold_cross_validate(train_and_eval, k, X, y):
    kfold_indices(len(X), k)  # checks k before any training
    train_scores, valid_scores = [], []
    for i in range(k):
        train_score, valid_score = train_and_eval(*get_k_fold_data(k, i, X, y))
        train_scores.append(float(train_score))
        valid_scores.append(float(valid_score))
    return statistics.fmean(train_scores), statistics.fmean(valid_scores)
