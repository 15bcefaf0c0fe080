"""Properties of the mlp topic, graded against the spec, autograd and the reference solution.

``init_mlp_params`` is random, so it is tested by its statistics, never by bit-equality with the
reference. Every statistical check states the probability δ that a correct implementation fails
it; a test splits δ = min(1e-8, 1e-6 / max_examples) per example among its checks (union bound),
so its examples fail with probability ≤ 1e-6 whatever course.yml's max_examples
(``grader.testing.per_example_delta``). Its weights hold ≥ 8192 entries each, and σ is drawn
away from 1 (σ² for σ, or √σ, is then at least 2× off in variance).

``mlp_forward`` and ``mlp_backward`` get networks whose X, W1, b1, W2 and b2 are small dyadic
numbers (multiples of 1/4 to 1/512, see :func:`_networks`): every product and sum of the forward
pass is exact in float32 in any order of summation, so the logits O are exact, the
pre-activations Z have exact signs, and many of them are exactly 0 (b1 is chosen so), where
ReLU's derivative is 0 as in PyTorch. The expected logits and gradients are computed here, in
the grading process, in float64 from those exact values: the gradients by autograd of the mean
cross-entropy (``torch.nn.functional.cross_entropy``), never by a function of the submission.
They are compared at torch's default tolerance for the dtype (float32: atol 1e-5, rtol 1.3e-6).

Why a correct float32 implementation meets it, whichever way it writes the softmax: with exact
logits, the worst is exp(O − lse(O)), whose rounded log-sum-exp (|lse| ≤ max|O| + ln 6) moves
each probability p by a relative (max|O| + 2)·u, u = 2⁻²⁴; every other step adds a few u.
dW2 = Hᵀ dO then errs by at most max|H|·(max|O| + 6)·u (Σᵢ over n rows of H·p·…/n), db2, db1 and
dW1 by less (|X| ≤ 1, |W2| ≤ ½, Σⱼ p = 1). The networks keep max|H|·(max|O| + 6) ≤ 82, so that
error stays under half of atol: |H| ≤ 3 and |O| ≤ 20 in general, |H| ≤ 1.5 and |O| ≤ 48.2 where
the logits of a row span over 93 (:func:`_networks`, ``spread``). Measured with three correct
implementations on 12,000 random networks and 8,000 at the extremes (every |H| at its bound,
the true class's logit at the top): at most 0.31 of the tolerance. Nothing there is random: no
such test can fail a correct implementation by chance.
"""

import math

import torch
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.strategies import DrawFn, composite

from grader.testing import graded, per_example_delta
from tests.helpers import assert_close, assert_tensor_like, assert_unchanged, raises_value_error, type_name
from tests.strategies import dtypes, matrix_sizes, seeds, tensors

TOPIC = "mlp"

_MAX_SIDE = 6           # n, d, h, q of the networks of mlp_forward and mlp_backward
_MIN_SAMPLES = 8192     # entries of each weight in a statistical test
_NAMES = ("W1", "b1", "W2", "b2")


# ---------------------------------------------------------------- networks with exact forward passes

def _multiples(most: int, denominator: int) -> st.SearchStrategy[float]:
    """k / denominator for |k| ≤ most (denominator a power of 2): exact in float32."""
    return st.integers(-most, most).map(lambda k: k / denominator)


@composite
def _labels(draw: DrawFn, n: int, q: int) -> torch.Tensor:
    return torch.tensor(draw(st.lists(st.integers(0, q - 1), min_size=n, max_size=n)), dtype=torch.int64)


@composite
def _networks(draw: DrawFn, ties: str = "some", spread: bool = False
              ) -> tuple[torch.Tensor, torch.Tensor, list[torch.Tensor]]:
    """(X, y, [W1, b1, W2, b2]) in a drawn dtype, n, d, h, q in 1..6 (non-square ones mostly).

    X ∈ ¼ℤ ∩ [−1, 1] and W1 ∈ 1/32 ℤ ∩ [−¼, ¼], so |X W1| ≤ 1.5 on the grid 1/128. ``ties``:
    "some" sets b1[j] = −(X W1)[i, j] for a drawn row i in about half the hidden units
    (Z[i, j] = 0 exactly), the others b1 ∈ 1/128 ℤ ∩ [−1.5, 1.5]; "off" sets
    b1[j] = −maxᵢ (X W1)[i, j] in every unit j (Z ≤ 0 everywhere, with a 0 in each column).
    So |H| ≤ 3. W2 ∈ 1/16 ℤ ∩ [−½, ½] and b2 ∈ ¼ℤ ∩ [−11, 11]: |O| ≤ 6·3·½ + 11 = 20, on the
    grid 2⁻¹¹, exact. ``spread`` (q ≥ 2): W1 ∈ 1/64 ℤ ∩ [−⅛, ⅛] and b1 ∈ [−¾, ¾] (|H| ≤ 1.5),
    W2 ∈ 1/512 ℤ ∩ [−1/64, 1/64], b2 ∈ ¼ℤ ∩ [−48, 48] with an entry 48 and one −48: every row of
    O spans over 93 (exp(93) overflows float32) while |O| ≤ 48.2.
    """
    n, d = draw(matrix_sizes(max_rows=_MAX_SIDE, max_cols=_MAX_SIDE))
    h, q = draw(matrix_sizes(max_rows=_MAX_SIDE, min_cols=2 if spread else 1, max_cols=_MAX_SIDE))
    dtype = draw(dtypes())
    X = draw(tensors((n, d), torch.float64, _multiples(4, 4)))
    W1 = draw(tensors((d, h), torch.float64, _multiples(8, 64 if spread else 32)))
    XW = X @ W1  # exact: products on 1/128 (1/256 with spread), sums of ≤ 6 of them
    if ties == "off":
        b1 = -XW.amax(dim=0)
    else:
        b1 = draw(tensors((h,), torch.float64, _multiples(96 if spread else 192, 128)))
        rows = draw(st.lists(st.one_of(st.none(), st.integers(0, n - 1)), min_size=h, max_size=h))
        for j, i in enumerate(rows):
            if i is not None:
                b1[j] = -XW[i, j]
    if spread:
        W2 = draw(tensors((h, q), torch.float64, _multiples(8, 512)))
        b2 = draw(tensors((q,), torch.float64, _multiples(192, 4)))
        top, bottom = draw(st.lists(st.integers(0, q - 1), min_size=2, max_size=2, unique=True))
        b2[top], b2[bottom] = 48.0, -48.0
    else:
        W2 = draw(tensors((h, q), torch.float64, _multiples(8, 16)))
        b2 = draw(tensors((q,), torch.float64, _multiples(44, 4)))
    y = draw(_labels(n, q))
    return X.to(dtype), y, [p.to(dtype) for p in (W1, b1, W2, b2)]


def _on(device: torch.device, X: torch.Tensor, y: torch.Tensor, params: list[torch.Tensor],
        requires_grad: bool = False) -> tuple[torch.Tensor, torch.Tensor, list[torch.Tensor]]:
    """The network on ``device``; the parameters are leaves that require grad if asked."""
    return X.to(device), y.to(device), [p.to(device).requires_grad_(requires_grad) for p in params]


def _expected_logits(X: torch.Tensor, params: list[torch.Tensor]) -> torch.Tensor:
    """relu(X W1 + b1) W2 + b2 in float64 (exact for these networks), in X's dtype."""
    W1, b1, W2, b2 = (p.detach().double() for p in params)
    return (torch.relu(X.detach().double() @ W1 + b1) @ W2 + b2).to(X.dtype)


def _expected_gradients(X: torch.Tensor, y: torch.Tensor, params: list[torch.Tensor]) -> list[torch.Tensor]:
    """Autograd's gradients of the mean cross-entropy wrt [W1, b1, W2, b2], computed here in
    float64 and returned in the parameters' dtype. PyTorch's ReLU has derivative 0 at 0."""
    leaves = [p.detach().double().requires_grad_() for p in params]
    W1, b1, W2, b2 = leaves
    O = torch.relu(X.detach().double() @ W1 + b1) @ W2 + b2
    loss = torch.nn.functional.cross_entropy(O, y, reduction="mean")
    return [g.to(p.dtype) for g, p in zip(torch.autograd.grad(loss, leaves), params)]


def _four(out, what: str) -> list:
    assert isinstance(out, (list, tuple)) and len(out) == 4, \
        f"{what}: expected a list of 4 tensors [{', '.join(_NAMES)}], got {type_name(out)}" \
        + (f" of length {len(out)}" if isinstance(out, (list, tuple)) else "")
    return list(out)


def _shapes_of(X: torch.Tensor, params: list[torch.Tensor]) -> str:
    n, d = X.shape
    h, q = params[2].shape
    return f"n={n}, d={d}, h={h}, q={q}"


def _assert_gradients(got, expected: list[torch.Tensor], what: str) -> None:
    got = _four(got, what)
    for name, g, e in zip(_NAMES, got, expected):
        assert_close(g, e, what=f"{what}: d loss / d {name}")


def _assert_params_untouched(params: list[torch.Tensor], before: list[torch.Tensor], requires_grad: bool,
                             fn: str) -> None:
    for name, p, b in zip(_NAMES, params, before):
        assert_unchanged(b, p.detach(), name)
        assert p.requires_grad == requires_grad and p.grad is None, \
            f"{fn}: expected {name} to keep requires_grad={requires_grad} and no .grad, got " \
            f"requires_grad={p.requires_grad}, .grad={p.grad}"


# ---------------------------------------------------------------- init_mlp_params

def _delta() -> float:
    """The false-failure probability per example, for a correct implementation (module doc)."""
    return per_example_delta(at_most=1e-8)


def _sigmas() -> st.SearchStrategy[float | None]:
    """σ ≥ 2× away from 1 either way, or None (the default 0.01)."""
    return st.one_of(st.none(), st.floats(1e-3, 0.5), st.floats(2.0, 10.0))


def _init(submission, sizes: tuple[int, int, int], sigma: float | None, generator: torch.Generator | None = None):
    kwargs = {} if sigma is None else {"sigma": sigma}
    if generator is not None:
        kwargs["generator"] = generator
    return _four(submission.init_mlp_params(*sizes, **kwargs), f"init_mlp_params{sizes}")


@composite
def _sizes(draw: DrawFn, min_side: int = 1) -> tuple[int, int, int]:
    """(d, h, q) from 1 to 8, d ≠ q in most draws (equal sizes are an edge drawn on purpose)."""
    d, q = draw(matrix_sizes(min_rows=min_side, max_rows=8, min_cols=min_side, max_cols=8))
    return d, draw(st.integers(min_side, 8)), q


@composite
def _stat_sizes(draw: DrawFn) -> tuple[int, int, int]:
    """(d, h, q) with d·h ≥ 8192 and h·q ≥ 8192."""
    h = draw(st.integers(128, 192))
    return draw(st.integers(64, 96)), h, draw(st.integers(64, 96))


def _weights(params: list[torch.Tensor]) -> list[tuple[str, torch.Tensor]]:
    return [(name, p.detach().double().flatten()) for name, p in zip(_NAMES, params) if name.startswith("W")]


@graded("init_mlp_params", weight=2)
@given(sizes=_sizes(), sigma=_sigmas())
def test_init_mlp_params_returns_float32_leaves_of_the_layer_shapes_that_require_grad(submission, sizes, sigma):
    d, h, q = sizes
    params = _init(submission, sizes, sigma)
    for name, p, shape in zip(_NAMES, params, [(d, h), (h,), (h, q), (q,)]):
        # An nn.Parameter (d2l §5.2.1 wraps them so) is a float32 leaf that requires grad too.
        assert isinstance(p, torch.Tensor), f"{name}: expected a torch.Tensor, got {type_name(p)}"
        assert_tensor_like(p.detach(), torch.empty(shape), f"{name} of init_mlp_params(d={d}, h={h}, q={q})")
        assert p.is_leaf and p.requires_grad and p.grad is None, \
            f"{name}: expected a leaf that requires grad (make the values, then .requires_grad_()), got " \
            f"is_leaf={p.is_leaf}, requires_grad={p.requires_grad}"
        assert bool(torch.isfinite(p.detach()).all()), f"{name}: expected finite values, got {p}"


@graded("init_mlp_params")
@given(sizes=_sizes(), sigma=_sigmas(), seed=seeds())
def test_init_mlp_params_biases_are_zeros(submission, sizes, sigma, seed):
    params = _init(submission, sizes, sigma, torch.Generator().manual_seed(seed))
    for name, p in zip(_NAMES, params):
        if name.startswith("b"):
            assert bool((p.detach() == 0).all()), f"expected {name} = zeros (d2l §5.2.1), got {p}"


@graded("init_mlp_params", weight=2)
@given(sizes=_stat_sizes(), sigma=_sigmas(), seed=seeds())
def test_init_mlp_params_weight_variance_is_sigma_squared(submission, sizes, sigma, seed):
    """mean(w²) ≈ σ² for W1 and W2, σ the standard deviation.

    N·mean(w²)/σ² is χ²_N. Laurent–Massart: P(χ²_N − N ≥ 2√(Nx) + 2x) ≤ e^(−x) and
    P(N − χ²_N ≥ 2√(Nx)) ≤ e^(−x); x = ln(4/δ) makes each of the 4 checks (2 weights × 2 sides)
    fail with probability δ/4 (about ±10% for N = 8192).
    """
    std = 0.01 if sigma is None else sigma
    x = math.log(4 / _delta())
    for name, w in _weights(_init(submission, sizes, sigma, torch.Generator().manual_seed(seed))):
        n = w.numel()
        ratio = float((w * w).sum()) / std**2
        low, high = n - 2 * math.sqrt(n * x), n + 2 * math.sqrt(n * x) + 2 * x
        assert low <= ratio <= high, \
            f"init_mlp_params{sizes}, sigma={sigma}: expected mean({name}²) ≈ σ² = {std**2:.6g} (σ the std, " \
            f"not the variance; within [{low / n * std**2:.6g}, {high / n * std**2:.6g}]), got {ratio / n * std**2:.6g}"


@graded("init_mlp_params")
@given(sizes=_stat_sizes(), sigma=_sigmas(), seed=seeds())
def test_init_mlp_params_weight_mean_is_zero(submission, sizes, sigma, seed):
    """mean(w) ~ N(0, σ²/N): P(|mean w| ≥ zσ/√N) ≤ 2·exp(−z²/2) = δ/2 per weight, z = √(2 ln(4/δ))."""
    std = 0.01 if sigma is None else sigma
    z = math.sqrt(2 * math.log(4 / _delta()))
    for name, w in _weights(_init(submission, sizes, sigma, torch.Generator().manual_seed(seed))):
        tol = z * std / math.sqrt(w.numel())
        assert abs(float(w.mean())) <= tol, \
            f"init_mlp_params{sizes}, sigma={sigma}: expected mean({name}) ≈ 0 (within {tol:.3g}; " \
            f"N(0, σ²) is centred), got {float(w.mean()):.6g}"


@graded("init_mlp_params")
@given(sizes=_stat_sizes(), sigma=_sigmas(), seed=seeds())
def test_init_mlp_params_weights_are_distributed_as_normal_0_sigma(submission, sizes, sigma, seed):
    """sup|F_n − Φ(·/σ)| ≤ ε = √(ln(4/δ)/(2N)): by the Dvoretzky–Kiefer–Wolfowitz inequality
    (Massart's constant), P(sup|F_n − F| > ε) ≤ 2·exp(−2Nε²) = δ/2 per weight (ε ≈ 0.034 for
    N = 8192): a uniform fill of the right variance fails."""
    std = 0.01 if sigma is None else sigma
    for name, w in _weights(_init(submission, sizes, sigma, torch.Generator().manual_seed(seed))):
        x, n = w.sort().values, w.numel()
        cdf = 0.5 * (1 + torch.erf(x / (std * math.sqrt(2))))
        i = torch.arange(1, n + 1, dtype=torch.float64)
        dist = float(torch.maximum(i / n - cdf, cdf - (i - 1) / n).max())
        tol = math.sqrt(math.log(4 / _delta()) / (2 * n))
        assert dist <= tol, \
            f"init_mlp_params{sizes}, sigma={sigma}: expected the entries of {name} distributed as N(0, σ²), " \
            f"σ = {std:.6g}; their empirical CDF is {dist:.3f} away from it (allowed {tol:.3f})"


@graded("init_mlp_params")
@given(sizes=_sizes(min_side=2), sigma=st.floats(1e-3, 10.0), seed=seeds())
def test_init_mlp_params_seeded_generator_reproduces_and_spares_the_global_rng(submission, sizes, sigma, seed):
    before = torch.get_rng_state()
    first = _init(submission, sizes, sigma, torch.Generator().manual_seed(seed))
    second = _init(submission, sizes, sigma, torch.Generator().manual_seed(seed))
    after = torch.get_rng_state()
    for name, a, b in zip(_NAMES, first, second):
        assert torch.equal(a.detach(), b.detach()), \
            f"expected equal {name} from two generators seeded with {seed} (draw every number with generator=...)"
    assert torch.equal(before, after), "with a generator, expected torch's global RNG untouched, but its state changed"


@graded("init_mlp_params")
@given(sizes=_sizes(min_side=2), sigma=st.floats(1e-3, 10.0), seed=st.integers(0, 2**31))
def test_init_mlp_params_without_generator_follows_torch_manual_seed(submission, sizes, sigma, seed):
    """≥ 8 weight entries: two seeds give equal float32 normals everywhere with probability < 1e-40."""
    draws = []
    for s in (seed, seed, seed + 1):
        torch.manual_seed(s)
        draws.append(torch.cat([p.detach().flatten() for p in _init(submission, sizes, sigma)]))
    assert torch.equal(draws[0], draws[1]), \
        f"without a generator, expected torch.manual_seed({seed}) to make init_mlp_params reproducible"
    assert not torch.equal(draws[0], draws[2]), \
        f"without a generator, expected other weights after torch.manual_seed({seed + 1}) (use torch's default RNG)"


@graded("init_mlp_params")
@given(sizes=_sizes())
def test_init_mlp_params_with_sigma_0_gives_zero_weights(submission, sizes):
    params = _init(submission, sizes, 0.0)
    for name, p in zip(_NAMES, params):
        assert p.is_leaf and p.requires_grad, f"{name}: expected a leaf that requires grad with sigma=0 too"
        assert bool((p.detach() == 0).all()), f"sigma=0: expected {name} = zeros (N(0, 0) is 0), got {p}"


@graded("init_mlp_params")
@given(sizes=_sizes(), which=st.integers(0, 2), bad=st.integers(-3, 0), sigma=_sigmas())
def test_init_mlp_params_rejects_a_size_below_1(submission, sizes, which, bad, sigma):
    sizes = tuple(bad if k == which else s for k, s in enumerate(sizes))
    name = ("num_inputs", "num_hiddens", "num_outputs")[which]
    with raises_value_error(f"{name}={bad}"):
        _init(submission, sizes, sigma)


@graded("init_mlp_params")
@given(sizes=_sizes(), sigma=st.one_of(st.just(math.nan), st.floats(max_value=-1e-12, allow_infinity=False,
                                                                    allow_nan=False)))
def test_init_mlp_params_rejects_a_negative_or_nan_sigma(submission, sizes, sigma):
    with raises_value_error(f"sigma={sigma}"):
        _init(submission, sizes, sigma)


# ---------------------------------------------------------------- mlp_forward

@graded("mlp_forward", weight=3)
@given(net=_networks(), requires_grad=st.booleans())
def test_mlp_forward_is_relu_of_x_w1_plus_b1_times_w2_plus_b2(submission, device, net, requires_grad):
    X, _, params = _on(device, *net, requires_grad=requires_grad)
    got = submission.mlp_forward(X, params)
    assert_close(got, _expected_logits(X, params),
                 what=f"mlp_forward ({_shapes_of(X, params)}): O = relu(X W1 + b1) W2 + b2, shape (n, q)")


@graded("mlp_forward")
@given(net=_networks(ties="off"))
def test_mlp_forward_is_the_output_bias_where_every_pre_activation_is_at_most_0(submission, device, net):
    X, _, params = _on(device, *net)
    expected = params[3].expand(X.shape[0], -1)
    assert_close(submission.mlp_forward(X, params), expected,
                 what=f"mlp_forward where X W1 + b1 ≤ 0 everywhere: relu gives H = 0, so O = b2 in every row")


@graded("mlp_forward")
@given(net=_networks(), x_requires_grad=st.booleans())
def test_mlp_forward_records_autograd_history_and_leaves_its_inputs_unchanged(submission, device, net,
                                                                             x_requires_grad):
    X, _, params = _on(device, *net, requires_grad=True)
    X.requires_grad_(x_requires_grad)
    before, X_before = [p.detach().clone() for p in params], X.detach().clone()
    O = submission.mlp_forward(X, params)
    assert type(O) is torch.Tensor and O.requires_grad and not O.is_leaf, \
        "mlp_forward with parameters that require grad: expected logits that require grad, with autograd " \
        f"history (no detach, no torch.no_grad()), got requires_grad={getattr(O, 'requires_grad', None)}, " \
        f"is_leaf={getattr(O, 'is_leaf', None)}"
    _assert_params_untouched(params, before, True, "mlp_forward")
    assert_unchanged(X_before, X.detach(), "X")


# ---------------------------------------------------------------- mlp_backward

@graded("mlp_backward", weight=4)
@given(net=_networks())
def test_mlp_backward_equals_autograd_of_the_mean_cross_entropy(submission, device, net):
    X, y, params = _on(device, *net)
    _assert_gradients(submission.mlp_backward(X, y, params), _expected_gradients(X, y, params),
                      f"mlp_backward ({_shapes_of(X, params)}, y={y.tolist()}) vs autograd of the mean loss")


@graded("mlp_backward", weight=2)
@given(net=_networks(ties="off"))
def test_mlp_backward_gives_zero_gradients_to_hidden_units_never_above_0(submission, device, net):
    """Every pre-activation ≤ 0, each column with an exact 0: ReLU'(z) = 0 for z ≤ 0 (PyTorch's
    derivative at 0), so dW1 and db1 are exactly 0, and so is dW2 (H = 0)."""
    X, y, params = _on(device, *net)
    got = _four(submission.mlp_backward(X, y, params), "mlp_backward")
    for name, g, p in zip(_NAMES[:3], got, params):
        assert_close(g, torch.zeros_like(p), rtol=0.0, atol=0.0,
                     what=f"d loss / d {name} where X W1 + b1 ≤ 0 everywhere, with zeros (mask dH with Z > 0, "
                          "not Z ≥ 0: ReLU'(0) = 0)")
    _assert_gradients(got, _expected_gradients(X, y, params), "mlp_backward vs autograd where every Z ≤ 0")


@graded("mlp_backward")
@given(net=_networks(spread=True))
def test_mlp_backward_is_accurate_for_logits_spanning_minus_48_to_48(submission, device, net):
    X, y, params = _on(device, *net)
    _assert_gradients(submission.mlp_backward(X, y, params), _expected_gradients(X, y, params),
                      "mlp_backward where each row of O spans over 93 (|O| ≤ 50: exp(O − rowmax) keeps it finite)")


@graded("mlp_backward")
@given(net=_networks())
def test_mlp_backward_of_a_batch_repeated_twice_equals_autograd_of_the_batch(submission, device, net):
    """The mean loss of [X; X] is that of X, and so are its gradients (a summed loss doubles them)."""
    X, y, params = _on(device, *net)
    got = submission.mlp_backward(torch.cat([X, X]), torch.cat([y, y]), params)
    _assert_gradients(got, _expected_gradients(X, y, params),
                      "mlp_backward of the batch repeated twice (the same mean loss: divide by n = 2 × rows)")


@graded("mlp_backward")
@given(net=_networks(), requires_grad=st.booleans(), x_requires_grad=st.booleans(), as_tuple=st.booleans())
def test_mlp_backward_returns_new_tensors_without_grad_and_leaves_its_inputs_unchanged(
        submission, device, net, requires_grad, x_requires_grad, as_tuple):
    X, y, params = _on(device, *net, requires_grad=requires_grad)
    X.requires_grad_(x_requires_grad)
    before, X_before, y_before = [p.detach().clone() for p in params], X.detach().clone(), y.clone()
    got = _four(submission.mlp_backward(X, y, tuple(params) if as_tuple else params), "mlp_backward")
    for name, g, p in zip(_NAMES, got, params):
        assert_tensor_like(g, p.detach(), f"d loss / d {name}")
        assert not g.requires_grad, \
            f"d loss / d {name}: expected a result that does not require grad (requires_grad=" \
            f"{requires_grad} on the params, {x_requires_grad} on X), but it does: detach the inputs"
    _assert_params_untouched(params, before, requires_grad, "mlp_backward")
    assert_unchanged(X_before, X.detach(), "X")
    assert X.grad is None, f"mlp_backward: expected X.grad to stay None, got {X.grad}"
    assert_unchanged(y_before, y, "y")
