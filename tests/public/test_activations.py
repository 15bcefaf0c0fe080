"""Examples for the activations topic: ReLU, sigmoid, tanh and their hand-derived derivatives."""

import math

import torch

from grader.testing import graded
from tests.helpers import assert_close, assert_unchanged

TOPIC = "activations"


def _expected(values, device, dtype=torch.float32):
    return torch.tensor(values, dtype=dtype, device=device)


@graded("relu")
def test_relu_zeroes_the_negatives(submission, device):
    x = _expected([-2.0, -0.5, 0.0, 0.5, 3.0], device)
    assert_close(submission.relu(x), _expected([0.0, 0.0, 0.0, 0.5, 3.0], device), what="relu([-2, -0.5, 0, 0.5, 3])")


@graded("relu")
def test_relu_keeps_dtype_and_leaves_x_alone(submission, device):
    x = _expected([[-1.0, 2.0], [3.0, -4.0]], device, torch.float64)
    before = x.clone()
    assert_close(submission.relu(x), _expected([[0.0, 2.0], [3.0, 0.0]], device, torch.float64),
                 what="relu of a float64 (2, 2) tensor")
    assert_unchanged(before, x, "x")


@graded("sigmoid")
def test_sigmoid_of_a_few_values_matches_the_formula(submission, device):
    values = [-2.0, 0.0, 1.0, 3.0]
    x = _expected(values, device, torch.float64)
    expected = _expected([1 / (1 + math.exp(-v)) for v in values], device, torch.float64)
    assert_close(submission.sigmoid(x), expected, what="sigmoid([-2, 0, 1, 3])")


@graded("sigmoid")
def test_sigmoid_saturates_without_nan_at_plus_minus_1e4(submission, device):
    x = _expected([-1e4, 1e4], device)
    assert_close(submission.sigmoid(x), _expected([0.0, 1.0], device),
                 what="sigmoid([-1e4, 1e4]) (exp(1e4) overflows: rearrange the formula)")


@graded("tanh")
def test_tanh_of_a_few_values_matches_the_formula(submission, device):
    values = [-1.5, 0.0, 0.25, 2.0]
    x = _expected(values, device, torch.float64)
    assert_close(submission.tanh(x), _expected([math.tanh(v) for v in values], device, torch.float64),
                 what="tanh([-1.5, 0, 0.25, 2])")


@graded("tanh")
def test_tanh_saturates_without_nan_at_plus_minus_1e4(submission, device):
    x = _expected([-1e4, 1e4], device)
    assert_close(submission.tanh(x), _expected([-1.0, 1.0], device),
                 what="tanh([-1e4, 1e4]) (the textbook (1 - e^-2x)/(1 + e^-2x) gives NaN at -1e4)")


@graded("relu_grad")
def test_relu_grad_is_one_for_positives_and_zero_elsewhere(submission, device):
    x = _expected([-3.0, -0.0, 0.0, 1e-3, 5.0], device)
    assert_close(submission.relu_grad(x), _expected([0.0, 0.0, 0.0, 1.0, 1.0], device),
                 what="relu_grad([-3, -0, 0, 0.001, 5]) (0 at x = 0, as PyTorch)")


@graded("relu_grad")
def test_relu_grad_keeps_the_dtype(submission, device):
    x = _expected([2.0, -2.0], device, torch.float64)
    assert_close(submission.relu_grad(x), _expected([1.0, 0.0], device, torch.float64), what="relu_grad of float64")


@graded("sigmoid_grad")
def test_sigmoid_grad_is_a_quarter_at_zero_and_matches_the_formula(submission, device):
    values = [-2.0, 0.0, 1.0]
    x = _expected(values, device, torch.float64)
    s = [1 / (1 + math.exp(-v)) for v in values]
    assert_close(submission.sigmoid_grad(x), _expected([v * (1 - v) for v in s], device, torch.float64),
                 what="sigmoid_grad([-2, 0, 1]) = σ(x)(1 - σ(x))")


@graded("sigmoid_grad")
def test_sigmoid_grad_vanishes_without_nan_at_plus_minus_1e4(submission, device):
    x = _expected([-1e4, 1e4], device)
    assert_close(submission.sigmoid_grad(x), _expected([0.0, 0.0], device), what="sigmoid_grad([-1e4, 1e4])")


@graded("tanh_grad")
def test_tanh_grad_is_one_at_zero_and_matches_the_formula(submission, device):
    values = [-1.0, 0.0, 0.5]
    x = _expected(values, device, torch.float64)
    assert_close(submission.tanh_grad(x), _expected([1 - math.tanh(v) ** 2 for v in values], device, torch.float64),
                 what="tanh_grad([-1, 0, 0.5]) = 1 - tanh²(x)")


@graded("tanh_grad")
def test_tanh_grad_vanishes_without_nan_at_plus_minus_1e4(submission, device):
    x = _expected([-1e4, 1e4], device)
    assert_close(submission.tanh_grad(x), _expected([0.0, 0.0], device), what="tanh_grad([-1e4, 1e4])")
