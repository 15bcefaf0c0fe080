"""Examples for the dropout topic: d2l's dropout_layer and a Dropout module with train/eval modes."""

import math

import torch

from grader.testing import graded
from tests.helpers import assert_close, assert_tensor_like, assert_unchanged, raises_value_error

TOPIC = "dropout"


def _generator(device: torch.device, seed: int) -> torch.Generator:
    return torch.Generator(device=device).manual_seed(seed)


@graded("dropout_layer", weight=2)
def test_dropout_layer_zeros_about_p_of_the_elements_and_rescales_the_rest(submission, device):
    """X = 2 everywhere, 10,000 elements, p = 0.2: each output is 0 or 2 / (1 − 0.2) = 2.5.
    The fraction of zeros is within 0.031 of 0.2 except with probability 1e-8 (Hoeffding:
    2·exp(−2·10⁴·0.031²) < 1e-8)."""
    X = torch.full((100, 100), 2.0, dtype=torch.float64, device=device)
    out = submission.dropout_layer(X, 0.2, generator=_generator(device, 0))
    assert_tensor_like(out, X, "dropout_layer(X, 0.2)")
    zero, kept = out == 0, torch.isclose(out, torch.tensor(2.5, dtype=torch.float64, device=device))
    assert bool((zero | kept).all()), \
        f"expected every output to be 0 or X / (1 − p) = 2.5, got values {out.unique()[:10].tolist()}"
    rate = float(zero.double().mean())
    assert abs(rate - 0.2) <= 0.031, f"expected about 20% of the elements zeroed (p = 0.2), got {rate:.1%}"


@graded("dropout_layer")
def test_dropout_layer_with_dropout_0_returns_a_copy_of_x(submission, device):
    X = torch.tensor([[1.0, -2.0, 3.5], [0.25, 0.0, -7.0]], device=device)
    before = X.clone()
    out = submission.dropout_layer(X, 0.0)
    assert out is not X, "dropout = 0: expected a new tensor with X's values, got X itself"
    assert_close(out, before, what="dropout_layer(X, 0.0)")
    assert_unchanged(before, X, "X")


@graded("dropout_layer")
def test_dropout_layer_with_dropout_1_returns_zeros(submission, device):
    X = torch.tensor([[1.0, -2.0], [3.0, 4.0]], dtype=torch.float64, device=device)
    out = submission.dropout_layer(X, 1.0)
    assert_close(out, torch.zeros_like(X), what="dropout_layer(X, 1.0) (every element dropped: X·0/0 would be NaN)")


@graded("dropout_layer")
def test_dropout_layer_is_reproducible_with_a_seeded_generator(submission, device):
    X = torch.ones(20, 30, device=device)
    first = submission.dropout_layer(X, 0.3, generator=_generator(device, 7))
    second = submission.dropout_layer(X, 0.3, generator=_generator(device, 7))
    assert torch.equal(first, second), \
        "expected equal outputs from two generators seeded with 7 (draw with generator=...)"


@graded("dropout_layer")
def test_dropout_layer_rejects_a_dropout_outside_0_1(submission, device):
    X = torch.ones(3, device=device)
    for bad in (-0.1, 1.5, math.nan):
        with raises_value_error(f"dropout={bad}"):
            submission.dropout_layer(X, bad)


@graded("Dropout", weight=2)
def test_Dropout_in_training_mode_drops_and_rescales(submission, device):
    """A new module is in training mode. p = 0.25 on 10,000 ones: outputs are 0 or 4/3, about a
    quarter of them 0 (within 0.031, except with probability 1e-8 by Hoeffding's inequality)."""
    torch.manual_seed(0)
    net = submission.Dropout(0.25)
    X = torch.ones(10_000, device=device)
    out = net(X)
    assert_tensor_like(out, X, "Dropout(0.25)(X)")
    zero = out == 0
    assert torch.allclose(out[~zero], torch.full_like(out[~zero], 4 / 3)), \
        f"expected the kept elements to be X / (1 − p) = 4/3, got values {out.unique()[:10].tolist()}"
    rate = float(zero.float().mean())
    assert abs(rate - 0.25) <= 0.031, f"expected about 25% of the elements zeroed, got {rate:.1%}"


@graded("Dropout")
def test_Dropout_in_eval_mode_returns_x_unchanged(submission, device):
    net = submission.Dropout(0.5)
    net.eval()
    X = torch.tensor([[1.0, 2.0], [3.0, 4.0]], device=device)
    out = net(X)
    assert_close(out, X.clone(), rtol=0.0, atol=0.0, what="Dropout(0.5) in eval mode (no dropout at test time)")


@graded("Dropout")
def test_Dropout_rejects_an_invalid_p_when_built(submission):
    for bad in (-0.5, 2.0, math.nan):
        with raises_value_error(f"p={bad}"):
            submission.Dropout(bad)
