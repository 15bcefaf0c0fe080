"""Properties of the sgd topic, graded against the spec and the reference solution.

``data_iter``'s order is fixed by the spec (one ``torch.randperm(n, generator=generator)`` on the
CPU), so its batches are compared with the reference's bit for bit. ``linreg`` and
``squared_loss`` are tested on multiples of 1/8 in [−4, 4], where every product and sum is exact
in float32, so any order of the arithmetic gives the reference's values. ``sgd_`` is compared
with the formula at the dtype's default tolerance.

``train_linreg`` is random (w's init, each epoch's order) and is never compared bit for bit with
the reference. Its two value tests are justified here; each fails a correct implementation with
probability δ ≤ 1e-10 per example (_TRAINING_DELTA), fixed by the derivation, so ≤ 1e-6 for up to
10^4 examples. Each random test checks its δ against course.yml's max_examples when it runs
(``grader.testing.check_delta``: a larger max_examples is reported as the course's error, not
graded at a higher false-failure rate than stated).

Convergence (test_train_linreg_recovers_w_and_b_of_drawn_synthetic_data): d2l's data, X ~ N(0, 1)
(1000, d), y = Xw* + b* + N(0, σ²), σ = 0.01, d ≤ 3, |w*ⱼ|, |b*| ≤ 5, defaults lr = 0.03,
3 epochs of batches of 10 (300 steps). With θ = (w, b) and z = (x, 1), a step is
θ ← θ − (lr/10)·Σ z(zᵀθ − y): linear, so the final error θ − θ* = P·(θ₀ − θ*) + Σᵢ cᵢεᵢ, with P
the product of the 300 step matrices I − lr·H_batch and cᵢ fixed by X and the order.
- Noise part: given X and the order it is Gaussian; its std per coordinate is about
  σ·(√(lr/20) + 1/√1000) ≈ 7e-4, so 0.05 is > 70 std away (probability < 1e-900).
- Contraction part: each step matrix is non-expansive when lr·max‖zᵢ‖² ≤ 2, i.e. ‖xᵢ‖² ≤ 65
  for all 1000 examples (fails with probability ≤ 1000·P(χ²₃ > 65) < 1e-10), and E[H] = I
  contracts the error by ≈ (1 − lr)³⁰⁰ ≈ 1e-4 of ‖θ*‖ ≤ 10.
- Measured: 3.6e8 simulated trainings in float32 with a random order and a random N(0, 0.01²)
  init (d2l's w* = [2, −3.4], b* = 4.2, and the worst corners |w*ⱼ| = |b*| = 5 for d = 1, 2, 3):
  the largest error of any coordinate was 7.1e-3. log10(error) has mean ≈ −3.0, std ≈ 0.2
  and an upper tail that falls faster and faster: P(error ≥ 10^−2.15 = 7.1e-3) = 1.4e-8 at the
  worst corner, and each 0.1 decade further out divided it by more than the one before (by 54
  for the last). The tolerance 0.05 = 10^−1.3 lies 0.85 decades further: even at 50× per 0.1
  decade, δ < 1.4e-8 · 50^−8.5 ≈ 5e-23. The simulation drew the order and the init at random,
  so it covers any correct implementation (its own draws, or a zero init).

Full-batch training (test_train_linreg_with_one_batch_per_epoch_does_gradient_descent):
batch_size ≥ n gives one batch per epoch, whose order does not matter, so training is gradient
descent θ ← θ − (lr/batch_size)·Zᵀ(Zθ − y), computed here in float64 from θ₀ = 0. lr is drawn
as c·batch_size/λmax(ZᵀZ), c ≤ 1, so each step matrix M = I − (lr/batch_size)·ZᵀZ has
‖M‖ ≤ 1 and the submission's result differs from ours by at most ‖w₀‖ ≤ 0.01·√50 < 0.0708
(w₀ ~ N(0, 0.01²·I₃) exceeds it with probability P(χ²₃ > 50) < 1e-10; a zero init gives 0),
plus float32 rounding (< 1e-3 here). True parameters of 5 to 20 in magnitude make a wrong lr,
epoch count or divisor miss by far more.
"""

import math

import torch
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.strategies import DrawFn, composite

from grader.testing import check_delta, graded
from solutions import sgd as reference
from tests.helpers import assert_close, assert_tensor_like, assert_unchanged, raises_value_error
from tests.strategies import dtypes, floats, matrix_sizes, seeds, tensors

TOPIC = "sgd"

_INIT_BOUND = 0.0708     # ‖w₀‖ for w₀ ~ N(0, 0.01² I₃), exceeded with probability < 1e-10
_FLOAT32_SLACK = 1e-3    # rounding of full-batch gradient descent in float32
_TRAINING_DELTA = 1e-10  # false-failure probability per example of each train_linreg value test (module doc)


def _exact_floats() -> st.SearchStrategy[float]:
    """Multiples of 1/8 in [−4, 4]: products and short sums are exact in float32."""
    return st.integers(-32, 32).map(lambda k: k / 8)


def _generator(seed: int) -> torch.Generator:
    return torch.Generator().manual_seed(seed)


def _batches(fn, batch_size, features, labels, generator=None) -> list:
    return list(fn(batch_size, features, labels, generator))


@composite
def _datasets(draw: DrawFn, *, min_n: int = 1, max_n: int = 30) -> tuple[torch.Tensor, torch.Tensor]:
    """(features (n, *), labels (n,) or (n, 1)) on the CPU; labels float or int64."""
    n = draw(st.integers(min_n, max_n), label="n")
    trailing = draw(st.sampled_from([(), (1,), (2,), (3,), (2, 2)]), label="feature dims")
    dtype = draw(dtypes())
    features = draw(tensors((n, *trailing), dtype))
    label_shape = draw(st.sampled_from([(n,), (n, 1)]), label="label shape")
    if draw(st.booleans(), label="int64 labels"):
        labels = torch.tensor(draw(st.lists(st.integers(-9, 9), min_size=n, max_size=n)),
                              dtype=torch.int64).reshape(label_shape)
    else:
        labels = draw(tensors(label_shape, dtype))
    return features, labels


@composite
def _blank_datasets(draw: DrawFn, *, min_n: int = 1, max_n: int = 30) -> tuple[torch.Tensor, torch.Tensor]:
    """Zero (features (n, *), labels (n,)) of a drawn size: for tests whose values do not matter."""
    n = draw(st.integers(min_n, max_n), label="n")
    trailing = draw(st.sampled_from([(), (1,), (3,), (2, 2)]), label="feature dims")
    dtype = draw(dtypes())
    return torch.zeros((n, *trailing), dtype=dtype), torch.zeros(n, dtype=dtype)


# ---------------------------------------------------------------- data_iter

@graded("data_iter", weight=3)
@given(data=_datasets(), seed=seeds(), st_data=st.data())
def test_data_iter_batches_equal_the_references_for_a_seeded_generator(submission, device, data, seed, st_data):
    features, labels = (t.to(device) for t in data)
    batch_size = st_data.draw(st.integers(1, len(features) + 3), label="batch_size")
    got = _batches(submission.data_iter, batch_size, features, labels, _generator(seed))
    expected = _batches(reference.data_iter, batch_size, features, labels, _generator(seed))
    assert len(got) == len(expected), \
        f"n={len(features)}, batch_size={batch_size}: expected {len(expected)} batches, got {len(got)}"
    for k, ((X, y), (X_ref, y_ref)) in enumerate(zip(got, expected)):
        assert_tensor_like(X, X_ref, f"X of batch {k}")
        assert_tensor_like(y, y_ref, f"y of batch {k}")
        assert torch.equal(X, X_ref) and torch.equal(y, y_ref), \
            f"batch {k}: expected the rows torch.randperm(n, generator=<seeded with {seed}>) gives, in that order:\n" \
            f"X = {X_ref}, y = {y_ref}\ngot X = {X}, y = {y}"


@graded("data_iter", weight=2)
@given(n=st.integers(1, 40), dtype=dtypes(), column=st.booleans(), seed=seeds(), st_data=st.data())
def test_data_iter_visits_each_example_once_with_its_own_label(submission, device, n, dtype, column, seed, st_data):
    batch_size = st_data.draw(st.integers(1, n + 3), label="batch_size")
    features = torch.stack([torch.arange(n), -torch.arange(n)], 1).to(dtype).to(device)  # row i = [i, -i]
    labels = (100 + torch.arange(n)).to(dtype).reshape((n, 1) if column else (n,)).to(device)
    batches = _batches(submission.data_iter, batch_size, features, labels, _generator(seed))
    sizes = [len(X) for X, _ in batches]
    expected_sizes = [batch_size] * (n // batch_size) + ([n % batch_size] if n % batch_size else [])
    assert sizes == expected_sizes, \
        f"n={n}, batch_size={batch_size}: expected batch sizes {expected_sizes} (all but the last full), got {sizes}"
    rows = torch.cat([X[:, 0] for X, _ in batches]).long().cpu()
    assert sorted(rows.tolist()) == list(range(n)), \
        f"expected each of the {n} rows exactly once, got rows {rows.tolist()}"
    got_labels = torch.cat([y.reshape(-1) for _, y in batches]).long().cpu()
    assert torch.equal(got_labels, rows + 100), \
        f"expected row i of features with label 100+i; rows {rows.tolist()} came with labels {got_labels.tolist()}"


@graded("data_iter")
@given(n=st.integers(12, 40), seed=seeds())
def test_data_iter_order_is_a_shuffle_not_the_input_order(submission, device, n, seed):
    """The identity is one of n! ≥ 12! ≈ 4.8e8 equally likely orders: δ ≈ 2e-9."""
    check_delta(1 / math.factorial(n), f"data_iter's shuffle check (n={n})")
    features = torch.arange(n, device=device).reshape(n, 1)
    order = torch.cat([X.reshape(-1) for X, _ in _batches(submission.data_iter, 5, features, features.clone(),
                                                          _generator(seed))]).cpu()
    assert not torch.equal(order, torch.arange(n)), \
        f"expected the examples in a random order, got them in the input order {order.tolist()}"


@graded("data_iter")
@given(data=_datasets(min_n=2), seed=seeds(), batch_size=st.integers(1, 6))
def test_data_iter_without_a_generator_draws_from_torch_manual_seed(submission, device, data, seed, batch_size):
    features, labels = (t.to(device) for t in data)
    torch.manual_seed(seed)
    got = torch.cat([y.reshape(len(y), -1) for _, y in _batches(submission.data_iter, batch_size, features, labels)])
    torch.manual_seed(seed)
    expected = torch.cat([y.reshape(len(y), -1)
                          for _, y in _batches(reference.data_iter, batch_size, features, labels)])
    assert torch.equal(got, expected), \
        f"generator=None after torch.manual_seed({seed}): expected the order of torch.randperm(n) on torch's " \
        f"global (CPU) RNG, labels {expected.reshape(-1).tolist()}, got {got.reshape(-1).tolist()}"


@graded("data_iter")
@given(data=_datasets(), seed=seeds(), batch_size=st.integers(1, 6))
def test_data_iter_with_a_generator_spares_the_global_rng_and_its_inputs(submission, device, data, seed, batch_size):
    features, labels = (t.to(device) for t in data)
    features_before, labels_before = features.clone(), labels.clone()
    torch.manual_seed(seed)
    before = torch.get_rng_state()
    _batches(submission.data_iter, batch_size, features, labels, _generator(seed))
    assert torch.equal(before, torch.get_rng_state()), \
        "with a generator, expected torch's global RNG untouched, but its state changed " \
        "(draw with torch.randperm(n, generator=generator))"
    assert_unchanged(features_before, features, "features")
    assert_unchanged(labels_before, labels, "labels")


@graded("data_iter")
@given(data=_blank_datasets(), batch_size=st.integers(-5, 0))
def test_data_iter_raises_for_a_batch_size_below_one(submission, device, data, batch_size):
    features, labels = (t.to(device) for t in data)
    with raises_value_error(f"batch_size={batch_size}"):
        _batches(submission.data_iter, batch_size, features, labels, _generator(0))


@graded("data_iter")
@given(data=_blank_datasets(min_n=2), cut=st.integers(1, 3), drop_features=st.booleans(), batch_size=st.integers(1, 4))
def test_data_iter_raises_when_features_and_labels_differ_in_length(submission, device, data, cut,
                                                                   drop_features, batch_size):
    features, labels = (t.to(device) for t in data)
    cut = min(cut, len(features) - 1)
    features, labels = (features[cut:], labels) if drop_features else (features, labels[cut:])
    with raises_value_error(f"len(features)={len(features)} != len(labels)={len(labels)}"):
        _batches(submission.data_iter, batch_size, features, labels, _generator(0))


# ---------------------------------------------------------------- linreg

@composite
def _linreg_inputs(draw: DrawFn) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    n, d = draw(matrix_sizes(min_rows=0, max_rows=6, max_cols=5), label="n, d")
    dtype = draw(dtypes())
    w_shape = draw(st.sampled_from([(d, 1), (d,)]), label="w shape")
    b_shape = draw(st.sampled_from([(), (1,)]), label="b shape")
    return tuple(draw(tensors(shape, dtype, _exact_floats())) for shape in ((n, d), w_shape, b_shape))


@graded("linreg", weight=3)
@given(inputs=_linreg_inputs())
def test_linreg_equals_xw_plus_b_for_column_or_vector_w(submission, device, inputs):
    X, w, b = (t.to(device) for t in inputs)
    expected = reference.linreg(X, w, b)
    assert_close(submission.linreg(X, w, b), expected,
                 what=f"linreg(X {tuple(X.shape)}, w {tuple(w.shape)}, b {tuple(b.shape)})")


@graded("linreg")
@given(inputs=_linreg_inputs())
def test_linreg_keeps_the_graph_to_w_and_b_and_spares_x(submission, device, inputs):
    X, w, b = (t.to(device) for t in inputs)
    before = [t.clone() for t in (X, w, b)]
    w.requires_grad_(True)
    b.requires_grad_(True)
    out = submission.linreg(X, w, b)
    assert isinstance(out, torch.Tensor) and out.requires_grad, \
        "with w and b requiring grad, expected an output that requires grad (training differentiates through it)"
    for name, old, new in zip("Xwb", before, (X, w, b)):
        assert_unchanged(old, new, name)


@graded("linreg")
@given(inputs=_linreg_inputs())
def test_linreg_of_zero_features_is_b_for_every_example(submission, device, inputs):
    X, w, b = (t.to(device) for t in inputs)
    out = submission.linreg(torch.zeros_like(X), w, b)
    expected = b.reshape(()).expand(X.shape[0], *w.shape[1:])
    assert_close(out, expected.clone(), what=f"linreg(zeros {tuple(X.shape)}, w {tuple(w.shape)}, b = {b.tolist()}): "
                                             "b added to every example")


# ---------------------------------------------------------------- squared_loss

@composite
def _loss_inputs(draw: DrawFn) -> tuple[torch.Tensor, torch.Tensor]:
    n = draw(st.integers(0, 6), label="n")
    y_hat_shape = draw(st.sampled_from([(n, 1), (n,), (n, 2), (2, n, 1)]), label="y_hat shape")
    numel = math.prod(y_hat_shape)
    y_shape = draw(st.sampled_from([y_hat_shape, (numel,), (numel, 1)]), label="y shape")
    dtype = draw(dtypes())
    return draw(tensors(y_hat_shape, dtype, _exact_floats())), draw(tensors(y_shape, dtype, _exact_floats()))


@graded("squared_loss", weight=3)
@given(inputs=_loss_inputs())
def test_squared_loss_is_half_the_squared_error_in_y_hats_shape(submission, device, inputs):
    y_hat, y = (t.to(device) for t in inputs)
    expected = reference.squared_loss(y_hat, y)
    assert_close(submission.squared_loss(y_hat, y), expected,
                 what=f"squared_loss(y_hat {tuple(y_hat.shape)}, y {tuple(y.shape)}), "
                      "elementwise (ŷ−y)²/2, not reduced")


@graded("squared_loss")
@given(inputs=_loss_inputs())
def test_squared_loss_keeps_the_graph_to_y_hat_and_spares_its_inputs(submission, device, inputs):
    y_hat, y = (t.to(device) for t in inputs)
    y_hat_before, y_before = y_hat.clone(), y.clone()
    y_hat.requires_grad_(True)
    out = submission.squared_loss(y_hat, y)
    assert isinstance(out, torch.Tensor) and out.requires_grad, \
        "with y_hat requiring grad, expected a loss that requires grad (training calls .backward on it)"
    assert_unchanged(y_hat_before, y_hat, "y_hat")
    assert_unchanged(y_before, y, "y")


@graded("squared_loss")
@given(inputs=_loss_inputs())
def test_squared_loss_is_zero_for_a_perfect_fit_and_symmetric(submission, device, inputs):
    y_hat, y = (t.to(device) for t in inputs)
    assert_close(submission.squared_loss(y_hat, y_hat.reshape(y.shape)), torch.zeros_like(y_hat),
                 what="squared_loss(y_hat, y_hat reshaped like y): zero loss for a perfect prediction")
    swapped = submission.squared_loss(y.reshape(y_hat.shape), y_hat.reshape(y.shape))
    assert_close(swapped, reference.squared_loss(y_hat, y),
                 what="squared_loss with y_hat and y swapped: (y − ŷ)²/2 = (ŷ − y)²/2")


# ---------------------------------------------------------------- sgd_

_param_shapes = st.sampled_from([(), (1,), (3,), (2, 1), (2, 3)])


@composite
def _params(draw: DrawFn, *, min_size: int = 1, grads: bool = True) -> list[torch.Tensor]:
    """1-3 CPU leaves requiring grad, one dtype, each with a drawn .grad (or None if not grads)."""
    dtype = draw(dtypes())
    params = []
    for shape in draw(st.lists(_param_shapes, min_size=min_size, max_size=3), label="param shapes"):
        p = draw(tensors(shape, dtype)).requires_grad_(True)
        p.grad = draw(tensors(shape, dtype)) if grads else None
        params.append(p)
    return params


@composite
def _blank_params(draw: DrawFn) -> list[torch.Tensor]:
    """1-3 leaves of ones requiring grad, with grads of ones: for tests whose values do not matter."""
    dtype = draw(dtypes())
    params = []
    for shape in draw(st.lists(_param_shapes, min_size=1, max_size=3), label="param shapes"):
        p = torch.ones(shape, dtype=dtype, requires_grad=True)
        p.grad = torch.ones(shape, dtype=dtype)
        params.append(p)
    return params


def _to(params: list[torch.Tensor], device: torch.device) -> list[torch.Tensor]:
    """Copies of the params on device: leaves requiring grad, with copies of their grads."""
    out = []
    for p in params:
        q = p.detach().clone().to(device).requires_grad_(True)
        q.grad = None if p.grad is None else p.grad.clone().to(device)
        out.append(q)
    return out


_lrs = st.floats(1e-3, 1.0)
_decays = st.one_of(st.just(0.0), st.floats(1e-3, 1.0))


@graded("sgd_", weight=3)
@given(params=_params(), lr=_lrs, batch_size=st.integers(1, 16), weight_decay=_decays)
def test_sgd_moves_each_param_by_lr_times_grad_over_batch_size_plus_decay(submission, device, params, lr,
                                                                          batch_size, weight_decay):
    got, expected = _to(params, device), _to(params, device)
    reference.sgd_(expected, lr, batch_size, weight_decay)
    out = submission.sgd_(got, lr, batch_size, weight_decay=weight_decay)
    assert out is None, f"expected sgd_ to return None (it works in place), got {out!r}"
    for k, (p, q) in enumerate(zip(got, expected)):
        assert_close(p.detach(), q.detach(),
                     what=f"param {k} after p - lr*(p.grad/batch_size + weight_decay*p), lr={lr}, "
                          f"batch_size={batch_size}, weight_decay={weight_decay}")


@graded("sgd_")
@given(params=_params(), lr=_lrs, batch_size=st.integers(1, 16))
def test_sgd_without_weight_decay_divides_the_grad_by_batch_size(submission, device, params, lr, batch_size):
    got = _to(params, device)
    submission.sgd_(got, lr, batch_size)
    for k, (p, old) in enumerate(zip(got, params)):
        expected = (old.detach() - lr * old.grad / batch_size).to(device)
        assert_close(p.detach(), expected,
                     what=f"param {k} after p - lr*p.grad/batch_size, lr={lr}, batch_size={batch_size}")


@graded("sgd_")
@given(params=_params(), lr=_lrs, batch_size=st.integers(1, 16), weight_decay=_decays)
def test_sgd_updates_in_place_keeping_leaves_that_require_grad(submission, device, params, lr, batch_size,
                                                               weight_decay):
    got = _to(params, device)
    submission.sgd_(got, lr, batch_size, weight_decay)
    for k, (p, old) in enumerate(zip(got, params)):
        assert_tensor_like(p, old.to(device), f"param {k}")
        assert p.is_leaf and p.requires_grad and p.grad_fn is None, \
            f"param {k}: expected a leaf that requires grad with no autograd history after the step " \
            "(update under torch.no_grad()), " \
            f"got is_leaf={p.is_leaf}, requires_grad={p.requires_grad}, grad_fn={p.grad_fn}"
    expected = _to(params, device)
    reference.sgd_(expected, lr, batch_size, weight_decay)
    for k, (p, q, old) in enumerate(zip(got, expected, params)):
        assert torch.equal(q.detach().cpu(), old.detach()) or not torch.equal(p.detach().cpu(), old.detach()), \
            f"param {k}: expected the tensor passed in to change in place (the same object updated, not a new " \
            f"tensor), got its old values {old.detach()}"


@graded("sgd_")
@given(params=_params(), lr=_lrs, batch_size=st.integers(1, 16), weight_decay=_decays)
def test_sgd_leaves_each_used_grad_zeroed(submission, device, params, lr, batch_size, weight_decay):
    got = _to(params, device)
    submission.sgd_(got, lr, batch_size, weight_decay)
    for k, p in enumerate(got):
        if p.grad is not None:  # None is a reset too: torch's own zero_grad() sets it by default
            assert_close(p.grad, torch.zeros_like(p.detach()), what=f"param {k}'s grad after the step (zeroed)")


@graded("sgd_", weight=2)
@given(params=_params(), frozen=_params(grads=False), lr=_lrs, batch_size=st.integers(1, 16),
       weight_decay=st.floats(1e-3, 1.0), st_data=st.data())
def test_sgd_leaves_params_whose_grad_is_none_alone(submission, device, params, frozen, lr, batch_size,
                                                    weight_decay, st_data):
    got_frozen = _to(frozen, device)
    mixed = st_data.draw(st.permutations(_to(params, device) + got_frozen), label="order")
    submission.sgd_(mixed, lr, batch_size, weight_decay)
    for k, (p, old) in enumerate(zip(got_frozen, frozen)):
        assert p.grad is None, f"param {k} without grad: expected its grad to stay None, got {p.grad}"
        assert_unchanged(old.detach(), p.detach(),
                         f"param {k} whose grad is None (weight decay applies only with a grad)")


@graded("sgd_")
@given(params=_blank_params(), lr=st.one_of(st.just(0.0), st.just(math.nan), st.floats(-10, -1e-6)),
       batch_size=st.integers(1, 8))
def test_sgd_raises_for_a_nonpositive_or_nan_lr(submission, device, params, lr, batch_size):
    with raises_value_error(f"lr={lr}"):
        submission.sgd_(_to(params, device), lr, batch_size)


@graded("sgd_")
@given(params=_blank_params(), batch_size=st.integers(-5, 0))
def test_sgd_raises_for_a_batch_size_below_one(submission, device, params, batch_size):
    with raises_value_error(f"batch_size={batch_size}"):
        submission.sgd_(_to(params, device), 0.1, batch_size)


@graded("sgd_")
@given(params=_blank_params(), weight_decay=st.one_of(st.just(math.nan), st.floats(-10, -1e-6)))
def test_sgd_raises_for_a_negative_or_nan_weight_decay(submission, device, params, weight_decay):
    with raises_value_error(f"weight_decay={weight_decay}"):
        submission.sgd_(_to(params, device), 0.1, 4, weight_decay=weight_decay)


# ---------------------------------------------------------------- train_linreg

def _synthetic(w: torch.Tensor, b: float, n: int, noise: float, column: bool, seed: int
               ) -> tuple[torch.Tensor, torch.Tensor]:
    """d2l's synthetic_data in w's dtype: X ~ N(0, 1) (n, d), y = Xw + b + N(0, noise²)."""
    gen = _generator(seed)
    X = torch.normal(0.0, 1.0, (n, len(w)), generator=gen, dtype=w.dtype)
    y = X @ w + b + noise * torch.normal(0.0, 1.0, (n,), generator=gen, dtype=w.dtype)
    return X, y.reshape(-1, 1) if column else y


@composite
def _small_problems(draw: DrawFn) -> dict:
    """Small synthetic data and training arguments for the cheap tests (not convergence)."""
    n, d = draw(st.integers(4, 30), label="n"), draw(st.integers(1, 3), label="d")
    dtype = draw(dtypes())
    w = torch.tensor(draw(st.lists(floats(min_value=-5, max_value=5), min_size=d, max_size=d)), dtype=dtype)
    X, y = _synthetic(w, draw(floats(min_value=-5, max_value=5)), n, 0.01, draw(st.booleans()), draw(seeds()))
    return dict(features=X, labels=y, lr=draw(st.floats(0.01, 0.1)), num_epochs=draw(st.integers(1, 3)),
                batch_size=draw(st.integers(1, n - 1), label="batch_size"))


def _train(submission, problem: dict, device: torch.device, generator: torch.Generator | None):
    args = dict(problem, features=problem["features"].to(device), labels=problem["labels"].to(device))
    return submission.train_linreg(**args, generator=generator)


@graded("train_linreg", weight=4)
@given(d=st.integers(1, 3), dtype=dtypes(), column=st.booleans(), seed=seeds(), st_data=st.data())
def test_train_linreg_recovers_w_and_b_of_drawn_synthetic_data(submission, device, d, dtype, column, seed, st_data):
    """d2l's data (1000 examples, noise 0.01), default lr, epochs, batch size: error ≤ 0.05 (module doc)."""
    check_delta(_TRAINING_DELTA, "train_linreg's convergence check (error ≤ 0.05)")
    true_w = st_data.draw(st.lists(floats(min_value=-5, max_value=5), min_size=d, max_size=d), label="true w")
    true_b = st_data.draw(floats(min_value=-5, max_value=5), label="true b")
    features, labels = _synthetic(torch.tensor(true_w, dtype=dtype), true_b, 1000, 0.01, column, seed)
    w, b = submission.train_linreg(features.to(device), labels.to(device), generator=_generator(seed + 1))
    assert_tensor_like(w, torch.empty(d, 1, dtype=dtype, device=device), "w")
    assert_tensor_like(b, torch.empty(1, dtype=dtype, device=device), "b")
    got = torch.cat([w.detach().reshape(-1), b.detach().reshape(-1)]).double().cpu()
    error = (got - torch.tensor(true_w + [true_b], dtype=torch.float64)).abs().max().item()
    assert error <= 0.05, \
        f"expected (w, b) within 0.05 of the true ({true_w}, {true_b}) after training with the defaults " \
        f"(lr=0.03, num_epochs=3, batch_size=10), got ({w.reshape(-1).tolist()}, {b.tolist()}), off by {error:.3g}"


@graded("train_linreg", weight=3)
@given(n=st.integers(10, 60), d=st.integers(1, 3), dtype=dtypes(), column=st.booleans(), seed=seeds(),
       num_epochs=st.integers(1, 4), c=st.floats(0.3, 1.0), st_data=st.data())
def test_train_linreg_with_one_batch_per_epoch_does_gradient_descent(submission, device, n, d, dtype, column, seed,
                                                                      num_epochs, c, st_data):
    """batch_size ≥ n: full-batch gradient descent, dividing by batch_size (module doc for the bound)."""
    check_delta(_TRAINING_DELTA, "train_linreg's full-batch check (‖w₀‖ ≤ 0.0708)")
    batch_size = st_data.draw(st.integers(n, 3 * n), label="batch_size")
    size = st_data.draw(st.lists(st.floats(5, 20), min_size=d + 1, max_size=d + 1), label="|true w|, |b|")
    sign = st_data.draw(st.lists(st.sampled_from([-1.0, 1.0]), min_size=d + 1, max_size=d + 1), label="signs")
    true = [s * v for s, v in zip(sign, size)]
    features, labels = _synthetic(torch.tensor(true[:d], dtype=dtype), true[d], n, 0.01, column, seed)
    Z = torch.cat([features.double(), torch.ones(n, 1, dtype=torch.float64)], 1)
    lr = c * batch_size / torch.linalg.eigvalsh(Z.T @ Z).max().item()
    theta = torch.zeros(d + 1, dtype=torch.float64)
    for _ in range(num_epochs):
        theta = theta - lr / batch_size * Z.T @ (Z @ theta - labels.double().reshape(-1))
    w, b = submission.train_linreg(features.to(device), labels.to(device), lr=lr, num_epochs=num_epochs,
                                   batch_size=batch_size, generator=_generator(seed + 1))
    assert_tensor_like(w, torch.empty(d, 1, dtype=dtype, device=device), "w")
    assert_tensor_like(b, torch.empty(1, dtype=dtype, device=device), "b")
    got = torch.cat([w.detach().reshape(-1), b.detach().reshape(-1)]).double().cpu()
    tolerance = _INIT_BOUND + (_FLOAT32_SLACK if dtype == torch.float32 else 1e-9)
    assert (got - theta).norm() <= tolerance, \
        f"n={n}, batch_size={batch_size} (one batch per epoch), lr={lr:.4g}, num_epochs={num_epochs}: expected " \
        f"{num_epochs} steps of (w, b) -= lr/batch_size * gradient of the summed loss, from w ~ N(0, 0.01²), b = 0: " \
        f"(w, b) ≈ {theta.tolist()} (within {tolerance:.3g}), got {got.tolist()}"


@graded("train_linreg")
@given(problem=_small_problems())
def test_train_linreg_returns_detached_w_column_and_b_of_features_dtype(submission, device, problem):
    d, dtype = problem["features"].shape[1], problem["features"].dtype
    w, b = _train(submission, problem, device, _generator(0))
    assert_tensor_like(w, torch.empty(d, 1, dtype=dtype, device=device), "w")
    assert_tensor_like(b, torch.empty(1, dtype=dtype, device=device), "b")
    assert not w.requires_grad and not b.requires_grad, \
        f"expected w and b detached (requires_grad False), got {w.requires_grad} and {b.requires_grad}"


@graded("train_linreg")
@given(problem=_small_problems(), seed=seeds())
def test_train_linreg_is_reproducible_with_a_seeded_generator(submission, device, problem, seed):
    first = _train(submission, problem, device, _generator(seed))
    second = _train(submission, problem, device, _generator(seed))
    assert all(torch.equal(a, b) for a, b in zip(first, second)), \
        f"expected the same (w, b) from two generators seeded with {seed} (draw w's init and every order " \
        f"from the generator), got {first} and {second}"


@graded("train_linreg")
@given(problem=_small_problems(), seed=seeds())
def test_train_linreg_with_a_generator_spares_the_global_rng_and_its_inputs(submission, device, problem, seed):
    features, labels = problem["features"].to(device), problem["labels"].to(device)
    features_before, labels_before = features.clone(), labels.clone()
    torch.manual_seed(seed)
    before = torch.get_rng_state()
    submission.train_linreg(features, labels, lr=problem["lr"], num_epochs=problem["num_epochs"],
                            batch_size=problem["batch_size"], generator=_generator(seed))
    assert torch.equal(before, torch.get_rng_state()), \
        "with a generator, expected torch's global RNG untouched (draw w's init and the order with the generator), " \
        "but its state changed"
    assert_unchanged(features_before, features, "features")
    assert_unchanged(labels_before, labels, "labels")


@graded("train_linreg")
@given(problem=_small_problems(), seed=seeds())
def test_train_linreg_without_a_generator_follows_torch_manual_seed(submission, device, problem, seed):
    torch.manual_seed(seed)
    first = _train(submission, problem, device, None)
    torch.manual_seed(seed)
    second = _train(submission, problem, device, None)
    assert all(torch.equal(a, b) for a, b in zip(first, second)), \
        f"generator=None: expected the same (w, b) after torch.manual_seed({seed}) twice, got {first} and {second}"


@graded("train_linreg")
@given(problem=_small_problems(), bad=st.sampled_from([("lr", 0.0), ("lr", -0.1), ("lr", math.nan),
                                                       ("batch_size", 0), ("batch_size", -3)]))
def test_train_linreg_raises_for_a_bad_lr_or_batch_size(submission, device, problem, bad):
    name, value = bad
    with raises_value_error(f"{name}={value}"):
        _train(submission, dict(problem, **{name: value}), device, _generator(0))
