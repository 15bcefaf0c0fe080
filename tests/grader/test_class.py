"""The sample class grades to the gradebook the README shows, the same on every run."""

import io
import json
import os
import re
from pathlib import Path

import pytest
from rich.console import Console

from grader.analytics.mistakes import common_mistakes
from grader.course import load_course
from grader.grading import grade
from grader.report import feedback_markdown, gradebook_json, gradebook_markdown, grader_errors, summary_table
from tests.grader.leaks import assert_no_leak

COURSE_ROOT = Path(__file__).resolve().parents[2]
COURSE = load_course(COURSE_ROOT / "course.yml")


@pytest.fixture(scope="module")
def report():
    return grade(COURSE, COURSE_ROOT / "examples" / "class", jobs=len(os.sched_getaffinity(0)))


@pytest.mark.slow  # grades the class a second time (~6 core-minutes): `pytest -m slow`
def test_replay_grades_the_class_as_live_runs_do(report):
    """Each test run live under Hypothesis for every student: the same gradebook and feedback, byte for byte."""
    live = grade(COURSE, COURSE_ROOT / "examples" / "class", jobs=len(os.sched_getaffinity(0)), replay=False)
    assert json.dumps(gradebook_json(live)) == json.dumps(gradebook_json(report))
    for student, again in zip(report.students, live.students):
        assert feedback_markdown(student) == feedback_markdown(again)


def test_sample_class_has_the_promised_students(report):
    assert len(report.students) >= 12


def test_readme_shows_the_gradebook_of_the_sample_class(report):
    readme = (COURSE_ROOT / "README.md").read_text(encoding="utf-8")
    assert gradebook_markdown(report) in readme, gradebook_markdown(report)


@pytest.mark.parametrize(("student", "topic", "status", "says"), [
    ("gus", "autograd", "missing", "no autograd.py"),
    ("hana", "autograd", "import_error", "SyntaxError"),
    ("ivan", "kfold", "graded", "no answer within"),
    ("jules", "dropout", "graded", "SystemExit"),
    ("kim", "softmax", "graded", "banned call `torch.softmax`"),
    ("kim", "stability", "graded", "banned call `torch.nn.functional.softplus`"),
    ("leo", "softmax", "graded", "not attempted"),
])
def test_each_failure_is_explained_in_the_feedback(report, student, topic, status, says):
    result = next(t for s in report.students if s.id == student for t in s.topics if t.id == topic)
    messages = [result.message] + [t.message for t in result.tests]
    assert result.status == status and any(says in m for m in messages), (result.status, messages[:3])


# The README's "Realistic mistakes" (student, function): each must be a common-mistake group of the
# class report, not hidden behind a crash (a helper the student never defined, say).
README_MISTAKES = [("ben", "softmax"), ("ben", "relu_grad"), ("chloe", "get_k_fold_data"), ("chloe", "standardize"),
                   ("dmitri", "sgd_"), ("dmitri", "dropout_layer"), ("emma", "grad"), ("emma", "xavier_uniform_"),
                   ("farah", "pairwise_sq_dists"), ("farah", "softmax_cross_entropy"), ("mia", "xavier_normal_"),
                   ("ben", "huber_loss"), ("ben", "softplus"), ("chloe", "mlp_backward"), ("dmitri", "mlp_backward"),
                   ("dmitri", "clip_grad_norm_"), ("emma", "l2_penalty"), ("emma", "log_sigmoid"),
                   ("farah", "clip_grad_norm_"), ("mia", "init_mlp_params")]


def test_the_class_report_shows_the_mistakes_the_readme_describes(report):
    groups = common_mistakes(report)
    found = {(student, m.function) for m in groups for student in m.students}
    assert not set(README_MISTAKES) - found, f"not among the report's mistakes: {set(README_MISTAKES) - found}"
    crashes = [f"{m.students}: {m.function}: {m.example[:80]}" for m in groups
               if m.example.startswith(("NameError", "AttributeError", "ImportError", "TypeError"))]
    assert not crashes, f"mistakes that are crashes of the sample class's own code: {crashes}"


def test_perfect_student_written_differently_keeps_full_marks(report):
    ada = next(s for s in report.students if s.id == "ada")
    assert ada.total == ada.max_points == COURSE.max_points


def test_feedback_never_shows_test_source(report):
    for student in report.students:
        for topic in student.topics:
            for t in topic.tests:
                assert not re.search(r"^\s*(def |@given|@graded|assert )", t.message, re.M), t.message


def test_no_feedback_or_summary_shows_the_grader_s_internals(report):
    for student in report.students:
        assert_no_leak(feedback_markdown(student, report.hidden_feedback), f"feedback/{student.id}.md")
        assert_no_leak("\n".join(t.message for topic in student.topics for t in topic.tests),
                       f"gradebook.json's messages of {student.id}")
    console = Console(file=io.StringIO(), width=200)
    console.print(summary_table(report))
    assert_no_leak(console.file.getvalue() + "\n".join(grader_errors(report)), "dlgrade grade's table")
