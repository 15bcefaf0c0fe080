"""Assertions for the course's tests, with messages that show expected vs actual.

Each helper checks the exact type (``torch.Tensor``, not a subclass), shape, dtype and device
before the values, so a student reads the first thing that is wrong.
"""

from __future__ import annotations

from typing import Any

import torch

__all__ = ["assert_close", "assert_tensor_like", "assert_unchanged"]


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
