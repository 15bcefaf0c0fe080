"""Properties of the norms topic, graded against the spec and the reference solution.

Inputs have entries 0 or 1e-2 <= |xᵢ| <= 1e3 (the spec's range, where |xᵢ|ᵖ neither overflows
nor underflows in float32 for p <= 10), random shapes of 1 to 3 dims (1-element included), both
float dtypes, dim None or any valid int (negative included) and both keepdims. The expected value
is the reference evaluated in float64 and rounded to the input's dtype, so only the
submission's own rounding counts against the default tolerance of that dtype.
"""

import math

import torch
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.strategies import DrawFn, composite

from grader.testing import graded
from solutions import norms as reference
from tests.helpers import assert_close, assert_unchanged, raises_value_error
from tests.strategies import floats, shapes, tensors

TOPIC = "norms"

_NORMS = ("l1_norm", "l2_norm")


def _entries() -> st.SearchStrategy[float]:
    """0, or 1e-2 <= |x| <= 1e3, either sign."""
    return floats(min_value=-1e3, max_value=1e3, min_magnitude=1e-2)


def _xs(shape=None) -> st.SearchStrategy[torch.Tensor]:
    return tensors(shape=shapes(min_dims=1, max_dims=3, max_side=5) if shape is None else shape,
                   elements=_entries())


@composite
def _dims(draw: DrawFn, x: torch.Tensor) -> int | None:
    """None or an int in [-x.dim(), x.dim())."""
    return draw(st.one_of(st.none(), st.integers(-x.dim(), x.dim() - 1)))


def _ps() -> st.SearchStrategy[float]:
    """1 <= p <= 10: integers (odd ones catch a missing abs), fractions, and math.inf."""
    return st.one_of(st.integers(1, 10), st.floats(1.0, 10.0), st.just(math.inf))


def _expected(name: str, x: torch.Tensor, *args, **kwargs) -> torch.Tensor:
    """The reference's ``name`` on x in float64, rounded to x's dtype."""
    return getattr(reference, name)(x.double(), *args, **kwargs).to(x.dtype)


def _call(dim: int | None, keepdim: bool, p: float | None = None) -> str:
    return f"(x{'' if p is None else f', p={p}'}, dim={dim}, keepdim={keepdim})"


# ---------------------------------------------------------------- l1_norm and l2_norm

def _matches_reference(submission, device, name: str, data) -> None:
    x = data.draw(_xs(), label="x").to(device)
    dim, keepdim = data.draw(_dims(x), label="dim"), data.draw(st.booleans(), label="keepdim")
    got = getattr(submission, name)(x, dim=dim, keepdim=keepdim)
    assert_close(got, _expected(name, x, dim=dim, keepdim=keepdim), what=f"{name}{_call(dim, keepdim)}")


def _0_dim_for_dim_none(submission, device, name: str, x: torch.Tensor) -> None:
    x = x.to(device)
    for keepdim in (False, True):
        got = getattr(submission, name)(x, None, keepdim)
        assert_close(got, _expected(name, x), what=f"{name}(x of shape {tuple(x.shape)}, dim=None, "
                     f"keepdim={keepdim}) (expected a 0-dim tensor, shape ())")


def _negative_dim(submission, device, name: str, data) -> None:
    x = data.draw(_xs(), label="x").to(device)
    dim, keepdim = data.draw(st.integers(0, x.dim() - 1), label="dim"), data.draw(st.booleans(), label="keepdim")
    positive = getattr(submission, name)(x, dim, keepdim)
    negative = getattr(submission, name)(x, dim - x.dim(), keepdim)
    assert_close(negative, positive, what=f"{name}(x of shape {tuple(x.shape)}, dim={dim - x.dim()}, "
                 f"keepdim={keepdim}) (expected the same as with dim={dim})")


def _leaves_x_alone(submission, device, name: str, data, *args) -> None:
    x = data.draw(_xs(), label="x").to(device).requires_grad_(data.draw(st.booleans(), label="requires_grad"))
    before = x.detach().clone()
    dim = data.draw(_dims(x), label="dim")
    got = getattr(submission, name)(x, *args, dim=dim)
    assert_unchanged(before, x, "x")
    assert x.grad is None, f"{name}: expected x.grad to stay None, got {x.grad}"
    assert_close(got.detach(), _expected(name, x.detach(), *args, dim=dim), what=f"{name}(x, dim={dim})")


@graded("l1_norm", weight=3)
@given(data=st.data())
def test_l1_norm_equals_the_sum_of_absolute_values_for_any_dim_and_keepdim(submission, device, data):
    _matches_reference(submission, device, "l1_norm", data)


@graded("l1_norm")
@given(x=_xs(shapes(min_dims=0, max_dims=4, max_side=3)))
def test_l1_norm_over_every_element_is_0_dim_whatever_keepdim(submission, device, x):
    _0_dim_for_dim_none(submission, device, "l1_norm", x)


@graded("l1_norm")
@given(data=st.data())
def test_l1_norm_with_a_negative_dim_counts_from_the_end(submission, device, data):
    _negative_dim(submission, device, "l1_norm", data)


@graded("l1_norm")
@given(data=st.data())
def test_l1_norm_leaves_x_unchanged_even_when_it_requires_grad(submission, device, data):
    _leaves_x_alone(submission, device, "l1_norm", data)


@graded("l2_norm", weight=3)
@given(data=st.data())
def test_l2_norm_equals_the_root_of_the_sum_of_squares_for_any_dim_and_keepdim(submission, device, data):
    _matches_reference(submission, device, "l2_norm", data)


@graded("l2_norm")
@given(x=_xs(shapes(min_dims=0, max_dims=4, max_side=3)))
def test_l2_norm_over_every_element_is_0_dim_whatever_keepdim(submission, device, x):
    _0_dim_for_dim_none(submission, device, "l2_norm", x)


@graded("l2_norm")
@given(data=st.data())
def test_l2_norm_with_a_negative_dim_counts_from_the_end(submission, device, data):
    _negative_dim(submission, device, "l2_norm", data)


@graded("l2_norm")
@given(data=st.data())
def test_l2_norm_leaves_x_unchanged_even_when_it_requires_grad(submission, device, data):
    _leaves_x_alone(submission, device, "l2_norm", data)


# ---------------------------------------------------------------- lp_norm

@graded("lp_norm", weight=4)
@given(data=st.data(), p=_ps())
def test_lp_norm_matches_the_formula_for_p_from_1_to_10_and_inf(submission, device, data, p):
    x = data.draw(_xs(), label="x").to(device)
    dim, keepdim = data.draw(_dims(x), label="dim"), data.draw(st.booleans(), label="keepdim")
    got = submission.lp_norm(x, p, dim=dim, keepdim=keepdim)
    assert_close(got, _expected("lp_norm", x, p, dim=dim, keepdim=keepdim), what=f"lp_norm{_call(dim, keepdim, p)}")


@graded("lp_norm", weight=2)
@given(data=st.data())
def test_lp_norm_with_p_inf_is_the_largest_absolute_value_along_dim(submission, device, data):
    x = data.draw(_xs(), label="x").to(device)
    dim, keepdim = data.draw(_dims(x), label="dim"), data.draw(st.booleans(), label="keepdim")
    expected = x.abs().amax() if dim is None else x.abs().amax(dim, keepdim=keepdim)
    assert_close(submission.lp_norm(x, math.inf, dim, keepdim), expected,
                 what=f"lp_norm{_call(dim, keepdim, 'math.inf')} (expected max |x|)")


@graded("lp_norm")
@given(x=_xs(shapes(min_dims=0, max_dims=4, max_side=3)), p=_ps())
def test_lp_norm_over_every_element_is_0_dim_whatever_keepdim(submission, device, x, p):
    x = x.to(device)
    for keepdim in (False, True):
        assert_close(submission.lp_norm(x, p, None, keepdim), _expected("lp_norm", x, p),
                     what=f"lp_norm(x of shape {tuple(x.shape)}, p={p}, dim=None, keepdim={keepdim}) "
                     "(expected a 0-dim tensor, shape ())")


@graded("lp_norm")
@given(data=st.data(), p=_ps())
def test_lp_norm_with_a_negative_dim_counts_from_the_end(submission, device, data, p):
    x = data.draw(_xs(), label="x").to(device)
    dim, keepdim = data.draw(st.integers(0, x.dim() - 1), label="dim"), data.draw(st.booleans(), label="keepdim")
    assert_close(submission.lp_norm(x, p, dim - x.dim(), keepdim), submission.lp_norm(x, p, dim, keepdim),
                 what=f"lp_norm(x of shape {tuple(x.shape)}, p={p}, dim={dim - x.dim()}, keepdim={keepdim}) "
                 f"(expected the same as with dim={dim})")


@graded("lp_norm", weight=2)
@given(x=_xs(), p=st.one_of(st.floats(0.0, 1.0, exclude_max=True), st.floats(-10.0, 0.0),
                            st.sampled_from([-math.inf, math.nan])))
def test_lp_norm_raises_value_error_for_p_below_1_or_nan(submission, device, x, p):
    with raises_value_error(f"p={p}"):
        submission.lp_norm(x.to(device), p)


@graded("lp_norm")
@given(data=st.data(), p=_ps())
def test_lp_norm_leaves_x_unchanged_even_when_it_requires_grad(submission, device, data, p):
    _leaves_x_alone(submission, device, "lp_norm", data, p)


# ---------------------------------------------------------------- frobenius_norm

@graded("frobenius_norm", weight=3)
@given(X=_xs(shapes(min_dims=2, max_dims=2, max_side=6)))
def test_frobenius_norm_is_the_root_of_the_sum_of_all_squares(submission, device, X):
    X = X.to(device)
    assert_close(submission.frobenius_norm(X), _expected("frobenius_norm", X),
                 what=f"frobenius_norm(X of shape {tuple(X.shape)}) (expected a 0-dim tensor)")


@graded("frobenius_norm", weight=2)
@given(X=_xs(st.one_of(shapes(min_dims=0, max_dims=1), shapes(min_dims=3, max_dims=4, max_side=3))))
def test_frobenius_norm_raises_value_error_unless_x_is_2d(submission, device, X):
    with raises_value_error(f"X of shape {tuple(X.shape)} (not 2-D)"):
        submission.frobenius_norm(X.to(device))


@graded("frobenius_norm")
@given(X=_xs(shapes(min_dims=2, max_dims=2, max_side=6)), requires_grad=st.booleans())
def test_frobenius_norm_leaves_x_unchanged_even_when_it_requires_grad(submission, device, X, requires_grad):
    X = X.to(device).requires_grad_(requires_grad)
    before = X.detach().clone()
    got = submission.frobenius_norm(X)
    assert_unchanged(before, X, "X")
    assert X.grad is None, f"frobenius_norm: expected X.grad to stay None, got {X.grad}"
    assert_close(got.detach(), _expected("frobenius_norm", X.detach()), what="frobenius_norm(X)")


@graded("frobenius_norm")
@given(X=_xs(shapes(min_dims=2, max_dims=2, max_side=6)))
def test_frobenius_norm_equals_the_norm_of_the_transpose(submission, device, X):
    X = X.to(device)
    assert_close(submission.frobenius_norm(X.T), _expected("frobenius_norm", X),
                 what=f"frobenius_norm(X.T) for X of shape {tuple(X.shape)} (a transposed view)")
