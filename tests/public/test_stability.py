"""Examples for the stability topic: softplus and log-sigmoid at extreme inputs, gradient clipping."""

import math

import torch

from grader.testing import graded
from tests.helpers import assert_close, assert_unchanged, raises_value_error

TOPIC = "stability"


def _tensor(values, device, dtype=torch.float32):
    return torch.tensor(values, dtype=dtype, device=device)


def _softplus(v: float) -> float:
    """log(1 + eᵛ) in Python's float64, the stable way."""
    return max(v, 0.0) + math.log1p(math.exp(-abs(v)))


def _params(grads, device):
    """Leaf params that require grad, with ``.grad`` set to ``grads`` (None: no gradient)."""
    params = []
    for g in grads:
        shape = (1,) if g is None else (len(g),)
        p = torch.zeros(shape, device=device, requires_grad=True)
        p.grad = None if g is None else _tensor(g, device)
        params.append(p)
    return params


# ---------------------------------------------------------------- softplus

@graded("softplus")
def test_softplus_of_a_few_values_matches_log_of_one_plus_exp(submission, device):
    values = [-3.0, -0.5, 0.0, 1.0, 4.0]
    x = _tensor(values, device, torch.float64)
    before = x.clone()
    assert_close(submission.softplus(x), _tensor([_softplus(v) for v in values], device, torch.float64),
                 what="softplus([-3, -0.5, 0, 1, 4]) = log(1 + eˣ)")
    assert_unchanged(before, x, "x")


@graded("softplus", weight=2)
def test_softplus_is_finite_at_plus_minus_1e4(submission, device):
    x = _tensor([-1e4, -100.0, 89.0, 1e4], device)
    assert_close(submission.softplus(x), _tensor([0.0, 0.0, 89.0, 1e4], device),
                 what="softplus([-1e4, -100, 89, 1e4]) (log(1 + exp(x)) is inf for x > 88 in float32: "
                 "use max(x, 0) + log1p(exp(-|x|)))")


# ---------------------------------------------------------------- log_sigmoid

@graded("log_sigmoid")
def test_log_sigmoid_of_a_few_values_is_minus_softplus_of_minus_x(submission, device):
    values = [-3.0, 0.0, 0.5, 2.0]
    x = _tensor(values, device, torch.float64)
    assert_close(submission.log_sigmoid(x), _tensor([-_softplus(-v) for v in values], device, torch.float64),
                 what="log_sigmoid([-3, 0, 0.5, 2]) = log σ(x) = -softplus(-x)")


@graded("log_sigmoid", weight=2)
def test_log_sigmoid_is_finite_at_plus_minus_1e4(submission, device):
    x = _tensor([-1e4, -200.0, 100.0, 1e4], device)
    assert_close(submission.log_sigmoid(x), _tensor([-1e4, -200.0, 0.0, 0.0], device),
                 what="log_sigmoid([-1e4, -200, 100, 1e4]) (log(sigmoid(x)) is -inf once σ(x) underflows)")


# ---------------------------------------------------------------- grad_norm

@graded("grad_norm", weight=2)
def test_grad_norm_is_the_norm_of_all_gradients_together(submission, device):
    params = _params([[3.0, -4.0], None, [12.0]], device)
    assert_close(submission.grad_norm(params), _tensor(13.0, device),
                 what="grad_norm with grads [3, -4], None, [12] (expected √(9 + 16 + 144) = 13, a 0-dim tensor)")


@graded("grad_norm")
def test_grad_norm_without_any_gradient_is_zero(submission, device):
    params = _params([None, None], device)
    got = submission.grad_norm(params)
    assert isinstance(got, torch.Tensor) and got.dim() == 0 and got.item() == 0.0, \
        f"grad_norm of params without gradients: expected a 0-dim tensor 0, got {got!r}"


# ---------------------------------------------------------------- clip_grad_norm_

@graded("clip_grad_norm_", weight=2)
def test_clip_grad_norm_scales_every_gradient_by_max_norm_over_the_norm(submission, device):
    params = _params([[3.0, -4.0], None, [12.0]], device)
    before = [p.detach().clone() for p in params]
    norm = submission.clip_grad_norm_(params, 6.5)
    assert_close(norm, _tensor(13.0, device), what="clip_grad_norm_(max_norm=6.5) returns the norm BEFORE clipping")
    assert_close(params[0].grad, _tensor([1.5, -2.0], device), what="the first grad after clipping 13 down to 6.5")
    assert_close(params[2].grad, _tensor([6.0], device), what="the third grad after clipping 13 down to 6.5")
    assert params[1].grad is None, f"a param without gradient must keep grad None, got {params[1].grad}"
    for i, (b, p) in enumerate(zip(before, params)):
        assert_unchanged(b, p, f"params[{i}]")


@graded("clip_grad_norm_")
def test_clip_grad_norm_leaves_small_gradients_alone(submission, device):
    params = _params([[3.0, -4.0], [12.0]], device)
    norm = submission.clip_grad_norm_(params, 20.0)
    assert_close(norm, _tensor(13.0, device), what="clip_grad_norm_(max_norm=20) returns the norm 13")
    assert_close(params[0].grad, _tensor([3.0, -4.0], device), what="the first grad (13 <= 20: no clipping)")
    assert_close(params[1].grad, _tensor([12.0], device), what="the second grad (13 <= 20: no clipping)")


@graded("clip_grad_norm_")
def test_clip_grad_norm_rejects_a_max_norm_that_is_not_positive(submission, device):
    for max_norm in (0.0, -1.0, math.nan):
        with raises_value_error(f"max_norm={max_norm}"):
            submission.clip_grad_norm_(_params([[3.0, -4.0]], device), max_norm)
