"""Properties of the kfold topic, graded against the spec and the reference solution.

The spec fixes the only random draw (one ``torch.randperm(n, generator=generator)`` when
shuffling), so shuffled folds are compared with the reference's for the same seed. Sizes are drawn
as n = k·q + r with 0 ≤ r < k, so n % k ≠ 0 in most examples.
"""

import math

import torch
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.strategies import DrawFn, composite

from grader.testing import graded
from solutions import kfold as reference
from tests.helpers import assert_close, assert_unchanged, raises_value_error, type_name
from tests.strategies import dtypes, floats, matrix_sizes, seeds, tensors

TOPIC = "kfold"


@composite
def _sizes(draw: DrawFn, *, with_remainder: bool = False) -> tuple[int, int]:
    """(n, k) with 2 ≤ k ≤ n: n = k·q + r, r ≥ 1 when ``with_remainder``.

    (k, q) comes from :func:`matrix_sizes`, which draws q = 1 (folds of one or two examples,
    n == k when r = 0) and k == q on purpose.
    """
    k, q = draw(matrix_sizes(min_rows=2, max_rows=8, max_cols=6))
    r = draw(st.integers(1 if with_remainder else 0, k - 1))
    return k * q + r, k


@composite
def _datasets(draw: DrawFn, n: int) -> tuple[torch.Tensor, torch.Tensor]:
    """X (n,) or (n, d) of floats, y (n,) or (n, 1), float or int64 labels; CPU."""
    X = draw(tensors(shape=draw(st.sampled_from([(n,), (n, 1), (n, 3)])), elements=floats(min_value=-5, max_value=5)))
    if draw(st.booleans()):
        y = torch.tensor(draw(st.lists(st.integers(0, 9), min_size=n, max_size=n)), dtype=torch.int64)
    else:
        y = draw(tensors(shape=(n,), dtype=dtypes()))
    return X, (y.reshape(n, 1) if draw(st.booleans()) else y)


def _indexed_data(n: int, device: torch.device) -> tuple[torch.Tensor, torch.Tensor]:
    """X[j] = (j, −j), y[j] = 100 + j: every row says where it came from."""
    j = torch.arange(n, dtype=torch.float64)
    return torch.stack([j, -j], dim=1).to(device), (100 + torch.arange(n)).to(device)


def _folds(submission, *args, **kwargs) -> list[tuple[torch.Tensor, torch.Tensor]]:
    folds = [tuple(pair) for pair in submission.kfold_indices(*args, **kwargs)]
    assert all(len(pair) == 2 for pair in folds), "expected each fold to be a pair (train_idx, valid_idx)"
    return folds


def _assert_same_folds(got, expected, context: str) -> None:
    assert len(got) == len(expected), f"{context}: expected {len(expected)} folds, got {len(got)}"
    for j, ((train, valid), (train_ref, valid_ref)) in enumerate(zip(got, expected)):
        assert_close(valid, valid_ref, what=f"{context}: valid_idx of fold {j}")
        assert_close(train, train_ref, what=f"{context}: train_idx of fold {j}")


def _size(n: int, k: int, j: int) -> int:
    return n // k + (1 if j < n % k else 0)


# ---------------------------------------------------------------- kfold_indices

@graded("kfold_indices", weight=2)
@given(sizes=_sizes(), shuffle=st.booleans(), seed=seeds())
def test_kfold_indices_valid_sets_partition_range_n_with_sklearn_sizes(submission, sizes, shuffle, seed):
    n, k = sizes
    folds = _folds(submission, n, k, shuffle=shuffle, generator=torch.Generator().manual_seed(seed))
    assert len(folds) == k, f"n={n}, k={k}: expected {k} folds, got {len(folds)}"
    got = [len(valid) for _, valid in folds]
    expected = [_size(n, k, j) for j in range(k)]
    assert got == expected, \
        f"n={n}, k={k}: expected fold sizes {expected} (the first n % k = {n % k} folds hold one more), got {got}"
    union = torch.cat([valid.reshape(-1) for _, valid in folds]).sort().values
    assert torch.equal(union, torch.arange(n)), \
        f"n={n}, k={k}: expected the validation sets to hold every index 0..{n - 1} exactly once, got {union.tolist()}"


@graded("kfold_indices")
@given(sizes=_sizes(), shuffle=st.booleans(), seed=seeds())
def test_kfold_indices_train_is_the_complement_of_valid(submission, sizes, shuffle, seed):
    n, k = sizes
    for j, (train, valid) in enumerate(_folds(submission, n, k, shuffle=shuffle,
                                              generator=torch.Generator().manual_seed(seed))):
        both = torch.cat([train.reshape(-1), valid.reshape(-1)]).sort().values
        assert torch.equal(both, torch.arange(n)), \
            f"n={n}, k={k}, fold {j}: expected train_idx = every index not in valid_idx {valid.tolist()}, " \
            f"got {train.tolist()}"


@graded("kfold_indices")
@given(sizes=_sizes(), shuffle=st.booleans(), seed=seeds())
def test_kfold_indices_gives_sorted_1d_int64_cpu_tensors(submission, sizes, shuffle, seed):
    n, k = sizes
    for j, pair in enumerate(_folds(submission, n, k, shuffle=shuffle, generator=torch.Generator().manual_seed(seed))):
        for name, idx in zip(("train_idx", "valid_idx"), pair):
            assert type(idx) is torch.Tensor, \
                f"fold {j}: expected {name} to be a torch.Tensor, got {type_name(idx)}"
            assert idx.dtype == torch.int64 and idx.dim() == 1 and idx.device.type == "cpu", \
                f"fold {j}: expected {name} an int64 1-D CPU tensor, got {idx.dtype}, {idx.dim()}-D, {idx.device}"
            assert bool((idx[1:] > idx[:-1]).all()), \
                f"n={n}, k={k}, shuffle={shuffle}, fold {j}: expected {name} sorted ascending, got {idx.tolist()}"


@graded("kfold_indices")
@given(sizes=_sizes())
def test_kfold_indices_without_shuffle_cuts_contiguous_blocks(submission, sizes):
    n, k = sizes
    _assert_same_folds(_folds(submission, n, k), reference.kfold_indices(n, k), f"n={n}, k={k}, no shuffle")


@graded("kfold_indices", weight=2)
@given(sizes=_sizes(), seed=seeds())
def test_kfold_indices_shuffles_with_one_randperm_of_the_generator(submission, sizes, seed):
    n, k = sizes
    before = torch.get_rng_state()
    got = _folds(submission, n, k, shuffle=True, generator=torch.Generator().manual_seed(seed))
    assert torch.equal(torch.get_rng_state(), before), \
        "shuffle with a generator: expected torch's global RNG untouched, but its state changed"
    expected = reference.kfold_indices(n, k, shuffle=True, generator=torch.Generator().manual_seed(seed))
    _assert_same_folds(got, expected, f"n={n}, k={k}, shuffle with generator seeded {seed} "
                                      "(blocks of torch.randperm(n, generator=generator), each sorted)")


@graded("kfold_indices")
@given(sizes=_sizes(), seed=st.integers(0, 2**31))
def test_kfold_indices_shuffle_without_generator_follows_torch_manual_seed(submission, sizes, seed):
    n, k = sizes
    torch.manual_seed(seed)
    got = _folds(submission, n, k, shuffle=True)
    torch.manual_seed(seed)
    expected = reference.kfold_indices(n, k, shuffle=True)
    _assert_same_folds(got, expected, f"n={n}, k={k}, shuffle after torch.manual_seed({seed}) "
                                      "(blocks of torch.randperm(n), each sorted)")


@graded("kfold_indices")
@given(n=st.integers(1, 12), data=st.data())
def test_kfold_indices_rejects_k_below_2_or_above_n(submission, n, data):
    k = data.draw(st.one_of(st.integers(-2, 1), st.integers(n + 1, n + 4)), label="k")
    with raises_value_error(f"n={n}, k={k}"):
        _folds(submission, n, k)


# ---------------------------------------------------------------- get_k_fold_data

@graded("get_k_fold_data", weight=2)
@given(sizes=_sizes(), data=st.data())
def test_get_k_fold_data_returns_fold_i_of_kfold_indices(submission, device, sizes, data):
    n, k = sizes
    i = data.draw(st.integers(0, k - 1), label="i")
    X, y = (t.to(device) for t in data.draw(_datasets(n), label="X, y"))
    got = submission.get_k_fold_data(k, i, X, y)
    assert len(got) == 4, f"expected (X_train, y_train, X_valid, y_valid), got {len(got)} values"
    expected = reference.get_k_fold_data(k, i, X, y)
    for name, g, e in zip(("X_train", "y_train", "X_valid", "y_valid"), got, expected):
        assert_close(g, e, rtol=0, atol=0, what=f"n={n}, k={k}, i={i}: {name}")


@graded("get_k_fold_data")
@given(sizes=_sizes(with_remainder=True), data=st.data())
def test_get_k_fold_data_drops_no_example_when_k_does_not_divide_n(submission, device, sizes, data):
    n, k = sizes
    i = data.draw(st.integers(0, k - 1), label="i")
    X, y = _indexed_data(n, device)
    X_train, y_train, X_valid, y_valid = submission.get_k_fold_data(k, i, X, y)
    rows = torch.cat([X_train[:, 0], X_valid[:, 0]]).sort().values.cpu()
    assert torch.equal(rows, torch.arange(n, dtype=torch.float64)), \
        f"n={n}, k={k}, i={i}: expected X_train and X_valid to hold the {n} rows once each, got rows {rows.tolist()}"
    assert len(X_valid) == _size(n, k, i), \
        f"n={n}, k={k}: expected fold {i} to hold {_size(n, k, i)} rows (the first n % k folds one more), " \
        f"got {len(X_valid)}"


@graded("get_k_fold_data")
@given(sizes=_sizes(), data=st.data())
def test_get_k_fold_data_keeps_rows_in_order_and_paired_with_their_labels(submission, device, sizes, data):
    n, k = sizes
    i = data.draw(st.integers(0, k - 1), label="i")
    X, y = _indexed_data(n, device)
    X_train, y_train, X_valid, y_valid = submission.get_k_fold_data(k, i, X, y)
    for name, Xs, ys in (("train", X_train, y_train), ("valid", X_valid, y_valid)):
        where = Xs[:, 0]
        assert bool((where[1:] > where[:-1]).all()), \
            f"n={n}, k={k}, i={i}: expected X_{name}'s rows in their original order, got rows {where.tolist()}"
        assert torch.equal(ys.cpu(), 100 + where.long().cpu()), \
            f"n={n}, k={k}, i={i}: expected y_{name}[r] to be the label of X_{name}[r]; rows {where.tolist()}, " \
            f"labels {ys.tolist()} (row j has label 100 + j)"


@graded("get_k_fold_data")
@given(sizes=_sizes(), data=st.data())
def test_get_k_fold_data_leaves_x_and_y_unchanged(submission, device, sizes, data):
    n, k = sizes
    i = data.draw(st.integers(0, k - 1), label="i")
    X, y = (t.to(device) for t in data.draw(_datasets(n), label="X, y"))
    X_before, y_before = X.clone(), y.clone()
    submission.get_k_fold_data(k, i, X, y)
    assert_unchanged(X_before, X, "X")
    assert_unchanged(y_before, y, "y")


@graded("get_k_fold_data")
@given(sizes=_sizes(), data=st.data())
def test_get_k_fold_data_rejects_i_outside_0_to_k(submission, device, sizes, data):
    n, k = sizes
    i = data.draw(st.one_of(st.integers(-3, -1), st.integers(k, k + 3)), label="i")
    X, y = _indexed_data(n, device)
    with raises_value_error(f"k={k}, i={i}"):
        submission.get_k_fold_data(k, i, X, y)


@graded("get_k_fold_data")
@given(n=st.integers(2, 12), data=st.data())
def test_get_k_fold_data_rejects_more_folds_than_rows(submission, device, n, data):
    k = data.draw(st.integers(n + 1, n + 4), label="k")
    X, y = _indexed_data(n, device)
    with raises_value_error(f"k={k} with len(X)={n}"):
        submission.get_k_fold_data(k, 0, X, y)


# ---------------------------------------------------------------- k_fold_cross_validate

def _recorder(scores: list[tuple[float, float]]):
    """A train_and_eval that records its calls and returns ``scores`` in turn, and its record."""
    calls: list[tuple[torch.Tensor, ...]] = []

    def train_and_eval(X_train, y_train, X_valid, y_valid):
        calls.append(tuple(t.detach().clone() for t in (X_train, y_train, X_valid, y_valid)))
        return scores[(len(calls) - 1) % len(scores)]

    return train_and_eval, calls


def _scores(k: int) -> st.SearchStrategy[list[tuple[float, float]]]:
    score = floats(min_value=0.5, max_value=2.0)
    return st.lists(st.tuples(score, score), min_size=k, max_size=k)


@graded("k_fold_cross_validate", weight=2)
@given(sizes=_sizes(), data=st.data())
def test_k_fold_cross_validate_calls_each_fold_once_in_fold_order(submission, device, sizes, data):
    n, k = sizes
    X, y = (t.to(device) for t in data.draw(_datasets(n), label="X, y"))
    train_and_eval, calls = _recorder(data.draw(_scores(k), label="scores"))
    submission.k_fold_cross_validate(train_and_eval, k, X, y)
    assert len(calls) == k, f"n={n}, k={k}: expected {k} calls of train_and_eval, got {len(calls)}"
    for i, call in enumerate(calls):
        expected = reference.get_k_fold_data(k, i, X, y)
        for name, g, e in zip(("X_train", "y_train", "X_valid", "y_valid"), call, expected):
            assert_close(g, e, rtol=0, atol=0, what=f"n={n}, k={k}: call {i} should get fold {i}'s {name}")


@graded("k_fold_cross_validate", weight=2)
@given(sizes=_sizes(), data=st.data())
def test_k_fold_cross_validate_returns_the_mean_scores_as_python_floats(submission, device, sizes, data):
    n, k = sizes
    X, y = _indexed_data(n, device)
    scores = data.draw(_scores(k), label="scores")
    got = submission.k_fold_cross_validate(_recorder(scores)[0], k, X, y)
    assert isinstance(got, tuple) and len(got) == 2, f"expected a tuple (mean train, mean valid), got {got!r}"
    assert all(type(v) is float for v in got), f"expected two Python floats, got {[type_name(v) for v in got]}"
    expected = (math.fsum(s[0] for s in scores) / k, math.fsum(s[1] for s in scores) / k)
    for name, g, e in zip(("train", "valid"), got, expected):
        assert math.isclose(g, e, rel_tol=1.3e-6, abs_tol=1e-5), \
            f"k={k}, scores {scores}: expected the mean {name} score {e!r}, got {g!r}"


@graded("k_fold_cross_validate")
@given(n=st.integers(1, 12), data=st.data())
def test_k_fold_cross_validate_rejects_bad_k_before_training(submission, device, n, data):
    k = data.draw(st.one_of(st.integers(-1, 1), st.integers(n + 1, n + 4)), label="k")
    X, y = _indexed_data(n, device)
    train_and_eval, calls = _recorder([(1.0, 1.0)])
    with raises_value_error(f"k={k} with len(X)={n}"):
        submission.k_fold_cross_validate(train_and_eval, k, X, y)
    assert not calls, f"k={k}: expected no call of train_and_eval before the ValueError, got {len(calls)}"


@graded("k_fold_cross_validate")
@given(sizes=_sizes(), data=st.data())
def test_k_fold_cross_validate_leaves_x_and_y_unchanged(submission, device, sizes, data):
    n, k = sizes
    X, y = (t.to(device) for t in data.draw(_datasets(n), label="X, y"))
    X_before, y_before = X.clone(), y.clone()
    submission.k_fold_cross_validate(_recorder([(1.0, 2.0)])[0], k, X, y)
    assert_unchanged(X_before, X, "X")
    assert_unchanged(y_before, y, "y")
