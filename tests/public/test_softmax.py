"""Examples for the softmax topic: softmax, cross-entropy, their fused stable form, its gradient, accuracy."""

import math

import torch

from grader.testing import graded
from tests.helpers import assert_close, assert_python_float, assert_unchanged

TOPIC = "softmax"


@graded("softmax", weight=2)
def test_softmax_of_a_small_matrix_matches_the_formula(submission, device):
    O = torch.tensor([[1.0, 2.0, 3.0], [0.0, 0.0, 0.0]], device=device)
    e = [math.exp(1), math.exp(2), math.exp(3)]
    expected = torch.tensor([[v / sum(e) for v in e], [1 / 3, 1 / 3, 1 / 3]], device=device)
    assert_close(submission.softmax(O), expected, what="softmax([[1, 2, 3], [0, 0, 0]])")


@graded("softmax")
def test_softmax_rows_sum_to_one(submission, device):
    O = torch.tensor([[0.5, -1.0], [2.0, 7.0], [-3.0, -3.5]], dtype=torch.float64, device=device)
    out = submission.softmax(O)
    assert_close(out.sum(dim=1), torch.ones(3, dtype=torch.float64, device=device),
                 what="row sums of softmax(O) (a (3, 2) O: one probability per class, rows, not columns)")


@graded("softmax", weight=2)
def test_softmax_of_logits_of_magnitude_1e4_is_finite(submission, device):
    O = torch.tensor([[1e4, 0.0, -1e4], [-1e4, -1e4, -1e4]], device=device)
    expected = torch.tensor([[1.0, 0.0, 0.0], [1 / 3, 1 / 3, 1 / 3]], device=device)
    assert_close(submission.softmax(O), expected,
                 what="softmax([[1e4, 0, -1e4], [-1e4, -1e4, -1e4]]) (exp(1e4) = inf: subtract each row's max first)")


@graded("softmax")
def test_softmax_leaves_its_input_unchanged(submission, device):
    O = torch.tensor([[3.0, 1.0], [-2.0, 4.0]], device=device)
    before = O.clone()
    submission.softmax(O)
    assert_unchanged(before, O, "O")


@graded("cross_entropy", weight=2)
def test_cross_entropy_picks_the_probability_of_the_true_class(submission, device):
    """d2l's example: −log 0.1 and −log 0.5, one loss per example (not an (n, n) matrix)."""
    y_hat = torch.tensor([[0.1, 0.3, 0.6], [0.3, 0.2, 0.5]], device=device)
    y = torch.tensor([0, 2], device=device)
    expected = torch.tensor([-math.log(0.1), -math.log(0.5)], device=device)
    assert_close(submission.cross_entropy(y_hat, y), expected, what="cross_entropy(y_hat, y=[0, 2])")


@graded("cross_entropy")
def test_cross_entropy_is_zero_for_a_certain_right_answer(submission, device):
    y_hat = torch.tensor([[0.0, 1.0, 0.0], [0.25, 0.0, 0.75]], dtype=torch.float64, device=device)
    y = torch.tensor([1, 2], device=device)
    expected = torch.tensor([0.0, -math.log(0.75)], dtype=torch.float64, device=device)
    assert_close(submission.cross_entropy(y_hat, y), expected,
                 what="cross_entropy with zero probabilities at the other classes (they play no part: no NaN)")


@graded("softmax_cross_entropy", weight=2)
def test_softmax_cross_entropy_equals_minus_log_softmax(submission, device):
    O = torch.tensor([[1.0, 2.0, 3.0], [0.5, 0.5, -1.0]], device=device)
    y = torch.tensor([2, 0], device=device)
    rows = [[1.0, 2.0, 3.0], [0.5, 0.5, -1.0]]
    expected = torch.tensor([-math.log(math.exp(r[c]) / sum(math.exp(v) for v in r)) for r, c in zip(rows, (2, 0))],
                            device=device)
    assert_close(submission.softmax_cross_entropy(O, y), expected, what="softmax_cross_entropy(O, y=[2, 0])")


@graded("softmax_cross_entropy", weight=2)
def test_softmax_cross_entropy_is_finite_where_the_probability_underflows(submission, device):
    """softmax([[1e3, -1e3]])[0, 1] = e^-2000 underflows to 0, but the loss is 2000 (log-sum-exp)."""
    O = torch.tensor([[1e3, -1e3], [-1e4, 1e4]], device=device)
    y = torch.tensor([1, 0], device=device)
    expected = torch.tensor([2e3, 2e4], device=device)
    eps = torch.finfo(torch.float32).eps
    assert_close(submission.softmax_cross_entropy(O, y), expected, rtol=0.0, atol=4 * eps * (1 + 1e4),
                 what="softmax_cross_entropy([[1e3, -1e3], [-1e4, 1e4]], y=[1, 0])")


@graded("softmax_cross_entropy_grad", weight=2)
def test_softmax_cross_entropy_grad_is_softmax_minus_onehot(submission, device):
    O = torch.tensor([[0.0, 0.0], [math.log(3.0), 0.0]], dtype=torch.float64, device=device)
    y = torch.tensor([0, 1], device=device)
    # softmax rows: [1/2, 1/2] and [3/4, 1/4]; subtract 1 at the true class.
    expected = torch.tensor([[-0.5, 0.5], [0.75, -0.75]], dtype=torch.float64, device=device)
    assert_close(submission.softmax_cross_entropy_grad(O, y), expected,
                 what="softmax_cross_entropy_grad(O, y=[0, 1]) (summed loss: no division by n)")


@graded("softmax_cross_entropy_grad")
def test_softmax_cross_entropy_grad_rows_sum_to_zero(submission, device):
    O = torch.tensor([[1.0, -2.0, 0.5, 3.0], [0.0, 1.0, 2.0, 3.0], [4.0, 4.0, 4.0, 4.0]], device=device)
    y = torch.tensor([3, 0, 1], device=device)
    G = submission.softmax_cross_entropy_grad(O, y)
    assert_close(G.sum(dim=1), torch.zeros(3, device=device),
                 what="row sums of the gradient (probabilities sum to 1, minus the 1 of the one-hot)")
    at_label = G[torch.arange(3, device=device), y]
    assert bool((at_label < 0).all()), \
        f"expected negative entries at the true classes (p − 1 < 0), got {at_label.tolist()}"


@graded("accuracy", weight=2)
def test_accuracy_is_the_fraction_of_right_predictions(submission, device):
    """d2l's example: row 0 predicts class 2 (label 0, wrong), row 1 predicts 2 (label 2, right)."""
    y_hat = torch.tensor([[0.1, 0.3, 0.6], [0.3, 0.2, 0.5]], device=device)
    y = torch.tensor([0, 2], device=device)
    got = submission.accuracy(y_hat, y)
    assert_python_float(got, "accuracy(y_hat, y)")
    assert abs(got - 0.5) <= 1e-6, f"expected accuracy 1/2 = 0.5 (a fraction, not a count), got {got}"


@graded("accuracy")
def test_accuracy_breaks_ties_by_the_first_maximum(submission, device):
    y_hat = torch.tensor([[1.0, 1.0, 0.0], [0.0, 2.0, 2.0], [5.0, 5.0, 5.0], [0.0, 0.0, 1.0]], device=device)
    y = torch.tensor([0, 1, 0, 2], device=device)
    got = submission.accuracy(y_hat, y)
    assert_python_float(got, "accuracy(y_hat, y)")
    assert abs(got - 1.0) <= 1e-6, \
        f"expected 1.0: where scores tie, the prediction is the first maximum (as torch.argmax), got {got!r}"
