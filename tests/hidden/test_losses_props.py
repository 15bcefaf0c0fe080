"""Properties of the losses, Huber's derivative and the L2 penalty, graded against the reference.

Outputs are compared with the reference computed in float64 from the same inputs and cast to
their dtype, at that dtype's default tolerances: every formula here is accurate to a few units in
the last place in either dtype for the inputs drawn (|ŷ|, |y|, |w| ≤ 10, δ in [1/16, 16]), so
any correct way of computing them passes. ``huber_loss_grad`` is checked against autograd of the
reference's ``huber_loss``, run here, in the grader's process, never against anything the
submission computes. y comes in y_hat's shape or flattened ((m,) or (m, 1)): the functions
reshape it, so a (n,) y against a (n, 1) ŷ must not broadcast to (n, n).
"""

import math

import torch
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.strategies import DrawFn, composite

from grader.testing import graded
from solutions import losses as reference
from tests.helpers import assert_close, assert_unchanged, raises_value_error
from tests.strategies import dtypes, floats, shapes, tensors

TOPIC = "losses"

# Powers of two at the ends keep δ/2 and δ² exact, so both Huber pieces agree bit for bit at |e| = δ.
_deltas = floats(min_value=0.0625, max_value=16.0)
# None: call without delta (its default, 1.0).
_maybe_deltas = st.one_of(st.none(), _deltas)
# Zero and NaN are drawn on purpose: the boundary of "δ > 0" and the NaN that a check "δ <= 0" lets through.
_bad_deltas = st.one_of(st.sampled_from([0.0, -0.0, math.nan]), st.floats(max_value=0.0, allow_nan=False))
_any_shape = shapes(min_dims=0, max_dims=3, min_side=0, max_side=4)


@composite
def _loss_inputs(draw: DrawFn) -> tuple[torch.Tensor, torch.Tensor]:
    """(y_hat, y) of one dtype; y holds y_hat's elements' count in y_hat's shape, or flattened."""
    n = draw(st.integers(0, 6), label="n")
    y_hat_shape = draw(st.sampled_from([(n, 1), (n,), (n, 2), (2, n, 1), ()]), label="y_hat shape")
    numel = math.prod(y_hat_shape)
    y_shape = draw(st.sampled_from([y_hat_shape, (numel,), (numel, 1)]), label="y shape")
    dtype = draw(dtypes())
    return draw(tensors(y_hat_shape, dtype)), draw(tensors(y_shape, dtype))


def _delta_args(delta: float | None) -> tuple[float, ...]:
    return () if delta is None else (delta,)


def _call(submission, name: str, y_hat, y, delta: float | None = None):
    """submission.<name>(y_hat, y[, delta]), checking that neither argument was changed."""
    before = y_hat.clone(), y.clone()
    out = getattr(submission, name)(y_hat, y, *_delta_args(delta))
    assert_unchanged(before[0], y_hat, "y_hat")
    assert_unchanged(before[1], y, "y")
    return out


def _oracle(name: str, y_hat, y, delta: float | None = None):
    """The reference's output computed in float64, in y_hat's dtype."""
    return getattr(reference, name)(y_hat.double(), y.double(), *_delta_args(delta)).to(y_hat.dtype)


def _what(name: str, y_hat, y, delta: float | None = None) -> str:
    args = f"y_hat {tuple(y_hat.shape)} {y_hat.dtype}, y {tuple(y.shape)}"
    args += "" if delta is None else f", delta={delta}"
    return f"{name}({args}), element-wise in y_hat's shape, not reduced"


def _check_matches_reference(submission, device, name, inputs, delta=None):
    y_hat, y = (t.to(device) for t in inputs)
    out = _call(submission, name, y_hat, y, delta)
    assert_close(out, _oracle(name, y_hat, y, delta), what=_what(name, y_hat, y, delta))


# --- l1_loss, l2_loss -----------------------------------------------------------------------------

@graded("l1_loss", weight=3)
@given(inputs=_loss_inputs())
def test_l1_loss_is_the_absolute_error_in_the_shape_of_y_hat(submission, device, inputs):
    _check_matches_reference(submission, device, "l1_loss", inputs)


@graded("l1_loss")
@given(inputs=_loss_inputs())
def test_l1_loss_is_zero_for_a_perfect_fit(submission, device, inputs):
    y_hat = inputs[0].to(device)
    out = _call(submission, "l1_loss", y_hat, y_hat.clone())
    assert_close(out, torch.zeros_like(y_hat), what="l1_loss(y_hat, y_hat): zero for a perfect prediction")


@graded("l2_loss", weight=3)
@given(inputs=_loss_inputs())
def test_l2_loss_is_half_the_squared_error_in_the_shape_of_y_hat(submission, device, inputs):
    _check_matches_reference(submission, device, "l2_loss", inputs)


@graded("l2_loss")
@given(inputs=_loss_inputs())
def test_l2_loss_is_symmetric_in_y_hat_and_y(submission, device, inputs):
    y_hat, y = (t.to(device) for t in inputs)
    swapped = _call(submission, "l2_loss", y.reshape(y_hat.shape).clone(), y_hat)
    assert_close(swapped, _oracle("l2_loss", y_hat, y),
                 what="l2_loss with y_hat and y swapped: (y − ŷ)²/2 = (ŷ − y)²/2")


# --- huber_loss -----------------------------------------------------------------------------------

@graded("huber_loss", weight=3)
@given(inputs=_loss_inputs(), delta=_maybe_deltas)
def test_huber_loss_is_quadratic_within_delta_and_linear_beyond(submission, device, inputs, delta):
    _check_matches_reference(submission, device, "huber_loss", inputs, delta)


@graded("huber_loss", weight=2)
@given(dtype=dtypes(), delta=_deltas, step=st.sampled_from([2.0**-10, 2.0**-20]))
def test_huber_loss_is_continuous_where_the_pieces_meet(submission, device, dtype, delta, step):
    """At |e| = δ both pieces equal δ²/2, and |∂l/∂e| ≤ δ everywhere: l(e) is within δ·||e| − δ| of
    δ²/2. The rounding of the loss in the dtype adds at most 16 ε·δ² (ε its machine epsilon). A
    linear piece δ·|e| (no −δ/2) is off by δ²/2 just beyond δ."""
    e = torch.tensor([s * delta * (1 + k * step) for s in (-1.0, 1.0) for k in (-1, 0, 1)], dtype=dtype,
                     device=device)
    y = torch.zeros_like(e)
    out = _call(submission, "huber_loss", e, y, delta)
    gap = ((e.double().abs() - delta).abs() * delta).to(dtype)
    atol = gap * (1 + 2**-10) + 16 * torch.finfo(dtype).eps * delta**2
    assert_close(out, torch.full_like(e, delta**2 / 2), atol=atol,
                 what=f"huber_loss(e, 0, delta={delta}) for e = ±δ(1 - {step}), ±δ, ±δ(1 + {step}): "
                      f"continuous at |e| = δ, where it is δ²/2 = {delta**2 / 2}")


@graded("huber_loss")
@given(inputs=_loss_inputs(), delta=_bad_deltas)
def test_huber_loss_rejects_a_delta_that_is_not_positive(submission, device, inputs, delta):
    y_hat, y = (t.to(device) for t in inputs)
    with raises_value_error(f"delta={delta}"):
        submission.huber_loss(y_hat, y, delta)


# --- huber_loss_grad ------------------------------------------------------------------------------

@graded("huber_loss_grad", weight=3)
@given(inputs=_loss_inputs(), delta=_maybe_deltas)
def test_huber_loss_grad_is_the_autograd_derivative_of_huber_loss(submission, device, inputs, delta):
    y_hat, y = (t.to(device) for t in inputs)
    leaf = y_hat.clone().requires_grad_(True)
    # The grader's own oracle: autograd of the reference, in this process.
    reference.huber_loss(leaf, y, *_delta_args(delta)).sum().backward()
    out = _call(submission, "huber_loss_grad", y_hat, y, delta)
    assert_close(out, leaf.grad,
                 what=_what("huber_loss_grad", y_hat, y, delta) + " (∂/∂ŷ: e clamped to [−δ, δ])")


@graded("huber_loss_grad")
@given(inputs=_loss_inputs(), delta=_maybe_deltas)
def test_huber_loss_grad_is_e_clamped_to_plus_minus_delta(submission, device, inputs, delta):
    _check_matches_reference(submission, device, "huber_loss_grad", inputs, delta)


@graded("huber_loss_grad")
@given(inputs=_loss_inputs(), delta=_bad_deltas)
def test_huber_loss_grad_rejects_a_delta_that_is_not_positive(submission, device, inputs, delta):
    y_hat, y = (t.to(device) for t in inputs)
    with raises_value_error(f"delta={delta}"):
        submission.huber_loss_grad(y_hat, y, delta)


# --- l2_penalty -----------------------------------------------------------------------------------

@graded("l2_penalty", weight=3)
@given(w=tensors(shape=_any_shape))
def test_l2_penalty_is_half_the_sum_of_squares_as_a_0_dim_tensor(submission, device, w):
    w = w.to(device)
    before = w.clone()
    out = submission.l2_penalty(w)
    expected = reference.l2_penalty(w.double()).to(w.dtype)
    assert_close(out, expected, what=f"l2_penalty(w {tuple(w.shape)} {w.dtype}) = Σw²/2 over every element, 0-dim")
    assert_unchanged(before, w, "w")


@graded("l2_penalty", weight=2)
@given(w=tensors(shape=_any_shape))
def test_l2_penalty_keeps_the_graph_to_w(submission, device, w):
    """The part of "differentiable by autograd" that crosses the process boundary: the result was
    computed from w by autograd-recorded operations (it requires grad and is no leaf)."""
    w = w.to(device)
    before = w.clone()
    w.requires_grad_(True)
    out = submission.l2_penalty(w)
    assert isinstance(out, torch.Tensor) and out.requires_grad and out.grad_fn is not None, \
        ("with w requiring grad, expected a penalty computed from w that requires grad (training calls .backward on "
         "loss + λ·l2_penalty(w)); .item(), float(), .detach() or torch.tensor(...) cut it off from w")
    assert_close(out, reference.l2_penalty(w.detach().double()).to(w.dtype),
                 what=f"l2_penalty(w {tuple(w.shape)}) for a w that requires grad")
    assert_unchanged(before, w, "w")
    assert w.requires_grad, "w must still require grad after the call"
