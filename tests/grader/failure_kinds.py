"""Course tests that fail in each way a test can, for tests/grader/test_failures.py.

Not collected by pytest (its name does not start with ``test_``), so its ``assert``\\ s are not
rewritten and fail as they do under ``dlgrade grade``. :func:`kinds` gives, per failure kind,
a test that fails that way with its own settings (derandomized; ``print_blob`` and the explain
phase on, so Hypothesis adds every note it can); the ``norms_*`` tests are course tests of the
norms topic, for the engine. Every long line of this file is "hidden test source" that no
description of a failure may show.
"""

from __future__ import annotations

import time
from collections.abc import Callable

import pytest
import torch
from hypothesis import HealthCheck, Phase, assume, given, settings
from hypothesis import strategies as st

from grader.testing import graded

# Every note Hypothesis can add (@reproduce_failure; no health check suppressed), but the explain
# phase's, which costs seconds a test: one test has it.
LOUD = settings(derandomize=True, database=None, deadline=None, max_examples=30, print_blob=True,
                suppress_health_check=[], phases=[p for p in Phase if p is not Phase.explain])
SMALL = st.integers(min_value=-1000, max_value=1000)


def kinds() -> dict[str, Callable[[], None]]:
    """``{kind: a test that fails that way}``, each test new (a flaky one counts its own calls)."""
    calls = {"hidden_state": 0, "timing": 0}

    @settings(LOUD, phases=tuple(Phase))
    @given(SMALL)
    def assertion(x: int) -> None:
        if x >= 10:
            raise AssertionError(f"expected a value below 10 for the sum of the row, got {x}")

    @LOUD
    @given(SMALL)
    def hidden_state(x: int) -> None:
        calls["hidden_state"] += 1  # a source of randomness of its own: its third answer differs
        if calls["hidden_state"] == 3:
            raise AssertionError(f"expected the shuffled batch to hold {x}, got nothing")

    @settings(LOUD, deadline=100)
    @given(SMALL)
    def slow_once(x: int) -> None:
        calls["timing"] += 1
        if calls["timing"] == 1:
            time.sleep(0.25)

    @settings(LOUD, deadline=10, max_examples=3)
    @given(SMALL)
    def always_slow(x: int) -> None:
        time.sleep(0.03)

    @LOUD
    @given(SMALL.filter(lambda x: str(x) == "never"))  # not a bound Hypothesis could rewrite the filter into
    def filters_everything(x: int) -> None:
        raise AssertionError("never reached: no example passes the filter")

    @settings(LOUD, suppress_health_check=list(HealthCheck))
    @given(st.sampled_from([1, 2]))  # a small space: Hypothesis gives up at once
    def assumes_nothing(x: int) -> None:
        assume(str(x) == "never")

    @LOUD
    @given(SMALL.map(lambda x: {"rows": x}["columns"]))
    def strategy_raises(x: int) -> None:
        raise AssertionError("never reached: the strategy raises")

    @LOUD
    @given(st.data())
    def draws_invalid(data: st.DataObject) -> None:
        n = data.draw(SMALL, label="n")
        data.draw(st.integers(min_value=abs(n) + 1, max_value=abs(n)), label="index")

    @settings(LOUD, report_multiple_bugs=True)
    @given(SMALL)
    def two_bugs(x: int) -> None:
        if x > 100:
            raise TypeError(f"unsupported operand type(s) for +: 'Tensor' and 'list' at {x}")
        if x < -100:
            raise AssertionError(f"expected a non-negative norm, got {x}")

    @LOUD
    @given(SMALL)
    def does_not_raise(x: int) -> None:
        with pytest.raises(ValueError):
            abs(x)

    return {"assertion": assertion, "hidden_state": hidden_state, "slow_once": slow_once,
            "always_slow": always_slow, "filters_everything": filters_everything,
            "assumes_nothing": assumes_nothing, "strategy_raises": strategy_raises,
            "draws_invalid": draws_invalid, "two_bugs": two_bugs, "does_not_raise": does_not_raise}


def call_through(fn: Callable[..., object], *args: object) -> object:
    """Calls ``fn`` from this file: a frame of the tests in a submission's traceback."""
    return fn(*args)


# ---------------------------------------------------------------- course tests of norms, for the engine


@graded("l1_norm")
def norms_len_of_a_scalar(submission) -> None:
    """A broken test: the l1 norm of a vector is a 0-d tensor, which has no len(), for any submission."""
    norm = submission.l1_norm(torch.ones(2))
    if len(norm) != 1:
        raise AssertionError(f"expected one value, got {len(norm)}")


@graded("l1_norm")
def norms_item_of_the_norm(submission) -> None:
    """Uses ``.item()`` of what l1_norm returns: a submission that returns a float breaks it."""
    value = submission.l1_norm(torch.tensor([1.0, -2.0])).item()
    if abs(value - 3.0) > 1e-6:
        raise AssertionError(f"expected 3.0 for the l1 norm of [1., -2.], got {value}")


@graded("l2_norm")
@given(st.lists(st.floats(-10, 10, width=32), min_size=1, max_size=5))
def norms_l2_matches_the_formula(submission, values: list[float]) -> None:
    """A correct test of l2_norm, for a submission whose answers change from call to call."""
    x = torch.tensor(values)
    got, expected = submission.l2_norm(x), x.pow(2).sum().sqrt()
    if not torch.allclose(got, expected, atol=1e-5):
        raise AssertionError(f"expected {expected.item():.6f} for the l2 norm, got {got.item():.6f}")


@graded("lp_norm")
def norms_lp_of_a_vector(submission) -> None:
    """A correct test of lp_norm; the submission raises a TypeError of its own inside."""
    got = submission.lp_norm(torch.tensor([3.0, 4.0]), 2.0)
    if abs(float(got) - 5.0) > 1e-5:
        raise AssertionError(f"expected 5.0, got {got}")
