"""The hidden tests catch plausible mistakes and keep correct code at full marks.

Every mutant of ``tests/grader/mutants/`` (the reference with one wrong function) is graded as a
student through the real engine: it must lose points on the function it breaks. Mutants are graded
without shrinking (course.yml ``shrink: false``), which decides no pass or fail (checked here on
one mutant per topic) and is most of the time a wrong answer costs.

``submissions/`` is graded as a class, with the course's own settings (what a student's feedback
shows). Each folder there is one submission: ``correct_a`` and ``correct_b`` (written to the
contract) and the ``real_*`` corpus, public code adapted to the contract in names and signatures
only (each file's header gives its source, licence and adaptations). Every correct one keeps full
marks on every topic it holds. Each ``real_wrong_*`` file keeps a real public mistake: it loses
points on the functions of ``REAL_MISTAKES`` and no other, with a message naming the mistake.
Mutants in a topic's ``CUDA_ONLY`` are graded when ``$DLGRADE_DEVICE`` is ``cuda``.
"""

import importlib
import os
import re
from concurrent.futures import ProcessPoolExecutor
from multiprocessing import get_context
from pathlib import Path

import pytest

from grader.course import load_course
from grader.engine import grade_topic, record_examples
from grader.grading import grade
from grader.replay import process_examples
from grader.report import feedback_markdown
from grader.scoring import StudentResult
from tests.grader.leaks import assert_no_leak
from tests.grader.mutants import COURSE_ROOT, catalog, mutant_source

COURSE = load_course(COURSE_ROOT / "course.yml")
UNSHRUNK = COURSE.with_settings(shrink=False)
DEVICE = os.environ.get("DLGRADE_DEVICE", "cpu")
SUBMISSIONS = Path(__file__).parent / "submissions"
CORRECT = sorted(p.name for p in SUBMISSIONS.iterdir() if p.is_dir() and not p.name.startswith("real_wrong_"))
# (submission, topic) -> {function that must lose points: patterns its failures ("test: message") must
# all match, naming the mistake}. Every other function of the topic keeps its points.
REAL_MISTAKES = {
    ("real_wrong_d2l", "softmax"): {"softmax": [r"\bmax\b", r"(?i)finite"],
                                    "softmax_cross_entropy": [r"(?i)log-sum-exp|underflow"],
                                    "accuracy": [r"(?i)fraction"]},
    ("real_wrong_d2l", "kfold"): {"get_k_fold_data": [r"(?i)remainder|drops_no_example"],
                                  "k_fold_cross_validate": [r"ValueError for k=0"]},
    ("real_wrong_d2l", "dropout"): {"dropout_layer": [r"X itself", r"expected ValueError.*got AssertionError"]},
    ("real_wrong_d2l", "sgd"): {"data_iter": [r"randperm"], "train_linreg": [r"generator|manual_seed"]},
    ("real_wrong_dask", "broadcasting"): {"broadcast_shape": [r"size_0.*\(0,\) \(1,\)"]},
    ("real_wrong_mlfromscratch", "activations"): {"relu_grad": [r"x = 0"]},
    ("real_wrong_onpolicy", "losses"): {"huber_loss": [r"δ\(\|e\| − δ/2\) elsewhere", r"got 0\.0\b"]},
    ("real_wrong_mlfromscratch", "stability"): {"softplus": [r"log\(1 \+ exp\(x\)\) is inf", r"got inf"],
                                                "log_sigmoid": [r"is -inf once σ\(x\) underflows", r"got -inf"]},
}


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


def _graded(course, mutants, paths, examples: Path | None = None):
    """Each mutant graded by the tests of the function it breaks (the others cannot notice it),
    replaying the examples recorded in ``examples`` (None: every test live)."""
    with ProcessPoolExecutor(len(os.sched_getaffinity(0)), mp_context=get_context("spawn")) as pool:
        if examples is not None:
            topics = sorted({topic for topic, _, _ in mutants})
            list(pool.map(record_examples, *zip(*[(course, course.topic(t), DEVICE, examples) for t in topics])))
        futures = [pool.submit(_grade_mutant, course, topic, paths[topic, name], function, examples)
                   for topic, name, function in mutants]
        return {(topic, name): f.result() for (topic, name, _), f in zip(mutants, futures)}


def _grade_mutant(course, topic: str, path: Path, function: str, examples: Path | None):
    recorded = None if examples is None else process_examples(course, DEVICE, examples)
    return grade_topic(course, course.topic(topic), path, DEVICE, {function}, examples=recorded)


@pytest.fixture(scope="module")
def mutant_results(mutant_paths, tmp_path_factory):
    return _graded(UNSHRUNK, MUTANTS, mutant_paths, tmp_path_factory.mktemp("examples"))


@pytest.fixture(scope="module")
def submissions_report():
    report = grade(COURSE, SUBMISSIONS, device=DEVICE, jobs=len(os.sched_getaffinity(0)))
    return {s.id: s for s in report.students}


@pytest.mark.slow  # grades them a second time (minutes): `pytest -m slow`
def test_replayed_mutants_grade_as_live_runs(mutant_results, mutant_paths):
    """Every mutant, graded again with each test run live under Hypothesis: the same results."""
    live = _graded(UNSHRUNK, MUTANTS, mutant_paths)
    differ = [f"{topic}.{name}" for (topic, name), result in live.items() if result != mutant_results[topic, name]]
    assert not differ, f"replay changed the results of {differ}"


@pytest.mark.slow  # grades them a second time (minutes): `pytest -m slow`
def test_replayed_submissions_grade_as_live_runs(submissions_report):
    """The correct alternatives and the real-code corpus, graded live: the same gradebook and feedback."""
    live = grade(COURSE, SUBMISSIONS, device=DEVICE, jobs=len(os.sched_getaffinity(0)), replay=False)
    for student in live.students:
        assert student == submissions_report[student.id], f"replay changed {student.id}'s results"
        assert feedback_markdown(student) == feedback_markdown(submissions_report[student.id])


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


def test_the_corpus_holds_every_topic_and_each_real_mistake():
    held = {(p.parent.name, p.stem) for p in SUBMISSIONS.glob("real_*/*.py")}
    assert {t.id for t in COURSE.topics} <= {topic for student, topic in held if student in CORRECT}
    assert set(REAL_MISTAKES) == {(student, topic) for student, topic in held if student not in CORRECT}


@pytest.mark.parametrize("student", CORRECT)
def test_differently_written_correct_solutions_keep_full_marks(submissions_report, student):
    topics = [t for t in submissions_report[student].topics if (SUBMISSIONS / student / f"{t.id}.py").is_file()]
    assert topics, f"{student}: holds no topic"
    for topic in topics:
        failed = [f"{t.name}: {t.message}" for t in topic.tests if not t.passed]
        assert topic.score == pytest.approx(topic.max_score) and not failed, f"{student}/{topic.id}: {failed}"


@pytest.mark.parametrize(("student", "topic"), REAL_MISTAKES, ids=[f"{s}.{t}" for s, t in REAL_MISTAKES])
def test_a_real_mistake_loses_points_on_its_function_for_its_reason(submissions_report, student, topic):
    result = next(t for t in submissions_report[student].topics if t.id == topic)
    assert result.status == "graded", f"{student}/{topic}: status {result.status}: {result.message}"
    failures: dict[str, list[str]] = {}
    for t in result.tests:
        if not t.passed:
            failures.setdefault(t.function, []).append(f"{t.name}: {t.message}")
    expected = REAL_MISTAKES[student, topic]
    assert set(failures) == set(expected), f"{student}/{topic}: lost points on {sorted(failures)}: {failures}"
    for function, patterns in expected.items():
        for pattern in patterns:
            assert any(re.search(pattern, f) for f in failures[function]), \
                f"{student}/{topic}: no failure of {function} matches {pattern!r}: {failures[function]}"


def test_no_feedback_shows_the_grader_s_internals(mutant_results, submissions_report):
    """Every mutant's feedback and every submission's (the real corpus's too), as written for the student."""
    for (topic, name), result in mutant_results.items():
        assert_no_leak(feedback_markdown(StudentResult(f"{topic}.{name}", (result,))), f"the feedback of {topic}.{name}")
    for student in submissions_report.values():
        assert_no_leak(feedback_markdown(student, COURSE.settings.hidden_feedback), f"feedback/{student.id}.md")
