"""Examples for the mlp topic: initial parameters, the forward pass, backpropagation by hand."""

import math

import torch

from grader.testing import graded
from tests.helpers import assert_close, assert_tensor_like, assert_unchanged, raises_value_error

TOPIC = "mlp"

_NAMES = ("W1", "b1", "W2", "b2")


def _small_network(device, dtype=torch.float32):
    """X (2, 2), W1 (2, 2), b1 (2,), W2 (2, 2), b2 (2,) with Z = X W1 + b1 = [[1, 0], [-1, 0]]:
    one positive pre-activation, one negative and two exactly 0."""
    X = torch.tensor([[1.0, 2.0], [-1.0, 0.0]], dtype=dtype, device=device)
    W1 = torch.tensor([[1.0, -1.0], [0.0, 1.0]], dtype=dtype, device=device)
    b1 = torch.tensor([0.0, -1.0], dtype=dtype, device=device)
    W2 = torch.tensor([[math.log(3.0), 0.0], [1.0, -1.0]], dtype=dtype, device=device)
    b2 = torch.zeros(2, dtype=dtype, device=device)
    return X, [W1, b1, W2, b2]


@graded("init_mlp_params", weight=2)
def test_init_mlp_params_returns_float32_leaves_of_the_layer_shapes(submission):
    params = submission.init_mlp_params(4, 3, 2)
    assert isinstance(params, (list, tuple)) and len(params) == 4, \
        f"expected a list [W1, b1, W2, b2], got {params!r}"
    for name, p, shape in zip(_NAMES, params, [(4, 3), (3,), (3, 2), (2,)]):
        assert isinstance(p, torch.Tensor), f"{name}: expected a torch.Tensor (or an nn.Parameter), got {p!r}"
        assert_tensor_like(p.detach(), torch.empty(shape), f"{name} of init_mlp_params(4, 3, 2) (d=4, h=3, q=2)")
        assert p.is_leaf and p.requires_grad, \
            f"{name}: expected a leaf that requires grad (make the values, then .requires_grad_()), got " \
            f"is_leaf={p.is_leaf}, requires_grad={p.requires_grad}"


@graded("init_mlp_params", weight=2)
def test_init_mlp_params_biases_are_zero_and_weights_have_std_sigma(submission):
    """W1 (200, 100) and W2 (100, 150): 20,000 and 15,000 draws from N(0, 0.1²). Their mean(w²)
    is within 10% of σ² = 0.01 except with probability < e^-30 (Laurent–Massart)."""
    W1, b1, W2, b2 = submission.init_mlp_params(200, 100, 150, sigma=0.1,
                                                generator=torch.Generator().manual_seed(0))
    assert bool((b1.detach() == 0).all() and (b2.detach() == 0).all()), \
        f"expected zero biases, got b1 = {b1}, b2 = {b2}"
    for name, W in (("W1", W1), ("W2", W2)):
        second = float((W.detach().double() ** 2).mean())
        assert abs(second - 0.01) <= 0.001, \
            f"sigma=0.1: expected mean({name}²) ≈ σ² = 0.01 (σ is the std: randn * sigma), got {second:.6g}"


@graded("init_mlp_params")
def test_init_mlp_params_rejects_a_bad_size_or_sigma(submission):
    with raises_value_error("num_hiddens=0"):
        submission.init_mlp_params(4, 0, 2)
    with raises_value_error("sigma=-0.5"):
        submission.init_mlp_params(4, 3, 2, sigma=-0.5)
    with raises_value_error("sigma=nan"):
        submission.init_mlp_params(4, 3, 2, sigma=math.nan)


@graded("mlp_forward", weight=2)
def test_mlp_forward_of_a_small_network(submission, device):
    """Z = X W1 + b1 = [[-0.5, 1], [4.5, -4]], H = relu(Z) = [[0, 1], [4.5, 0]], O = H W2 + b2."""
    X = torch.tensor([[1.0, 2.0], [3.0, -1.0]], device=device)
    W1 = torch.tensor([[1.0, -1.0], [-1.0, 1.0]], device=device)
    b1 = torch.tensor([0.5, 0.0], device=device)
    W2 = torch.tensor([[1.0, 2.0], [-1.0, 0.0]], device=device)
    b2 = torch.tensor([0.0, 1.0], device=device)
    expected = torch.tensor([[-1.0, 1.0], [4.5, 10.0]], device=device)
    assert_close(submission.mlp_forward(X, [W1, b1, W2, b2]), expected,
                 what="mlp_forward: O = relu(X W1 + b1) W2 + b2 (ReLU on the hidden layer only)")


@graded("mlp_forward")
def test_mlp_forward_keeps_the_autograd_history(submission, device):
    X, params = _small_network(device)
    params = [p.requires_grad_() for p in params]
    O = submission.mlp_forward(X, params)
    assert O.requires_grad and not O.is_leaf, \
        "expected logits that require grad, with history back to the parameters (no detach, no torch.no_grad())"


@graded("mlp_backward", weight=3)
def test_mlp_backward_of_a_small_network_by_hand(submission, device):
    """Z = [[1, 0], [-1, 0]], H = [[1, 0], [0, 0]], O = [[ln 3, 0], [0, 0]]: softmax rows [3/4, 1/4]
    and [1/2, 1/2]. With y = [1, 0], dO = (softmax(O) − onehot(y)) / 2 = [[3/8, −3/8], [−1/4, 1/4]].
    dW2 = Hᵀ dO, db2 = Σ_rows dO, dH = dO W2ᵀ = [[3/8 ln 3, 3/4], [−1/4 ln 3, −1/2]],
    dZ = dH ⊙ [Z > 0] = [[3/8 ln 3, 0], [0, 0]] (Z = 0 gives 0), dW1 = Xᵀ dZ, db1 = Σ_rows dZ."""
    X, params = _small_network(device, torch.float64)
    y = torch.tensor([1, 0], device=device)
    a = 3 / 8 * math.log(3.0)
    expected = [[[a, 0.0], [2 * a, 0.0]], [a, 0.0], [[3 / 8, -3 / 8], [0.0, 0.0]], [1 / 8, -1 / 8]]
    got = submission.mlp_backward(X, y, params)
    for name, g, e in zip(_NAMES, got, expected):
        assert_close(g, torch.tensor(e, dtype=torch.float64, device=device),
                     what=f"d loss / d {name} (the mean loss: divide by n = 2; the ReLU mask is Z > 0)")


@graded("mlp_backward", weight=2)
def test_mlp_backward_matches_autograd(submission, device):
    g = torch.Generator().manual_seed(0)
    X = torch.randn(5, 4, generator=g, dtype=torch.float64)
    params = [torch.randn(shape, generator=g, dtype=torch.float64) for shape in [(4, 3), (3,), (3, 2), (2,)]]
    y = torch.tensor([0, 1, 1, 0, 1])
    leaves = [p.clone().requires_grad_() for p in params]
    O = torch.relu(X @ leaves[0] + leaves[1]) @ leaves[2] + leaves[3]
    torch.nn.functional.cross_entropy(O, y).backward()  # the mean over the 5 examples
    got = submission.mlp_backward(X.to(device), y.to(device), [p.to(device) for p in params])
    for name, gr, leaf in zip(_NAMES, got, leaves):
        assert_close(gr, leaf.grad.to(device), what=f"d loss / d {name} vs autograd (n=5, d=4, h=3, q=2)")


@graded("mlp_backward")
def test_mlp_backward_returns_plain_tensors_and_leaves_the_params_alone(submission, device):
    X, params = _small_network(device)
    params = [p.requires_grad_() for p in params]
    before = [p.detach().clone() for p in params]
    got = submission.mlp_backward(X, torch.tensor([1, 0], device=device), params)
    for name, g, p, b in zip(_NAMES, got, params, before):
        assert not g.requires_grad, f"d loss / d {name}: expected a tensor that does not require grad (detach)"
        assert p.grad is None, f"expected {name}.grad to stay None (return the gradients, do not set .grad)"
        assert_unchanged(b, p.detach(), name)
