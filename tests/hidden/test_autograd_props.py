"""Properties of the autograd topic, graded against the spec and the reference solution.

``grad`` and ``jacobian`` are autograd, so they are compared with the reference at the default
tolerance of the dtype. ``numerical_grad`` is compared with the exact derivative of an element-wise
φ (F(x) = Σⱼ φ(xⱼ)) at the error central differences allow; that bound is a worst case, not a
statistic, so a correct implementation never fails it (false-failure probability 0):

    |g̃ᵢ − φ'(xᵢ)| ≤ h²/6 · max|φ'''| on [xᵢ−h, xᵢ+h]                     (truncation, Taylor)
                  + 2ε·((n + 4)·S + (|xᵢ| + h)·|φ'(xᵢ)|) / h                (rounding)
                  + 4ε·Dᵢ                                                   (final quotient, exact φ')

with ε the dtype's machine epsilon and n = x.numel(). Each F is a sum of n terms, each computed
with ≤ 4 roundings of relative size ε: |F̃ − F| ≤ (n + 4)·ε·S, S = Σⱼ max|φ| over xⱼ and xⱼ ± h,
so the difference of two such values divided by 2h is off by ≤ (n + 4)·ε·S/h; the factor 2 is a
margin (S is taken at the unperturbed point's neighbours, and torch's pairwise sums stay well
inside the (n − 1)·ε worst case). Rounding xᵢ ± h moves the step by ≤ ε·(|xᵢ| + h)/2 on each side,
i.e. φ'·ε·(|xᵢ| + h)/(2h) after dividing by 2h (doubled likewise, also for students who form
xᵢ − h from the rounded xᵢ + h). Dᵢ bounds the terms of the closed form of φ' (its own rounding
and that of the final subtraction and division). Steps h are drawn in [1e-6, 1e-3], where both error terms are
far below the errors of the plausible mistakes (h/2·φ'' for forward differences, φ' for
dividing by h).
"""

import math
from collections.abc import Callable

import torch
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.strategies import DrawFn, composite

from grader.testing import graded
from solutions import autograd as reference
from tests.functions import SCALAR_FUNCTIONS, VECTOR_FUNCTIONS, function
from tests.helpers import assert_close, assert_unchanged, raises_value_error
from tests.strategies import dtypes, floats, shapes, tensors

TOPIC = "autograd"

_Closed = Callable[[torch.Tensor], torch.Tensor]


def _phi_cube(t: torch.Tensor) -> torch.Tensor:
    return t ** 3


# name -> (φ, φ', Dᵢ = size of the terms of φ', bound on |φ'''| over [x - h, x + h] given (x, h)).
_ELEMENTWISE: dict[str, tuple[_Closed, _Closed, _Closed, Callable[[torch.Tensor, float], torch.Tensor]]] = {
    "square": (lambda t: t * t, lambda t: 2 * t, lambda t: 2 * t.abs(),
               lambda t, h: torch.zeros_like(t)),
    "sum_of_squares": (lambda t: t * t, lambda t: 2 * t, lambda t: 2 * t.abs(),
                       lambda t, h: torch.zeros_like(t)),
    "cube": (_phi_cube, lambda t: 3 * t * t, lambda t: 3 * t * t,
             lambda t, h: torch.full_like(t, 6.0)),
    "sin_times_x": (lambda t: torch.sin(t) * t, lambda t: torch.sin(t) + t * torch.cos(t),
                    lambda t: torch.sin(t).abs() + (t * torch.cos(t)).abs(),
                    lambda t, h: 3 + t.abs() + h),  # φ''' = -3 sin t - t cos t
    "exp_half": (lambda t: torch.exp(0.5 * t), lambda t: 0.5 * torch.exp(0.5 * t),
                 lambda t: 0.5 * torch.exp(0.5 * t), lambda t, h: torch.exp(0.5 * (t + h)) / 8),
    "constant": (lambda t: torch.zeros_like(t), lambda t: torch.zeros_like(t), lambda t: torch.zeros_like(t),
                 lambda t, h: torch.zeros_like(t)),
}


def _exact_and_tolerance(name: str, x: torch.Tensor, h: float) -> tuple[torch.Tensor, torch.Tensor]:
    """φ'(x) and the per-element central-difference bound of the module docstring, in x's dtype."""
    phi, dphi, size, third = _ELEMENTWISE[name]
    eps = torch.finfo(x.dtype).eps
    t = x.detach().double().cpu()
    S = torch.stack([phi(t - h).abs(), phi(t).abs(), phi(t + h).abs()]).amax(0).sum().item()
    if name == "constant":
        S = 1.0  # F = f(x).sum() = 1 whatever x is
    d = dphi(t)
    tol = h * h / 6 * third(t, h) + _rounding_bound(t, h, S, d, size(t), eps)
    return d.to(x.dtype).to(x.device), tol.to(x.device)


def _rounding_bound(t: torch.Tensor, h: float, S: float, d: torch.Tensor, size: torch.Tensor,
                    eps: float) -> torch.Tensor:
    """The module docstring's rounding terms at the float64 point t: F's sums (S), the step's
    rounding (φ' = d) and the final quotient (Dᵢ = size)."""
    return 2 * eps * ((t.numel() + 4) * S + (t.abs() + h) * d.abs()) / h + 4 * eps * size


def _x_states() -> st.SearchStrategy[str]:
    """How x arrives: a plain tensor, a leaf requiring grad, or one that also has a .grad."""
    return st.sampled_from(["plain", "leaf", "leaf_with_grad"])


def _prepare(x: torch.Tensor, state: str, seed_grad: torch.Tensor | None = None) -> torch.Tensor:
    if state != "plain":
        x.requires_grad_(True)
    if state == "leaf_with_grad":
        x.grad = seed_grad if seed_grad is not None else torch.full_like(x.detach(), 7.0)
    return x


def _check_state(x: torch.Tensor, state: str, grad_before: torch.Tensor | None, fn: str) -> None:
    """x.requires_grad and x.grad are what they were before the call."""
    wanted = state != "plain"
    assert x.requires_grad == wanted, \
        f"{fn}: x.requires_grad was {wanted} before the call and must stay so, got {x.requires_grad}"
    if grad_before is None:
        assert x.grad is None, f"{fn}: x.grad was None before the call and must stay None, got {x.grad!r}"
    else:
        assert x.grad is not None, f"{fn}: x.grad was set before the call and must stay so, got None"
        assert_unchanged(grad_before, x.grad, f"{fn}: x.grad (it must keep the value it had before the call)")


@composite
def _points(draw: DrawFn, *, min_dims: int = 0, max_dims: int = 3, min_side: int = 1, max_side: int = 4,
            dtype: torch.dtype | None = None, low: float = -3.0, high: float = 3.0) -> torch.Tensor:
    """A CPU tensor, sometimes a transposed/permuted (non-contiguous) view of its data."""
    shape = draw(shapes(min_dims=min_dims, max_dims=max_dims, min_side=min_side, max_side=max_side))
    x = draw(tensors(shape, dtype if dtype is not None else dtypes(), floats(min_value=low, max_value=high)))
    if x.dim() >= 2 and draw(st.booleans()):
        perm = draw(st.permutations(range(x.dim())))
        x = x.permute(*perm).contiguous().permute(*[perm.index(d) for d in range(x.dim())])
    return x


# --- grad ---------------------------------------------------------------------------------------

@graded("grad", weight=3)
@given(x=_points(min_side=0), name=st.sampled_from(SCALAR_FUNCTIONS + ("detached_square",)))
def test_grad_matches_autograd_of_the_summed_output(submission, device, x, name):
    x = x.to(device)
    before = x.clone()
    g = submission.grad(function(name), x)
    expected = reference.grad(function(name), x)
    assert_close(g, expected, what=f"grad({name}, x) = ∂/∂x {name}(x).sum()")
    assert not g.requires_grad, f"grad({name}, x): the result must not require grad (detach it), but it does"
    assert_unchanged(before, x, "x")


@graded("grad", weight=2)
@given(x=_points(), name=st.sampled_from(SCALAR_FUNCTIONS), state=_x_states(), data=st.data())
def test_grad_restores_requires_grad_and_grad_of_x(submission, device, x, name, state, data):
    x = x.to(device)
    seed_grad = data.draw(tensors(tuple(x.shape), x.dtype), label="x.grad before").to(device)
    x = _prepare(x, state, seed_grad)
    grad_before = None if x.grad is None else x.grad.clone()
    expected = reference.grad(function(name), x)
    g = submission.grad(function(name), x)
    assert_close(g, expected, what=f"grad({name}, x) with x {state.replace('_', ' ')}")
    assert not g.requires_grad, f"grad({name}, x): the result must not require grad (detach it), but it does"
    _check_state(x, state, grad_before, "grad")


@graded("grad")
@given(x=_points(), name=st.sampled_from(["constant", "detached_square", "parameter_not_x"]), state=_x_states())
def test_grad_is_zeros_when_the_output_ignores_x(submission, device, x, name, state):
    x = _prepare(x.to(device), state)
    grad_before = None if x.grad is None else x.grad.clone()
    g = submission.grad(function(name), x)
    assert_close(g, torch.zeros_like(x.detach()), what=f"grad({name}, x): f does not depend on x")
    _check_state(x, state, grad_before, "grad")


# --- numerical_grad -----------------------------------------------------------------------------

def _steps() -> st.SearchStrategy[float]:
    return st.sampled_from([1e-3, 3e-4, 1e-4, 3e-5, 1e-5, 3e-6, 1e-6])


@graded("numerical_grad", weight=3)
@given(x=_points(max_side=3, dtype=torch.float64), name=st.sampled_from(sorted(_ELEMENTWISE)), h=_steps())
def test_numerical_grad_within_central_difference_error(submission, device, x, name, h):
    x = x.to(device)
    before = x.clone()
    g = submission.numerical_grad(function(name), x, h=h)
    exact, tol = _exact_and_tolerance(name, x, h)
    assert_close(g, exact, atol=tol, what=f"numerical_grad({name}, x, h={h}) vs the exact derivative")
    assert_unchanged(before, x, "x")


@graded("numerical_grad")
@given(x=_points(max_side=3, dtype=torch.float64), h=st.sampled_from([1e-1, 3e-2, 1e-2, 3e-3, 1e-3]))
def test_numerical_grad_is_exact_on_a_coupled_quadratic_for_any_step(submission, device, x, h):
    """F(x) = (Σx)² (``x_times_sum``): each ∂F/∂xᵢ = 2Σx depends on every other element, and
    central differences are exact for a quadratic, so only rounding remains (the module
    docstring's bound with no truncation and S = (Σⱼ|xⱼ| + h)·(|Σx| + h)). A gᵢ taken while an earlier
    element is still moved by h is off by 2h per such element, ≥ 2e-3 here."""
    x = x.to(device)
    before = x.clone()
    g = submission.numerical_grad(function("x_times_sum"), x, h=h)
    t = x.detach().double().cpu()
    total = t.sum()
    exact = torch.full_like(t, 2 * total.item())
    S = ((t.abs().sum() + h) * (total.abs() + h)).item()
    tol = _rounding_bound(t, h, S, exact, exact.abs(), torch.finfo(torch.float64).eps)
    assert_close(g, exact.to(device), atol=tol.to(device),
                 what=f"numerical_grad(x ↦ x·Σx, x, h={h}), whose F = (Σx)² has gradient 2Σx in every element")
    assert_unchanged(before, x, "x")


@graded("numerical_grad")
@given(x=_points(max_side=3, dtype=torch.float64), name=st.sampled_from(["cube", "sin_times_x", "exp_half"]))
def test_numerical_grad_default_step_is_1e_5(submission, device, x, name):
    x = x.to(device)
    g = submission.numerical_grad(function(name), x)
    exact, tol = _exact_and_tolerance(name, x, 1e-5)
    assert_close(g, exact, atol=tol, what=f"numerical_grad({name}, x) with the default h=1e-5")


@graded("numerical_grad", weight=2)
@given(data=st.data(), name=st.sampled_from(["cube", "sin_times_x", "exp_half"]), h=_steps())
def test_numerical_grad_of_a_permuted_view(submission, device, data, name, h):
    shape = data.draw(shapes(min_dims=2, max_dims=3, min_side=2, max_side=3), label="shape")
    base = data.draw(tensors(shape, torch.float64, floats(min_value=-3.0, max_value=3.0)), label="base")
    perm = data.draw(st.permutations(range(base.dim())).filter(lambda p: list(p) != sorted(p)), label="perm")
    x = base.to(device).permute(*perm)  # a view with permuted strides: not contiguous
    before = x.clone()
    g = submission.numerical_grad(function(name), x, h=h)
    exact, tol = _exact_and_tolerance(name, x, h)
    assert_close(g, exact, atol=tol, what=f"numerical_grad({name}, x.permute{tuple(perm)}, h={h})")
    assert_unchanged(before, x, "x")


@graded("numerical_grad", weight=2)
@given(x=_points(max_side=3, dtype=torch.float64), name=st.sampled_from(["square", "cube", "sin_times_x"]),
       state=_x_states(), h=_steps())
def test_numerical_grad_leaves_x_and_its_grad_alone(submission, device, x, name, state, h):
    x = _prepare(x.to(device), state)
    before = x.detach().clone()
    grad_before = None if x.grad is None else x.grad.clone()
    g = submission.numerical_grad(function(name), x, h=h)
    exact, tol = _exact_and_tolerance(name, x, h)
    assert_close(g, exact, atol=tol, what=f"numerical_grad({name}, x, h={h}) with x {state.replace('_', ' ')}")
    assert_unchanged(before, x, "x")
    _check_state(x, state, grad_before, "numerical_grad")


@graded("numerical_grad")
@given(x=_points(max_side=3), name=st.sampled_from(["square", "cube", "exp_half"]))
def test_numerical_grad_keeps_dtype_and_device(submission, device, x, name):
    # float32 needs a larger step: the rounding term grows as ε/h (ε = 1.2e-7).
    h = 1e-2 if x.dtype == torch.float32 else 1e-5
    x = x.to(device)
    g = submission.numerical_grad(function(name), x, h=h)
    exact, tol = _exact_and_tolerance(name, x, h)
    assert_close(g, exact, atol=tol, what=f"numerical_grad({name}, x, h={h}) for {x.dtype} x")


@graded("numerical_grad")
@given(x=_points(max_side=3), h=st.one_of(st.floats(max_value=0.0, allow_nan=False), st.just(math.nan)))
def test_numerical_grad_rejects_bad_steps(submission, device, x, h):
    with raises_value_error(f"h={h}"):
        submission.numerical_grad(function("square"), x.to(device), h=h)


# --- jacobian -----------------------------------------------------------------------------------

@composite
def _vector_cases(draw: DrawFn) -> tuple[torch.Tensor, str]:
    name = draw(st.sampled_from(VECTOR_FUNCTIONS + ("vector_first_two",)))
    n = draw(st.integers(2 if name == "vector_first_two" else 1, 6))
    return draw(tensors((n,), elements=floats(min_value=-3.0, max_value=3.0))), name


@graded("jacobian", weight=3)
@given(case=_vector_cases())
def test_jacobian_matches_autograd_row_by_row(submission, device, case):
    x, name = case
    x = x.to(device)
    before = x.clone()
    J = submission.jacobian(function(name), x)
    expected = reference.jacobian(function(name), x)
    assert_close(J, expected, what=f"jacobian({name}, x): J[i, j] = ∂f_i/∂x_j, shape (m, n)")
    assert_unchanged(before, x, "x")


@graded("jacobian")
@given(n=st.integers(1, 6), dtype=dtypes(), name=st.sampled_from(["vector_constant", "vector_parameter_not_x"]))
def test_jacobian_of_a_function_ignoring_x_is_zeros(submission, device, n, dtype, name):
    """Also where f's output requires grad through a parameter of its own: x's Jacobian is still zeros."""
    x = torch.linspace(-1, 1, n, dtype=dtype, device=device)
    J = submission.jacobian(function(name), x)
    assert_close(J, torch.zeros(3, n, dtype=dtype, device=device), what=f"jacobian({name}, x)")


@graded("jacobian")
@given(case=_vector_cases(), state=_x_states())
def test_jacobian_leaves_requires_grad_and_grad_of_x(submission, device, case, state):
    x, name = case
    x = _prepare(x.to(device), state)
    grad_before = None if x.grad is None else x.grad.clone()
    expected = reference.jacobian(function(name), x)
    J = submission.jacobian(function(name), x)
    assert_close(J, expected, what=f"jacobian({name}, x) with x {state.replace('_', ' ')}")
    _check_state(x, state, grad_before, "jacobian")


@graded("jacobian")
@given(shape=st.one_of(st.just(()), shapes(min_dims=2, max_dims=3, max_side=3)), dtype=dtypes())
def test_jacobian_rejects_x_that_is_not_1d(submission, device, shape, dtype):
    x = torch.ones(shape, dtype=dtype, device=device)
    with raises_value_error(f"an x of shape {tuple(shape)} (not 1-D)"):
        submission.jacobian(function("vector_identity"), x)
