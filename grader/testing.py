"""What the course's tests import from the engine: tying a test to a function, trusted callables.

A test is written once against a ``submission`` object; :func:`graded` records which public
function of the topic it grades and its weight among that function's tests. A statistical test
takes its false-failure probability per example from :func:`per_example_delta` (or checks a fixed
one with :func:`check_delta`), so raising ``max_examples`` cannot raise its stated 1e-6.
:class:`NamedFunction` is a callable a test may hand to a submission (``grad(f, x)``): it is
identified by module and name, so a worker process can import and run it on its side of the
process boundary, where autograd needs it.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Any, TypeVar

from grader.errors import CourseError

__all__ = ["FALSE_FAILURE_RATE", "NamedFunction", "check_delta", "graded", "per_example_delta", "register_profiles",
           "without_numpy_rng"]

_Test = TypeVar("_Test", bound=Callable[..., Any])

FALSE_FAILURE_RATE = 1e-6  # the most a statistical test may fail correct code, all its examples together


def graded(function: str, weight: float = 1.0) -> Callable[[_Test], _Test]:
    """Mark a test as grading the public ``function`` of its topic, with ``weight``.

    A test's points are ``topic points × share of function × weight / Σ weights`` of the
    function's tests. A call of a banned API inside ``function`` fails every test marked with it.

    Raises:
        ValueError: weight not > 0.
    """
    if not weight > 0:
        raise ValueError(f"graded(): weight={weight!r} must be > 0")

    def mark(test: _Test) -> _Test:
        test.dlgrade_function = function  # type: ignore[attr-defined]
        test.dlgrade_weight = float(weight)  # type: ignore[attr-defined]
        return test

    return mark


class NamedFunction:
    """A callable found as ``getattr(import_module(module), name)``, safe to send to a worker.

    Tests use it for functions a submission must call on its side (``grad(f, x)``, where f must
    run on the worker's tensor for autograd to see it). ``repr`` shows the name, so a failing
    example reads ``f=tests.functions.cube``.
    """

    def __init__(self, module: str, name: str) -> None:
        self.module = module
        self.name = name

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return getattr(importlib.import_module(self.module), self.name)(*args, **kwargs)

    def __repr__(self) -> str:
        return f"{self.module}.{self.name}"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, NamedFunction) and (self.module, self.name) == (other.module, other.name)

    def __hash__(self) -> int:
        return hash((self.module, self.name))


def per_example_delta(at_most: float = 1.0) -> float:
    """δ, the false-failure probability one example of the running statistical test may spend:
    ``min(at_most, FALSE_FAILURE_RATE / max_examples)``.

    By the union bound, a test whose every example fails correct code with probability ≤ δ fails
    it with probability ≤ 1e-6 over its ``max_examples`` examples. ``max_examples`` is that of
    the test being run (Hypothesis applies a test's settings while its body runs: course.yml's
    under ``ci`` and ``grading``; outside a test, the loaded profile's), so call this in the
    test's body, not at import. ``at_most`` keeps a test's tolerance where it was derived for
    fewer examples (1e-8 for up to 100): more examples tighten it, fewer never widen it.

    Raises:
        ValueError: ``at_most`` not in (0, 1].
    """
    from hypothesis import settings

    if not 0 < at_most <= 1:
        raise ValueError(f"per_example_delta(): at_most={at_most!r} must be in (0, 1]")
    return min(at_most, FALSE_FAILURE_RATE / settings.default.max_examples)


def check_delta(delta: float, what: str) -> None:
    """Check a statistical check's fixed false-failure probability per example, ``delta``,
    against :func:`per_example_delta` for the running test's ``max_examples``.

    For checks whose δ is fixed by their derivation (a tail bound, a simulation) rather than
    chosen. Raised in a test, the error fails the reference too, so grading reports it as the
    course's error (every student keeps the test's points) instead of grading at a higher
    false-failure rate than the test states.

    Raises:
        ValueError: ``delta`` not in (0, 1].
        CourseError: ``delta × max_examples > FALSE_FAILURE_RATE``; the message names ``what``.
    """
    from hypothesis import settings

    if not 0 < delta <= 1:
        raise ValueError(f"check_delta(): delta={delta!r} must be in (0, 1]")
    examples = settings.default.max_examples
    most = int(FALSE_FAILURE_RATE / delta * (1 + 1e-9))  # 1e-9: float rounding of exact ratios (1e-6 / 1e-8)
    if examples > most:
        raise CourseError(f"{what}: δ = {delta:.3g} per example × max_examples={examples} exceeds "
                          f"{FALSE_FAILURE_RATE:g}; lower settings.max_examples to at most {most}")


def register_profiles(max_examples: int, shrink: bool = True) -> None:
    """Register the Hypothesis profiles ``dev``, ``ci`` and ``grading``.

    ``grading`` (and ``ci``) are derandomized, keep no example database and have no deadline, so
    a score never changes between runs or machines; ``grading`` reports one failure per test. A
    secret grading seed (course.yml ``settings.grading_seed``) replaces the derandomized examples
    of the hidden tests by its own, as fixed for that seed (:func:`grader.collect.hypothesis_seed`).

    Args:
        max_examples: examples per property-based test in ``ci`` and ``grading`` (course.yml).
        shrink: whether ``grading`` shrinks a failure to its smallest counterexample (course.yml).
    """
    from hypothesis import HealthCheck, Phase, settings

    _without_local_constants()
    # No explain phase anywhere: it costs seconds per failing test, and its report quotes lines
    # of the hidden test's source.
    phases = [p for p in Phase if p is not Phase.explain]
    fixed = dict(derandomize=True, database=None, deadline=None, print_blob=False, phases=phases,
                 suppress_health_check=list(HealthCheck), max_examples=max_examples)
    settings.register_profile("dev", max_examples=min(10, max_examples), deadline=None, phases=phases)
    settings.register_profile("ci", **fixed)
    grading = {**fixed, "phases": [p for p in phases if shrink or p is not Phase.shrink]}
    settings.register_profile("grading", report_multiple_bugs=False, **grading)


def _without_local_constants() -> None:
    """Stop Hypothesis drawing constants from the "local" modules in ``sys.modules``.

    Since 6.131 Hypothesis mixes literals found in every imported non-library module (here
    ``grader.*`` and ``solutions.*``) into its draws, within a time budget. Which of those a
    process has imported depends on its history (the CLI, a pool process, a notebook kernel) and
    on timing, so a derandomized test would draw other examples in another process: a score must
    not depend on that. The pool is private API; where it is absent there is nothing to stop.
    """
    from hypothesis.internal.conjecture import providers

    if hasattr(providers, "_get_local_constants") and hasattr(providers, "Constants"):
        empty = providers.Constants()
        providers._get_local_constants = lambda: empty


def without_numpy_rng() -> None:
    """Stop Hypothesis seeding and restoring NumPy's global RNG around every example (idempotent).

    Hypothesis manages NumPy's legacy global RNG as soon as NumPy is imported (torch imports it),
    saving, seeding and restoring its ~5 KB state around each example: about 100 µs of the
    engine's fixed cost per example. Grading does not need it: the worker seeds every RNG
    (``random``, NumPy, torch) before each test itself, and the course's tests never touch
    NumPy's global RNG in the grading process. Python's ``random`` stays managed. Hypothesis
    registers NumPy lazily (``entropy.NP_RANDOM``, on the first example after NumPy is imported),
    so this both drops a registered wrapper and marks the slot as taken so none is registered
    later. Private API (checked in 6.170); where it is absent there is nothing to stop.
    """
    from hypothesis.internal import entropy

    if not all(hasattr(entropy, name) for name in ("NP_RANDOM", "RANDOMS_TO_MANAGE", "NumpyRandomWrapper")):
        return
    for key, managed in list(entropy.RANDOMS_TO_MANAGE.items()):
        if isinstance(managed, entropy.NumpyRandomWrapper):
            del entropy.RANDOMS_TO_MANAGE[key]
    if entropy.NP_RANDOM is None:
        # Any non-None value: Hypothesis registers a NumPy wrapper only while the slot is None.
        entropy.NP_RANDOM = _NOT_MANAGED


_NOT_MANAGED = object()
