"""Examples for the sgd topic: minibatches, the linear model, the squared loss, SGD, training."""

import math

import torch

from grader.testing import graded
from tests.helpers import assert_close, assert_tensor_like, raises_value_error

TOPIC = "sgd"


def _batches(submission, batch_size, features, labels, generator=None):
    return list(submission.data_iter(batch_size, features, labels, generator))


# ---------------------------------------------------------------- data_iter

@graded("data_iter", weight=2)
def test_data_iter_deals_every_example_once_in_batches_of_batch_size(submission, device):
    features = torch.arange(14.0, device=device).reshape(7, 2)  # row i is [2i, 2i + 1]
    labels = torch.arange(7.0, device=device) * 10               # label of row i is 10i
    batches = _batches(submission, 3, features, labels, torch.Generator().manual_seed(0))
    sizes = [len(X) for X, _ in batches]
    assert sizes == [3, 3, 1], f"7 examples in batches of 3: expected batch sizes [3, 3, 1], got {sizes}"
    X = torch.cat([X for X, _ in batches])
    y = torch.cat([y for _, y in batches])
    rows = (X[:, 0] / 2).long().cpu()
    assert sorted(rows.tolist()) == list(range(7)), \
        f"expected each of the 7 rows exactly once, got rows {rows.tolist()}"
    assert torch.equal(y.cpu(), rows.float() * 10), \
        f"expected row i of features paired with label 10*i; rows {rows.tolist()} came with labels {y.tolist()}"


@graded("data_iter")
def test_data_iter_order_is_one_randperm_of_the_generator(submission, device):
    features = torch.arange(10.0, device=device).reshape(10, 1)
    labels = torch.arange(10, device=device)
    batches = _batches(submission, 4, features, labels, torch.Generator().manual_seed(7))
    order = torch.cat([y for _, y in batches]).cpu()
    expected = torch.randperm(10, generator=torch.Generator().manual_seed(7))
    assert torch.equal(order, expected), \
        f"expected the order torch.randperm(10, generator=<seeded with 7>) = {expected.tolist()}, got {order.tolist()}"


@graded("data_iter")
def test_data_iter_rejects_a_batch_size_of_zero_and_mismatched_lengths(submission, device):
    features, labels = torch.zeros(5, 2, device=device), torch.zeros(5, device=device)
    with raises_value_error("batch_size=0"):
        _batches(submission, 0, features, labels)
    with raises_value_error("len(features)=5 != len(labels)=4"):
        _batches(submission, 2, features, torch.zeros(4, device=device))


# ---------------------------------------------------------------- linreg

@graded("linreg")
def test_linreg_computes_xw_plus_b(submission, device):
    X = torch.tensor([[1.0, 2.0], [3.0, 4.0], [0.0, -1.0]], device=device)
    w = torch.tensor([[2.0], [-1.0]], device=device)
    b = torch.tensor([0.5], device=device)
    expected = torch.tensor([[0.5], [2.5], [1.5]], device=device)
    assert_close(submission.linreg(X, w, b), expected, what="linreg(X, w (2, 1), b (1,))")


@graded("linreg")
def test_linreg_with_a_vector_w_gives_a_vector(submission, device):
    X = torch.tensor([[1.0, 2.0], [3.0, 4.0]], dtype=torch.float64, device=device)
    w = torch.tensor([1.0, 1.0], dtype=torch.float64, device=device)
    b = torch.tensor(-3.0, dtype=torch.float64, device=device)
    expected = torch.tensor([0.0, 4.0], dtype=torch.float64, device=device)
    assert_close(submission.linreg(X, w, b), expected, what="linreg(X, w (2,), b 0-dim)")


# ---------------------------------------------------------------- squared_loss

@graded("squared_loss")
def test_squared_loss_is_half_the_squared_error(submission, device):
    y_hat = torch.tensor([[1.0], [2.0], [5.0]], device=device)
    y = torch.tensor([[1.0], [4.0], [2.0]], device=device)
    expected = torch.tensor([[0.0], [2.0], [4.5]], device=device)
    assert_close(submission.squared_loss(y_hat, y), expected, what="squared_loss (not reduced, halved)")


@graded("squared_loss")
def test_squared_loss_reshapes_y_like_y_hat(submission, device):
    y_hat = torch.tensor([[3.0], [0.0]], dtype=torch.float64, device=device)
    y = torch.tensor([1.0, 1.0], dtype=torch.float64, device=device)
    expected = torch.tensor([[2.0], [0.5]], dtype=torch.float64, device=device)
    assert_close(submission.squared_loss(y_hat, y), expected,
                 what="squared_loss(y_hat (2, 1), y (2,)), shape of y_hat, not (2, 2)")


# ---------------------------------------------------------------- sgd_

def _param(values, grad, device):
    p = torch.tensor(values, device=device, requires_grad=True)
    p.grad = None if grad is None else torch.tensor(grad, device=device)
    return p


@graded("sgd_", weight=2)
def test_sgd_steps_against_the_gradient_in_place(submission, device):
    w = _param([1.0, 2.0], [4.0, -8.0], device)
    b = _param([0.5], [2.0], device)
    out = submission.sgd_([w, b], 0.1, 4)
    assert out is None, f"expected sgd_ to return None, got {out!r}"
    assert_close(w.detach(), torch.tensor([0.9, 2.2], device=device), what="w after the step w - lr*grad/batch_size")
    assert_close(b.detach(), torch.tensor([0.45], device=device), what="b after the step b - lr*grad/batch_size")
    assert w.is_leaf and w.requires_grad, \
        f"expected w to stay a leaf that requires grad, got is_leaf={w.is_leaf}, requires_grad={w.requires_grad}"


@graded("sgd_")
def test_sgd_zeroes_the_grad_and_leaves_a_param_without_grad_alone(submission, device):
    w = _param([1.0, 2.0], [4.0, -8.0], device)
    frozen = _param([3.0], None, device)
    submission.sgd_([w, frozen], 0.1, 4, weight_decay=0.5)
    assert w.grad is None or torch.equal(w.grad, torch.zeros(2, device=device)), \
        f"expected w.grad zeroed after the step, got {w.grad}"
    assert torch.equal(frozen.detach(), torch.tensor([3.0], device=device)) and frozen.grad is None, \
        f"expected a param whose grad is None left alone, got {frozen} with grad {frozen.grad}"


@graded("sgd_")
def test_sgd_weight_decay_shrinks_the_params(submission, device):
    w = _param([2.0, -4.0], [0.0, 0.0], device)
    submission.sgd_([w], 0.1, 4, weight_decay=0.5)
    assert_close(w.detach(), torch.tensor([1.9, -3.8], device=device),
                 what="w after w - lr*(grad/batch_size + weight_decay*w) with zero grad")


@graded("sgd_")
def test_sgd_rejects_bad_arguments(submission, device):
    for kwargs in [dict(lr=0.0), dict(lr=math.nan), dict(batch_size=0), dict(weight_decay=-1.0),
                   dict(weight_decay=math.nan)]:
        args = dict(lr=0.1, batch_size=2, weight_decay=0.0) | kwargs
        with raises_value_error(", ".join(f"{k}={v}" for k, v in kwargs.items())):
            submission.sgd_([_param([1.0], [1.0], device)], **args)


# ---------------------------------------------------------------- train_linreg

def _synthetic_data(w, b, num_examples, generator):
    """d2l's synthetic_data: X ~ N(0, 1), y = Xw + b + N(0, 0.01²), y of shape (n, 1)."""
    X = torch.normal(0.0, 1.0, (num_examples, len(w)), generator=generator)
    y = X @ w + b + torch.normal(0.0, 0.01, (num_examples,), generator=generator)
    return X, y.reshape(-1, 1)


@graded("train_linreg", weight=2)
def test_train_linreg_recovers_d2l_true_w_and_b(submission, device):
    """The book's example (lr 0.03, 3 epochs, batches of 10). A correct loop lands within about
    0.001 of the truth: in 3.6e8 simulated trainings none was off by more than 0.0072, so the
    tolerance 0.05 fails only a wrong loop."""
    true_w, true_b = torch.tensor([2.0, -3.4]), 4.2
    features, labels = _synthetic_data(true_w, true_b, 1000, torch.Generator().manual_seed(0))
    w, b = submission.train_linreg(features.to(device), labels.to(device), generator=torch.Generator().manual_seed(1))
    assert_tensor_like(w, torch.empty(2, 1, device=device), "w")
    assert_tensor_like(b, torch.empty(1, device=device), "b")
    err_w = (w.detach().cpu().reshape(-1) - true_w).abs().max().item()
    err_b = abs(b.detach().cpu().item() - true_b)
    assert err_w <= 0.05 and err_b <= 0.05, \
        f"expected w within 0.05 of {true_w.tolist()} and b within 0.05 of {true_b}, " \
        f"got w = {w.reshape(-1).tolist()}, b = {b.tolist()}"


@graded("train_linreg")
def test_train_linreg_returns_detached_w_and_b(submission, device):
    features = torch.tensor([[1.0, 0.0, 2.0], [0.0, 1.0, -1.0], [1.0, 1.0, 0.0], [2.0, -1.0, 1.0]],
                            dtype=torch.float64, device=device)
    labels = torch.tensor([1.0, 2.0, 3.0, 4.0], dtype=torch.float64, device=device)
    w, b = submission.train_linreg(features, labels, lr=0.1, num_epochs=2, batch_size=2,
                                   generator=torch.Generator().manual_seed(0))
    assert_tensor_like(w, torch.empty(3, 1, dtype=torch.float64, device=device), "w")
    assert_tensor_like(b, torch.empty(1, dtype=torch.float64, device=device), "b")
    assert not w.requires_grad and not b.requires_grad, \
        f"expected w and b detached (no grad), got requires_grad {w.requires_grad} and {b.requires_grad}"
