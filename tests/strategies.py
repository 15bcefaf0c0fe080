"""Hypothesis strategies for the course's tests: float dtypes, shapes, matrix sizes, tensors, seeds.

A tensor of at most :data:`ELEMENTWISE_MAX` elements has its elements drawn by Hypothesis, one
by one, so a failing example shrinks to a small tensor with simple values: the "smallest failing
input" a student reads in the feedback. A larger one (up to the spec's "few thousand elements")
draws its first :data:`ELEMENTWISE_MAX` elements the same way and fills the rest from one drawn
seed, within the bounds of :func:`floats` and with its edge values mixed in; a failure there
shrinks its shape back to the element-by-element tensors, which read the same draws.
Shapes and matrix sizes draw the edge cases on purpose, each in about a quarter to a third of
the examples: square (n == q), one row, one column (a single class), and a side of size 1 that
broadcasts. An implementation right only off those edges (one that reduces along the wrong dim
when a matrix is square) then fails in any run of 25 examples, not by luck of the draw; a
failure shrinks to the general case where it fails there too, so counterexamples stay small.
Importing this module has no side effects.
"""

from __future__ import annotations

import math
import weakref
from dataclasses import dataclass
from functools import lru_cache

import torch
from hypothesis import strategies as st
from hypothesis.strategies import DrawFn, composite

__all__ = ["ELEMENTWISE_MAX", "dtypes", "floats", "matrix_sizes", "seeds", "shapes", "tensors"]

FLOAT_DTYPES = (torch.float32, torch.float64)
ELEMENTWISE_MAX = 16  # tensors() draws up to this many elements one by one (the shrunk ones a student reads)


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


@dataclass(frozen=True)
class _FloatBounds:
    """What :func:`floats` draws, as float32 values: [low, high], |x| ≥ magnitude unless x is 0."""

    low: float
    high: float
    magnitude: float     # 0: no gap around zero
    zero: bool           # whether 0 (and −0) is drawn

    def parts(self) -> list[tuple[float, float]]:
        """The intervals of nonzero values, the negative one first (one interval if no gap)."""
        if self.magnitude == 0:
            return [(self.low, self.high)]
        return [(a, b) for a, b in ((self.low, min(self.high, -self.magnitude)),
                                    (max(self.low, self.magnitude), self.high)) if a <= b]

    def edges(self) -> list[float]:
        """The values Hypothesis draws more often than chance: 0, the bounds and their
        neighbours, ±magnitude; those that are allowed, each once (−0 next to 0)."""
        candidates = [self.low, _next_float32(self.low, math.inf), self.high, _next_float32(self.high, -math.inf),
                      self.magnitude, -self.magnitude]
        edges = [0.0, -0.0] if self.zero else []
        for v in candidates:
            if self.low <= v <= self.high and abs(v) >= self.magnitude and v != 0 and v not in edges:
                edges.append(v)
        return edges


# The bounds of each strategy floats() returned, for tensors() to fill a large tensor from a seed.
# Weak keys: floats() caches its strategies, so an entry lives as long as the strategy.
_BOUNDS: weakref.WeakKeyDictionary[st.SearchStrategy[float], _FloatBounds] = weakref.WeakKeyDictionary()


def _next_float32(x: float, toward: float) -> float:
    return float(torch.nextafter(torch.tensor(x, dtype=torch.float32), torch.tensor(toward, dtype=torch.float32)))


def _float32_at_least(x: float) -> float:
    """The smallest float32 ≥ x."""
    y = float(torch.tensor(x, dtype=torch.float32))
    return y if y >= x else _next_float32(y, math.inf)


def _float32_at_most(x: float) -> float:
    """The largest float32 ≤ x."""
    return -_float32_at_least(-x)


@lru_cache(maxsize=None)  # one strategy object per bounds: Hypothesis validates it once
def floats(*, min_value: float = -10.0, max_value: float = 10.0, min_magnitude: float = 0.0,
           allow_zero: bool = True) -> st.SearchStrategy[float]:
    """Finite floats in [min_value, max_value], exactly representable in float32.

    ``min_magnitude`` > 0 keeps |x| ≥ min_magnitude; 0 is drawn where it lies in the range and
    ``allow_zero``, also inside the gap. :func:`tensors` reads these bounds to fill large tensors.

    Raises:
        ValueError: a bound is NaN, ``min_value > max_value``, ``min_magnitude < 0``, or no
            value is left to draw.
    """
    if not (min_value <= max_value and min_magnitude >= 0):
        raise ValueError(f"floats(): bad bounds min_value={min_value}, max_value={max_value}, "
                         f"min_magnitude={min_magnitude}")
    low, high = _float32_at_least(min_value), _float32_at_most(max_value)
    zero = allow_zero and low <= 0 <= high
    # allow_zero=False with no gap: the gap is the one float32 zero itself.
    magnitude = _float32_at_least(min_magnitude) if min_magnitude > 0 or allow_zero else _next_float32(0.0, 1.0)
    bounds = _FloatBounds(low, high, magnitude, zero)
    if not (bounds.parts() or zero):
        raise ValueError(f"floats(): no float32 in [{min_value}, {max_value}] with |x| >= {min_magnitude}"
                         f"{'' if allow_zero else ' other than 0'}")
    values = st.floats(min_value, max_value, width=32, allow_nan=False, allow_infinity=False)
    if magnitude > 0:
        values = values.filter(lambda v: abs(v) >= magnitude)
        if zero and min_magnitude > 0:
            values = st.one_of(st.just(0.0), values)
    _BOUNDS[values] = bounds
    return values


def tensors(shape: tuple[int, ...] | st.SearchStrategy[tuple[int, ...]] | None = None,
            dtype: torch.dtype | st.SearchStrategy[torch.dtype] | None = None,
            elements: st.SearchStrategy[float] | None = None) -> st.SearchStrategy[torch.Tensor]:
    """A CPU tensor of ``shape`` (default: :func:`shapes`) and ``dtype`` (default: :func:`dtypes`).

    Each of ``shape`` and ``dtype`` is a value or a strategy; ``elements`` defaults to
    :func:`floats`. Up to :data:`ELEMENTWISE_MAX` elements, or with ``elements`` not made by
    :func:`floats`, each element is drawn from ``elements``. Above, with :func:`floats`' bounds,
    the first :data:`ELEMENTWISE_MAX` elements (in row-major order) are drawn so and the rest are
    filled from one drawn seed (:func:`_filled`; seed 0 repeats the first ones): thousands of
    elements cost 17 draws. Move it with ``.to(device)`` in the test.
    """
    elements = floats() if elements is None else elements
    # Looked up here: Hypothesis hands a composite's strategy arguments over unwrapped, as
    # other objects than floats() returned.
    return _tensors(shape, dtype, elements, _BOUNDS.get(elements))


@composite
def _tensors(draw: DrawFn, shape: tuple[int, ...] | st.SearchStrategy[tuple[int, ...]] | None,
             dtype: torch.dtype | st.SearchStrategy[torch.dtype] | None, elements: st.SearchStrategy[float],
             bounds: _FloatBounds | None) -> torch.Tensor:
    shape = draw(shapes() if shape is None else shape) if not isinstance(shape, tuple) else shape
    dtype = draw(dtypes() if dtype is None else dtype) if not isinstance(dtype, torch.dtype) else dtype
    n = math.prod(shape)
    if n <= ELEMENTWISE_MAX or bounds is None:
        return torch.tensor(draw(_lists(elements, n)), dtype=dtype).reshape(shape)
    # Shrinking a failure found here: the shrinker tries the last draws first, so the seed first
    # shrinks to 0, which repeats the head over the tensor; every value is then one of the head's,
    # which shrink as a small tensor's elements do, and so does the shape, down to tensors that
    # read the head's draws as their own.
    head = torch.tensor(draw(_lists(elements, ELEMENTWISE_MAX)), dtype=torch.float64)
    seed = draw(seeds())
    tail = head.repeat(-(-n // ELEMENTWISE_MAX))[ELEMENTWISE_MAX:n] if seed == 0 \
        else _filled(bounds, n - ELEMENTWISE_MAX, seed).double()
    return torch.cat([head, tail]).to(dtype).reshape(shape)


def _filled(bounds: _FloatBounds, n: int, seed: int) -> torch.Tensor:
    """``n`` float32 values within ``bounds``, from a ``torch.Generator`` seeded with ``seed``.

    Each value is, independently, an edge value (1/8: 0, a bound, ±min_magnitude, as
    :meth:`_FloatBounds.edges`), an integer (1/8), of log-uniform magnitude (3/8: tiny and large
    values alike) or uniform over the allowed values (3/8): roughly the mix Hypothesis's own
    float draws have, so the tests' inputs keep their edges at any size.
    """
    plan = _plan(bounds)
    if plan is None:  # only 0 is allowed
        return torch.zeros(n, dtype=torch.float32)
    low, lengths, cumulative, sign, log_small, log_span, edges = plan
    kind, u, t, v = torch.rand(4, n, generator=torch.Generator().manual_seed(seed), dtype=torch.float64)
    # Uniform: u picks a part in proportion to its length, t a point in it; kind 1 rounds it to an
    # integer inside the part.
    part = torch.searchsorted(cumulative, u, right=True).clamp_(max=len(low) - 1)
    uniform = low[part] + t * lengths[part]
    candidates = [uniform, uniform.round().clamp(low[part], low[part] + lengths[part])]
    # Log-uniform: v picks a sign's interval of magnitudes and a point in it on a log scale.
    if len(sign):
        w = v * len(sign)
        pick = w.long().clamp_(max=len(sign) - 1)
        candidates.append(sign[pick] * (log_small[pick] + (w - pick) * log_span[pick]).exp())
    else:
        candidates.append(uniform)
    candidates.append(edges[(v * len(edges)).long().clamp_(max=len(edges) - 1)] if len(edges) else uniform)
    # kind < 1/8: an edge (index 3), < 2/8: an integer (1), < 5/8: uniform (0), else log-uniform (2).
    index = torch.bucketize(kind, _KIND_BOUNDARIES, right=True)
    values = torch.stack(candidates).gather(0, _KIND_COLUMNS[index].unsqueeze(0)).squeeze(0)
    out = values.to(torch.float32).clamp_(bounds.low, bounds.high)
    # Rounding (to an integer, to float32) may have crossed min_magnitude, or reached a 0 that is
    # not allowed: move such a value out to ±min_magnitude, on its part's side.
    crossed = (out.abs() < bounds.magnitude) & ((out != 0) | (not bounds.zero))
    if not bool(crossed.any()):
        return out
    side = torch.where(values != 0, values.sign(), (low[part] + lengths[part] / 2).sign())
    return torch.where(crossed, (bounds.magnitude * side).float(), out)


_KIND_BOUNDARIES = torch.tensor([1 / 8, 2 / 8, 5 / 8], dtype=torch.float64)
_KIND_COLUMNS = torch.tensor([3, 1, 0, 2])  # candidate of each bucket of ``kind`` in _filled


@lru_cache(maxsize=None)
def _plan(bounds: _FloatBounds) -> tuple[torch.Tensor, ...] | None:
    """What :func:`_filled` needs of ``bounds``, as float64 tensors: each part's low end and length
    and the cumulative share of the draws up to it; each sign's (sign, log smallest magnitude, log span)
    with the smallest at least 2^-20 of the largest; the edge values. None: only 0 is allowed."""
    parts = bounds.parts()
    if not parts:
        return None
    low, high = (torch.tensor(column, dtype=torch.float64) for column in zip(*parts))
    lengths = high - low
    # Parts of length 0 (min_value == max_value) share the draws equally.
    weights = lengths if float(lengths.sum()) > 0 else torch.ones_like(lengths)
    cumulative = torch.cumsum(weights, 0) / weights.sum()
    signed = [(s, math.log(max(small, large * 2.0**-20)), large) for s, small, large in _magnitudes(parts)
              if large > 0]
    sign, log_small, log_span = (torch.tensor([s for s, _, _ in signed], dtype=torch.float64),
                                 torch.tensor([a for _, a, _ in signed], dtype=torch.float64),
                                 torch.tensor([math.log(b) - a for _, a, b in signed], dtype=torch.float64))
    return low, lengths, cumulative, sign, log_small, log_span, torch.tensor(bounds.edges(), dtype=torch.float64)


def _magnitudes(parts: list[tuple[float, float]]) -> list[tuple[float, float, float]]:
    """(sign, smallest, largest magnitude) of each part's values of one sign."""
    signed = []
    for low, high in parts:
        if high >= 0:
            signed.append((1.0, max(low, 0.0), high))
        if low <= 0:
            signed.append((-1.0, max(-high, 0.0), -low))
    return signed


@lru_cache(maxsize=1024)
def _lists(elements: st.SearchStrategy[float], n: int) -> st.SearchStrategy[list[float]]:
    return st.lists(elements, min_size=n, max_size=n)
