"""Outcomes -> points: the result types of a grading run and how tests share a topic's points.

A topic's points are split among its functions by their course.yml weight, and a function's
points among its tests by their ``@graded`` weight. A test's ``weight`` in the gradebook is the
points it is worth; a topic's score is the sum over its passed tests.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from grader.course import HiddenFeedback, Topic

__all__ = ["Report", "StudentResult", "TestResult", "TopicResult", "test_points"]

STATUSES = ("graded", "missing", "import_error", "timeout", "crashed")


@dataclass(frozen=True)
class TestResult:
    """One test's outcome; ``weight`` is its points, ``message`` what failed (empty if passed).

    ``grader_error``: the test itself is broken (it fails on the reference solution too); it
    counts as passed, so the student keeps its points, and ``message`` says what broke, for the
    instructor (:func:`grader.engine.run_tests`).
    """

    name: str
    function: str
    visibility: str  # "public" or "hidden"
    passed: bool
    weight: float
    message: str = ""
    grader_error: bool = False


@dataclass(frozen=True)
class TopicResult:
    """A submission's result on one topic; ``message`` explains a status other than graded,
    ``notes`` what the student should know about how their file was made (``dlgrade nbgrader
    import``: lines of their notebook that are not Python and were left out)."""

    id: str
    status: str
    max_score: float
    tests: tuple[TestResult, ...]
    message: str = ""
    seconds: float = field(default=0.0, compare=False)
    notes: str = ""

    @property
    def score(self) -> float:
        return round(sum(t.weight for t in self.tests if t.passed), 4)


@dataclass(frozen=True)
class StudentResult:
    """One submission folder's results, topics in course order."""

    id: str
    topics: tuple[TopicResult, ...]

    @property
    def total(self) -> float:
        return round(sum(t.score for t in self.topics), 4)

    @property
    def max_points(self) -> float:
        return sum(t.max_score for t in self.topics)


@dataclass(frozen=True)
class Report:
    """A whole grading run: what gradebook.json holds.

    ``seeded`` says whether a secret grading seed chose the hidden tests' examples (the seed
    itself is never kept); ``hidden_feedback`` is how much of the hidden tests the students'
    feedback shows (course.yml ``settings.hidden_feedback``).
    """

    course: str
    device: str
    students: tuple[StudentResult, ...]
    seeded: bool = False
    hidden_feedback: HiddenFeedback = "full"
    sandbox: str = "none"  # the layers that confined the submissions (grader.isolation.sandbox)

    @property
    def max_points(self) -> float:
        return self.students[0].max_points if self.students else 0.0


def test_points(topic: Topic, tests: Sequence[tuple[str, float]]) -> list[float]:
    """Points of each test given as ``(function, weight)``, in order; they sum to topic.points.

    A function of course.yml without any test would leave points unearnable: ``dlgrade
    validate`` rejects such a course.
    """
    per_function: dict[str, float] = {}
    for function, weight in tests:
        per_function[function] = per_function.get(function, 0.0) + weight
    return [topic.function_points(function) * weight / per_function[function] for function, weight in tests]
