"""Examples for the norms topic: ℓ1, ℓ2, ℓp, ℓ∞ and Frobenius norms of small hand-written tensors."""

import math

import torch

from grader.testing import graded
from tests.helpers import assert_close, raises_value_error

TOPIC = "norms"

_M = [[1.0, -2.0, 0.0], [3.0, -4.0, 12.0]]  # rows: ℓ1 3 and 19, ℓ2 √5 and 13


@graded("l1_norm")
def test_l1_norm_of_a_vector_sums_absolute_values(submission, device):
    x = torch.tensor([3.0, -4.0, 0.5], device=device)
    assert_close(submission.l1_norm(x), torch.tensor(7.5, device=device),
                 what="l1_norm([3, -4, 0.5]) (expected |3| + |-4| + |0.5| = 7.5, a 0-dim tensor)")


@graded("l1_norm")
def test_l1_norm_along_a_dim_with_and_without_keepdim(submission, device):
    X = torch.tensor(_M, dtype=torch.float64, device=device)
    assert_close(submission.l1_norm(X, dim=1), torch.tensor([3.0, 19.0], dtype=torch.float64, device=device),
                 what="l1_norm(X, dim=1) (one norm per row)")
    assert_close(submission.l1_norm(X, dim=1, keepdim=True),
                 torch.tensor([[3.0], [19.0]], dtype=torch.float64, device=device),
                 what="l1_norm(X, dim=1, keepdim=True) (shape (2, 1))")
    assert_close(submission.l1_norm(X, dim=-2), torch.tensor([4.0, 6.0, 12.0], dtype=torch.float64, device=device),
                 what="l1_norm(X, dim=-2) (one norm per column)")


@graded("l1_norm")
def test_l1_norm_with_dim_none_is_0_dim_even_with_keepdim(submission, device):
    X = torch.tensor(_M, device=device)
    assert_close(submission.l1_norm(X, keepdim=True), torch.tensor(22.0, device=device),
                 what="l1_norm(X, dim=None, keepdim=True) (expected a 0-dim tensor, shape ())")


@graded("l2_norm")
def test_l2_norm_of_3_4_is_5(submission, device):
    x = torch.tensor([3.0, -4.0], device=device)
    assert_close(submission.l2_norm(x), torch.tensor(5.0, device=device),
                 what="l2_norm([3, -4]) (expected √(9 + 16) = 5, a 0-dim tensor)")


@graded("l2_norm")
def test_l2_norm_along_the_last_dim(submission, device):
    X = torch.tensor(_M, dtype=torch.float64, device=device)
    expected = torch.tensor([math.sqrt(5.0), 13.0], dtype=torch.float64, device=device)
    assert_close(submission.l2_norm(X, dim=-1), expected, what="l2_norm(X, dim=-1) (one norm per row)")
    assert_close(submission.l2_norm(X, dim=-1, keepdim=True), expected[:, None],
                 what="l2_norm(X, dim=-1, keepdim=True) (shape (2, 1))")


@graded("l2_norm")
def test_l2_norm_with_dim_none_is_0_dim_even_with_keepdim(submission, device):
    x = torch.tensor([[[2.0, -1.0]], [[2.0, 4.0]]], device=device)
    assert_close(submission.l2_norm(x, keepdim=True), torch.tensor(5.0, device=device),
                 what="l2_norm(x of shape (2, 1, 2), keepdim=True) (expected √25 = 5 as a 0-dim tensor)")


@graded("lp_norm")
def test_lp_norm_with_p_3_takes_absolute_values_first(submission, device):
    x = torch.tensor([-1.0, 2.0, -2.0], dtype=torch.float64, device=device)
    assert_close(submission.lp_norm(x, 3), torch.tensor(17.0 ** (1 / 3), dtype=torch.float64, device=device),
                 what="lp_norm([-1, 2, -2], p=3) (expected (1 + 8 + 8)^(1/3); |x|^3, not x^3)")


@graded("lp_norm")
def test_lp_norm_with_p_1_and_2_gives_l1_and_l2(submission, device):
    X = torch.tensor(_M, device=device)
    assert_close(submission.lp_norm(X, 1, dim=1), torch.tensor([3.0, 19.0], device=device),
                 what="lp_norm(X, p=1, dim=1)")
    assert_close(submission.lp_norm(X, 2.0, dim=1, keepdim=True),
                 torch.tensor([[math.sqrt(5.0)], [13.0]], device=device),
                 what="lp_norm(X, p=2, dim=1, keepdim=True)")


@graded("lp_norm")
def test_lp_norm_with_p_inf_is_the_largest_absolute_value(submission, device):
    X = torch.tensor(_M, device=device)
    assert_close(submission.lp_norm(X, math.inf), torch.tensor(12.0, device=device),
                 what="lp_norm(X, p=math.inf) (expected max |x| = 12 as a 0-dim tensor)")
    assert_close(submission.lp_norm(X, math.inf, dim=0), torch.tensor([3.0, 4.0, 12.0], device=device),
                 what="lp_norm(X, p=math.inf, dim=0) (max |x| per column)")


@graded("lp_norm")
def test_lp_norm_rejects_p_below_1_and_nan(submission, device):
    x = torch.tensor([1.0, 2.0], device=device)
    for p in (0.5, 0, -1.0, math.nan):
        with raises_value_error(f"p={p}"):
            submission.lp_norm(x, p)


@graded("frobenius_norm")
def test_frobenius_norm_of_a_matrix(submission, device):
    X = torch.tensor([[1.0, -2.0], [2.0, 4.0]], device=device)
    assert_close(submission.frobenius_norm(X), torch.tensor(5.0, device=device),
                 what="frobenius_norm([[1, -2], [2, 4]]) (expected √(1 + 4 + 4 + 16) = 5, a 0-dim tensor)")


@graded("frobenius_norm")
def test_frobenius_norm_rejects_tensors_that_are_not_2d(submission, device):
    for shape in ((4,), (2, 2, 2)):
        with raises_value_error(f"X of shape {shape} (not 2-D)"):
            submission.frobenius_norm(torch.ones(shape, device=device))
