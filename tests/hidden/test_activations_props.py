"""Properties of the activations and their hand-derived derivatives, graded against the reference.

Moderate inputs (|x| ≤ 20) are compared with the reference at the dtype's default tolerances;
extreme inputs (up to |x| = 1e4, where the spec promises stability) are checked for what every
correct way of computing them gives: finite values, the right limits, the right symmetry.
"""

import torch
from hypothesis import given
from hypothesis import strategies as st

from grader.testing import graded
from solutions import activations as reference
from tests.helpers import assert_close, assert_tensor_like, assert_unchanged
from tests.strategies import dtypes, floats, shapes, tensors

TOPIC = "activations"

# Zeros and ties at 0 matter for relu and relu_grad; ±0.0 both count as 0.
_moderate = st.one_of(st.sampled_from([0.0, -0.0]), floats(min_value=-20.0, max_value=20.0))
_extreme = st.one_of(st.sampled_from([-1e4, 1e4, -88.8, 88.8, -710.0, 710.0]), floats(min_value=-1e4, max_value=1e4))
_any_shape = shapes(min_dims=0, max_dims=3, min_side=0, max_side=4)


def _check_matches_reference(submission, device, name, x):
    x = x.to(device)
    before = x.clone()
    out = getattr(submission, name)(x)
    assert_close(out, getattr(reference, name)(x), what=f"{name}(x) for x = {x.cpu().tolist()}")
    assert_unchanged(before, x, "x")


def _check_extreme(submission, device, name, x, low, high):
    x = x.to(device)
    out = getattr(submission, name)(x)
    assert_tensor_like(out, x, f"{name}(x)")
    bad = ~(torch.isfinite(out) & (out >= low) & (out <= high))
    assert not bad.any(), (f"{name}(x) must be finite and in [{low}, {high}] for every finite x; "
                           f"got {out[bad][:3].tolist()} at x = {x[bad][:3].tolist()}")
    return out


@graded("relu", weight=2)
@given(x=tensors(shape=_any_shape, elements=_moderate))
def test_relu_matches_max_of_x_and_zero_for_any_shape(submission, device, x):
    _check_matches_reference(submission, device, "relu", x)


@graded("relu")
@given(x=tensors(shape=shapes(max_dims=2), elements=_extreme))
def test_relu_of_large_inputs_is_x_or_zero(submission, device, x):
    _check_matches_reference(submission, device, "relu", x)


@graded("sigmoid", weight=2)
@given(x=tensors(shape=_any_shape, elements=_moderate))
def test_sigmoid_matches_the_logistic_function(submission, device, x):
    _check_matches_reference(submission, device, "sigmoid", x)


@graded("sigmoid", weight=2)
@given(x=tensors(shape=shapes(max_dims=2), elements=_extreme))
def test_sigmoid_is_finite_in_0_1_and_saturates_for_large_inputs(submission, device, x):
    out = _check_extreme(submission, device, "sigmoid", x, 0.0, 1.0)
    assert_close(out, reference.sigmoid(x.to(device)), what=f"sigmoid(x) for x = {x.tolist()}")


@graded("sigmoid")
@given(x=tensors(shape=shapes(max_dims=2), elements=_moderate))
def test_sigmoid_of_minus_x_is_one_minus_sigmoid_of_x(submission, device, x):
    x = x.to(device)
    assert_close(submission.sigmoid(-x), 1 - reference.sigmoid(x), what="sigmoid(-x) against 1 - σ(x)")


@graded("tanh", weight=2)
@given(x=tensors(shape=_any_shape, elements=_moderate))
def test_tanh_matches_the_hyperbolic_tangent(submission, device, x):
    _check_matches_reference(submission, device, "tanh", x)


@graded("tanh", weight=2)
@given(x=tensors(shape=shapes(max_dims=2), elements=_extreme))
def test_tanh_is_finite_in_minus_1_1_and_saturates_for_large_inputs(submission, device, x):
    out = _check_extreme(submission, device, "tanh", x, -1.0, 1.0)
    assert_close(out, reference.tanh(x.to(device)), what=f"tanh(x) for x = {x.tolist()}")


@graded("tanh")
@given(x=tensors(shape=shapes(max_dims=2), elements=_moderate))
def test_tanh_is_odd(submission, device, x):
    x = x.to(device)
    assert_close(submission.tanh(-x), -reference.tanh(x), what="tanh(-x) against -tanh(x)")


@graded("relu_grad", weight=2)
@given(x=tensors(shape=_any_shape, elements=_moderate))
def test_relu_grad_is_exactly_the_indicator_of_x_positive(submission, device, x):
    x = x.to(device)
    out = submission.relu_grad(x)
    assert_close(out, (x > 0).to(x.dtype), rtol=0.0, atol=0.0,
                 what=f"relu_grad(x) for x = {x.cpu().tolist()} (1 where x > 0, 0 elsewhere, 0 at x = 0)")


@graded("relu_grad")
@given(x=tensors(shape=shapes(max_dims=2), elements=_extreme))
def test_relu_grad_of_large_inputs_is_zero_or_one(submission, device, x):
    _check_matches_reference(submission, device, "relu_grad", x)


@graded("sigmoid_grad", weight=2)
@given(x=tensors(shape=_any_shape, elements=_moderate))
def test_sigmoid_grad_is_sigma_times_one_minus_sigma(submission, device, x):
    _check_matches_reference(submission, device, "sigmoid_grad", x)


@graded("sigmoid_grad", weight=2)
@given(x=tensors(shape=shapes(max_dims=2), elements=_extreme))
def test_sigmoid_grad_is_finite_in_0_quarter_for_large_inputs(submission, device, x):
    out = _check_extreme(submission, device, "sigmoid_grad", x, 0.0, 0.25)
    assert_close(out, reference.sigmoid_grad(x.to(device)), what=f"sigmoid_grad(x) for x = {x.tolist()}")


@graded("sigmoid_grad")
@given(dtype=dtypes(), x=tensors(shape=shapes(max_dims=1), elements=floats(min_value=-8.0, max_value=8.0)))
def test_sigmoid_grad_matches_the_autograd_derivative_of_sigmoid(submission, device, dtype, x):
    x = x.to(device=device, dtype=dtype).requires_grad_(True)
    torch.sigmoid(x).sum().backward()  # the grader's own oracle, not the submission's code
    out = submission.sigmoid_grad(x.detach())
    assert_close(out, x.grad, what="sigmoid_grad(x) against autograd's dσ/dx")


@graded("tanh_grad", weight=2)
@given(x=tensors(shape=_any_shape, elements=_moderate))
def test_tanh_grad_is_one_minus_tanh_squared(submission, device, x):
    _check_matches_reference(submission, device, "tanh_grad", x)


@graded("tanh_grad", weight=2)
@given(x=tensors(shape=shapes(max_dims=2), elements=_extreme))
def test_tanh_grad_is_finite_in_0_1_for_large_inputs(submission, device, x):
    out = _check_extreme(submission, device, "tanh_grad", x, 0.0, 1.0)
    assert_close(out, reference.tanh_grad(x.to(device)), what=f"tanh_grad(x) for x = {x.tolist()}")


@graded("tanh_grad")
@given(dtype=dtypes(), x=tensors(shape=shapes(max_dims=1), elements=floats(min_value=-8.0, max_value=8.0)))
def test_tanh_grad_matches_the_autograd_derivative_of_tanh(submission, device, dtype, x):
    x = x.to(device=device, dtype=dtype).requires_grad_(True)
    torch.tanh(x).sum().backward()
    out = submission.tanh_grad(x.detach())
    assert_close(out, x.grad, what="tanh_grad(x) against autograd's dtanh/dx")
