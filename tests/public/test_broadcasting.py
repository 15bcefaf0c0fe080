"""Examples for the broadcasting topic: the shape rule, pairwise squared distances, standardization."""

import math

import torch

from grader.testing import graded
from tests.helpers import assert_close, assert_unchanged, raises_value_error, type_name

TOPIC = "broadcasting"


def _assert_shape(got, expected: tuple[int, ...], what: str) -> None:
    assert isinstance(got, tuple), f"{what}: expected a tuple, got {type_name(got)} {got!r}"
    assert got == expected, f"{what}: expected {expected}, got {got!r}"


# ---------------------------------------------------------------- broadcast_shape

@graded("broadcast_shape")
def test_broadcast_shape_of_a_matrix_and_a_row_or_a_column(submission):
    _assert_shape(submission.broadcast_shape((3, 4), (4,)), (3, 4), "broadcast_shape((3, 4), (4,))")
    _assert_shape(submission.broadcast_shape((3, 1), (1, 4)), (3, 4), "broadcast_shape((3, 1), (1, 4))")
    _assert_shape(submission.broadcast_shape((), (2, 3)), (2, 3), "broadcast_shape((), (2, 3)) (a 0-dim tensor)")


@graded("broadcast_shape")
def test_broadcast_shape_aligns_shapes_from_the_right(submission):
    _assert_shape(submission.broadcast_shape((5, 1, 3), (4, 1)), (5, 4, 3),
                  "broadcast_shape((5, 1, 3), (4, 1)) (4, 1 is aligned with the last two sizes)")
    _assert_shape(submission.broadcast_shape((2,), (3, 1)), (3, 2), "broadcast_shape((2,), (3, 1))")


@graded("broadcast_shape")
def test_broadcast_shape_size_0_broadcasts_with_1_only(submission):
    _assert_shape(submission.broadcast_shape((0, 3), (1, 3)), (0, 3), "broadcast_shape((0, 3), (1, 3))")
    _assert_shape(submission.broadcast_shape((1,), (2, 0)), (2, 0), "broadcast_shape((1,), (2, 0))")
    with raises_value_error("a=(0,), b=(2,) (0 and 2 are incompatible)"):
        submission.broadcast_shape((0,), (2,))


@graded("broadcast_shape")
def test_broadcast_shape_rejects_incompatible_shapes(submission):
    with raises_value_error("a=(2, 3), b=(3, 2)"):
        submission.broadcast_shape((2, 3), (3, 2))
    with raises_value_error("a=(4, 3), b=(2, 1, 3, 1) (3 vs 1 is fine, 4 vs 3 is not)"):
        submission.broadcast_shape((4, 3), (2, 1, 3, 1))


# ---------------------------------------------------------------- pairwise_sq_dists

@graded("pairwise_sq_dists")
def test_pairwise_sq_dists_of_a_few_points_in_the_plane(submission, device):
    X = torch.tensor([[0.0, 0.0], [1.0, 1.0]], device=device)
    Y = torch.tensor([[1.0, 0.0], [0.0, 0.0], [3.0, 4.0]], device=device)
    expected = torch.tensor([[1.0, 0.0, 25.0], [1.0, 2.0, 13.0]], device=device)
    assert_close(submission.pairwise_sq_dists(X, Y), expected,
                 what="pairwise_sq_dists(X, Y) (D[i, j] = squared distance from X[i] to Y[j], shape (2, 3))")


@graded("pairwise_sq_dists")
def test_pairwise_sq_dists_of_near_duplicates_is_never_negative(submission, device):
    """‖x‖² − 2x·y + ‖y‖² cancels catastrophically here: in float32 it gives about −2e-6."""
    X = torch.tensor([[1.1, 2.2, 3.3], [1.1, 2.2, 3.3001]], device=device)
    D = submission.pairwise_sq_dists(X, X)
    assert (D >= 0).all(), f"pairwise_sq_dists(X, X): expected every entry >= 0 (clamp rounding error), got {D}"
    tol = 8 * 3 * torch.finfo(torch.float32).eps * 2 * (X * X).sum(1)
    assert (D.diagonal() <= tol).all(), f"pairwise_sq_dists(X, X): expected a diagonal of ~0, got {D.diagonal()}"


@graded("pairwise_sq_dists")
def test_pairwise_sq_dists_rejects_a_different_number_of_columns(submission, device):
    X, Y = torch.zeros(2, 3, device=device), torch.zeros(4, 1, device=device)
    with raises_value_error("X of shape (2, 3) and Y of shape (4, 1) (different d)"):
        submission.pairwise_sq_dists(X, Y)


# ---------------------------------------------------------------- standardize

@graded("standardize")
def test_standardize_centers_and_scales_each_column(submission, device):
    X = torch.tensor([[1.0, 10.0], [2.0, 20.0], [3.0, 30.0]], dtype=torch.float64, device=device)
    before = X.clone()
    expected = torch.tensor([[-1.0, -1.0], [0.0, 0.0], [1.0, 1.0]], dtype=torch.float64, device=device)
    assert_close(submission.standardize(X), expected,
                 what="standardize(X) (column means 2 and 20, standard deviations 1 and 10)")
    assert_unchanged(before, X, "X")


@graded("standardize")
def test_standardize_uses_bessels_correction(submission, device):
    X = torch.tensor([[0.0], [2.0]], device=device)
    r = 1 / math.sqrt(2)
    assert_close(submission.standardize(X), torch.tensor([[-r], [r]], device=device),
                 what="standardize([[0], [2]]) (std with n - 1 = 1 is √2, so ±1/√2; dividing by n gives ±1)")


@graded("standardize")
def test_standardize_turns_a_constant_column_into_zeros(submission, device):
    """In float32 the mean of seven 0.1s is not exactly 0.1, so torch.std of that column is ~8e-9."""
    X = torch.full((7, 1), 0.1, device=device)
    assert_close(submission.standardize(X), torch.zeros(7, 1, device=device),
                 what="standardize(X) of one column of seven 0.1s (expected zeros, no NaN)")
    X = torch.stack([torch.full((7,), 0.1), torch.arange(7.0)], dim=1).to(device)
    expected = torch.stack([torch.zeros(7), (torch.arange(7.0) - 3) / math.sqrt(28 / 6)], dim=1).to(device)
    assert_close(submission.standardize(X), expected,
                 what="standardize(X) with a first column of seven 0.1s (expected zeros there, no NaN)")


@graded("standardize")
def test_standardize_rejects_a_single_row(submission, device):
    with raises_value_error("X of shape (1, 3) (fewer than 2 rows)"):
        submission.standardize(torch.ones(1, 3, device=device))
