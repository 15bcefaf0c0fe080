"""Find a topic's tests: ``tests/public/test_<topic>.py`` and ``tests/hidden/test_<topic>_props.py``.

Test modules are imported in the grading process (they are the course's, trusted), after the
course root is put on ``sys.path`` and the ``grading`` Hypothesis profile is loaded, so every
``@given`` test runs derandomized, without an example database or deadline.

With a secret ``grading_seed`` in the course's settings, each hidden ``@given`` test runs as if
decorated with ``@hypothesis.seed(s)``, where ``s`` is drawn from (grading seed, test name), so
the hidden tests draw other examples than the derandomized ones, each test its own stream, and
the same grading seed always draws the same. Public tests keep their examples: they are what a
student ran with ``dlgrade check``.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import importlib
import inspect
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import hypothesis
import torch
from hypothesis import settings

from grader.course import Course, Topic
from grader.errors import CourseError
from grader.scoring import test_points
from grader.testing import register_profiles, without_numpy_rng

__all__ = ["CourseTest", "collect_tests", "hypothesis_seed", "prepare", "under_grading", "with_marks"]

VISIBILITIES = {"public": "tests.public.test_{}", "hidden": "tests.hidden.test_{}_props"}


@dataclass(frozen=True)
class CourseTest:
    """A test function of the course, the function it grades and the points it is worth."""

    name: str
    function: str
    visibility: str
    points: float
    run: Callable[..., None]
    given: Callable[..., None] | None = None  # the module's own @given test, for grader.replay
    seed: int | None = None  # its Hypothesis seed under a secret grading seed; None: derandomized

    @property
    def fixtures(self) -> tuple[str, ...]:
        """The fixtures the test takes: a subset of ``submission`` and ``device``."""
        return tuple(p for p in inspect.signature(self.run).parameters if p in ("submission", "device"))


def prepare(course: Course) -> None:
    """Make the course's modules importable and load the grading profile (idempotent)."""
    # First on the path even where it is there already: a spawned pool process inherits its
    # parent's sys.path, where another course's root (and its ``tests`` package) may come earlier.
    root = str(course.root)
    if sys.path[:1] != [root]:
        if root in sys.path:
            sys.path.remove(root)
        sys.path.insert(0, root)
    register_profiles(course.settings.max_examples, course.settings.shrink)
    without_numpy_rng()  # the worker seeds NumPy before each test; Hypothesis need not per example
    settings.load_profile("grading")
    torch.set_num_threads(1)


def collect_tests(course: Course, topic: Topic, visibilities: tuple[str, ...] = ("public", "hidden")
                  ) -> list[CourseTest]:
    """The topic's tests in file order, public first, each with its points.

    Hidden Hypothesis tests are seeded from ``course.settings.grading_seed`` where it is set.

    Raises:
        CourseError: a test module is missing or fails to import, a test is not ``@graded``,
            grades a function course.yml does not list, or has the name of another test of the topic.
    """
    prepare(course)
    found: list[tuple[str, str, str, Callable]] = []
    for visibility in visibilities:
        module_name = VISIBILITIES[visibility].format(topic.id)
        try:
            module = importlib.import_module(module_name)
        except Exception as exc:
            raise CourseError(f"{module_name}: cannot import: {type(exc).__name__}: {exc}") from None
        for name, test in vars(module).items():
            if not (name.startswith("test_") and callable(test)):
                continue
            function = getattr(test, "dlgrade_function", None)
            if function not in topic.functions:
                raise CourseError(f"{module_name}.{name}: grades {function!r}, not a function of topic "
                                  f"{topic.id!r} in course.yml (use @graded)")
            if any(name == other for other, *_ in found):  # the gradebook and the replay know a test by name
                raise CourseError(f"{module_name}.{name}: topic {topic.id!r} has another test of that name; "
                                  "rename one")
            found.append((name, function, visibility, test))
    points = test_points(topic, [(f, t.dlgrade_weight) for _, f, _, t in found])
    secret = course.settings.grading_seed
    tests = []
    for (name, function, visibility, test), p in zip(found, points):
        given = test if getattr(test, "is_hypothesis_test", False) else None
        seed = (hypothesis_seed(secret, f"{test.__module__}.{test.__name__}")
                if given is not None and secret is not None and visibility == "hidden" else None)
        tests.append(CourseTest(name, function, visibility, p, under_grading(test, seed), given, seed))
    return tests


def hypothesis_seed(grading_seed: int, test_id: str) -> int:
    """The Hypothesis seed of one test: 128 bits of SHA-256 over the grading seed and ``test_id``.

    A hash, so tests draw from unrelated streams, and the examples a student sees in feedback
    tell nothing about the grading seed or the other tests' seeds.
    """
    digest = hashlib.sha256(f"{grading_seed}\0{test_id}".encode()).digest()
    return int.from_bytes(digest[:16], "big")


def under_grading(test: Callable[..., None], seed: int | None = None) -> Callable[..., None]:
    """``test`` run with the loaded ``grading`` profile and, given one, its own Hypothesis seed
    (:func:`with_marks`). A test without ``@given`` draws nothing and is returned as it is."""
    if not getattr(test, "is_hypothesis_test", False):
        return test

    @functools.wraps(test, updated=())
    def run(**fixtures: object) -> None:
        with with_marks(test, seed):
            test(**fixtures)

    return run


@contextlib.contextmanager
def with_marks(test: Callable[..., None], seed: int | None = None) -> Iterator[None]:
    """For its duration, ``test`` (``@given``) runs with the loaded ``grading`` profile and,
    given ``seed``, draws as if decorated with ``@hypothesis.seed(seed)``.

    ``@given`` keeps the profile that was loaded when its module was imported: a course module
    imported earlier in this process (by pytest's collection, or by a grading with other
    settings) would otherwise draw other examples, or another number of them. The profile and
    the seed are marks on the module's own test object (private attributes, shared by every
    grading in this process), so they are set for this block only and then restored. An
    explicit seed takes precedence over the profile's ``derandomize`` (Hypothesis
    ``core.get_random_for_wrapped_test``, checked in 6.155 and 6.170).
    """
    marks = ("_hypothesis_internal_use_seed", "_hypothesis_internal_use_settings")
    saved = [getattr(test, mark) for mark in marks]
    test._hypothesis_internal_use_settings = settings.get_profile("grading")  # type: ignore[attr-defined]
    if seed is not None:
        hypothesis.seed(seed)(test)
    try:
        yield
    finally:
        for mark, value in zip(marks, saved):
            setattr(test, mark, value)
