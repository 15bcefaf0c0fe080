"""Properties of the xavier topic, graded against the spec and the reference solution.

The fills are random, so they are tested by their statistics, never by bit-equality with the
reference. Every statistical check states the probability δ that a correct implementation fails
it; a test splits δ = min(1e-8, 1e-6 / max_examples) per example among its checks (union bound),
so its examples fail with probability ≤ 1e-6 whatever course.yml's max_examples (δ = 1e-8 up to
100 examples; ``grader.testing.per_example_delta``). Each example fills a weight of shape
(c_out, c_in, *kernel) whose larger fan is 3 to 16 times the smaller one AND the same weight
transposed (c_in, c_out, *kernel): a formula with fan_in alone or fan_out alone is then at least
2× off in variance on one of the two. Gains are drawn away from 1 (gain vs gain² differ by
≥ 20%), and weights hold ≥ 8192 elements.
"""

import math

import torch
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.strategies import DrawFn, composite

from grader.testing import graded, per_example_delta
from solutions import xavier as reference
from tests.helpers import assert_tensor_like, assert_unchanged, raises_value_error, type_name
from tests.strategies import dtypes, seeds, shapes

TOPIC = "xavier"

_MIN_SAMPLES = 8192    # elements of a weight in a statistical test


@composite
def _stat_shapes(draw: DrawFn) -> tuple[int, ...]:
    """(c_large, c_small, *kernel): fan_out = 3..16 × fan_in, at least _MIN_SAMPLES elements."""
    ndim = draw(st.integers(2, 5))
    kernel = tuple(draw(st.lists(st.integers(1, 5 if ndim <= 4 else 3), min_size=ndim - 2, max_size=ndim - 2)))
    receptive = math.prod(kernel)
    ratio = draw(st.integers(3, 16))
    c_min = math.ceil(math.sqrt(_MIN_SAMPLES / (ratio * receptive)))
    c_small = draw(st.integers(c_min, c_min + c_min // 2))
    return (c_small * ratio, c_small, *kernel)


def _delta() -> float:
    """The false-failure probability per example, for a correct implementation (module doc)."""
    return per_example_delta(at_most=1e-8)


def _gains() -> st.SearchStrategy[float]:
    """Gains ≥ 20% away from 1 (so gain², √gain and a forgotten gain change the scale)."""
    return st.one_of(st.floats(0.25, 0.8), st.floats(1.25, 3.0))


def _generator(device: torch.device, seed: int) -> torch.Generator:
    return torch.Generator(device=device).manual_seed(seed)


def _rng_states(device: torch.device) -> list[torch.Tensor]:
    states = [torch.get_rng_state()]
    if device.type == "cuda":
        states.append(torch.cuda.get_rng_state(device))
    return states


def _both_ways(shape: tuple[int, ...]) -> tuple[tuple[int, ...], tuple[int, ...]]:
    """The shape and its transpose (fan_in and fan_out swapped)."""
    return shape, (shape[1], shape[0], *shape[2:])


def _fill(submission, name: str, shape: tuple[int, ...], dtype: torch.dtype, device: torch.device,
          gain: float, seed: int) -> torch.Tensor:
    """Fill a fresh weight with the submission's ``name``; check it came back in place; float64 copy."""
    W = torch.full(shape, math.nan, dtype=dtype, device=device)
    out = getattr(submission, name)(W, gain=gain, generator=_generator(device, seed))
    assert out is W, f"{name}: expected W itself (the same object) back, got another object"
    assert_tensor_like(W, torch.empty(shape, dtype=dtype, device=device), f"W after {name}")
    return W.detach().double().cpu().flatten()


def _bound(shape: tuple[int, ...], gain: float) -> float:
    fan_in, fan_out = reference.fan_in_and_fan_out(shape)
    return gain * math.sqrt(6 / (fan_in + fan_out))


def _std(shape: tuple[int, ...], gain: float) -> float:
    fan_in, fan_out = reference.fan_in_and_fan_out(shape)
    return gain * math.sqrt(2 / (fan_in + fan_out))


def _ks_distance(sample: torch.Tensor, cdf) -> float:
    """sup_x |F_n(x) − F(x)| of the sample's empirical CDF F_n against ``cdf`` (float64)."""
    x = sample.sort().values
    n = x.numel()
    f = cdf(x)
    i = torch.arange(1, n + 1, dtype=torch.float64)
    return float(torch.maximum(i / n - f, f - (i - 1) / n).max())


def _dkw_tolerance(n: int, delta: float) -> float:
    """ε with P(sup|F_n − F| > ε) ≤ 2·exp(−2nε²) = delta (Dvoretzky–Kiefer–Wolfowitz, Massart)."""
    return math.sqrt(math.log(2 / delta) / (2 * n))


# ---------------------------------------------------------------- fan_in_and_fan_out

@graded("fan_in_and_fan_out", weight=2)
@given(shape=shapes(min_dims=2, max_dims=5, min_side=1, max_side=8))
def test_fan_in_and_fan_out_is_channels_times_receptive_field(submission, shape):
    receptive = math.prod(shape[2:])
    expected = (shape[1] * receptive, shape[0] * receptive)
    got = submission.fan_in_and_fan_out(shape)
    assert tuple(got) == expected, \
        f"shape {shape}: expected (fan_in, fan_out) = (shape[1]·∏kernel, shape[0]·∏kernel) = {expected}, " \
        f"got {got}"


@graded("fan_in_and_fan_out")
@given(shape=shapes(min_dims=2, max_dims=4, min_side=1, max_side=6))
def test_fan_in_and_fan_out_returns_two_python_ints(submission, shape):
    got = submission.fan_in_and_fan_out(shape)
    assert isinstance(got, tuple) and len(got) == 2, f"shape {shape}: expected a tuple of 2 ints, got {got!r}"
    assert all(type(v) is int for v in got), \
        f"shape {shape}: expected Python ints, got {[type_name(v) for v in got]}"


@graded("fan_in_and_fan_out")
@given(shape=shapes(min_dims=2, max_dims=5, min_side=1, max_side=6))
def test_fan_in_and_fan_out_of_the_transposed_shape_swaps_the_fans(submission, shape):
    fan_in, fan_out = submission.fan_in_and_fan_out(shape)
    swapped = (shape[1], shape[0], *shape[2:])
    got = submission.fan_in_and_fan_out(swapped)
    assert tuple(got) == (fan_out, fan_in), \
        f"shape {shape} gave {(fan_in, fan_out)}; expected its transpose {swapped} to give " \
        f"{(fan_out, fan_in)}, got {got}"


@graded("fan_in_and_fan_out")
@given(shape=shapes(min_dims=0, max_dims=1, min_side=1, max_side=9))
def test_fan_in_and_fan_out_rejects_shapes_of_fewer_than_two_dims(submission, shape):
    with raises_value_error(f"shape={shape} (fewer than 2 dims)"):
        submission.fan_in_and_fan_out(shape)


# ---------------------------------------------------------------- xavier_uniform_ and xavier_normal_

def _check_in_place(submission, name, shape, dtype, device, requires_grad, data):
    W = torch.full(shape, math.nan, dtype=dtype).to(device).requires_grad_(requires_grad)
    gain = data.draw(st.one_of(st.none(), _gains()), label="gain")
    out = getattr(submission, name)(W) if gain is None else getattr(submission, name)(W, gain=gain)
    assert out is W, f"{name}: expected W itself (the same object) back, got another object"
    assert_tensor_like(W, torch.empty(shape, dtype=dtype, device=device), f"W after {name}")
    assert W.is_leaf and W.requires_grad == requires_grad, \
        f"{name}: expected W to stay a leaf with requires_grad={requires_grad}, " \
        f"got is_leaf={W.is_leaf}, requires_grad={W.requires_grad}"
    assert W.grad_fn is None, f"{name}: expected no autograd history on W, got grad_fn={W.grad_fn}"
    assert torch.isfinite(W.detach()).all(), f"{name}: expected every element filled with a finite value: {W}"


def _check_generator(submission, name, shape, dtype, device, seed):
    before = _rng_states(device)
    first = _fill(submission, name, shape, dtype, device, 1.5, seed)
    second = _fill(submission, name, shape, dtype, device, 1.5, seed)
    after = _rng_states(device)
    assert torch.equal(first, second), f"{name}: expected equal values from two generators seeded with {seed}"
    assert all(torch.equal(b, a) for b, a in zip(before, after)), \
        f"{name}: with a generator, expected torch's global RNG untouched, but its state changed"


def _check_manual_seed(submission, name, shape, dtype, device, seed):
    draws = []
    for s in (seed, seed, seed + 1):
        torch.manual_seed(s)
        W = torch.full(shape, math.nan, dtype=dtype, device=device)
        draws.append(getattr(submission, name)(W).detach().clone())
    assert torch.equal(draws[0], draws[1]), \
        f"{name}: without a generator, expected torch.manual_seed({seed}) to make the fill reproducible"
    assert not torch.equal(draws[0], draws[2]), \
        f"{name}: without a generator, expected other values after torch.manual_seed({seed + 1}) " \
        "(draw from torch's default RNG)"


def _check_rejects(submission, name, shape, device):
    W = torch.ones(shape, device=device)
    with raises_value_error(f"a W of shape {tuple(shape)} (fewer than 2 dims)"):
        getattr(submission, name)(W)
    assert_unchanged(torch.ones(shape), W, "W")


@graded("xavier_uniform_")
@given(shape=shapes(min_dims=2, max_dims=4, min_side=1, max_side=5), dtype=dtypes(),
       requires_grad=st.booleans(), data=st.data())
def test_xavier_uniform_fills_every_element_in_place_and_returns_w(submission, device, shape, dtype,
                                                                   requires_grad, data):
    _check_in_place(submission, "xavier_uniform_", shape, dtype, device, requires_grad, data)


@graded("xavier_normal_")
@given(shape=shapes(min_dims=2, max_dims=4, min_side=1, max_side=5), dtype=dtypes(),
       requires_grad=st.booleans(), data=st.data())
def test_xavier_normal_fills_every_element_in_place_and_returns_w(submission, device, shape, dtype,
                                                                  requires_grad, data):
    _check_in_place(submission, "xavier_normal_", shape, dtype, device, requires_grad, data)


@graded("xavier_uniform_")
@given(shape=shapes(min_dims=2, max_dims=4, min_side=1, max_side=5), dtype=dtypes(), seed=seeds())
def test_xavier_uniform_seeded_generator_reproduces_and_spares_the_global_rng(submission, device, shape,
                                                                               dtype, seed):
    _check_generator(submission, "xavier_uniform_", shape, dtype, device, seed)


@graded("xavier_normal_")
@given(shape=shapes(min_dims=2, max_dims=4, min_side=1, max_side=5), dtype=dtypes(), seed=seeds())
def test_xavier_normal_seeded_generator_reproduces_and_spares_the_global_rng(submission, device, shape,
                                                                              dtype, seed):
    _check_generator(submission, "xavier_normal_", shape, dtype, device, seed)


@graded("xavier_uniform_")
@given(shape=shapes(min_dims=2, max_dims=3, min_side=3, max_side=5), dtype=dtypes(),
       seed=st.integers(0, 2**31))
def test_xavier_uniform_without_generator_follows_torch_manual_seed(submission, device, shape, dtype, seed):
    _check_manual_seed(submission, "xavier_uniform_", shape, dtype, device, seed)


@graded("xavier_normal_")
@given(shape=shapes(min_dims=2, max_dims=3, min_side=3, max_side=5), dtype=dtypes(),
       seed=st.integers(0, 2**31))
def test_xavier_normal_without_generator_follows_torch_manual_seed(submission, device, shape, dtype, seed):
    _check_manual_seed(submission, "xavier_normal_", shape, dtype, device, seed)


@graded("xavier_uniform_")
@given(shape=shapes(min_dims=0, max_dims=1, min_side=1, max_side=6))
def test_xavier_uniform_rejects_w_of_fewer_than_two_dims(submission, device, shape):
    _check_rejects(submission, "xavier_uniform_", shape, device)


@graded("xavier_normal_")
@given(shape=shapes(min_dims=0, max_dims=1, min_side=1, max_side=6))
def test_xavier_normal_rejects_w_of_fewer_than_two_dims(submission, device, shape):
    _check_rejects(submission, "xavier_normal_", shape, device)


# ---------------------------------------------------------------- statistics of xavier_uniform_

@graded("xavier_uniform_", weight=2)
@given(shape=_stat_shapes(), dtype=dtypes(), gain=_gains(), seed=seeds())
def test_xavier_uniform_values_lie_in_minus_a_a_and_reach_both_ends(submission, device, shape, dtype, gain, seed):
    """Every |w| ≤ a (up to rounding); max w ≥ a(1 − t) and min w ≤ −a(1 − t).

    For N draws from U(−a, a), P(max w < a(1 − t)) = (1 − t/2)^N. With t = 2(1 − (δ/4)^(1/N)),
    each of the 4 end checks (2 shapes × 2 ends) fails with probability δ/4 (t ≈ 0.5% for N = 8192).
    A bound 1.05× too large puts ~5% of the draws past a; 0.95× too small misses the ends.
    """
    eps = torch.finfo(dtype).eps
    for k, sh in enumerate(_both_ways(shape)):
        w = _fill(submission, "xavier_uniform_", sh, dtype, device, gain, seed + k)
        a, n = _bound(sh, gain), w.numel()
        t = 2 * (1 - (_delta() / 4) ** (1 / n))
        assert w.abs().max() <= a * (1 + 4 * eps), \
            f"shape {sh}, gain {gain}: expected |w| <= a = gain·√(6/(fan_in+fan_out)) = {a:.6g}, " \
            f"got max |w| = {float(w.abs().max()):.6g}"
        assert w.max() >= a * (1 - t) and w.min() <= -a * (1 - t), \
            f"shape {sh}, gain {gain}: expected {n} draws from U(-a, a), a = {a:.6g}, to come within " \
            f"{t:.2%} of both ends, got min {float(w.min()):.6g}, max {float(w.max()):.6g}"


@graded("xavier_uniform_", weight=2)
@given(shape=_stat_shapes(), dtype=dtypes(), gain=_gains(), seed=seeds())
def test_xavier_uniform_sample_mean_is_zero_and_variance_is_a_squared_over_3(submission, device, shape,
                                                                           dtype, gain, seed):
    """mean(w) ≈ 0 and mean(w²) ≈ a²/3, the mean and variance of U(−a, a).

    Hoeffding (w ∈ [−a, a]): P(|mean w| ≥ a·√(2·L/N)) ≤ δ/4 with L = ln(8/δ).
    Bernstein (w² ∈ [0, a²], variance v = 4a⁴/45, |w² − a²/3| ≤ b = 2a²/3):
    P(|mean w² − a²/3| ≥ ε) ≤ 2·exp(−Nε² / (2v + 2bε/3)) = δ/4 at the ε solved below
    (≈ 6.5% of a²/3 for N = 8192). 4 checks (2 shapes × mean, variance) share δ.
    """
    log_term = math.log(8 / _delta())
    for k, sh in enumerate(_both_ways(shape)):
        w = _fill(submission, "xavier_uniform_", sh, dtype, device, gain, seed + k)
        a, n = _bound(sh, gain), w.numel()
        mean_tol = a * math.sqrt(2 * log_term / n)
        assert abs(float(w.mean())) <= mean_tol, \
            f"shape {sh}, gain {gain}: expected mean(w) ≈ 0 (within {mean_tol:.3g}), got {float(w.mean()):.6g}"
        v, b = 4 * a**4 / 45, 2 * a**2 / 3
        var_tol = ((2 * b / 3) * log_term + math.sqrt((2 * b / 3) ** 2 * log_term**2 + 8 * n * v * log_term)) / (2 * n)
        second = float((w * w).mean())
        assert abs(second - a * a / 3) <= var_tol, \
            f"shape {sh} (fan_in, fan_out = {reference.fan_in_and_fan_out(sh)}), gain {gain}: expected " \
            f"mean(w²) ≈ a²/3 = {a * a / 3:.6g} with a = gain·√(6/(fan_in+fan_out)) (within {var_tol:.3g}), " \
            f"got {second:.6g}"


@graded("xavier_uniform_")
@given(shape=_stat_shapes(), dtype=dtypes(), gain=_gains(), seed=seeds())
def test_xavier_uniform_empirical_cdf_matches_uniform_minus_a_a(submission, device, shape, dtype, gain, seed):
    """sup|F_n − F| ≤ ε for F the CDF of U(−a, a): by the Dvoretzky–Kiefer–Wolfowitz inequality
    (Massart's constant) this fails with probability δ/2 per shape (ε ≈ 0.034 for N = 8192)."""
    for k, sh in enumerate(_both_ways(shape)):
        w = _fill(submission, "xavier_uniform_", sh, dtype, device, gain, seed + k)
        a, n = _bound(sh, gain), w.numel()
        dist = _ks_distance(w, lambda x: ((x + a) / (2 * a)).clamp(0, 1))
        tol = _dkw_tolerance(n, _delta() / 2)
        assert dist <= tol, \
            f"shape {sh}, gain {gain}: expected the values to be distributed as U(-a, a), a = {a:.6g}; " \
            f"their empirical CDF is {dist:.3f} away from it (allowed {tol:.3f})"


# ---------------------------------------------------------------- statistics of xavier_normal_

@graded("xavier_normal_", weight=2)
@given(shape=_stat_shapes(), dtype=dtypes(), gain=_gains(), seed=seeds())
def test_xavier_normal_sample_variance_is_sigma_squared(submission, device, shape, dtype, gain, seed):
    """mean(w²) ≈ σ², σ = gain·√(2/(fan_in + fan_out)) the standard deviation.

    N·mean(w²)/σ² is χ²_N. Laurent–Massart: P(χ²_N − N ≥ 2√(Nx) + 2x) ≤ e^(−x) and
    P(N − χ²_N ≥ 2√(Nx)) ≤ e^(−x); x = ln(4/δ) makes each of the 4 checks (2 shapes × 2 sides)
    fail with probability δ/4 (about ±10% for N = 8192).
    """
    x = math.log(4 / _delta())
    for k, sh in enumerate(_both_ways(shape)):
        w = _fill(submission, "xavier_normal_", sh, dtype, device, gain, seed + k)
        sigma, n = _std(sh, gain), w.numel()
        ratio = float((w * w).sum()) / sigma**2
        low, high = n - 2 * math.sqrt(n * x), n + 2 * math.sqrt(n * x) + 2 * x
        assert low <= ratio <= high, \
            f"shape {sh} (fan_in, fan_out = {reference.fan_in_and_fan_out(sh)}), gain {gain}: expected " \
            f"mean(w²) ≈ σ² = {sigma**2:.6g} with σ = gain·√(2/(fan_in+fan_out)) the std " \
            f"(within [{low / n * sigma**2:.6g}, {high / n * sigma**2:.6g}]), got {ratio / n * sigma**2:.6g}"


@graded("xavier_normal_")
@given(shape=_stat_shapes(), dtype=dtypes(), gain=_gains(), seed=seeds())
def test_xavier_normal_sample_mean_is_zero(submission, device, shape, dtype, gain, seed):
    """mean(w) ~ N(0, σ²/N): P(|mean w| ≥ zσ/√N) ≤ 2·exp(−z²/2) = δ/2 per shape, z = √(2 ln(4/δ))."""
    z = math.sqrt(2 * math.log(4 / _delta()))
    for k, sh in enumerate(_both_ways(shape)):
        w = _fill(submission, "xavier_normal_", sh, dtype, device, gain, seed + k)
        tol = z * _std(sh, gain) / math.sqrt(w.numel())
        assert abs(float(w.mean())) <= tol, \
            f"shape {sh}, gain {gain}: expected mean(w) ≈ 0 (within {tol:.3g}), got {float(w.mean()):.6g}"


@graded("xavier_normal_", weight=2)
@given(shape=_stat_shapes(), dtype=dtypes(), gain=_gains(), seed=seeds())
def test_xavier_normal_empirical_cdf_matches_normal_0_sigma(submission, device, shape, dtype, gain, seed):
    """sup|F_n − Φ(·/σ)| ≤ ε by the Dvoretzky–Kiefer–Wolfowitz inequality (Massart's constant), which
    fails with probability δ/2 per shape (ε ≈ 0.034 for N = 8192): a uniform or a shifted fill fails."""
    for k, sh in enumerate(_both_ways(shape)):
        w = _fill(submission, "xavier_normal_", sh, dtype, device, gain, seed + k)
        sigma, n = _std(sh, gain), w.numel()
        dist = _ks_distance(w, lambda x: 0.5 * (1 + torch.erf(x / (sigma * math.sqrt(2)))))
        tol = _dkw_tolerance(n, _delta() / 2)
        assert dist <= tol, \
            f"shape {sh}, gain {gain}: expected the values to be distributed as N(0, σ²), σ = {sigma:.6g}; " \
            f"their empirical CDF is {dist:.3f} away from it (allowed {tol:.3f})"
