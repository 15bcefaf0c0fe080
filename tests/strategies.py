"""Hypothesis strategies for the course's tests: float dtypes, shapes, tensors, seeds.

Elements are drawn by Hypothesis (not from a seed), so a failing example shrinks to a small
tensor with simple values: the "smallest failing input" a student reads in the feedback.
Importing this module has no side effects.
"""

from __future__ import annotations

from functools import lru_cache

import torch
from hypothesis import strategies as st
from hypothesis.strategies import DrawFn, composite

__all__ = ["dtypes", "floats", "seeds", "shapes", "tensors"]

FLOAT_DTYPES = (torch.float32, torch.float64)


def dtypes() -> st.SearchStrategy[torch.dtype]:
    """float32 or float64 (shrinks towards float32)."""
    return st.sampled_from(FLOAT_DTYPES)


def seeds() -> st.SearchStrategy[int]:
    """Seeds for a ``torch.Generator`` (Hypothesis does not seed torch)."""
    return st.integers(min_value=0, max_value=2**32 - 1)


def shapes(*, min_dims: int = 1, max_dims: int = 3, min_side: int = 1, max_side: int = 5
           ) -> st.SearchStrategy[tuple[int, ...]]:
    """Tuples of ``min_dims``..``max_dims`` sizes, each in ``min_side``..``max_side``."""
    if min_dims > max_dims:
        raise ValueError(f"shapes(): min_dims={min_dims} > max_dims={max_dims}")
    return st.lists(st.integers(min_side, max_side), min_size=min_dims, max_size=max_dims).map(tuple)


@lru_cache(maxsize=None)  # one strategy object per bounds: Hypothesis validates it once
def floats(*, min_value: float = -10.0, max_value: float = 10.0, min_magnitude: float = 0.0,
           allow_zero: bool = True) -> st.SearchStrategy[float]:
    """Finite floats in [min_value, max_value], exactly representable in float32.

    ``min_magnitude`` > 0 keeps |x| ≥ min_magnitude (zero is still drawn if ``allow_zero``).
    """
    values = st.floats(min_value, max_value, width=32, allow_nan=False, allow_infinity=False)
    if min_magnitude > 0:
        values = values.filter(lambda v: abs(v) >= min_magnitude)
        if allow_zero:
            values = st.one_of(st.just(0.0), values)
    return values


@composite
def tensors(draw: DrawFn, shape: tuple[int, ...] | st.SearchStrategy[tuple[int, ...]] | None = None,
            dtype: torch.dtype | st.SearchStrategy[torch.dtype] | None = None,
            elements: st.SearchStrategy[float] | None = None) -> torch.Tensor:
    """A CPU tensor of ``shape`` (default: :func:`shapes`) and ``dtype`` (default: :func:`dtypes`).

    Each of ``shape`` and ``dtype`` is a value or a strategy; ``elements`` defaults to
    :func:`floats`. Move it with ``.to(device)`` in the test.
    """
    shape = draw(shapes() if shape is None else shape) if not isinstance(shape, tuple) else shape
    dtype = draw(dtypes() if dtype is None else dtype) if not isinstance(dtype, torch.dtype) else dtype
    n = 1
    for side in shape:
        n *= side
    values = draw(_lists(elements if elements is not None else floats(), n))
    return torch.tensor(values, dtype=dtype).reshape(shape)


@lru_cache(maxsize=1024)
def _lists(elements: st.SearchStrategy[float], n: int) -> st.SearchStrategy[list[float]]:
    return st.lists(elements, min_size=n, max_size=n)
