"""Properties of the stability topic, graded against the spec's exact values and definitions.

softplus and log_sigmoid are drawn over the whole range the spec promises, |x| ≤ 1e4 in either
dtype, with the points where a textbook formula breaks down mixed in (e^x overflows past 88.7 in
float32 and 709.8 in float64; σ(x) underflows below -88.7 to -104 in float32, -745 in float64).
They are compared with the exact value, computed element by element in Python's float64 from the
stable form max(x, 0) + log1p(e^{-|x|}) (within a few units of float64's last place: exact for a
float32 x, and 1e8 times finer than the float64 tolerance), at the spec's tolerance: the dtype's
default (rtol, atol) plus an absolute 4·ε·(1 + |x|), ε the dtype's machine epsilon.

grad_norm and clip_grad_norm_ get lists (or tuples) of 1 to 5 leaf params that require grad,
with random gradients of one dtype, some of them None. The expected norm is the definition,
√(Σ g²) over the gradients that exist, in float64; clipped gradients are g · max_norm / N in
float64; both are rounded to the gradients' dtype and compared at its default tolerance.
max_norm is drawn as a multiple c·N of the true norm, with c < 1 (must clip) or c ≥ 1 (must not).
"""

import math

import torch
from hypothesis import assume, given
from hypothesis import strategies as st
from hypothesis.strategies import DrawFn, composite

from grader.testing import graded
from tests.helpers import assert_close, assert_tensor_like, assert_unchanged, raises_value_error
from tests.strategies import dtypes, floats, shapes, tensors

TOPIC = "stability"

# ---------------------------------------------------------------- softplus and log_sigmoid

# Where log(1 + e^x) or log σ(x), as written, overflow in one dtype or the other.
_BREAKDOWNS = [1e4, 745.2, 709.8, 104.0, 88.8, 36.8, 17.0]
_anywhere = st.one_of(st.sampled_from([0.0, -0.0] + _BREAKDOWNS + [-v for v in _BREAKDOWNS]),
                      floats(min_value=-1e4, max_value=1e4))
# Where softplus bends, away from its asymptotes: relative errors show there.
_moderate = st.one_of(st.sampled_from([0.0, -0.0]), floats(min_value=-40.0, max_value=40.0))
_any_shape = shapes(min_dims=0, max_dims=3, min_side=0, max_side=4)

_TOLERANCES = {torch.float32: (1.3e-6, 1e-5), torch.float64: (1e-7, 1e-7)}  # torch.testing's defaults


def _exact_softplus(v: float) -> float:
    return max(v, 0.0) + math.log1p(math.exp(-abs(v)))


_EXACT = {"softplus": _exact_softplus, "log_sigmoid": lambda v: -_exact_softplus(-v)}


def _check_exact(submission, device, name: str, x: torch.Tensor) -> None:
    """``name``(x) has x's shape, dtype and device, is within the spec's tolerance of the exact
    value everywhere (so finite), and leaves x alone."""
    x = x.to(device)
    before = x.clone()
    out = getattr(submission, name)(x)
    assert_unchanged(before, x, "x")
    what = f"{name}(x) for x = {x.cpu().tolist()} ({x.dtype})"
    assert_tensor_like(out, x, what)
    x64 = x.cpu().double()
    exact = torch.tensor([_EXACT[name](v) for v in x64.reshape(-1).tolist()], dtype=torch.float64).reshape(x.shape)
    rtol, atol = _TOLERANCES[x.dtype]
    allowed = atol + 4 * torch.finfo(x.dtype).eps * (1 + x64.abs())
    assert_close(out.detach().cpu().double(), exact, rtol=rtol, atol=allowed,
                 what=f"{what} (within rtol={rtol} and atol={atol} + 4·ε·(1 + |x|) of the exact value)")


@graded("softplus", weight=3)
@given(x=tensors(shape=_any_shape, elements=_anywhere))
def test_softplus_is_finite_and_accurate_for_any_x_up_to_1e4(submission, device, x):
    _check_exact(submission, device, "softplus", x)


@graded("softplus", weight=2)
@given(x=tensors(shape=shapes(max_dims=2), elements=_moderate))
def test_softplus_matches_log_of_one_plus_exp_where_it_bends(submission, device, x):
    _check_exact(submission, device, "softplus", x)


@graded("log_sigmoid", weight=3)
@given(x=tensors(shape=_any_shape, elements=_anywhere))
def test_log_sigmoid_is_finite_and_accurate_for_any_x_up_to_1e4(submission, device, x):
    _check_exact(submission, device, "log_sigmoid", x)


@graded("log_sigmoid", weight=2)
@given(x=tensors(shape=shapes(max_dims=2), elements=_moderate))
def test_log_sigmoid_matches_log_of_the_sigmoid_where_it_bends(submission, device, x):
    _check_exact(submission, device, "log_sigmoid", x)


# ---------------------------------------------------------------- params with gradients

def _gradient_entries() -> st.SearchStrategy[float]:
    """0, or 1e-3 <= |g| <= 1e2, either sign: their squares neither overflow nor underflow."""
    return floats(min_value=-1e2, max_value=1e2, min_magnitude=1e-3)


@composite
def _param_lists(draw: DrawFn, *, gradients: str = "some") -> list[tuple[torch.Tensor, torch.Tensor | None]]:
    """(values, gradient or None) of 1 to 5 params of one dtype (0 to 4 for ``gradients="none"``).

    ``gradients``: ``"some"`` (each param has one or not, at least one has), or ``"none"``.
    A gradient is sometimes scaled by 1e-2, so that norms (and max_norm) below 1 come up too.
    Params have at least one dim, as the stub says (d2l's ``p.grad[:] *= ...``
    cannot index a 0-dim tensor).
    """
    dtype = draw(dtypes(), label="dtype")
    n = draw(st.integers(0 if gradients == "none" else 1, 4 if gradients == "none" else 5), label="number of params")
    has = [False] * n
    if gradients == "some":
        has = draw(st.lists(st.booleans(), min_size=n, max_size=n), label="which params have a gradient")
        has[draw(st.integers(0, n - 1), label="a param that surely has one")] = True
    scale = draw(st.sampled_from([1.0, 1e-2]), label="gradient scale")
    params = []
    for with_grad in has:
        shape = draw(shapes(min_dims=1, max_dims=2, max_side=4), label="shape")
        values = draw(tensors(shape=shape, dtype=dtype), label="values")
        grad = (draw(tensors(shape=shape, dtype=dtype, elements=_gradient_entries()), label="grad") * scale
                if with_grad else None)
        params.append((values, grad))
    return params


def _make(spec, device, container=list):
    """Copies of the params of ``spec`` on ``device``: leaves that require grad, with their
    ``.grad`` set (copies too, so that ``spec`` keeps the values before the call)."""
    params = []
    for values, grad in spec:
        p = values.clone().to(device).requires_grad_(True)
        p.grad = None if grad is None else grad.clone().to(device)
        params.append(p)
    return container(params)


def _true_norm(spec) -> float:
    """The definition in float64: √(Σ_p Σ g²) over the gradients that exist."""
    return math.sqrt(sum(float((g.double() ** 2).sum()) for _, g in spec if g is not None))


def _dtype(spec) -> torch.dtype:
    return spec[0][0].dtype


def _check_norm(got, norm: float, spec, device, what: str) -> None:
    """``got`` is the 0-dim tensor ``norm`` with the gradients' dtype, on the params' device.

    Without any gradient the dtype has nothing to come from: the params' or torch's default
    float32 are both right; with no params at all, any device is."""
    dtype = _dtype(spec) if spec else torch.float32
    where = device if spec else getattr(got, "device", device)
    if all(g is None for _, g in spec) and isinstance(got, torch.Tensor) and got.dtype == torch.float32:
        dtype = torch.float32
    assert_close(got, torch.tensor(norm, dtype=dtype, device=where), what=f"{what} (expected a 0-dim tensor)")


def _show(spec) -> str:
    grads = ["None" if g is None else str(g.tolist()) for _, g in spec]
    return f"params with grads [{', '.join(grads)}]"


def _check_params_unchanged(spec, params, what: str) -> None:
    for i, ((values, _), p) in enumerate(zip(spec, params)):
        assert_unchanged(values, p, f"{what}: params[{i}]")
        assert p.is_leaf and p.requires_grad, \
            f"{what}: params[{i}] must stay a leaf that requires grad, got is_leaf={p.is_leaf}, " \
            f"requires_grad={p.requires_grad}"


# ---------------------------------------------------------------- grad_norm

@graded("grad_norm", weight=3)
@given(spec=_param_lists(), container=st.sampled_from([list, tuple]))
def test_grad_norm_is_the_root_of_the_sum_of_squares_of_every_gradient(submission, device, spec, container):
    got = submission.grad_norm(_make(spec, device, container))
    _check_norm(got, _true_norm(spec), spec, device, f"grad_norm({_show(spec)}) = √(Σ_p Σ g²)")


@graded("grad_norm")
@given(spec=_param_lists(gradients="none"))
def test_grad_norm_without_any_gradient_is_a_0_dim_zero(submission, device, spec):
    got = submission.grad_norm(_make(spec, device))
    _check_norm(got, 0.0, spec, device, f"grad_norm of {len(spec)} params without a gradient")


@graded("grad_norm")
@given(spec=_param_lists())
def test_grad_norm_leaves_the_params_and_their_gradients_unchanged(submission, device, spec):
    params = _make(spec, device)
    submission.grad_norm(params)
    _check_params_unchanged(spec, params, "grad_norm")
    for i, ((_, grad), p) in enumerate(zip(spec, params)):
        if grad is None:
            assert p.grad is None, f"grad_norm: params[{i}].grad was None, got {p.grad}"
        else:
            assert_unchanged(grad, p.grad, f"grad_norm: params[{i}].grad")


# ---------------------------------------------------------------- clip_grad_norm_

@graded("clip_grad_norm_", weight=3)
@given(spec=_param_lists(), c=st.floats(1e-3, 0.99), container=st.sampled_from([list, tuple]))
def test_clip_grad_norm_scales_every_gradient_by_max_norm_over_the_global_norm(submission, device, spec, c,
                                                                             container):
    norm = _true_norm(spec)
    assume(norm > 0)
    max_norm = c * norm
    params = _make(spec, device, container)
    what = f"clip_grad_norm_({_show(spec)}, max_norm={max_norm!r}) (global norm N = {norm!r})"
    got = submission.clip_grad_norm_(params, max_norm)
    _check_norm(got, norm, spec, device, f"{what} returns N, the norm before clipping")
    for i, ((_, grad), p) in enumerate(zip(spec, params)):
        if grad is None:
            assert p.grad is None, f"{what}: params[{i}].grad was None, got {p.grad}"
        else:
            expected = (grad.double() * (max_norm / norm)).to(grad.dtype).to(device)
            assert_close(p.grad, expected, what=f"{what}: params[{i}].grad (expected grad · max_norm / N, one "
                         "factor from the global norm for every gradient)")
    _check_params_unchanged(spec, params, what)


@composite
def _max_norms_at_least(draw: DrawFn, norm: float) -> float:
    """max_norm ≥ norm: c·norm with c ≥ 1 (1 included: N = max_norm does not clip), or inf."""
    if norm == 0:
        return draw(st.one_of(st.floats(1e-3, 10.0), st.just(math.inf)))
    return draw(st.one_of(st.floats(1.0, 100.0), st.just(math.inf))) * norm


@graded("clip_grad_norm_", weight=2)
@given(spec=st.one_of(_param_lists(), _param_lists(gradients="none")), st_data=st.data())
def test_clip_grad_norm_leaves_the_gradients_alone_when_the_norm_is_at_most_max_norm(submission, device, spec,
                                                                                   st_data):
    norm = _true_norm(spec)
    max_norm = st_data.draw(_max_norms_at_least(norm), label="max_norm")
    params = _make(spec, device)
    what = f"clip_grad_norm_({_show(spec)}, max_norm={max_norm!r}) (global norm N = {norm!r} <= max_norm)"
    got = submission.clip_grad_norm_(params, max_norm)
    _check_norm(got, norm, spec, device, f"{what} returns N")
    for i, ((_, grad), p) in enumerate(zip(spec, params)):
        if grad is None:
            assert p.grad is None, f"{what}: params[{i}].grad was None, got {p.grad}"
        else:
            assert_close(p.grad, grad.to(device), what=f"{what}: params[{i}].grad (expected unchanged)")
    _check_params_unchanged(spec, params, what)


@graded("clip_grad_norm_")
@given(spec=_param_lists(), c=st.floats(1e-3, 0.99))
def test_clip_grad_norm_changes_the_gradients_without_autograd_history(submission, device, spec, c):
    norm = _true_norm(spec)
    assume(norm > 0)
    params = _make(spec, device)
    what = f"clip_grad_norm_({_show(spec)}, max_norm={c * norm!r})"
    submission.clip_grad_norm_(params, c * norm)
    _check_params_unchanged(spec, params, what)
    for i, p in enumerate(params):
        if p.grad is not None:
            assert not p.grad.requires_grad and p.grad.grad_fn is None, \
                f"{what}: params[{i}].grad must carry no autograd history (scale it in place, under " \
                f"torch.no_grad()), got requires_grad={p.grad.requires_grad}, grad_fn={p.grad.grad_fn}"


@graded("clip_grad_norm_", weight=2)
@given(spec=_param_lists(), max_norm=st.one_of(st.sampled_from([0.0, -0.0, math.nan, -math.inf]),
                                                st.floats(max_value=0.0, allow_infinity=False)))
def test_clip_grad_norm_raises_value_error_for_max_norm_not_above_0_or_nan(submission, device, spec, max_norm):
    with raises_value_error(f"max_norm={max_norm}"):
        submission.clip_grad_norm_(_make(spec, device), max_norm)
