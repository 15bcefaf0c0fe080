"""Hypothesis strategies for the course's tests: float dtypes, shapes, matrix sizes, tensors, seeds.

Elements are drawn by Hypothesis (not from a seed), so a failing example shrinks to a small
tensor with simple values: the "smallest failing input" a student reads in the feedback.
Shapes and matrix sizes draw the edge cases on purpose, each in about a quarter to a third of
the examples: square (n == q), one row, one column (a single class), and a side of size 1 that
broadcasts. An implementation right only off those edges (one that reduces along the wrong dim
when a matrix is square) then fails in any run of 25 examples, not by luck of the draw; a
failure shrinks to the general case where it fails there too, so counterexamples stay small.
Importing this module has no side effects.
"""

from __future__ import annotations

from functools import lru_cache

import torch
from hypothesis import strategies as st
from hypothesis.strategies import DrawFn, composite

__all__ = ["dtypes", "floats", "matrix_sizes", "seeds", "shapes", "tensors"]

FLOAT_DTYPES = (torch.float32, torch.float64)


def dtypes() -> st.SearchStrategy[torch.dtype]:
    """float32 or float64 (shrinks towards float32)."""
    return st.sampled_from(FLOAT_DTYPES)


def seeds() -> st.SearchStrategy[int]:
    """Seeds for a ``torch.Generator`` (Hypothesis does not seed torch)."""
    return st.integers(min_value=0, max_value=2**32 - 1)


def shapes(*, min_dims: int = 1, max_dims: int = 3, min_side: int = 1, max_side: int = 5
           ) -> st.SearchStrategy[tuple[int, ...]]:
    """Tuples of ``min_dims``..``max_dims`` sizes, each in ``min_side``..``max_side``.

    About a third of the shapes have all sides equal (square, cube) and, where 1 is in range,
    a third have a side of size 1 (a row, a column, a dim that broadcasts); the rest are drawn
    side by side. Shrinks towards fewer, smaller sides.

    Raises:
        ValueError: ``min_dims > max_dims``, ``min_side > max_side`` or a negative bound.
    """
    if min_dims > max_dims or min_side > max_side or min(min_dims, min_side) < 0:
        raise ValueError(f"shapes(): bad bounds dims {min_dims}..{max_dims}, sides {min_side}..{max_side}")
    return _shapes(min_dims, max_dims, min_side, max_side)


@composite
def _shapes(draw: DrawFn, min_dims: int, max_dims: int, min_side: int, max_side: int) -> tuple[int, ...]:
    # The general case first: Hypothesis shrinks a one_of/sampled_from towards its first choice.
    edges = ["any", "equal"] + (["a side of 1"] if min_side <= 1 <= max_side else [])
    edge = draw(st.sampled_from(edges))
    sides = st.integers(min_side, max_side)
    if edge == "equal":
        return (draw(sides),) * draw(st.integers(min_dims, max_dims))
    shape = draw(st.lists(sides, min_size=min_dims, max_size=max_dims))
    if edge == "a side of 1" and shape:
        shape[draw(st.integers(0, len(shape) - 1))] = 1
    return tuple(shape)


def matrix_sizes(*, min_rows: int = 1, max_rows: int = 6, min_cols: int = 1, max_cols: int = 6
                 ) -> st.SearchStrategy[tuple[int, int]]:
    """Sizes ``(n, q)`` of an n × q matrix: rows in ``min_rows``..``max_rows``, columns in
    ``min_cols``..``max_cols``.

    Each of these edges, where the bounds allow it, is drawn in about a fifth of the examples:
    square (n == q, where a reduction along the wrong dim keeps the shape), one row (n = 1), one
    column (q = 1: a single class, a single feature), one row and one column. Shrinks towards
    the general case with small sizes.

    Raises:
        ValueError: a lower bound above its upper bound, or below 0.
    """
    if min_rows > max_rows or min_cols > max_cols or min(min_rows, min_cols) < 0:
        raise ValueError(f"matrix_sizes(): bad bounds rows {min_rows}..{max_rows}, columns {min_cols}..{max_cols}")
    return _matrix_sizes(min_rows, max_rows, min_cols, max_cols)


@composite
def _matrix_sizes(draw: DrawFn, min_rows: int, max_rows: int, min_cols: int, max_cols: int) -> tuple[int, int]:
    rows, cols = st.integers(min_rows, max_rows), st.integers(min_cols, max_cols)
    low, high = max(min_rows, min_cols), min(max_rows, max_cols)
    one_row, one_col = min_rows <= 1 <= max_rows, min_cols <= 1 <= max_cols
    edges = ["any"] + (["square"] if low <= high else []) + (["one row"] if one_row else []) \
        + (["one column"] if one_col else []) + (["1 x 1"] if one_row and one_col else [])
    edge = draw(st.sampled_from(edges))
    if edge == "square":
        n = draw(st.integers(low, high))
        return n, n
    n = 1 if edge in ("one row", "1 x 1") else draw(rows)
    return n, 1 if edge in ("one column", "1 x 1") else draw(cols)


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
