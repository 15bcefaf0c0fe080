"""grader.testing's Hypothesis helpers: NumPy's global RNG left alone, false-failure budgets."""

import random

import numpy
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.internal import entropy

from grader.errors import CourseError
from grader.testing import check_delta, per_example_delta, without_numpy_rng


@pytest.fixture
def numpy_unregistered():
    """Hypothesis as in a fresh process (NumPy's wrapper not registered yet); restored afterwards."""
    saved_slot, saved = entropy.NP_RANDOM, dict(entropy.RANDOMS_TO_MANAGE.items())
    for key, managed in list(entropy.RANDOMS_TO_MANAGE.items()):
        if isinstance(managed, entropy.NumpyRandomWrapper):
            del entropy.RANDOMS_TO_MANAGE[key]
    entropy.NP_RANDOM = None
    yield
    entropy.NP_RANDOM = saved_slot
    entropy.RANDOMS_TO_MANAGE.update(saved)


def _draws_per_example() -> tuple[list[float], list[float]]:
    """(numpy.random.random(), random.random()) in each of 20 examples."""
    drawn: tuple[list[float], list[float]] = ([], [])

    @settings(max_examples=20, database=None, derandomize=True)
    @given(st.integers())
    def record(_):
        drawn[0].append(float(numpy.random.random()))
        drawn[1].append(random.random())

    record()
    return drawn


def _numpy_managed() -> bool:
    return any(isinstance(r, entropy.NumpyRandomWrapper) for r in entropy.RANDOMS_TO_MANAGE.values())


def test_hypothesis_reseeds_numpy_per_example_by_default(numpy_unregistered):
    np_draws, _ = _draws_per_example()
    assert len(set(np_draws)) == 1 and _numpy_managed(), "the baseline without_numpy_rng() removes is gone"


@pytest.mark.parametrize("registered_first", [False, True], ids=["before-registration", "after-registration"])
def test_without_numpy_rng_leaves_numpy_s_global_rng_alone(numpy_unregistered, registered_first):
    if registered_first:
        _draws_per_example()
    without_numpy_rng()
    without_numpy_rng()  # idempotent
    numpy.random.seed(7)
    np_draws, py_draws = _draws_per_example()
    assert not _numpy_managed()
    assert np_draws == list(numpy.random.RandomState(7).random_sample(20)), \
        "NumPy's global RNG was seeded or restored around the examples"
    assert len(set(py_draws)) == 1, "Python's random should still be seeded per example"


def test_per_example_delta_splits_the_rate_over_the_running_test_s_examples():
    seen = []

    @settings(max_examples=250, database=None, derandomize=True)
    @given(st.integers())
    def many(_):
        seen.append((per_example_delta(), per_example_delta(at_most=1e-8)))

    @settings(max_examples=20, database=None, derandomize=True)
    @given(st.integers())
    def few(_):
        seen.append((per_example_delta(), per_example_delta(at_most=1e-8)))

    many()
    assert seen and all(v == (pytest.approx(4e-9), pytest.approx(4e-9)) for v in seen)
    seen.clear()
    few()
    assert seen and all(v == (pytest.approx(5e-8), 1e-8) for v in seen)


@pytest.mark.parametrize("bad", [0.0, -1e-8, 1.5, float("nan")])
def test_per_example_delta_and_check_delta_reject_a_probability_outside_0_1(bad):
    with pytest.raises(ValueError, match=r"^per_example_delta\(\): at_most="):
        per_example_delta(at_most=bad)
    with pytest.raises(ValueError, match=r"^check_delta\(\): delta="):
        check_delta(bad, "a check")


def test_check_delta_raises_a_course_error_when_max_examples_exceeds_the_derivation():
    outcomes = []

    @settings(max_examples=100, database=None, derandomize=True)
    @given(st.integers())
    def within(_):
        check_delta(1e-8, "a check")
        outcomes.append("ok")

    @settings(max_examples=101, database=None, derandomize=True)
    @given(st.integers())
    def beyond(_):
        check_delta(1e-8, "a check")

    within()
    assert outcomes and set(outcomes) == {"ok"}
    with pytest.raises(CourseError, match=r"^a check: δ = 1e-08 per example × max_examples=101 exceeds 1e-06; "
                                          r"lower settings.max_examples to at most 100\b"):
        beyond()
