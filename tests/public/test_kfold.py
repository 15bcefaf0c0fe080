"""Examples for the kfold topic: fold indices, the data of fold i, and cross-validation."""

import torch

from grader.testing import graded
from tests.helpers import assert_close, raises_value_error, type_name

TOPIC = "kfold"


def _as_lists(folds):
    return [(train.tolist(), valid.tolist()) for train, valid in folds]


@graded("kfold_indices", weight=2)
def test_kfold_indices_without_shuffle_gives_contiguous_blocks(submission):
    folds = list(submission.kfold_indices(7, 3))
    expected = [([3, 4, 5, 6], [0, 1, 2]), ([0, 1, 2, 5, 6], [3, 4]), ([0, 1, 2, 3, 4], [5, 6])]
    assert _as_lists(folds) == expected, \
        f"n=7, k=3: expected (train, valid) = {expected} (the first 7 % 3 = 1 fold holds 3), got {_as_lists(folds)}"
    for train, valid in folds:
        assert train.dtype == torch.int64 and valid.dtype == torch.int64, \
            f"expected int64 index tensors, got {train.dtype} and {valid.dtype}"


@graded("kfold_indices", weight=2)
def test_kfold_indices_with_shuffle_sorts_each_block_of_randperm(submission):
    order = torch.randperm(10, generator=torch.Generator().manual_seed(3))
    blocks = [order[0:4], order[4:7], order[7:10]]
    folds = list(submission.kfold_indices(10, 3, shuffle=True, generator=torch.Generator().manual_seed(3)))
    expected = [sorted(b.tolist()) for b in blocks]
    got = [valid.tolist() for _, valid in folds]
    assert got == expected, \
        f"n=10, k=3, shuffle: randperm gave {order.tolist()}; expected its blocks of 4, 3, 3 sorted, " \
        f"{expected}, got {got}"


@graded("kfold_indices")
def test_kfold_indices_rejects_more_folds_than_examples(submission):
    with raises_value_error("n=3, k=4"):
        list(submission.kfold_indices(3, 4))


@graded("get_k_fold_data", weight=2)
def test_get_k_fold_data_keeps_the_remainder_in_the_first_fold(submission, device):
    X = torch.arange(10.0).reshape(5, 2).to(device)
    y = torch.tensor([0, 1, 0, 1, 1]).to(device)
    X_train, y_train, X_valid, y_valid = submission.get_k_fold_data(2, 0, X, y)
    assert_close(X_valid, X[0:3], what="X_valid (fold 0 of n=5, k=2 holds rows 0, 1, 2)")
    assert_close(y_valid, y[0:3], what="y_valid")
    assert_close(X_train, X[3:5], what="X_train (rows 3, 4)")
    assert_close(y_train, y[3:5], what="y_train")


@graded("get_k_fold_data")
def test_get_k_fold_data_trains_on_the_rows_around_fold_i(submission, device):
    X = torch.arange(6.0).reshape(6, 1).to(device)
    y = torch.arange(6.0).to(device) * 10
    X_train, y_train, X_valid, y_valid = submission.get_k_fold_data(3, 1, X, y)
    assert_close(X_valid, X[2:4], what="X_valid (fold 1 of n=6, k=3 holds rows 2, 3)")
    assert_close(X_train, X[[0, 1, 4, 5]], what="X_train (rows 0, 1, 4, 5 in their order)")
    assert_close(y_train, y[[0, 1, 4, 5]], what="y_train")
    assert_close(y_valid, y[2:4], what="y_valid")


@graded("get_k_fold_data")
def test_get_k_fold_data_rejects_i_equal_to_k(submission):
    with raises_value_error("k=3, i=3"):
        submission.get_k_fold_data(3, 3, torch.zeros(6, 2), torch.zeros(6))


@graded("k_fold_cross_validate", weight=2)
def test_k_fold_cross_validate_averages_the_fold_scores(submission):
    X = torch.arange(6.0).reshape(6, 1)
    y = torch.zeros(6)

    def train_and_eval(X_train, y_train, X_valid, y_valid):
        return float(len(X_train)), float(X_valid.sum())  # valid sums: 1, 5, 9

    got = submission.k_fold_cross_validate(train_and_eval, 3, X, y)
    assert isinstance(got, tuple) and len(got) == 2, f"expected a tuple (mean train, mean valid), got {got!r}"
    assert all(type(v) is float for v in got), f"expected two Python floats, got {[type_name(v) for v in got]}"
    assert got == (4.0, 5.0), f"expected (mean of 4, 4, 4; mean of 1, 5, 9) = (4.0, 5.0), got {got}"


@graded("k_fold_cross_validate")
def test_k_fold_cross_validate_calls_train_and_eval_once_per_fold(submission):
    X = torch.arange(8.0).reshape(4, 2)
    y = torch.arange(4)
    seen = []

    def train_and_eval(X_train, y_train, X_valid, y_valid):
        seen.append(y_valid.tolist())
        return 0.0, 1.0

    submission.k_fold_cross_validate(train_and_eval, 2, X, y)
    assert seen == [[0, 1], [2, 3]], f"expected one call per fold, fold 0 first: y_valid [[0, 1], [2, 3]], got {seen}"
