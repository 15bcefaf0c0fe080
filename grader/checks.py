"""``check`` (a student's public tests, in-process) and ``validate`` (the course is consistent).

``check`` imports the student's own modules into this process: it is for their laptop, where
the code is theirs. It applies the static banned-call check as grading does (a function that
calls a banned API earns nothing for its tests); the run-time tripwire is grading's alone.
``validate`` grades the reference solutions and the stubs through the same isolated path as
``dlgrade grade``.
"""

from __future__ import annotations

import ast
import inspect
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import torch

from grader.collect import CourseTest, collect_tests
from grader.course import Course, Topic
from grader.errors import CourseError, SubmissionsError
from grader.engine import failed_topic, grade_tasks, max_score, run_tests, static_banned_calls
from grader.scoring import TopicResult
from grader.submission import InProcessSubmission, import_failure, import_topic

__all__ = ["TopicValidation", "check", "validate"]


def check(course: Course, folder: Path, topics: Sequence[str] | None = None) -> list[TopicResult]:
    """Run the public tests of ``topics`` (default: every topic) on the modules in ``folder``.

    A missing module is status ``missing``; one that fails to import, ``import_error``. The
    tests of a function that calls a banned API fail as in grading, with the same message.

    Raises:
        SubmissionsError: ``folder`` does not exist (one error, not every topic ``missing``).
        CourseError: a topic the course does not have.
    """
    if not folder.is_dir():
        raise SubmissionsError(f"exercises folder {str(folder)!r} does not exist (pass --dir with the folder of "
                               "your <topic>.py files)")
    results = []
    for topic in [course.topic(t) for t in topics] if topics else course.topics:
        start = time.monotonic()
        tests = collect_tests(course, topic, ("public",))
        path = folder / f"{topic.id}.py"
        try:
            module = import_topic(path)
        except FileNotFoundError:
            results.append(failed_topic(topic, tests, "missing", f"no {path}"))
            continue
        except Exception as exc:  # the student's import error is the result
            results.append(failed_topic(topic, tests, "import_error", f"{type(exc).__name__}: {exc}"))
            continue
        banned = static_banned_calls(topic, ast.parse(path.read_bytes(), filename=path.name))
        outcomes, _ = run_tests(tests, InProcessSubmission(module), torch.device("cpu"), seed=course.settings.seed,
                                banned=banned)
        results.append(TopicResult(topic.id, "graded", max_score(tests), tuple(outcomes),
                                   "", time.monotonic() - start))
    return results


@dataclass(frozen=True)
class TopicValidation:
    """A topic's validation: the reference's and the stub's scores, and what is wrong."""

    topic: str
    points: float
    reference: float
    stub: float
    tests: int
    problems: tuple[str, ...]


def validate(course: Course, jobs: int = 1) -> list[TopicValidation]:
    """Check each topic: modules match course.yml, every function is tested, the reference
    earns full marks and the stub earns 0 (both graded in workers, as submissions are,
    ``jobs`` gradings at a time)."""
    problems: dict[str, list[str]] = {}
    tests: dict[str, list[CourseTest]] = {}
    for topic in course.topics:
        problems[topic.id], imported = _api_problems(course, topic)
        if not imported:
            continue  # grading a module that cannot be imported would only repeat why, once per test
        try:
            tests[topic.id] = collect_tests(course, topic)
        except CourseError as exc:
            problems[topic.id].append(str(exc))
            continue
        for visibility in ("public", "hidden"):
            untested = set(topic.functions) - {t.function for t in tests[topic.id] if t.visibility == visibility}
            problems[topic.id] += [f"{topic.id}.{f}: no {visibility} test" for f in sorted(untested)]
    tasks = [(course.root / folder, topic) for topic in course.topics if topic.id in tests
             for folder in ("solutions", "exercises")]
    graded = {(folder.name, topic.id): result for (folder, topic), result in grade_tasks(course, tasks, jobs=jobs)}
    results = []
    for topic in course.topics:
        if topic.id not in tests:
            results.append(TopicValidation(topic.id, topic.points, 0.0, 0.0, 0, tuple(problems[topic.id])))
            continue
        reference, stub = graded["solutions", topic.id], graded["exercises", topic.id]
        found = [f"{topic.id}: reference fails {t.name}: {t.message.splitlines()[0] if t.message else ''}"
                 for t in reference.tests if not t.passed or t.grader_error]  # a broken test passes as a grader error
        found += [f"{topic.id}: stub passes {t.name}" for t in stub.tests if t.passed and not t.grader_error]
        results.append(TopicValidation(topic.id, topic.points, reference.score, stub.score, len(tests[topic.id]),
                                       tuple(problems[topic.id] + found)))
    return results


def _api_problems(course: Course, topic: Topic) -> tuple[list[str], bool]:
    """Where the stub's or the reference's public names differ from course.yml's functions, and
    whether both modules import (a failure is a problem: ``solutions/<id>.py:LINE: SyntaxError: ...``)."""
    problems, imported = [], True
    for folder in ("exercises", "solutions"):
        path = course.root / folder / f"{topic.id}.py"
        try:
            module = import_topic(path)
        except (Exception, SystemExit) as exc:  # the course's own module; sys.exit() at import included
            problems.append(import_failure(path, exc, f"{folder}/{topic.id}.py"))
            imported = False
            continue
        defined = {name for name, obj in vars(module).items()
                   if not name.startswith("_") and (inspect.isfunction(obj) or inspect.isclass(obj))
                   and obj.__module__ == module.__name__}
        if defined != set(topic.functions):
            problems.append(f"{folder}/{topic.id}.py defines {sorted(defined)}, course.yml lists "
                            f"{sorted(topic.functions)}")
    return problems, imported
