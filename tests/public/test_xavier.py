"""Examples for the xavier topic: fans of Linear and Conv weights, Xavier uniform and normal fills."""

import math

import torch

from grader.testing import graded
from tests.helpers import assert_tensor_like, raises_value_error

TOPIC = "xavier"


@graded("fan_in_and_fan_out")
def test_fan_in_and_fan_out_of_a_linear_weight(submission):
    got = submission.fan_in_and_fan_out((3, 5))
    assert tuple(got) == (5, 3), f"a Linear weight (out=3, in=5): expected (fan_in, fan_out) = (5, 3), got {got}"


@graded("fan_in_and_fan_out")
def test_fan_in_and_fan_out_multiplies_channels_by_the_kernel_size(submission):
    got = submission.fan_in_and_fan_out((16, 8, 3, 3))
    assert tuple(got) == (72, 144), \
        f"a Conv2d weight (out=16, in=8, 3x3): expected (8*9, 16*9) = (72, 144), got {got}"
    got = submission.fan_in_and_fan_out((4, 2, 5))
    assert tuple(got) == (10, 20), f"a Conv1d weight (out=4, in=2, 5): expected (10, 20), got {got}"


@graded("fan_in_and_fan_out")
def test_fan_in_and_fan_out_rejects_a_1d_shape(submission):
    with raises_value_error("shape=(5,) (fewer than 2 dims)"):
        submission.fan_in_and_fan_out((5,))


@graded("xavier_uniform_")
def test_xavier_uniform_returns_w_filled_in_place(submission, device):
    W = torch.full((20, 30), math.nan, device=device)
    out = submission.xavier_uniform_(W)
    assert out is W, "expected xavier_uniform_ to return W itself (the same object), got another object"
    assert_tensor_like(W, torch.empty(20, 30, device=device), "W after the call")
    assert not W.isnan().any(), "expected every element of W to be filled, some are still NaN"


@graded("xavier_uniform_", weight=2)
def test_xavier_uniform_stays_within_the_bound_and_reaches_it(submission, device):
    """(200, 50): a = √(6/250) ≈ 0.155. Of 10,000 draws from U(−a, a), none exceeds a, and the
    chance that all stay below 0.99·a at one end is 0.995^10000 < 1e-21."""
    W = torch.full((200, 50), math.nan, dtype=torch.float64, device=device)
    submission.xavier_uniform_(W, generator=torch.Generator(device=device).manual_seed(0))
    a = math.sqrt(6 / 250)
    assert W.abs().max() <= a * (1 + 1e-12), f"expected every |w| <= a = {a:.6f}, got max |w| = {W.abs().max():.6f}"
    assert W.max() >= 0.99 * a and W.min() <= -0.99 * a, \
        f"expected values spread over (-a, a) = ({-a:.4f}, {a:.4f}), got min {W.min():.4f}, max {W.max():.4f}"


@graded("xavier_uniform_")
def test_xavier_uniform_keeps_a_parameter_a_leaf(submission, device):
    W = torch.zeros(4, 3, device=device).requires_grad_()
    submission.xavier_uniform_(W, gain=2.0)
    assert W.is_leaf and W.requires_grad and W.grad_fn is None, \
        f"expected W to stay a leaf that requires grad, with no history; got is_leaf={W.is_leaf}, " \
        f"requires_grad={W.requires_grad}, grad_fn={W.grad_fn}"
    assert W.abs().max() > 0, "expected W to be filled, it is still all zeros"


@graded("xavier_uniform_")
def test_xavier_uniform_is_reproducible_with_a_seeded_generator(submission, device):
    first = submission.xavier_uniform_(torch.full((5, 7), math.nan, device=device),
                                       generator=torch.Generator(device=device).manual_seed(42)).clone()
    second = submission.xavier_uniform_(torch.full((5, 7), math.nan, device=device),
                                        generator=torch.Generator(device=device).manual_seed(42))
    assert torch.equal(first, second), "expected the same values from two generators seeded with 42"


@graded("xavier_normal_")
def test_xavier_normal_returns_w_filled_in_place(submission, device):
    W = torch.full((6, 4, 3), math.nan, dtype=torch.float64, device=device)
    out = submission.xavier_normal_(W)
    assert out is W, "expected xavier_normal_ to return W itself (the same object), got another object"
    assert_tensor_like(W, torch.empty(6, 4, 3, dtype=torch.float64, device=device), "W after the call")
    assert not W.isnan().any(), "expected every element of W to be filled, some are still NaN"


@graded("xavier_normal_", weight=2)
def test_xavier_normal_has_the_xavier_standard_deviation(submission, device):
    """(300, 100), gain 2: σ = 2·√(2/400) ≈ 0.1414. With N = 30,000 draws, N·mean(w²)/σ² is χ²_N;
    by Laurent–Massart's bound it lies within N ± (2√(N·x) + 2x), x = ln(2e8), except with
    probability 1e-8: mean(w²)/σ² within 1 ± 0.052."""
    W = torch.full((300, 100), math.nan, dtype=torch.float64, device=device)
    submission.xavier_normal_(W, gain=2.0, generator=torch.Generator(device=device).manual_seed(0))
    sigma2 = (2 * math.sqrt(2 / 400)) ** 2
    ratio = float((W * W).mean()) / sigma2
    assert abs(ratio - 1) <= 0.052, \
        f"expected mean(w²) ≈ σ² = {sigma2:.6f} (σ = gain·√(2/(fan_in+fan_out)) is the std), " \
        f"got {float((W * W).mean()):.6f}"


@graded("xavier_normal_")
def test_xavier_normal_keeps_a_parameter_a_leaf(submission, device):
    W = torch.zeros(3, 8, dtype=torch.float64, device=device).requires_grad_()
    submission.xavier_normal_(W)
    assert W.is_leaf and W.requires_grad and W.grad_fn is None, \
        f"expected W to stay a leaf that requires grad, with no history; got is_leaf={W.is_leaf}, " \
        f"requires_grad={W.requires_grad}, grad_fn={W.grad_fn}"
    assert W.abs().max() > 0, "expected W to be filled, it is still all zeros"
