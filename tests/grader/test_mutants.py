"""The hidden tests catch plausible mistakes and keep correct code at full marks.

Every mutant of ``tests/grader/mutants/`` (the reference with one wrong function) is graded as a
student through the real engine: it must lose points on the function it breaks. Mutants are graded
without shrinking (course.yml ``shrink: false``), which decides no pass or fail (checked here on
one mutant per topic) and is most of the time a wrong answer costs. The two differently written
correct solutions under ``submissions/`` must keep full marks on every topic.
Mutants in a topic's ``CUDA_ONLY`` are graded when ``$DLGRADE_DEVICE`` is ``cuda``.
"""

import importlib
import os
from concurrent.futures import ProcessPoolExecutor
from multiprocessing import get_context
from pathlib import Path

import pytest

from grader.course import load_course
from grader.engine import grade_topic
from grader.grading import grade
from tests.grader.mutants import COURSE_ROOT, catalog, mutant_source

COURSE = load_course(COURSE_ROOT / "course.yml")
UNSHRUNK = COURSE.with_settings(shrink=False)
DEVICE = os.environ.get("DLGRADE_DEVICE", "cpu")
SUBMISSIONS = Path(__file__).parent / "submissions"


def _cuda_only(topic: str) -> set[str]:
    return getattr(importlib.import_module(f"tests.grader.mutants.{topic}"), "CUDA_ONLY", set())


MUTANTS = [(t.id, name, function) for t in COURSE.topics for name, (function, _) in catalog(t.id).items()
           if DEVICE == "cuda" or name not in _cuda_only(t.id)]


@pytest.fixture(scope="module")
def mutant_paths(tmp_path_factory) -> dict[tuple[str, str], Path]:
    root = tmp_path_factory.mktemp("mutants")
    paths = {}
    for topic, name, _ in MUTANTS:
        path = paths[topic, name] = root / f"{topic}.{name}" / f"{topic}.py"
        path.parent.mkdir()
        path.write_text(mutant_source(topic, name))
    return paths


def _graded(course, mutants, paths):
    """Each mutant graded by the tests of the function it breaks (the others cannot notice it)."""
    with ProcessPoolExecutor(len(os.sched_getaffinity(0)), mp_context=get_context("spawn")) as pool:
        futures = [pool.submit(grade_topic, course, course.topic(topic), paths[topic, name], DEVICE, {function})
                   for topic, name, function in mutants]
        return {(topic, name): f.result() for (topic, name, _), f in zip(mutants, futures)}


@pytest.fixture(scope="module")
def mutant_results(mutant_paths):
    return _graded(UNSHRUNK, MUTANTS, mutant_paths)


@pytest.fixture(scope="module")
def correct_report():
    report = grade(COURSE, SUBMISSIONS, device=DEVICE, jobs=len(os.sched_getaffinity(0)))
    return {s.id: s for s in report.students}


def test_catalog_has_at_least_eight_mutants_per_topic():
    for topic in COURSE.topics:
        assert len(catalog(topic.id)) >= 8, f"{topic.id}: only {len(catalog(topic.id))} mutants"


@pytest.mark.parametrize(("topic", "name", "function"), MUTANTS, ids=[f"{t}.{n}" for t, n, _ in MUTANTS])
def test_mutant_loses_points_on_the_function_it_breaks(mutant_results, topic, name, function):
    result = mutant_results[topic, name]
    failed = [t.name for t in result.tests if not t.passed]
    assert result.status == "graded", f"{topic}.{name}: status {result.status}: {result.message}"
    assert failed, f"{topic}.{name}: no test of {function} failed (score {result.score}/{result.max_score})"


def test_shrinking_decides_no_test_s_pass_or_fail(mutant_results, mutant_paths):
    first = [next(m for m in MUTANTS if m[0] == t.id) for t in COURSE.topics]
    shrunk = _graded(COURSE, first, mutant_paths)
    for key, result in shrunk.items():
        assert [(t.name, t.passed) for t in result.tests] == [(t.name, t.passed) for t in mutant_results[key].tests]
    assert any(t.message != u.message for key in shrunk for t, u in zip(shrunk[key].tests, mutant_results[key].tests)
               if not t.passed), "shrinking changed no counterexample: the setting had no effect"


@pytest.mark.parametrize("student", ["correct_a", "correct_b"])
def test_differently_written_correct_solutions_keep_full_marks(correct_report, student):
    for topic in correct_report[student].topics:
        failed = [f"{t.name}: {t.message}" for t in topic.tests if not t.passed]
        assert topic.score == pytest.approx(topic.max_score) and not failed, f"{student}/{topic.id}: {failed}"
