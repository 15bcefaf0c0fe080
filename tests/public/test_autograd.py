"""Examples for the autograd topic: gradients, central differences and Jacobians by hand-checked values.

The functions handed to a submission come from :mod:`tests.functions` (``function("cube")``):
they run next to the submission, where autograd can see them.
"""

import math

import torch

from grader.testing import graded
from tests.functions import function
from tests.helpers import assert_close, assert_unchanged, raises_value_error

TOPIC = "autograd"


# --- grad ---------------------------------------------------------------------------------------

@graded("grad")
def test_grad_of_cube_is_three_x_squared(submission, device):
    x = torch.tensor([1.0, 2.0, -3.0], device=device)
    g = submission.grad(function("cube"), x)
    assert_close(g, torch.tensor([3.0, 12.0, 27.0], device=device), what="grad(cube, x) = 3x²")


@graded("grad")
def test_grad_leaves_a_plain_x_as_it_was(submission, device):
    x = torch.tensor([[0.5, -1.0], [2.0, 0.0]], dtype=torch.float64, device=device)
    before = x.clone()
    g = submission.grad(function("square"), x)
    assert_close(g, 2 * before, what="grad(square, x) = 2x")
    assert not g.requires_grad, "the gradient must not require grad (detach it), but it does"
    assert not x.requires_grad, "x.requires_grad was False before grad(f, x) and must stay False, got True"
    assert x.grad is None, f"x.grad was None before grad(f, x) and must stay None, got {x.grad!r}"
    assert_unchanged(before, x, "x")


@graded("grad")
def test_grad_keeps_the_existing_grad_of_a_leaf(submission, device):
    x = torch.tensor([1.0, -2.0], device=device, requires_grad=True)
    x.grad = torch.tensor([10.0, 10.0], device=device)
    g = submission.grad(function("square"), x)
    assert_close(g, torch.tensor([2.0, -4.0], device=device),
                 what="grad(square, x) = 2x (not added to the x.grad that was there)")
    assert x.requires_grad, "x.requires_grad was True before grad(f, x) and must stay True, got False"
    assert x.grad is not None, "x.grad was [10., 10.] before grad(f, x) and must stay so, got None"
    assert_close(x.grad, torch.tensor([10.0, 10.0], device=device), what="x.grad after grad(f, x)")


@graded("grad")
def test_grad_of_a_constant_is_zeros(submission, device):
    x = torch.tensor([3.0, 4.0, 5.0], device=device)
    g = submission.grad(function("constant"), x)
    assert_close(g, torch.zeros(3, device=device), what="grad of a function that ignores x")


# --- numerical_grad -----------------------------------------------------------------------------

@graded("numerical_grad")
def test_numerical_grad_of_square_is_two_x(submission, device):
    # Central differences are exact for a quadratic: ((x+h)² - (x-h)²) / 2h = 2x, up to rounding.
    x = torch.tensor([1.0, -0.5, 3.0], dtype=torch.float64, device=device)
    g = submission.numerical_grad(function("square"), x)
    assert_close(g, 2 * x, rtol=0.0, atol=1e-8, what="numerical_grad(square, x) ≈ 2x")


@graded("numerical_grad")
def test_numerical_grad_of_cube_is_central(submission, device):
    # ((x+h)³ - (x-h)³) / 2h = 3x² + h² exactly: central, not forward, differences, divided by 2h.
    x = torch.tensor([2.0], dtype=torch.float64, device=device)
    g = submission.numerical_grad(function("cube"), x, h=1e-3)
    assert_close(g, torch.tensor([12.000001], dtype=torch.float64, device=device), rtol=0.0, atol=1e-9,
                 what="numerical_grad(cube, [2.], h=1e-3) = 3·2² + h²")


@graded("numerical_grad")
def test_numerical_grad_works_on_a_transposed_view(submission, device):
    base = torch.tensor([[1.0, 2.0, 3.0], [-1.0, -2.0, 0.5]], dtype=torch.float64, device=device)
    x = base.T  # (3, 2), not contiguous
    before = x.clone()
    g = submission.numerical_grad(function("square"), x)
    assert_close(g, 2 * before, rtol=0.0, atol=1e-8, what="numerical_grad(square, x.T) ≈ 2·x.T")
    assert_unchanged(before, x, "x")


@graded("numerical_grad")
def test_numerical_grad_rejects_a_step_that_is_not_positive(submission, device):
    x = torch.tensor([1.0, 2.0], dtype=torch.float64, device=device)
    for h in (0.0, -1e-5, math.nan):
        with raises_value_error(f"h={h}"):
            submission.numerical_grad(function("square"), x, h=h)


# --- jacobian -----------------------------------------------------------------------------------

@graded("jacobian")
def test_jacobian_of_cumsum_is_lower_triangular(submission, device):
    x = torch.tensor([1.0, 2.0, 3.0], device=device)
    J = submission.jacobian(function("vector_cumsum"), x)
    assert_close(J, torch.tensor([[1.0, 0.0, 0.0], [1.0, 1.0, 0.0], [1.0, 1.0, 1.0]], device=device),
                 what="jacobian(cumsum): J[i, j] = 1 if j <= i")


@graded("jacobian")
def test_jacobian_has_one_row_per_output(submission, device):
    # f(x) = (x0·x2, x0 + x1 + x2): m = 2 outputs, n = 3 inputs -> J is (2, 3).
    x = torch.tensor([2.0, 5.0, 7.0], dtype=torch.float64, device=device)
    J = submission.jacobian(function("vector_first_two"), x)
    expected = torch.tensor([[7.0, 0.0, 2.0], [1.0, 1.0, 1.0]], dtype=torch.float64, device=device)
    assert_close(J, expected, what="jacobian of (x0·x2, sum x), shape (m, n) = (2, 3)")


@graded("jacobian")
def test_jacobian_of_a_constant_is_zeros(submission, device):
    x = torch.tensor([1.0, 2.0], device=device)
    J = submission.jacobian(function("vector_constant"), x)
    assert_close(J, torch.zeros(3, 2, device=device), what="jacobian of a function that ignores x")


@graded("jacobian")
def test_jacobian_rejects_a_matrix_x(submission, device):
    x = torch.ones(2, 2, device=device)
    with raises_value_error("an x of shape (2, 2) (not 1-D)"):
        submission.jacobian(function("vector_identity"), x)
