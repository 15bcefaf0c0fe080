"""What the course's tests import from the engine: tying a test to a function, trusted callables.

A test is written once against a ``submission`` object; :func:`graded` records which public
function of the topic it grades and its weight among that function's tests.
:class:`NamedFunction` is a callable a test may hand to a submission (``grad(f, x)``): it is
identified by module and name, so a worker process can import and run it on its side of the
process boundary, where autograd needs it.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Any, TypeVar

__all__ = ["NamedFunction", "graded", "register_profiles"]

_Test = TypeVar("_Test", bound=Callable[..., Any])


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
