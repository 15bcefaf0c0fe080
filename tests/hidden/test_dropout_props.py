"""Properties of the dropout topic, graded against the spec.

The masks are random, so they are tested by their statistics, by reproducibility for a seed, and
by leaving torch's global RNG alone when a generator is given, never by bit-equality with the
reference's draws (``torch.rand(...) < p`` and ``torch.bernoulli`` are both fine). Every
statistical check states the probability δ that a correct implementation fails it; a test splits
δ = min(1e-8, 1e-6 / max_examples) per example among its checks (union bound), so its examples
fail with probability ≤ 1e-6 whatever course.yml's max_examples (δ = 1e-8 up to 100 examples;
``grader.testing.per_example_delta``). The mask comparisons' δ (< 1e-17) is fixed and holds
for any max_examples below 1e11. Statistical tests draw p from [0.05, 0.4] ∪ [0.6, 0.95], away
from 1/2, where zeroing with probability 1 − p instead of p, or rescaling by 1/p instead of
1/(1 − p), changes the result by far more than the tolerance, and use 2^15 to 2^17 elements.
"""

import math

import torch
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.strategies import DrawFn, composite

from grader.testing import graded, per_example_delta
from tests.helpers import assert_close, assert_tensor_like, assert_unchanged, raises_value_error
from tests.strategies import dtypes, floats, seeds, shapes, tensors

TOPIC = "dropout"


def _delta() -> float:
    """The false-failure probability per example, for a correct implementation (module doc)."""
    return per_example_delta(at_most=1e-8)


# ---------------------------------------------------------------- strategies and helpers

def _probabilities_away_from_half() -> st.SearchStrategy[float]:
    return st.one_of(st.floats(0.05, 0.4), st.floats(0.6, 0.95))


def _probabilities() -> st.SearchStrategy[float]:
    """Any p in [0, 1], the ends included."""
    return st.one_of(st.sampled_from([0.0, 1.0]), st.floats(0.0, 1.0))


def _bad_probabilities() -> st.SearchStrategy[float]:
    """Outside [0, 1] (infinities included) or NaN."""
    return st.one_of(st.just(math.nan), st.floats(max_value=-1e-9), st.floats(min_value=1 + 1e-9))


@composite
def _stat_shapes(draw: DrawFn) -> tuple[int, ...]:
    """1 to 3 dims, 2^15 to 2^17 elements."""
    total, ndim = draw(st.integers(2**15, 2**17)), draw(st.integers(1, 3))
    lead = tuple(draw(st.lists(st.integers(8, 64), min_size=ndim - 1, max_size=ndim - 1)))
    return (*lead, -(-total // math.prod(lead)))


@composite
def _stat_inputs(draw: DrawFn) -> torch.Tensor:
    """A CPU tensor of a statistical shape, entries spread evenly over ±[0.5, 2] (never 0).

    The entries come from a deterministic low-discrepancy sequence, not from torch's RNG: a
    generator seeded like the one handed to dropout would draw a mask correlated with X.
    """
    shape, dtype, offset = draw(_stat_shapes()), draw(dtypes()), draw(st.integers(0, 2**20))
    i = torch.arange(offset, offset + math.prod(shape), dtype=torch.float64)
    magnitude = 0.5 + 1.5 * torch.frac(i * 0.6180339887498949)
    sign = torch.where(torch.frac(i * 0.4142135623730951) < 0.5, -1.0, 1.0)
    return (magnitude * sign).to(dtype).reshape(shape)


def _nonzero_tensors(max_dims: int = 3, max_side: int = 6) -> st.SearchStrategy[torch.Tensor]:
    return tensors(shape=shapes(min_dims=0, max_dims=max_dims, max_side=max_side),
                   elements=floats(min_value=-100.0, max_value=100.0, min_magnitude=0.1, allow_zero=False))


def _generator(device: torch.device, seed: int) -> torch.Generator:
    return torch.Generator(device=device).manual_seed(seed)


def _rng_states(device: torch.device) -> list[torch.Tensor]:
    states = [torch.get_rng_state()]
    if device.type == "cuda":
        states.append(torch.cuda.get_rng_state(device))
    return states


def _hoeffding_rate(n: int, delta: float) -> float:
    """t with P(|k/n − p| ≥ t) ≤ 2·exp(−2nt²) = delta, k ~ Binomial(n, p)."""
    return math.sqrt(math.log(2 / delta) / (2 * n))


def _check_dropped_and_kept(out, X: torch.Tensor, p: float, what: str, delta: float | None) -> None:
    """Every output is 0 or X / (1 − p); if ``delta``, the fraction of zeros is p within Hoeffding's
    tolerance for a failure probability ``delta``. X has no zero entry."""
    assert_tensor_like(out, X, what)
    zero = out == 0
    kept = ~zero
    assert_close(out[kept], X[kept] / (1 - p),
                 what=f"{what}: the kept elements (expected X / (1 − p) with p = {p:.4g}, the others exactly 0)")
    if delta is not None:
        n = X.numel()
        rate, tol = float(zero.double().mean()), _hoeffding_rate(n, delta)
        assert abs(rate - p) <= tol, \
            f"{what}: expected a fraction p = {p:.4f} of the {n} elements zeroed (within {tol:.4f}), " \
            f"got {rate:.4f} (zero each element with probability p, keep it with probability 1 − p)"


# ---------------------------------------------------------------- dropout_layer

@graded("dropout_layer", weight=2)
@given(X=_nonzero_tensors(), p=st.floats(0.0, 0.99), seed=seeds())
def test_dropout_layer_outputs_zeros_or_x_over_1_minus_p(submission, device, X, p, seed):
    X = X.to(device)
    out = submission.dropout_layer(X, p, generator=_generator(device, seed))
    _check_dropped_and_kept(out, X, p, f"dropout_layer(X, dropout={p}) of a {tuple(X.shape)} X", None)


@graded("dropout_layer", weight=2)
@given(X=_stat_inputs(), p=_probabilities_away_from_half(), seed=seeds())
def test_dropout_layer_zeros_a_fraction_p_of_the_elements(submission, device, X, p, seed):
    """k zeros among n elements is Binomial(n, p); Hoeffding's tolerance at δ (≤ 0.0107 for n ≥ 2^15)."""
    X = X.to(device)
    out = submission.dropout_layer(X, p, generator=_generator(device, seed))
    _check_dropped_and_kept(out, X, p, f"dropout_layer(X, dropout={p:.4f})", _delta())


@graded("dropout_layer", weight=2)
@given(X=_stat_inputs(), p=_probabilities_away_from_half(), seed=seeds())
def test_dropout_layer_keeps_the_expected_value_of_x(submission, device, X, p, seed):
    """E[out] = X: Σ out − Σ X is a sum of independent terms, out_i ∈ [0, X_i/(1 − p)] (or
    [X_i/(1 − p), 0]), so Hoeffding gives P(|Σ out − Σ X| ≥ t) ≤ 2·exp(−2t² / Σ (X_i/(1 − p))²) = δ.
    X's entries are positive here (so the sums do not cancel); the tolerance is at most 16% of
    Σ X (p = 0.95) and 2% for p ≤ 0.4, far below the error of a forgotten or wrong rescale."""
    X = X.abs().to(device)
    out = submission.dropout_layer(X, p, generator=_generator(device, seed))
    assert_tensor_like(out, X, f"dropout_layer(X, dropout={p:.4f})")
    X64, out64 = X.double().cpu(), out.double().cpu()
    total, expected = float(out64.sum()), float(X64.sum())
    tol = math.sqrt(math.log(2 / _delta()) / 2 * float((X64 / (1 - p)).square().sum()))
    assert abs(total - expected) <= tol, \
        f"dropout={p:.4f}: expected the output's mean to match X's mean {expected / X.numel():.4f} " \
        f"(within {tol / X.numel():.4f}), got {total / X.numel():.4f} (rescale the kept elements by 1/(1 − p))"


@graded("dropout_layer")
@given(size=st.integers(20, 48), p=_probabilities_away_from_half(), seed=seeds())
def test_dropout_layer_draws_an_independent_mask_for_every_element(submission, device, size, p, seed):
    """X (a, b, c) with sides ≥ 20: along each dim, slice 0 and slice 1 have ≥ 400 elements each.
    Independent masks agree on an element with probability p² + (1 − p)² ≤ 0.905, so two slices
    are identical with probability ≤ 0.905^400 < 1e-17: a mask shared along a dim (across rows,
    e.g. ``torch.rand(X.shape[-1])`` broadcast) makes them identical."""
    shape = (size, size + 1, size + 2)
    X = torch.ones(shape, device=device)
    out = submission.dropout_layer(X, p, generator=_generator(device, seed))
    assert_tensor_like(out, X, f"dropout_layer of a {shape} X")
    zero = (out == 0).cpu()
    for dim in range(3):
        first, second = zero.select(dim, 0), zero.select(dim, 1)
        assert not torch.equal(first, second), \
            f"dropout={p:.4f}, X of shape {shape}: slices 0 and 1 along dim {dim} have the same zeros; " \
            "expected an independent draw for every element (a mask of X's full shape)"


@graded("dropout_layer", weight=2)
@given(X=_nonzero_tensors(max_side=12), p=_probabilities_away_from_half(), seed=seeds())
def test_dropout_layer_with_a_seeded_generator_is_reproducible_and_spares_the_global_rng(submission, device, X,
                                                                                          p, seed):
    X = X.to(device)
    before = _rng_states(device)
    first = submission.dropout_layer(X, p, generator=_generator(device, seed))
    second = submission.dropout_layer(X, p, generator=_generator(device, seed))
    after = _rng_states(device)
    assert torch.equal(first, second), \
        f"expected equal outputs from two generators seeded with {seed} (draw every number with generator=...)"
    assert all(torch.equal(b, a) for b, a in zip(before, after)), \
        "with a generator, expected torch's global RNG untouched, but its state changed"


@graded("dropout_layer")
@given(p=_probabilities_away_from_half(), seed=st.integers(0, 2**31), dtype=dtypes())
def test_dropout_layer_without_a_generator_follows_torch_manual_seed(submission, device, p, seed, dtype):
    """Masks of 1,000 elements: two seeds give the same mask with probability ≤ 0.905^1000."""
    X = torch.ones(40, 25, dtype=dtype, device=device)
    draws = []
    for s in (seed, seed, seed + 1):
        torch.manual_seed(s)
        draws.append(submission.dropout_layer(X, p))
    assert torch.equal(draws[0], draws[1]), \
        f"without a generator, expected torch.manual_seed({seed}) to make dropout_layer reproducible"
    assert not torch.equal(draws[0], draws[2]), \
        f"without a generator, expected another mask after torch.manual_seed({seed + 1}) (use torch's default RNG)"


@graded("dropout_layer")
@given(X=tensors(shape=shapes(min_dims=0, max_dims=3, min_side=0, max_side=5)), requires_grad=st.booleans())
def test_dropout_layer_with_dropout_1_returns_zeros_of_x_shape_and_dtype(submission, device, X, requires_grad):
    X = X.to(device).requires_grad_(requires_grad)
    out = submission.dropout_layer(X, 1.0)
    assert_close(out, torch.zeros_like(X.detach()), rtol=0.0, atol=0.0,
                 what=f"dropout_layer(X, 1.0) of a {tuple(X.shape)} X (all dropped: no NaN from 0/0)")


@graded("dropout_layer")
@given(X=tensors(shape=shapes(min_dims=0, max_dims=3, min_side=0, max_side=5)), seed=seeds(),
       with_generator=st.booleans())
def test_dropout_layer_with_dropout_0_returns_a_new_tensor_with_x_values(submission, device, X, seed,
                                                                         with_generator):
    X = X.to(device)
    before = X.clone()
    out = submission.dropout_layer(X, 0.0, generator=_generator(device, seed)) if with_generator \
        else submission.dropout_layer(X, 0.0)
    assert out is not X, "dropout = 0: expected a new tensor with X's values, got X itself"
    assert_close(out, before, what=f"dropout_layer(X, 0.0) of a {tuple(X.shape)} X")
    assert_unchanged(before, X, "X")


@graded("dropout_layer")
@given(X=tensors(shape=shapes(min_dims=0, max_dims=3, min_side=0, max_side=6)), p=_probabilities(),
       requires_grad=st.booleans(), seed=seeds())
def test_dropout_layer_does_not_modify_x(submission, device, X, p, requires_grad, seed):
    X = X.to(device).requires_grad_(requires_grad)
    before = X.detach().clone()
    out = submission.dropout_layer(X, p, generator=_generator(device, seed))
    assert_tensor_like(out, X, f"dropout_layer(X, dropout={p})")
    assert_unchanged(before, X.detach(), "X")
    assert X.requires_grad == requires_grad and X.grad is None, \
        f"expected X to keep requires_grad={requires_grad} and no .grad, got {X.requires_grad}, {X.grad}"


@graded("dropout_layer")
@given(p=_bad_probabilities())
def test_dropout_layer_rejects_a_dropout_outside_0_1_or_nan(submission, device, p):
    X = torch.ones(2, 3, device=device)
    with raises_value_error(f"dropout={p}"):
        submission.dropout_layer(X, p)
    assert_unchanged(torch.ones(2, 3), X, "X")


# ---------------------------------------------------------------- Dropout

@graded("Dropout", weight=2)
@given(X=_stat_inputs(), p=_probabilities_away_from_half(), seed=st.integers(0, 2**31))
def test_Dropout_in_training_mode_zeros_a_fraction_p_and_rescales_the_rest(submission, device, X, p, seed):
    """A new module is in training mode; the fraction of zeros is p within Hoeffding's tolerance at δ."""
    X = X.to(device)
    torch.manual_seed(seed)
    out = submission.Dropout(p)(X)
    _check_dropped_and_kept(out, X, p, f"Dropout({p:.4f})(X) in training mode", _delta())


@graded("Dropout")
@given(seed=st.integers(0, 2**31), dtype=dtypes())
def test_Dropout_defaults_to_p_one_half(submission, device, seed, dtype):
    """Dropout() on 2^15 ones: each output is 0 or 2, half of them 0 within Hoeffding's tolerance at δ."""
    X = torch.ones(2**15, dtype=dtype, device=device)
    torch.manual_seed(seed)
    _check_dropped_and_kept(submission.Dropout()(X), X, 0.5, "Dropout()(X)", _delta())


@graded("Dropout", weight=2)
@given(X=tensors(shape=shapes(min_dims=0, max_dims=3, min_side=0, max_side=6)), p=_probabilities())
def test_Dropout_in_eval_mode_is_the_identity_for_any_p_and_shape(submission, device, X, p):
    X = X.to(device)
    before = X.clone()
    net = submission.Dropout(p)
    net.eval()
    out = net(X)
    assert_close(out, before, rtol=0.0, atol=0.0, what=f"Dropout({p}) in eval mode (the identity at test time)")
    assert_unchanged(before, X, "X")


@graded("Dropout")
@given(p=_probabilities_away_from_half(), seed=st.integers(0, 2**31))
def test_Dropout_switched_back_to_training_mode_drops_again(submission, device, p, seed):
    X = torch.ones(2**15, device=device)
    net = submission.Dropout(p)
    net.eval()
    net.train()
    torch.manual_seed(seed)
    _check_dropped_and_kept(net(X), X, p, f"Dropout({p:.4f}) after .eval() then .train()", _delta())


@graded("Dropout")
@given(p=_probabilities_away_from_half(), seed=st.integers(0, 2**31), dtype=dtypes())
def test_Dropout_in_training_mode_follows_torch_manual_seed(submission, device, p, seed, dtype):
    """Masks of 1,000 elements: two seeds give the same mask with probability ≤ 0.905^1000."""
    X = torch.ones(25, 40, dtype=dtype, device=device)
    net = submission.Dropout(p)
    draws = []
    for s in (seed, seed, seed + 1):
        torch.manual_seed(s)
        draws.append(net(X))
    assert torch.equal(draws[0], draws[1]), \
        f"expected torch.manual_seed({seed}) to make Dropout's mask reproducible (draw from torch's default RNG)"
    assert not torch.equal(draws[0], draws[2]), \
        f"expected another mask after torch.manual_seed({seed + 1})"


@graded("Dropout")
@given(X=tensors(shape=shapes(min_dims=0, max_dims=3, min_side=0, max_side=5)), p=st.sampled_from([0.0, 1.0]),
       requires_grad=st.booleans())
def test_Dropout_with_p_0_keeps_x_and_with_p_1_zeros_it(submission, device, X, p, requires_grad):
    X = X.to(device).requires_grad_(requires_grad)
    before = X.detach().clone()
    out = submission.Dropout(p)(X)
    expected = before if p == 0.0 else torch.zeros_like(before)
    assert_close(out, expected, what=f"Dropout({p})(X) in training mode of a {tuple(X.shape)} X (no NaN)")
    assert_unchanged(before, X.detach(), "X")


@graded("Dropout")
@given(X=tensors(shape=shapes(min_dims=0, max_dims=3, min_side=0, max_side=6)), p=_probabilities(),
       seed=st.integers(0, 2**31))
def test_Dropout_does_not_modify_x(submission, device, X, p, seed):
    X = X.to(device)
    before = X.clone()
    torch.manual_seed(seed)
    out = submission.Dropout(p)(X)
    assert_tensor_like(out, X, f"Dropout({p})(X)")
    assert_unchanged(before, X, "X")


@graded("Dropout", weight=2)
@given(p=_bad_probabilities())
def test_Dropout_rejects_an_invalid_p_when_it_is_built(submission, p):
    with raises_value_error(f"p={p}"):
        submission.Dropout(p)
