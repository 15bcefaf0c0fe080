"""Examples for the losses topic: L1, L2 and Huber losses, Huber's derivative and the L2 penalty."""

import math

import torch

from grader.testing import graded
from tests.helpers import assert_close, assert_unchanged, raises_value_error

TOPIC = "losses"

# Residuals e = y_hat - y on both sides of δ = 1 and at |e| = δ itself, with y = 0 so that e = y_hat.
_E = [-3.0, -1.0, -0.5, 0.0, 0.5, 1.0, 2.0]


def _tensor(values, device, dtype=torch.float32):
    return torch.tensor(values, dtype=dtype, device=device)


@graded("l1_loss")
def test_l1_loss_is_the_absolute_error_of_each_prediction(submission, device):
    y_hat, y = _tensor([1.0, -2.0, 3.0], device), _tensor([0.5, 0.0, 3.0], device)
    assert_close(submission.l1_loss(y_hat, y), _tensor([0.5, 2.0, 0.0], device),
                 what="l1_loss([1, -2, 3], [0.5, 0, 3]) = |ŷ − y|, one per element")


@graded("l1_loss")
def test_l1_loss_reshapes_y_to_the_shape_of_y_hat(submission, device):
    y_hat = _tensor([[1.0], [2.0], [4.0]], device, torch.float64)
    y = _tensor([2.0, 2.0, 1.0], device, torch.float64)
    before = y_hat.clone(), y.clone()
    assert_close(submission.l1_loss(y_hat, y), _tensor([[1.0], [0.0], [3.0]], device, torch.float64),
                 what="l1_loss(y_hat (3, 1), y (3,)): y reshaped to (3, 1) first, not broadcast to (3, 3)")
    assert_unchanged(before[0], y_hat, "y_hat")
    assert_unchanged(before[1], y, "y")


@graded("l2_loss")
def test_l2_loss_is_half_the_squared_error_of_each_prediction(submission, device):
    y_hat, y = _tensor([1.0, -2.0, 3.0], device), _tensor([0.5, 0.0, 3.0], device)
    assert_close(submission.l2_loss(y_hat, y), _tensor([0.125, 2.0, 0.0], device),
                 what="l2_loss([1, -2, 3], [0.5, 0, 3]) = (ŷ − y)²/2, one per element")


@graded("l2_loss")
def test_l2_loss_reshapes_y_and_keeps_the_dtype(submission, device):
    y_hat = _tensor([[3.0], [-1.0]], device, torch.float64)
    y = _tensor([1.0, 1.0], device, torch.float64)
    assert_close(submission.l2_loss(y_hat, y), _tensor([[2.0], [2.0]], device, torch.float64),
                 what="l2_loss(y_hat (2, 1) float64, y (2,)): shape (2, 1), float64")


@graded("huber_loss")
def test_huber_loss_is_quadratic_inside_delta_and_linear_outside(submission, device):
    y_hat, y = _tensor(_E, device), torch.zeros(len(_E), device=device)
    # e²/2 for |e| ≤ 1, 1·(|e| − 1/2) beyond
    expected = _tensor([2.5, 0.5, 0.125, 0.0, 0.125, 0.5, 1.5], device)
    assert_close(submission.huber_loss(y_hat, y), expected,
                 what=f"huber_loss(e = {_E}, delta=1): e²/2 where |e| ≤ δ, δ(|e| − δ/2) elsewhere")


@graded("huber_loss")
def test_huber_loss_has_no_jump_at_the_kink(submission, device):
    delta = 2.0
    e = [2.0 - 1e-6, 2.0, 2.0 + 1e-6]
    y_hat, y = _tensor(e, device, torch.float64), torch.zeros(3, dtype=torch.float64, device=device)
    expected = _tensor([v * v / 2 if v <= delta else delta * (v - delta / 2) for v in e], device, torch.float64)
    assert_close(submission.huber_loss(y_hat, y, delta), expected,
                 what="huber_loss around |e| = δ = 2: both pieces equal δ²/2 = 2 there "
                      "(δ·|e| without the −δ/2 jumps to 4)")


@graded("huber_loss")
def test_huber_loss_rejects_delta_0_minus_1_and_nan(submission, device):
    y_hat, y = torch.zeros(2, device=device), torch.ones(2, device=device)
    for delta in (0.0, -1.0, math.nan):
        with raises_value_error(f"delta={delta}"):
            submission.huber_loss(y_hat, y, delta)


@graded("huber_loss_grad")
def test_huber_loss_grad_of_a_few_residuals_with_delta_1(submission, device):
    y_hat, y = _tensor(_E, device), torch.zeros(len(_E), device=device)
    expected = _tensor([-1.0, -1.0, -0.5, 0.0, 0.5, 1.0, 1.0], device)
    assert_close(submission.huber_loss_grad(y_hat, y), expected,
                 what=f"huber_loss_grad(e = {_E}, delta=1): e where |e| ≤ δ, δ·sign(e) elsewhere")


@graded("huber_loss_grad")
def test_huber_loss_grad_reshapes_y_and_uses_delta(submission, device):
    y_hat = _tensor([[4.0], [0.0], [1.0]], device, torch.float64)
    y = _tensor([0.0, 3.0, 0.5], device, torch.float64)
    expected = _tensor([[2.0], [-2.0], [0.5]], device, torch.float64)
    assert_close(submission.huber_loss_grad(y_hat, y, delta=2.0), expected,
                 what="huber_loss_grad(y_hat (3, 1), y (3,), delta=2): ∂/∂ŷ, shape (3, 1)")


@graded("l2_penalty")
def test_l2_penalty_of_a_2x2_weight_is_a_0_dim_tensor(submission, device):
    w = _tensor([[1.0, 2.0], [3.0, -1.0]], device, torch.float64)
    assert_close(submission.l2_penalty(w), _tensor(7.5, device, torch.float64),
                 what="l2_penalty([[1, 2], [3, -1]]) = (1 + 4 + 9 + 1)/2, a 0-dim float64 tensor")


@graded("l2_penalty")
def test_l2_penalty_stays_differentiable_when_w_requires_grad(submission, device):
    w = _tensor([0.5, -2.0], device).requires_grad_(True)
    out = submission.l2_penalty(w)
    assert_close(out, _tensor(2.125, device), what="l2_penalty([0.5, -2])")
    assert out.requires_grad and out.grad_fn is not None, \
        ("with w requiring grad, expected a penalty computed from w that requires grad (training calls .backward "
         "on loss + λ·l2_penalty(w)); .item(), float() or torch.tensor(...) cut it off from w")
