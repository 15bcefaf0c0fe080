"""Trusted functions the tests hand to a submission (``grad(f, x)``, ``jacobian(f, x)``).

They run on the worker's side of the process boundary, where autograd must see them, so tests
refer to them by name: ``function("cube")`` is a :class:`grader.testing.NamedFunction`.
Each maps a float tensor to a float tensor of the same dtype and device.
"""

from __future__ import annotations

import torch

from grader.testing import NamedFunction

__all__ = ["SCALAR_FUNCTIONS", "VECTOR_FUNCTIONS", "function"]


def function(name: str) -> NamedFunction:
    """The trusted function ``name`` of this module, sendable to a worker."""
    if name not in globals():
        raise ValueError(f"function(): no trusted function name={name!r}")
    return NamedFunction(__name__, name)


# Element-wise or reducing functions of x, any shape: grad of f(x).sum() is known in closed form.
def square(x):
    return x * x


def cube(x):
    return x ** 3


def sin_times_x(x):
    return torch.sin(x) * x


def exp_half(x):
    return torch.exp(0.5 * x)


def sum_of_squares(x):
    return (x * x).sum()


def x_times_sum(x):
    """x·sum(x), same shape: every output depends on every input; the gradient is 2·sum(x)."""
    return x * x.sum()


def constant(x):
    """Does not depend on x: its gradient is zeros."""
    return torch.ones((), dtype=x.dtype, device=x.device)


def detached_square(x):
    """Uses x's values but not its graph: the gradient through it is zeros."""
    return x.detach() ** 2


def parameter_not_x(x):
    """Requires grad through a parameter of its own, not through x: the gradient in x is zeros."""
    w = torch.full((), 2.0, dtype=x.dtype, device=x.device, requires_grad=True)
    return w * torch.ones_like(x.detach())


SCALAR_FUNCTIONS = ("square", "cube", "sin_times_x", "exp_half", "sum_of_squares", "x_times_sum", "constant")


# Functions of a 1-D x of size n, with a 1-D output, for jacobian.
def vector_identity(x):
    return x.clone()


def vector_square(x):
    return x * x


def vector_cumsum(x):
    return torch.cumsum(x, 0)


def vector_outer_sum(x):
    """(2n,): x·sum(x) then sin(x), a dense Jacobian with more rows than columns."""
    return torch.cat([x * x.sum(), torch.sin(x)])


def vector_first_two(x):
    """(2,): fewer outputs than inputs (needs n ≥ 2)."""
    return torch.stack([x[0] * x[-1], x.sum()])


def vector_constant(x):
    """(3,), independent of x: its Jacobian is zeros."""
    return torch.ones(3, dtype=x.dtype, device=x.device)


def vector_parameter_not_x(x):
    """(3,), requires grad through a parameter of its own, not through x: its Jacobian is zeros."""
    w = torch.full((3,), 2.0, dtype=x.dtype, device=x.device, requires_grad=True)
    return w * x.detach().sum()


VECTOR_FUNCTIONS = ("vector_identity", "vector_square", "vector_cumsum", "vector_outer_sum",
                    "vector_constant")
