"""The course's strategies: large tensors are drawable, the seeded fill keeps :func:`floats`' bounds
and edge values, small tensors still shrink element by element."""

import math

import pytest
import torch
from hypothesis import HealthCheck, find, given, settings
from hypothesis import strategies as st

from tests.strategies import ELEMENTWISE_MAX, dtypes, floats, shapes, tensors

# (floats() keywords, the values that must turn up among a fill's 4096 elements)
BOUNDS = [
    ({}, [0.0, -10.0, 10.0]),
    ({"min_value": -1e3, "max_value": 1e3, "min_magnitude": 1e-2}, [0.0, -1e3, 1e3, 0.01, -0.01]),
    ({"min_value": -100.0, "max_value": 100.0, "min_magnitude": 0.1, "allow_zero": False}, [-100.0, 100.0, 0.1, -0.1]),
    ({"min_value": 2.0**-10, "max_value": 1.0}, [2.0**-10, 1.0]),
    ({"min_value": -5.0, "max_value": 5.0, "allow_zero": False}, [-5.0, 5.0]),
    ({"min_value": 800.0, "max_value": 15_000.0}, [800.0, 15_000.0]),
    ({"min_value": -1e4, "max_value": -3.0, "min_magnitude": 5.0}, [-1e4, -5.0]),
]
IDS = [",".join(f"{k}={v}" for k, v in kw.items()) or "default" for kw, _ in BOUNDS]


def _float32(value: float) -> float:
    return float(torch.tensor(value, dtype=torch.float32))


def _assert_within(x: torch.Tensor, min_value=-10.0, max_value=10.0, min_magnitude=0.0, allow_zero=True) -> None:
    """Every element of x is a float32 value floats(**bounds) may draw."""
    x64 = x.double()
    assert torch.equal(x64, x64.float().double()), f"values not exactly representable in float32: {x}"
    assert bool(((x64 >= min_value) & (x64 <= max_value)).all()), \
        f"values outside [{min_value}, {max_value}]: {x64[(x64 < min_value) | (x64 > max_value)]}"
    zero = x64 == 0
    zero_allowed = allow_zero and min_value <= 0 <= max_value
    assert zero_allowed or not bool(zero.any()), f"{int(zero.sum())} zeros where 0 is not allowed"
    small = (x64.abs() < min_magnitude) & ~zero
    assert not bool(small.any()), f"values with |x| < {min_magnitude}: {x64[small]}"


@settings(settings.get_profile("ci"), max_examples=20)
@given(x=tensors(shape=(64, 64)), y=tensors(shape=shapes(min_dims=1, max_dims=3, min_side=16, max_side=16)))
def test_tensors_of_4096_elements_are_drawable_under_the_ci_profile(x, y):
    assert x.shape == (64, 64) and x.numel() == 4096 and y.numel() in (16, 256, 4096)
    _assert_within(x)


# Every health check on (the ci profile suppresses them): a large tensor is one draw, not too much data.
@settings(settings.get_profile("ci"), max_examples=20, suppress_health_check=())
@given(x=tensors(shape=st.sampled_from([(4096,), (16, 256), (8, 8, 64)]), dtype=dtypes(),
                 elements=floats(min_value=-1e3, max_value=1e3, min_magnitude=1e-2)))
def test_tensors_of_4096_elements_pass_every_health_check(x):
    assert x.numel() == 4096
    _assert_within(x, -1e3, 1e3, _float32(1e-2))


@pytest.mark.parametrize(("bounds", "edges"), BOUNDS, ids=IDS)
def test_a_seeded_fill_keeps_the_bounds_of_floats_and_draws_its_edge_values(bounds, edges):
    elements = floats(**bounds)
    seen: list[torch.Tensor] = []

    @settings(settings.get_profile("ci"), max_examples=30)
    @given(x=tensors(shape=shapes(min_dims=1, max_dims=3, min_side=3, max_side=16), dtype=dtypes(),
                     elements=elements), big=tensors(shape=(4096,), dtype=torch.float64, elements=elements))
    def check(x, big):
        assert x.dtype in (torch.float32, torch.float64) and x.dim() in (1, 2, 3)
        for t in (x, big):
            _assert_within(t, bounds.get("min_value", -10.0), bounds.get("max_value", 10.0),
                           _float32(bounds.get("min_magnitude", 0.0)), bounds.get("allow_zero", True))
        seen.append(big.unique())

    check()
    drawn = torch.cat(seen).unique()
    # An edge is drawn as the float32 nearest inside the bounds (0.01 as 0.010000000707805157).
    missing = [v for v in edges if not bool(((drawn - v).abs() <= 1e-7 * abs(v)).any())]
    assert not missing, f"floats({bounds}): edge values never drawn in 30 fills of 4096: {missing}"


@pytest.mark.parametrize("shape", [(17,), (5, 5, 5), (2, 3, 4)])
@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
def test_a_seeded_fill_has_the_requested_shape_and_dtype_and_varies(shape, dtype):
    drawn = []

    @settings(settings.get_profile("ci"), max_examples=10)
    @given(x=tensors(shape=shape, dtype=dtype))
    def check(x):
        assert type(x) is torch.Tensor and x.shape == shape and x.dtype == dtype and x.device.type == "cpu"
        drawn.append(x)

    check()
    distinct = {tuple(x.reshape(-1).tolist()) for x in drawn}
    assert len(distinct) >= 5, f"{len(drawn)} fills of {shape} gave only {len(distinct)} distinct tensors"
    assert any(x.unique().numel() > math.prod(shape) // 2 for x in drawn), "fills are mostly repeated values"


def test_a_small_tensor_shrinks_element_by_element():
    """At most ELEMENTWISE_MAX elements: the shrunk counterexample is zeros but one simple value."""
    x = find(tensors(shape=(4, 4), dtype=torch.float32), lambda x: bool((x > 1).any()),
             settings=settings(settings.get_profile("ci"), max_examples=200))
    assert x.numel() == ELEMENTWISE_MAX
    assert int((x == 0).sum()) == ELEMENTWISE_MAX - 1 and float(x.max()) <= 2, f"not shrunk: {x}"


def test_a_large_failing_tensor_shrinks_to_a_small_one():
    """A failure found on a seeded fill shrinks its shape back to tensors drawn element by element."""
    failing: list[int] = []

    def fails(x: torch.Tensor) -> bool:
        if x.dim() >= 2 and bool((x.abs() > 1).any()):
            failing.append(x.numel())
            return True
        return False

    x = find(tensors(shape=shapes(min_dims=1, max_dims=3, min_side=3, max_side=12)), fails,
             settings=settings(settings.get_profile("ci"), max_examples=200, suppress_health_check=list(HealthCheck)))
    assert failing[0] > ELEMENTWISE_MAX, f"the first failure had {failing[0]} elements: nothing to shrink across"
    assert x.shape == (3, 3) and int((x == 0).sum()) == 8 and float(x.abs().max()) <= 2, f"not shrunk: {x}"


@pytest.mark.parametrize("bounds", [{"min_value": 1.0, "max_value": -1.0}, {"min_magnitude": -1.0},
                                    {"min_value": math.nan}, {"min_value": -1.0, "max_value": 1.0, "min_magnitude": 2.0,
                                                             "allow_zero": False}])
def test_floats_rejects_bounds_that_leave_nothing_to_draw(bounds):
    with pytest.raises(ValueError, match=r"^floats\(\)"):
        floats(**bounds)
