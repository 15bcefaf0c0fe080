"""WRONG on purpose: d2l's ``get_k_fold_data``, which drops the last n % k examples.

Source: d2l-ai/d2l-en, release v0.17.6 (commit 0f920da87c3d3eb6a6802469fd3e89b7d4f43160),
chapter_multilayer-perceptrons/kaggle-house-price.md: ``get_k_fold_data`` and ``k_fold``.
Licence: MIT-0 (d2l's LICENSE-SAMPLECODE). Copyright 2019 Amazon.com, Inc. or its affiliates.
``kfold_indices`` is scikit-learn's ``KFold`` logic (as ``real_d2l/kfold.py``; scikit-learn
1.5.2, sklearn/model_selection/_split.py, BSD-3-Clause, Copyright (c) 2007-2024 The
scikit-learn developers).
Adapted: ``d2l.concat`` is ``torch.cat``; ``X[idx, :]`` is ``X[idx]`` (the contract's X may be
1-D); the contract's ValueError for i outside [0, k) replaces nothing of d2l's (which has
``assert k > 1`` only) and is added so that only the real mistake remains:
``fold_size = X.shape[0] // k`` drops the last n % k examples from every split, which the
contract forbids. ``get_k_fold_data`` must lose points, and so must ``k_fold_cross_validate``,
d2l's ``k_fold`` loop as is: its folds are d2l's, and it checks no k (k = 0 divides by zero).
"""

import torch


def kfold_indices(n, k, shuffle=False, generator=None):
    if not 2 <= k <= n:
        raise ValueError(f"k={k} must be between 2 and n={n}")
    indices = torch.randperm(n, generator=generator) if shuffle else torch.arange(n)
    fold_sizes = torch.full((k,), n // k, dtype=torch.int64)
    fold_sizes[: n % k] += 1
    folds, current = [], 0
    for fold_size in fold_sizes.tolist():
        start, stop = current, current + fold_size
        test_mask = torch.zeros(n, dtype=torch.bool)
        test_mask[indices[start:stop]] = True
        folds.append((torch.arange(n)[~test_mask], torch.arange(n)[test_mask]))
        current = stop
    return folds


def get_k_fold_data(k, i, X, y):
    assert k > 1
    if not 0 <= i < k:
        raise ValueError(f"fold i={i} is not in range(k={k})")
    fold_size = X.shape[0] // k
    X_train, y_train = None, None
    for j in range(k):
        idx = slice(j * fold_size, (j + 1) * fold_size)
        X_part, y_part = X[idx], y[idx]
        if j == i:
            X_valid, y_valid = X_part, y_part
        elif X_train is None:
            X_train, y_train = X_part, y_part
        else:
            X_train = torch.cat([X_train, X_part], 0)
            y_train = torch.cat([y_train, y_part], 0)
    return X_train, y_train, X_valid, y_valid


def k_fold_cross_validate(train_and_eval, k, X, y):
    train_l_sum, valid_l_sum = 0, 0
    for i in range(k):
        data = get_k_fold_data(k, i, X, y)
        train_l, valid_l = train_and_eval(*data)
        train_l_sum += train_l
        valid_l_sum += valid_l
    return float(train_l_sum / k), float(valid_l_sum / k)
