"""K-fold cross-validation: split the examples into k folds, validate on each fold in turn.

Every example is validated exactly once, on the model trained on the other k − 1 folds; the mean
of the k validation scores estimates the generalization error with all the data, when there is too
little of it to hold out a fixed validation set.
"""

from __future__ import annotations

from collections.abc import Callable

import torch
from torch import Tensor

__all__ = ["get_k_fold_data", "k_fold_cross_validate", "kfold_indices"]


def kfold_indices(n: int, k: int, shuffle: bool = False,
                  generator: torch.Generator | None = None) -> list[tuple[Tensor, Tensor]]:
    r"""The k (train, valid) index splits of k-fold cross-validation over n examples.

    The validation sets partition range(n) into k folds: the first n % k folds hold n // k + 1
    indices, the others n // k (as scikit-learn's ``KFold``); fold j's training set is every
    other index. Without shuffle, fold j is the j-th contiguous block of 0, 1, ..., n − 1. With
    shuffle, the order is one ``torch.randperm(n, generator=generator)`` (the only random draw)
    and fold j is the j-th block of that permutation.

    Example: n = 7, k = 3 gives the validation sets [0, 1, 2], [3, 4], [5, 6].

    Args:
        n: number of examples, ≥ k.
        k: number of folds, 2 ≤ k ≤ n.
        shuffle: permute the examples before cutting the blocks.
        generator: source of the permutation (a CPU generator); None uses torch's default RNG.
            Unused without shuffle.

    Shape:
        train_idx: (n − len(valid_idx),). valid_idx: (n // k + 1,) or (n // k,).

    Returns:
        A list of k pairs (train_idx, valid_idx), fold 0 first: int64 1-D CPU tensors, each
        sorted ascending (also with shuffle: each block of the permutation is sorted).

    Raises:
        ValueError: k < 2 or k > n (the message names k).

    Banned: ``sklearn.*``.

    d2l: §3.6.3 (Cross-validation), §5.7 (K-fold cross-validation)
    """
    # TODO(kfold.kfold_indices): implement
    raise NotImplementedError("kfold.kfold_indices")


def get_k_fold_data(k: int, i: int, X: Tensor, y: Tensor) -> tuple[Tensor, Tensor, Tensor, Tensor]:
    r"""Fold i of k-fold cross-validation: the training and validation rows of X and y.

    The split is fold i of ``kfold_indices(len(X), k)`` (no shuffle: fold i is the i-th
    contiguous block, the first n % k blocks one row longer). Unlike d2l's ``get_k_fold_data``,
    no example is dropped when n % k ≠ 0.

    Args:
        k: number of folds, 2 ≤ k ≤ len(X).
        i: the validation fold, 0 ≤ i < k.
        X: features, any dtype, rows are examples.
        y: labels, any dtype, len(y) == len(X).

    Shape:
        X: (n, *). y: (n, *). X_train: (n − m, *), X_valid: (m, *), m = n // k (+ 1 if i < n % k);
        y_train and y_valid likewise.

    Returns:
        (X_train, y_train, X_valid, y_valid): new tensors on X's and y's devices, rows in their
        original order. X and y are untouched.

    Raises:
        ValueError: i outside [0, k) (names i); k < 2 or k > len(X) (names k);
            len(y) ≠ len(X) (names y).

    d2l: §5.7 (K-fold cross-validation)
    """
    # TODO(kfold.get_k_fold_data): implement
    raise NotImplementedError("kfold.get_k_fold_data")


def k_fold_cross_validate(train_and_eval: Callable[[Tensor, Tensor, Tensor, Tensor], tuple[float, float]],
                          k: int, X: Tensor, y: Tensor) -> tuple[float, float]:
    r"""Train and evaluate once per fold; return the mean training and validation scores.

    For i = 0, 1, ..., k − 1 in this order, calls
    ``train_and_eval(X_train, y_train, X_valid, y_valid)`` once with fold i of
    :func:`get_k_fold_data`; it returns (train score, valid score).

    Args:
        train_and_eval: trains a fresh model on (X_train, y_train) and returns its scores on the
            training and on the validation data, two floats.
        k: number of folds, 2 ≤ k ≤ len(X).
        X: features, rows are examples.
        y: labels, len(y) == len(X).

    Returns:
        (mean train score, mean valid score) over the k folds, two Python floats.

    Raises:
        ValueError: k < 2 or k > len(X) (names k), before any call of train_and_eval.

    d2l: §5.7 (K-fold cross-validation)
    """
    # TODO(kfold.k_fold_cross_validate): implement
    raise NotImplementedError("kfold.k_fold_cross_validate")
