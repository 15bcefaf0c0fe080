"""Assertions for the course's tests, with messages that show expected vs actual.

Each helper checks the exact type (``torch.Tensor``, not a subclass; a Python float), shape,
dtype and device before the values, so a student reads the first thing that is wrong, in the
contract's words. :func:`raises_value_error` checks a bad argument's exception by its type only.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import torch
from hypothesis.errors import HypothesisException

from grader.isolation.runner import CallTimeout, SubmissionError, WorkerCrashed

__all__ = ["assert_close", "assert_python_float", "assert_tensor_like", "assert_unchanged", "raises_value_error",
           "type_name"]


def type_name(value: Any) -> str:
    """The name a student knows ``value``'s type by: ``float``, ``torch.Tensor``, ``numpy.float64``."""
    cls = type(value)
    if cls is torch.Tensor:
        return "torch.Tensor"
    module = cls.__module__.split(".")[0]
    return cls.__qualname__ if module in ("builtins", "") else f"{module}.{cls.__qualname__}"


def assert_python_float(actual: Any, what: str = "output") -> None:
    """``actual`` is a Python ``float`` (``numpy.float64`` is one), not a tensor or an int."""
    assert isinstance(actual, float) and not isinstance(actual, torch.Tensor), \
        f"{what}: expected a Python float, got {type_name(actual)} {actual!r} (use float(...) or .item())"


@contextmanager
def raises_value_error(what: str) -> Iterator[None]:
    """The block raises ``ValueError`` (or a subclass) for the bad argument ``what``.

    The spec checks the type only: any message passes. Otherwise the test fails with an
    ``AssertionError`` that says what was due and what came instead, e.g. "expected ValueError
    for dropout=1.5, got AssertionError (an assert statement without a message)" or "..., nothing
    was raised". A submission's own ``AssertionError`` is such a failure too, never mistaken for
    a check of the test: it is reported as what the submission raised. ``NotImplementedError``
    (a stub: "not attempted"), a call that hung or crashed the worker, and Hypothesis's own
    control flow go on unchanged, for the engine to report as it does everywhere else. Under
    grading the worker's exception arrives rebuilt as its nearest built-in type
    (``grader.isolation.runner``), in-process as itself; both read the same here.

    Args:
        what: the bad argument in the contract's words: ``"dropout=1.5"``, ``"batch_size=0"``,
            ``"len(features)=3 != len(labels)=4"``. For a function that returns an iterator,
            consume it inside the block: it may raise at the call or at the first ``next()``.
    """
    try:
        yield
    except ValueError:
        return
    except (NotImplementedError, CallTimeout, WorkerCrashed, HypothesisException):
        raise
    except Exception as exc:
        raise AssertionError(f"expected ValueError for {what}, got {_raised(exc)}") from None
    raise AssertionError(f"expected ValueError for {what}, nothing was raised")


def _raised(exc: Exception) -> str:
    """``exc`` as "Type: message" on one line, as a student would recognise it."""
    if isinstance(exc, SubmissionError):  # a type the worker could not send back: its message names it
        return str(exc).removeprefix("the submission raised ")
    message = " ".join(str(exc).split())
    if len(message) > 300:
        message = message[:300] + "…"
    if message:
        return f"{type(exc).__name__}: {message}"
    if isinstance(exc, AssertionError):
        return "AssertionError (an assert statement without a message)"
    return f"{type(exc).__name__} (without a message)"


def _show(t: torch.Tensor) -> str:
    with torch.no_grad():
        return repr(t.detach().cpu()) if t.numel() <= 64 else f"<{tuple(t.shape)} tensor, {t.dtype}>"


def assert_tensor_like(actual: Any, expected: torch.Tensor, what: str = "output") -> None:
    """``actual`` is a plain torch.Tensor with expected's shape, dtype and device."""
    assert type(actual) is torch.Tensor, f"{what}: expected a torch.Tensor, got {type(actual).__name__}"
    assert actual.shape == expected.shape, \
        f"{what}: expected shape {tuple(expected.shape)}, got {tuple(actual.shape)}"
    assert actual.dtype == expected.dtype, f"{what}: expected dtype {expected.dtype}, got {actual.dtype}"
    assert actual.device == expected.device, \
        f"{what}: expected device {expected.device}, got {actual.device}"


def assert_close(actual: Any, expected: torch.Tensor, *, rtol: float | None = None,
                 atol: float | torch.Tensor | None = None, what: str = "output") -> None:
    """``actual`` matches ``expected`` in type, shape, dtype, device and values.

    Tolerances default to ``torch.testing.assert_close``'s for the dtype; ``atol`` may be a
    tensor of per-element tolerances (broadcast against ``expected``). NaN never matches.
    """
    assert_tensor_like(actual, expected, what)
    actual, expected = actual.detach(), expected.detach()
    if isinstance(atol, torch.Tensor):
        rtol = 0.0 if rtol is None else rtol
        bad = ~((actual - expected).abs() <= atol + rtol * expected.abs())
    else:
        if (rtol is None) != (atol is None):
            raise ValueError(f"assert_close(): give both rtol and atol or neither, got rtol={rtol}, atol={atol}")
        if rtol is None:
            rtol, atol = {torch.float64: (1e-7, 1e-7), torch.float32: (1.3e-6, 1e-5)}.get(expected.dtype, (0, 0))
        bad = ~torch.isclose(actual, expected, rtol=rtol, atol=atol)
    if bad.any():
        where = tuple(int(i) for i in bad.nonzero()[0]) if bad.dim() else ()
        raise AssertionError(
            f"{what}: {int(bad.sum())} of {bad.numel()} elements differ; at index {where}: "
            f"expected {expected[where].item()!r}, got {actual[where].item()!r}\n"
            f"expected: {_show(expected)}\nactual:   {_show(actual)}")


def assert_unchanged(before: torch.Tensor, after: torch.Tensor, what: str = "input") -> None:
    """The argument was not modified: same values (NaN-aware, bit for bit) and shape."""
    assert after.shape == before.shape and torch.equal(after.detach().cpu(), before.detach().cpu()), \
        f"{what} was modified in place (the function must not change its arguments)"
