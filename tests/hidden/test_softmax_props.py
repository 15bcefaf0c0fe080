"""Properties of the softmax topic, graded against the spec and the reference solution.

Logits O are (n, q) with n, q from 1 to 6 drawn by :func:`tests.strategies.matrix_sizes`, which
draws the edges on purpose (n == q, one row, a single class), labels y random in [0, q).
Moderate logits (|O| ≤ 10) are compared with the reference at torch's default tolerances for
the dtype. Large logits (up to |O| = 1e4, where exp overflows or underflows) are compared with
the exact value, computed here with 50-digit decimal arithmetic from O's own floating values, at
the spec's absolute tolerance 4·ε·(1 + max|O|), ε the dtype's machine epsilon: any stable way of
computing softmax or the loss passes, not only the reference's. The gradient is also compared
with autograd of the loss, run here (the submission's function may not use autograd). Nothing
here is random: no test can fail a correct implementation by chance.
"""

import decimal
import math

import torch
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.strategies import DrawFn, composite

from grader.testing import graded
from solutions import softmax as reference
from tests.helpers import assert_close, assert_python_float, assert_tensor_like, assert_unchanged
from tests.strategies import dtypes, floats, matrix_sizes, tensors

TOPIC = "softmax"

_MAX_SIDE = 6
_LIMIT = 1e4  # the spec's range for stability: |O| ≤ 1e4
_DIGITS = decimal.Context(prec=50)


# ---------------------------------------------------------------- strategies and exact values

def _sizes() -> st.SearchStrategy[tuple[int, int]]:
    return matrix_sizes(max_rows=_MAX_SIDE, max_cols=_MAX_SIDE)


@composite
def _labels(draw: DrawFn, n: int, q: int) -> torch.Tensor:
    return torch.tensor(draw(st.lists(st.integers(0, q - 1), min_size=n, max_size=n)), dtype=torch.int64)


@composite
def _moderate(draw: DrawFn) -> tuple[torch.Tensor, torch.Tensor]:
    """(O, y): logits in [-10, 10], where the formula is accurate as written."""
    n, q = draw(_sizes())
    return draw(tensors(shape=(n, q), dtype=dtypes())), draw(_labels(n, q))


@composite
def _large(draw: DrawFn) -> tuple[torch.Tensor, torch.Tensor]:
    """(O, y): |O| ≤ 1e4 and max|O| ≥ 100, spread over [-1e4, 1e4] or clustered per row around
    a shift of 100 to 1e4 in magnitude (naive exp overflows or a whole row underflows)."""
    (n, q), dtype = draw(_sizes()), draw(dtypes())
    if draw(st.booleans()):
        O = draw(tensors(shape=(n, q), dtype=dtype, elements=floats(min_value=-_LIMIT, max_value=_LIMIT)))
        O[draw(st.integers(0, n - 1)), draw(st.integers(0, q - 1))] = draw(
            floats(min_value=-_LIMIT, max_value=_LIMIT, min_magnitude=100.0, allow_zero=False))
    else:
        radius = draw(st.sampled_from([1.0, 30.0, 300.0]))
        base = draw(tensors(shape=(n, q), dtype=dtype, elements=floats(min_value=-radius, max_value=radius)))
        shifts = draw(st.lists(floats(min_value=radius - _LIMIT, max_value=_LIMIT - radius,
                                      min_magnitude=100.0 + radius, allow_zero=False), min_size=n, max_size=n))
        O = base + torch.tensor(shifts, dtype=dtype).unsqueeze(1)
    return O, draw(_labels(n, q))


@composite
def _underflowing(draw: DrawFn) -> tuple[torch.Tensor, torch.Tensor]:
    """(O, y): in every row the true class's logit is 800 to 15,000 below the row's max, so its
    probability underflows to 0 even in float64 (e^-746 does); |O| ≤ 1e4."""
    n, q = draw(matrix_sizes(max_rows=_MAX_SIDE, min_cols=2, max_cols=_MAX_SIDE))
    dtype, y = draw(dtypes()), draw(_labels(n, q))
    rows = []
    for i in range(n):
        gap = draw(floats(min_value=800.0, max_value=15_000.0))
        top = max(draw(floats(min_value=-_LIMIT, max_value=_LIMIT)), gap - _LIMIT)
        row = [top - draw(floats(min_value=0.0, max_value=10.0)) for _ in range(q)]
        row[int(y[i])] = top - gap
        row[(int(y[i]) + 1) % q] = top
        rows.append(row)
    return torch.tensor(rows, dtype=dtype).clamp(-_LIMIT, _LIMIT), y


@composite
def _probabilities(draw: DrawFn) -> tuple[torch.Tensor, torch.Tensor]:
    """(y_hat, y): rows that sum to 1; y_hat[i, y_i] > 0, the other entries often exactly 0."""
    (n, q), dtype = draw(_sizes()), draw(dtypes())
    y = draw(_labels(n, q))
    weights = draw(tensors(shape=(n, q), dtype=dtype,
                           elements=st.one_of(st.just(0.0), floats(min_value=2.0**-10, max_value=1.0))))
    at_label = draw(st.lists(floats(min_value=2.0**-10, max_value=1.0), min_size=n, max_size=n))
    weights[torch.arange(n), y] = torch.tensor(at_label, dtype=dtype)
    return weights / weights.sum(dim=1, keepdim=True), y


@composite
def _scores(draw: DrawFn) -> tuple[torch.Tensor, torch.Tensor]:
    """(y_hat, y): scores with many ties (values from {0, 1, 2}) or arbitrary ones."""
    (n, q), dtype = draw(_sizes()), draw(dtypes())
    elements = draw(st.sampled_from([st.sampled_from([0.0, 1.0, 2.0]), floats()]))
    y_hat = draw(tensors(shape=(n, q), dtype=dtype, elements=elements))
    if draw(st.booleans()):  # labels at the first maximum: the prediction is right
        y = torch.argmax(y_hat, dim=1)
        y = torch.where(torch.tensor(draw(st.lists(st.booleans(), min_size=n, max_size=n))),
                        y, torch.tensor(draw(st.lists(st.integers(0, q - 1), min_size=n, max_size=n))))
    else:
        y = draw(_labels(n, q))
    return y_hat, y


def _exact(O: torch.Tensor) -> list[tuple[decimal.Decimal, list[decimal.Decimal], decimal.Decimal]]:
    """Per row, with 50 digits: (max m, [O_ij − m], ln Σ_j exp(O_ij − m)) of O's exact values."""
    rows = []
    with decimal.localcontext(_DIGITS):
        for row in O.detach().cpu().double().tolist():
            values = [decimal.Decimal(v) for v in row]  # exact: a float is a finite decimal
            m = max(values)
            shifted = [v - m for v in values]
            rows.append((m, shifted, sum(s.exp() for s in shifted).ln()))
    return rows


def _exact_softmax(O: torch.Tensor) -> torch.Tensor:
    with decimal.localcontext(_DIGITS):
        values = [[float((s - log_sum).exp()) for s in shifted] for _, shifted, log_sum in _exact(O)]
    return torch.tensor(values, dtype=torch.float64).reshape(O.shape)


def _exact_loss(O: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    with decimal.localcontext(_DIGITS):
        values = [float(log_sum - shifted[c]) for (_, shifted, log_sum), c in zip(_exact(O), y.tolist())]
    return torch.tensor(values, dtype=torch.float64)


def _large_tolerance(O: torch.Tensor) -> float:
    """The spec's 4·ε·(1 + max|O|)."""
    return 4 * torch.finfo(O.dtype).eps * (1 + float(O.abs().max()))


def _assert_exact(got, O: torch.Tensor, exact: torch.Tensor, device: torch.device, what: str) -> None:
    """``got`` has O's dtype and device, is finite, and is within the spec's tolerance of exact."""
    assert_tensor_like(got, torch.empty(exact.shape, dtype=O.dtype, device=device), what)
    got = got.detach().cpu().double()
    assert bool(torch.isfinite(got).all()), \
        f"{what}: expected finite values for |O| ≤ 1e4 (subtract each row's max), got {got}\nO = {O}"
    tol = _large_tolerance(O)
    assert_close(got, exact, rtol=0.0, atol=tol,
                 what=f"{what} with max|O| = {float(O.abs().max()):.6g}, vs the exact value (atol {tol:.3g})")


def _leaf(O: torch.Tensor, device: torch.device, requires_grad: bool) -> torch.Tensor:
    return O.to(device).requires_grad_(requires_grad)


def _assert_leaf_untouched(O: torch.Tensor, before: torch.Tensor, requires_grad: bool) -> None:
    assert_unchanged(before, O.detach(), "O")
    assert O.requires_grad == requires_grad and O.grad is None, \
        f"expected O to keep requires_grad={requires_grad} and no .grad, got requires_grad={O.requires_grad}, " \
        f"grad={O.grad}"


# ---------------------------------------------------------------- softmax

@graded("softmax", weight=2)
@given(case=_moderate(), requires_grad=st.booleans())
def test_softmax_matches_the_reference_row_by_row(submission, device, case, requires_grad):
    O, _ = case
    O = _leaf(O, device, requires_grad)
    before = O.detach().clone()
    got = submission.softmax(O)
    assert_close(got, reference.softmax(O.detach()), what=f"softmax of a {tuple(O.shape)} O")
    _assert_leaf_untouched(O, before, requires_grad)


@graded("softmax")
@given(case=st.one_of(_moderate(), _large()))
def test_softmax_gives_probability_rows_that_sum_to_one(submission, device, case):
    O = case[0].to(device)
    P = submission.softmax(O)
    assert_tensor_like(P, O, "softmax(O)")
    assert bool(((P >= 0) & (P <= 1)).all()), f"expected every probability in [0, 1], got {P}\nO = {O}"
    assert_close(P.sum(dim=1), torch.ones(O.shape[0], dtype=O.dtype, device=device),
                 what=f"the row sums of softmax(O) for a {tuple(O.shape)} O (normalise each row, dim=1)")


@graded("softmax", weight=3)
@given(case=_large())
def test_softmax_is_exact_to_the_spec_tolerance_for_logits_up_to_1e4(submission, device, case):
    O = case[0]
    _assert_exact(submission.softmax(O.to(device)), O, _exact_softmax(O), device, "softmax(O)")


@graded("softmax")
@given(case=st.one_of(_moderate(), _large()))
def test_softmax_does_not_modify_o(submission, device, case):
    O = case[0].to(device)
    before = O.clone()
    submission.softmax(O)
    assert_unchanged(before, O, "O")


# ---------------------------------------------------------------- cross_entropy

@graded("cross_entropy", weight=2)
@given(case=_probabilities())
def test_cross_entropy_is_minus_log_of_each_rows_true_class_probability(submission, device, case):
    y_hat, y = (t.to(device) for t in case)
    got = submission.cross_entropy(y_hat, y)
    assert_close(got, reference.cross_entropy(y_hat, y),
                 what=f"cross_entropy of a {tuple(y_hat.shape)} y_hat: (n,) = (−log y_hat[i, y[i]])_i")


@graded("cross_entropy")
@given(case=_probabilities())
def test_cross_entropy_is_finite_when_other_classes_have_probability_zero(submission, device, case):
    y_hat, y = case
    y_hat = y_hat.clone()
    other = torch.ones_like(y_hat, dtype=torch.bool)
    other[torch.arange(len(y)), y] = False
    y_hat[other] = 0.0  # all the probability at the true class: the loss is 0
    y_hat[torch.arange(len(y)), y] = 1.0
    got = submission.cross_entropy(y_hat.to(device), y.to(device))
    assert_close(got, torch.zeros(len(y), dtype=y_hat.dtype, device=device),
                 what="cross_entropy where y_hat is one-hot at the true class (0 · log 0 must not make NaN)")


@graded("cross_entropy")
@given(case=_probabilities(), requires_grad=st.booleans())
def test_cross_entropy_does_not_modify_its_inputs(submission, device, case, requires_grad):
    y_hat, y = case
    y_hat, y = _leaf(y_hat, device, requires_grad), y.to(device)
    before, y_before = y_hat.detach().clone(), y.clone()
    submission.cross_entropy(y_hat, y)
    assert_unchanged(before, y_hat.detach(), "y_hat")
    assert_unchanged(y_before, y, "y")


# ---------------------------------------------------------------- softmax_cross_entropy

@graded("softmax_cross_entropy", weight=2)
@given(case=_moderate(), requires_grad=st.booleans())
def test_softmax_cross_entropy_matches_the_reference_on_moderate_logits(submission, device, case,
                                                                        requires_grad):
    O, y = case
    O, y = _leaf(O, device, requires_grad), y.to(device)
    before = O.detach().clone()
    got = submission.softmax_cross_entropy(O, y)
    assert_close(got, reference.softmax_cross_entropy(O.detach(), y),
                 what=f"softmax_cross_entropy of a {tuple(O.shape)} O: (n,) = (−log softmax(O)[i, y[i]])_i")
    _assert_leaf_untouched(O, before, requires_grad)


@graded("softmax_cross_entropy", weight=2)
@given(case=_large())
def test_softmax_cross_entropy_is_exact_to_the_spec_tolerance_for_logits_up_to_1e4(submission, device, case):
    O, y = case
    got = submission.softmax_cross_entropy(O.to(device), y.to(device))
    _assert_exact(got, O, _exact_loss(O, y), device, f"softmax_cross_entropy(O, y={y.tolist()})")


@graded("softmax_cross_entropy", weight=2)
@given(case=_underflowing())
def test_softmax_cross_entropy_is_finite_where_the_true_class_probability_underflows(submission, device, case):
    O, y = case
    got = submission.softmax_cross_entropy(O.to(device), y.to(device))
    _assert_exact(got, O, _exact_loss(O, y), device,
                  f"softmax_cross_entropy(O, y={y.tolist()}) where softmax(O)[i, y[i]] underflows to 0 "
                  "(use log-sum-exp, not log(softmax))")


@graded("softmax_cross_entropy")
@given(case=st.one_of(_moderate(), _large()))
def test_softmax_cross_entropy_does_not_modify_its_inputs(submission, device, case):
    O, y = (t.to(device) for t in case)
    before, y_before = O.clone(), y.clone()
    submission.softmax_cross_entropy(O, y)
    assert_unchanged(before, O, "O")
    assert_unchanged(y_before, y, "y")


# ---------------------------------------------------------------- softmax_cross_entropy_grad

@graded("softmax_cross_entropy_grad", weight=2)
@given(case=_moderate())
def test_softmax_cross_entropy_grad_matches_the_reference(submission, device, case):
    O, y = (t.to(device) for t in case)
    assert_close(submission.softmax_cross_entropy_grad(O, y), reference.softmax_cross_entropy_grad(O, y),
                 what=f"softmax_cross_entropy_grad of a {tuple(O.shape)} O, y={y.tolist()}: softmax(O) − onehot(y)")


@graded("softmax_cross_entropy_grad", weight=2)
@given(case=_moderate())
def test_softmax_cross_entropy_grad_equals_autograd_of_the_summed_loss(submission, device, case):
    O, y = (t.to(device) for t in case)
    leaf = O.detach().double().requires_grad_()
    reference.softmax_cross_entropy(leaf, y).sum().backward()
    expected = leaf.grad.to(O.dtype)
    assert_close(submission.softmax_cross_entropy_grad(O, y), expected,
                 what=f"softmax_cross_entropy_grad(O, y={y.tolist()}) vs autograd of Σ_i loss_i (a sum, not a mean)")


@graded("softmax_cross_entropy_grad")
@given(case=_moderate())
def test_softmax_cross_entropy_grad_rows_sum_to_zero_and_only_the_true_class_is_negative(submission, device,
                                                                                       case):
    O, y = (t.to(device) for t in case)
    G = submission.softmax_cross_entropy_grad(O, y)
    assert_tensor_like(G, O, "softmax_cross_entropy_grad(O, y)")
    atol = 1e-5 if O.dtype == torch.float32 else 1e-7  # torch's default for the dtype
    assert_close(G.sum(dim=1), torch.zeros(O.shape[0], dtype=O.dtype, device=device),
                 what="the row sums of the gradient (probabilities sum to 1, minus the one-hot's 1)")
    at_label = torch.zeros_like(G, dtype=torch.bool)
    at_label[torch.arange(O.shape[0], device=device), y] = True
    assert bool((G[at_label] <= atol).all()) and bool((G[~at_label] >= -atol).all()), \
        f"expected p − 1 ≤ 0 at the true classes y={y.tolist()} and p ≥ 0 elsewhere, got {G}"


@graded("softmax_cross_entropy_grad")
@given(case=_moderate(), requires_grad=st.booleans())
def test_softmax_cross_entropy_grad_does_not_modify_its_inputs(submission, device, case, requires_grad):
    O, y = case
    O, y = _leaf(O, device, requires_grad), y.to(device)
    before, y_before = O.detach().clone(), y.clone()
    got = submission.softmax_cross_entropy_grad(O, y)
    assert_close(got, reference.softmax_cross_entropy_grad(O.detach(), y),
                 what="softmax_cross_entropy_grad of an O that requires grad")
    _assert_leaf_untouched(O, before, requires_grad)
    assert_unchanged(y_before, y, "y")


# ---------------------------------------------------------------- accuracy

def _expected_accuracy(y_hat: torch.Tensor, y: torch.Tensor) -> float:
    return float((torch.argmax(y_hat.cpu(), dim=1) == y.cpu()).double().mean())


@graded("accuracy", weight=2)
@given(case=_scores())
def test_accuracy_is_the_fraction_of_rows_whose_first_argmax_is_the_label(submission, device, case):
    y_hat, y = (t.to(device) for t in case)
    got = submission.accuracy(y_hat, y)
    assert_python_float(got, "accuracy(y_hat, y)")
    expected = _expected_accuracy(y_hat, y)
    assert abs(got - expected) <= 1e-6, \
        f"y_hat = {y_hat.tolist()}, y = {y.tolist()}: expected accuracy {expected} (the fraction of rows " \
        f"whose first maximum, as torch.argmax(y_hat, dim=1), is the label), got {got}"


@graded("accuracy")
@given(case=_scores())
def test_accuracy_returns_a_python_float_in_0_1(submission, device, case):
    y_hat, y = (t.to(device) for t in case)
    got = submission.accuracy(y_hat, y)
    assert_python_float(got, "accuracy(y_hat, y)")
    assert 0.0 <= got <= 1.0 and math.isfinite(got), f"expected a fraction in [0, 1], got {got}"


@graded("accuracy")
@given(case=_scores())
def test_accuracy_does_not_modify_its_inputs(submission, device, case):
    y_hat, y = (t.to(device) for t in case)
    before, y_before = y_hat.clone(), y.clone()
    submission.accuracy(y_hat, y)
    assert_unchanged(before, y_hat, "y_hat")
    assert_unchanged(y_before, y, "y")
