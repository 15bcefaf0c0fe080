"""Find a topic's tests: ``tests/public/test_<topic>.py`` and ``tests/hidden/test_<topic>_props.py``.

Test modules are imported in the grading process (they are the course's, trusted), after the
course root is put on ``sys.path`` and the ``grading`` Hypothesis profile is loaded, so every
``@given`` test runs derandomized, without an example database or deadline.
"""

from __future__ import annotations

import importlib
import inspect
import sys
from collections.abc import Callable
from dataclasses import dataclass

import torch
from hypothesis import settings

from grader.course import Course, Topic
from grader.errors import CourseError
from grader.scoring import test_points
from grader.testing import register_profiles

__all__ = ["CourseTest", "collect_tests", "prepare"]

VISIBILITIES = {"public": "tests.public.test_{}", "hidden": "tests.hidden.test_{}_props"}


@dataclass(frozen=True)
class CourseTest:
    """A test function of the course, the function it grades and the points it is worth."""

    name: str
    function: str
    visibility: str
    points: float
    run: Callable[..., None]

    @property
    def fixtures(self) -> tuple[str, ...]:
        """The fixtures the test takes: a subset of ``submission`` and ``device``."""
        return tuple(p for p in inspect.signature(self.run).parameters if p in ("submission", "device"))


def prepare(course: Course) -> None:
    """Make the course's modules importable and load the grading profile (idempotent)."""
    root = str(course.root)
    if root not in sys.path:
        sys.path.insert(0, root)
    register_profiles(course.settings.max_examples)
    settings.load_profile("grading")
    torch.set_num_threads(1)


def collect_tests(course: Course, topic: Topic, visibilities: tuple[str, ...] = ("public", "hidden")
                  ) -> list[CourseTest]:
    """The topic's tests in file order, public first, each with its points.

    Raises:
        CourseError: a test module is missing or fails to import, a test is not ``@graded``,
            or grades a function course.yml does not list.
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
            found.append((name, function, visibility, test))
    points = test_points(topic, [(f, t.dlgrade_weight) for _, f, _, t in found])
    return [CourseTest(name, function, visibility, p, test)
            for (name, function, visibility, test), p in zip(found, points)]
