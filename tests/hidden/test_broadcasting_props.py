"""Properties of the broadcasting topic, graded against the spec and the reference solution.

``broadcast_shape`` is checked against ``torch.broadcast_shapes`` (banned for the student, fine as
an oracle) on shapes of different ranks with sizes 0 to 6. ``pairwise_sq_dists`` is compared with
the exact distances (float64, direct form) at the spec's absolute tolerance
8·d·ε·(‖Xᵢ‖² + ‖Yⱼ‖²), ε the input dtype's machine epsilon, and on clusters of duplicate and
near-duplicate points, where the expansion ‖x‖² − 2x·y + ‖y‖² goes negative unless clamped.
``standardize`` gets columns that are either constant or have a standard deviation of at least
0.1·max|entry| (the spec's promise); its expected value is the reference in float64, rounded.
"""

import math

import torch
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.strategies import DrawFn, composite

from grader.testing import graded
from solutions import broadcasting as reference
from tests.helpers import assert_close, assert_tensor_like, assert_unchanged, raises_value_error, type_name
from tests.strategies import dtypes, floats, matrix_sizes, seeds, tensors

TOPIC = "broadcasting"


# ---------------------------------------------------------------- broadcast_shape

def _sizes() -> st.SearchStrategy[int]:
    return st.integers(0, 6)


@composite
def _compatible_pairs(draw: DrawFn) -> tuple[tuple[int, ...], tuple[int, ...]]:
    """(a, b): trailing parts of one shape, ranks 0..5, some sizes replaced by 1."""
    full = draw(st.lists(_sizes(), max_size=5))

    def side() -> tuple[int, ...]:
        rank = draw(st.integers(0, len(full)))
        return tuple(s if draw(st.booleans()) else 1 for s in full[len(full) - rank:])

    return side(), side()


@composite
def _incompatible_pairs(draw: DrawFn) -> tuple[tuple[int, ...], tuple[int, ...]]:
    """(a, b) with two different sizes, neither 1 (0 included), aligned at one position."""
    head_a, head_b = draw(_compatible_pairs())
    tail = draw(st.lists(_sizes(), max_size=3))
    tail_a = tuple(s if draw(st.booleans()) else 1 for s in tail)
    tail_b = tuple(s if draw(st.booleans()) else 1 for s in tail)
    s, t = draw(st.lists(st.sampled_from([0, 2, 3, 4, 5]), min_size=2, max_size=2, unique=True))
    return head_a + (s,) + tail_a, head_b + (t,) + tail_b


def _assert_shape(got, expected: tuple[int, ...], what: str) -> None:
    assert isinstance(got, tuple), f"{what}: expected a tuple, got {type_name(got)} {got!r}"
    assert got == expected, f"{what}: expected {expected}, got {got!r}"


@graded("broadcast_shape", weight=3)
@given(pair=_compatible_pairs())
def test_broadcast_shape_agrees_with_torch_for_compatible_shapes(submission, pair):
    a, b = pair
    _assert_shape(submission.broadcast_shape(a, b), tuple(torch.broadcast_shapes(a, b)), f"broadcast_shape({a}, {b})")


@graded("broadcast_shape")
@given(pair=_compatible_pairs())
def test_broadcast_shape_does_not_depend_on_the_order_of_a_and_b(submission, pair):
    a, b = pair
    _assert_shape(submission.broadcast_shape(b, a), submission.broadcast_shape(a, b),
                  f"broadcast_shape({b}, {a}) (expected the same as broadcast_shape({a}, {b}))")


@graded("broadcast_shape", weight=3)
@given(pair=_incompatible_pairs(), swap=st.booleans())
def test_broadcast_shape_raises_value_error_for_incompatible_shapes(submission, pair, swap):
    a, b = pair[::-1] if swap else pair
    with raises_value_error(f"a={a}, b={b} (incompatible shapes)"):
        submission.broadcast_shape(a, b)


@graded("broadcast_shape", weight=2)
@given(a=st.lists(st.sampled_from([0, 0, 1, 2, 3]), min_size=1, max_size=4).map(tuple), extra=st.integers(0, 2),
       swap=st.booleans())
def test_broadcast_shape_of_size_0_with_size_1_is_0(submission, a, extra, swap):
    b = (1,) * (len(a) + extra)
    expected = (1,) * extra + a
    a, b = (b, a) if swap else (a, b)
    _assert_shape(submission.broadcast_shape(a, b), expected, f"broadcast_shape({a}, {b})")


@graded("broadcast_shape")
@given(pair=_compatible_pairs())
def test_broadcast_shape_returns_a_tuple_of_python_ints(submission, pair):
    got = submission.broadcast_shape(*pair)
    assert type(got) is tuple and all(type(s) is int for s in got), \
        f"broadcast_shape{pair}: expected a tuple of Python ints, got {got!r} ({type_name(got)} of " \
        f"{[type_name(s) for s in got] if isinstance(got, (tuple, list)) else '?'})"


# ---------------------------------------------------------------- pairwise_sq_dists

def _exact_sq_dists(X: torch.Tensor, Y: torch.Tensor) -> torch.Tensor:
    diff = X.double()[:, None, :] - Y.double()[None, :, :]
    return (diff * diff).sum(-1)


def _assert_sq_dists(got, X: torch.Tensor, Y: torch.Tensor, what: str) -> None:
    """got ≈ the exact D within 8·d·ε·(‖Xᵢ‖² + ‖Yⱼ‖²), X's dtype and device, every entry >= 0."""
    exact = _exact_sq_dists(X, Y)
    assert_tensor_like(got, exact.to(X.dtype), what)
    eps = torch.finfo(X.dtype).eps
    sq_x, sq_y = (X.double() ** 2).sum(1), (Y.double() ** 2).sum(1)
    tol = 8 * X.shape[1] * eps * (sq_x[:, None] + sq_y[None, :])
    assert_close(got.double(), exact, rtol=0.0, atol=tol,
                 what=f"{what} (compared with the exact distances at 8·d·ε·(‖Xᵢ‖² + ‖Yⱼ‖²))")
    negative = got < 0
    assert not negative.any(), \
        f"{what}: expected every entry >= 0 (clamp the rounding error), got {got[negative].tolist()} " \
        f"at {negative.nonzero().tolist()}"


@composite
def _point_sets(draw: DrawFn) -> tuple[torch.Tensor, torch.Tensor]:
    """X (n, d) and Y (m, d), 1 <= n, m <= 6, 1 <= d <= 5, one dtype, entries 0 or 1e-3 <= |x| <= 1e3.

    (n, m) comes from :func:`matrix_sizes`: n == m, one point in X, one in Y are edges drawn on
    purpose. (No subnormal squares: a float32 square of 1e-38 underflows to 0 in any formula.)
    """
    (n, m), d, dtype = draw(matrix_sizes(max_rows=6, max_cols=6)), draw(st.integers(1, 5)), draw(dtypes())
    elements = floats(min_value=-1e3, max_value=1e3, min_magnitude=1e-3)
    X = draw(tensors(shape=(n, d), dtype=dtype, elements=elements))
    Y = draw(tensors(shape=(m, d), dtype=dtype, elements=elements))
    return X, Y


@composite
def _clusters(draw: DrawFn) -> tuple[torch.Tensor, torch.Tensor]:
    """X (n, d): points close together far from the origin; Y: X's rows, some moved by a hair.

    The exact distances are tiny next to ‖x‖², so ‖x‖² − 2x·y + ‖y‖² ends on rounding noise of
    either sign: with n ≥ 6 duplicate pairs an unclamped expansion goes negative almost surely.
    """
    dtype, d, n, seed = draw(dtypes()), draw(st.integers(1, 6)), draw(st.integers(6, 12)), draw(seeds())
    scale = draw(st.sampled_from([1.0, 10.0, 300.0]))
    jitter = draw(st.sampled_from([0.0, 1e-6, 1e-4, 1e-2]))
    g = torch.Generator().manual_seed(seed)
    center = torch.randn(d, generator=g, dtype=torch.float64) * scale
    X = (center + torch.randn(n, d, generator=g, dtype=torch.float64) * (scale * 1e-3)).to(dtype)
    moved = X.double() + torch.randn(n, d, generator=g, dtype=torch.float64) * (scale * 1e-3 * jitter)
    Y = torch.cat([X, moved.to(dtype)])[torch.randperm(2 * n, generator=g)]
    return X, Y


@graded("pairwise_sq_dists", weight=3)
@given(points=_point_sets())
def test_pairwise_sq_dists_matches_the_exact_distances_within_the_spec_tolerance(submission, device, points):
    X, Y = (t.to(device) for t in points)
    _assert_sq_dists(submission.pairwise_sq_dists(X, Y), X, Y,
                     f"pairwise_sq_dists(X of shape {tuple(X.shape)}, Y of shape {tuple(Y.shape)})")


@graded("pairwise_sq_dists", weight=3)
@given(points=_clusters())
def test_pairwise_sq_dists_is_never_negative_for_duplicate_or_nearby_points(submission, device, points):
    X, Y = (t.to(device) for t in points)
    _assert_sq_dists(submission.pairwise_sq_dists(X, X), X, X, f"pairwise_sq_dists(X, X), X of shape {tuple(X.shape)}")
    _assert_sq_dists(submission.pairwise_sq_dists(X, Y), X, Y,
                     f"pairwise_sq_dists(X, Y), Y = X's rows (some moved by a hair) of shape {tuple(Y.shape)}")


@graded("pairwise_sq_dists")
@given(points=_point_sets())
def test_pairwise_sq_dists_swapping_x_and_y_transposes_the_result(submission, device, points):
    X, Y = (t.to(device) for t in points)
    _assert_sq_dists(submission.pairwise_sq_dists(Y, X).T, X, Y, "pairwise_sq_dists(Y, X).T")


@graded("pairwise_sq_dists", weight=2)
@given(dtype=dtypes(), n=st.integers(1, 4), m=st.integers(1, 4),
       ds=st.lists(st.integers(1, 5), min_size=2, max_size=2, unique=True))
def test_pairwise_sq_dists_raises_value_error_for_a_different_number_of_columns(submission, device, dtype, n, m, ds):
    X = torch.ones(n, ds[0], dtype=dtype, device=device)
    Y = torch.ones(m, ds[1], dtype=dtype, device=device)
    with raises_value_error(f"X of shape {tuple(X.shape)} and Y of shape {tuple(Y.shape)} (different d)"):
        submission.pairwise_sq_dists(X, Y)


@graded("pairwise_sq_dists")
@given(points=_point_sets(), requires_grad=st.booleans())
def test_pairwise_sq_dists_leaves_x_and_y_unchanged_even_when_they_require_grad(submission, device, points,
                                                                                requires_grad):
    X, Y = (t.to(device).requires_grad_(requires_grad) for t in points)
    before_x, before_y = X.detach().clone(), Y.detach().clone()
    got = submission.pairwise_sq_dists(X, Y)
    assert_unchanged(before_x, X, "X")
    assert_unchanged(before_y, Y, "Y")
    assert X.grad is None and Y.grad is None, "pairwise_sq_dists: expected X.grad and Y.grad to stay None"
    _assert_sq_dists(got.detach(), before_x, before_y, "pairwise_sq_dists(X, Y)")


# ---------------------------------------------------------------- standardize

def _bessel_std(values: list[float]) -> float:
    mean = math.fsum(values) / len(values)
    return math.sqrt(math.fsum((v - mean) ** 2 for v in values) / (len(values) - 1))


_entries = floats(min_value=-100.0, max_value=100.0, min_magnitude=1e-3)


@composite
def _matrices(draw: DrawFn, *, min_rows: int = 2, max_rows: int = 8) -> torch.Tensor:
    """X (n, d): each column constant, or with std >= 0.1·max|entry| (the spec's promise).

    A drawn column that is too flat gets ±max|entry| in its first two rows: then
    Σ(x − μ)² >= 2·max², so std >= max·√(2/(n − 1)) >= 0.53·max for n <= 8. Entries are 0 or
    |x| >= 1e-3, so (x − μ)² never underflows in float32, where the formula is not accurate.
    """
    (n, d), dtype = draw(matrix_sizes(min_rows=min_rows, max_rows=max_rows, max_cols=5)), draw(dtypes())
    columns = []
    for _ in range(d):
        if draw(st.booleans()):
            columns.append([draw(_entries)] * n)
            continue
        values = draw(st.lists(_entries, min_size=n, max_size=n))
        top = max(abs(v) for v in values)
        if top == 0 or _bessel_std(values) < 0.1 * top:
            top = top or 1.0
            values[0], values[1] = top, -top
        columns.append(values)
    return torch.tensor(columns, dtype=dtype).T.contiguous()


def _constant_columns(X: torch.Tensor) -> torch.Tensor:
    return (X == X[:1]).all(0)


@graded("standardize", weight=3)
@given(X=_matrices())
def test_standardize_subtracts_column_means_and_divides_by_column_stds(submission, device, X):
    X = X.to(device)
    assert_close(submission.standardize(X), reference.standardize(X.double()).to(X.dtype),
                 what=f"standardize(X of shape {tuple(X.shape)}, constant columns "
                 f"{_constant_columns(X).nonzero().flatten().tolist()})")


@graded("standardize", weight=2)
@given(X=_matrices())
def test_standardize_gives_mean_0_and_bessel_std_1_per_column(submission, device, X):
    X = X.to(device)
    Z = submission.standardize(X)
    assert_tensor_like(Z, X, "standardize(X)")
    Z, varying = Z.double(), ~_constant_columns(X)
    if not varying.any():
        return
    tol = 1e-4 if X.dtype == torch.float32 else 1e-10
    means, stds = Z[:, varying].mean(0), Z[:, varying].std(0)
    assert (means.abs() <= tol).all(), f"standardize(X): expected column means 0, got {means.tolist()}"
    assert ((stds - 1).abs() <= tol).all(), \
        f"standardize(X) with n = {X.shape[0]} rows: expected column stds 1 with Bessel's correction (n − 1), " \
        f"got {stds.tolist()}"


@graded("standardize", weight=2)
@given(n=st.integers(2, 16), dtype=dtypes(), seed=seeds(), scale=st.sampled_from([0.01, 1.0, 100.0]))
def test_standardize_turns_constant_columns_into_zeros_without_nan(submission, device, n, dtype, seed, scale):
    """Constant columns of random values, alone and next to others: in float32 the mean of such a
    column is often off by an ulp, and its std computed a tiny positive number."""
    g = torch.Generator().manual_seed(seed)
    values = (torch.rand(4, generator=g, dtype=torch.float64) * 2 - 1) * scale
    for value in values:
        alone = value.expand(n, 1).to(dtype).to(device)
        assert_close(submission.standardize(alone), torch.zeros(n, 1, dtype=dtype, device=device),
                     what=f"standardize(X of shape {tuple(alone.shape)}, every entry {alone[0, 0].item()!r}) "
                     "(expected zeros, no NaN)")
    X = torch.cat([values.expand(n, 4), torch.arange(n, dtype=torch.float64)[:, None]], 1).to(dtype).to(device)
    assert_close(submission.standardize(X), reference.standardize(X.double()).to(dtype),
                 what=f"standardize(X of shape {tuple(X.shape)}) whose first 4 columns are constant "
                 "(expected zeros there, no NaN)")


@graded("standardize")
@given(n=st.integers(0, 1), d=st.integers(1, 4), dtype=dtypes())
def test_standardize_raises_value_error_for_fewer_than_two_rows(submission, device, n, d, dtype):
    X = torch.ones(n, d, dtype=dtype, device=device)
    with raises_value_error(f"X of shape {tuple(X.shape)} (fewer than 2 rows)"):
        submission.standardize(X)


@graded("standardize")
@given(X=_matrices(), requires_grad=st.booleans())
def test_standardize_leaves_x_unchanged_even_when_it_requires_grad(submission, device, X, requires_grad):
    X = X.to(device).requires_grad_(requires_grad)
    before = X.detach().clone()
    Z = submission.standardize(X)
    assert_unchanged(before, X, "X")
    assert X.grad is None, f"standardize: expected X.grad to stay None, got {X.grad}"
    assert_close(Z.detach(), reference.standardize(before.double()).to(X.dtype), what="standardize(X)")
