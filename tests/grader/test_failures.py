"""A failed test is told from the failure, never from the grader's internals, and blamed rightly.

Every kind of failure a course test can end in is made for real (tests/grader/failure_kinds.py:
an assertion with a shrunk example, a flaky test, a health check, a deadline, an error in a
strategy, an invalid draw, two distinct failures, pytest's "DID NOT RAISE", a submission's own
traceback) and described as the engine describes it: the useful part stays (expected vs got, the
shrunk call), and no traceback, path, hidden test line or Hypothesis name is left
(:func:`tests.grader.leaks.assert_no_leak`). Then, through ``dlgrade grade`` (its worker, its
outputs): a broken test is a grader error whose points the student keeps, told as such to the
student and the instructor, and a test that cannot use what a submission returned while the
reference passes it is the student's failure, said so.
"""

from __future__ import annotations

import json
import sys
import textwrap
import traceback
from pathlib import Path

import pytest
import torch
from click.testing import CliRunner

from grader.collect import CourseTest, under_grading
from grader.course import load_course
from grader.engine import _reference, run_tests
from grader.failures import FLAKY, describe_failure, describe_grader_error, is_students, sanitize, source_lines
from grader.cli import main
from grader.isolation.runner import SubmissionError
from grader.report import GRADER_ERROR_FEEDBACK
from grader.submission import InProcessSubmission, import_topic
from tests.grader import failure_kinds
from tests.grader.leaks import assert_no_leak, leaks

COURSE_ROOT = Path(__file__).resolve().parents[2]
COURSE = load_course(COURSE_ROOT / "course.yml")
KINDS_FILE = Path(failure_kinds.__file__)
FLAKY_L1 = FLAKY.format(function="l1_norm")

# kind -> (surely the student's, what the description must say)
EXPECTED = {
    "assertion": (True, ["AssertionError: expected a value below 10 for the sum of the row, got 10",
                         "Failing test case: assertion(", "x=10,"]),
    "hidden_state": (True, [FLAKY_L1, "expected the shuffled batch to hold", "Failing test case: hidden_state("]),
    "slow_once": (False, [FLAKY_L1, "over the test's limit of 100 ms"]),
    "always_slow": (False, ["l1_norm took", "over the test's limit of 10 ms", "Failing test case: always_slow("]),
    "filters_everything": (False, ["the test could not use what l1_norm returned: no usable example could be drawn"]),
    "assumes_nothing": (False, ["the test could not use what l1_norm returned: no example the test drew met"]),
    "strategy_raises": (False, ["the test could not use what l1_norm returned: KeyError: 'columns'"]),
    "draws_invalid": (False, ["a strategy of the test got an invalid argument", "Draw 1 (n): 0"]),
    "two_bugs": (True, ["2 different failures:", "(1) AssertionError: expected a non-negative norm, got -101",
                        "(2) the test could not use what l1_norm returned: TypeError: unsupported operand", "x=101,"]),
    "does_not_raise": (True, ["expected ValueError to be raised, but nothing was raised",
                              "Failing test case: does_not_raise("]),
}


def _raised(test) -> BaseException:
    try:
        test()
    except BaseException as exc:  # Failed and the groups too
        return exc
    raise AssertionError(f"{test.__name__} passed: it must fail")


def test_every_kind_has_an_expectation():
    assert set(failure_kinds.kinds()) == set(EXPECTED)


@pytest.mark.parametrize("kind", sorted(EXPECTED))
def test_each_failure_kind_is_told_from_the_failure_without_internals(kind):
    test = failure_kinds.kinds()[kind]
    exc = _raised(test)
    students, says = EXPECTED[kind]
    text = describe_failure(exc, "l1_norm", hidden=source_lines(test))
    assert_no_leak(text, f"the description of {kind}", sources=[KINDS_FILE])
    assert all(part in text for part in says), text
    assert is_students(exc) is students
    # Where the reference fails so too, the instructor reads it as sanitized, the test named.
    instructor = describe_grader_error(exc, kind, hidden=source_lines(test))
    assert instructor.startswith(f"grader error: {kind} fails on the reference solution too, so its points were given: ")
    assert_no_leak(instructor, f"the grader error of {kind}", sources=[KINDS_FILE])


def test_the_raw_failures_do_carry_what_is_taken_out():
    """Else the test above could not fail: Hypothesis's names, notes and tracebacks are there."""
    raw = ""
    for kind, test in failure_kinds.kinds().items():
        exc = _raised(test)
        raw += "\n".join([f"{type(exc).__name__}: {exc}", *getattr(exc, "__notes__", [])]) + "\n"
    found = " ".join(leaks(raw, [KINDS_FILE]))
    for what in ("a traceback", "a Hypothesis error's name", "Hypothesis's own text", "an absolute path"):
        assert what in found, f"no {what} in the raw failures: {found[:2000]}"


STUDENT = """
import torch
from tests.grader.failure_kinds import call_through


def _check(p):
    if p < 1:
        raise ValueError(f"p={p} must be >= 1")
    return p


def lp_norm(x, p, dim=None, keepdim=False):
    p = call_through(_check, p)
    return x.abs().pow(p).sum() ** (1 / p)
"""


def test_a_traceback_keeps_the_student_s_frames_only(tmp_path):
    path = tmp_path / "norms.py"
    path.write_text(textwrap.dedent(STUDENT))
    module = import_topic(path)
    try:
        module.lp_norm(torch.ones(2), 0.5)
    except ValueError as exc:
        trace, raised = traceback.format_exc(), exc
    assert "failure_kinds.py" in trace and "Traceback (most recent call last)" in trace
    # As a worker might pass it on (a student's message may hold a traceback too) ...
    text = describe_failure(SubmissionError(f"the submission raised ValueError: {trace}"), "lp_norm",
                            submission_file=str(path))
    assert_no_leak(text, "a submission's traceback", sources=[KINDS_FILE])
    assert "norms.py, line 8, in _check" in text and 'raise ValueError(f"p={p} must be >= 1")' in text
    assert "norms.py, line 13, in lp_norm" in text and "return fn(*args)" not in text
    assert text.splitlines()[-1] == "ValueError: p=0.5 must be >= 1"
    # ... and as dlgrade check meets it, in this process: the student's own error, said as such.
    assert is_students(raised, str(path))
    assert describe_failure(raised, "lp_norm", submission_file=str(path)) == "ValueError: p=0.5 must be >= 1"


def test_a_missing_function_of_a_module_in_this_process_is_the_student_s(tmp_path):
    path = tmp_path / "norms.py"
    path.write_text("import torch\n")
    module = import_topic(path)
    with pytest.raises(AttributeError) as info:
        module.l1_norm(torch.ones(2))
    assert is_students(info.value, str(path)) and not is_students(AttributeError("x"), str(path))


@pytest.mark.parametrize(("text", "kept", "gone"), [
    ('  File "/home/me/course/tests/hidden/test_norms_props.py", line 12, in test_x\n    assert_close(got, want)\n'
     "AssertionError: expected 3.0, got 2.0", "AssertionError: expected 3.0, got 2.0", "assert_close"),
    ("ImportError: cannot import name 'foo' from 'torch' (/work/venv/lib/python3.11/site-packages/torch/__init__.py)",
     "from 'torch' (__init__.py)", "/work"),
    ("see tests/hidden/test_norms_props.py for the property", "see <test file> for the property", "tests/"),
    ("the submission raised FlakyFailure: no", "the submission raised error: no", "Flaky"),
    ("expected 1/2 of the rows, got shape (2, 3)", "expected 1/2 of the rows, got shape (2, 3)", "<test file>"),
])
def test_sanitize_takes_out_paths_frames_and_names_only(text, kept, gone):
    clean = sanitize(text)
    assert kept in clean and gone not in clean, clean


def test_sanitize_drops_lines_of_the_test_s_source():
    hidden = source_lines(failure_kinds.norms_item_of_the_norm)
    line = "value = submission.l1_norm(torch.tensor([1.0, -2.0])).item()"
    assert line in hidden
    assert sanitize(f"AssertionError: wrong\n    {line}\nexpected 3.0", hidden) == "AssertionError: wrong\nexpected 3.0"


# ---------------------------------------------------------------- through the engine and a worker

# l1_norm returns a float (the test that calls .item() on it cannot use it), l2_norm's third
# answer is wrong (state of its own), lp_norm raises a TypeError of its own.
WRONG = """
import torch

_calls = 0


def l1_norm(x, dim=None, keepdim=False):
    return float(x.abs().sum())


def l2_norm(x, dim=None, keepdim=False):
    global _calls
    _calls += 1
    norm = x.pow(2).sum().sqrt()
    return norm + 1 if _calls == 3 else norm


def lp_norm(x, p, dim=None, keepdim=False):
    raise TypeError(f"p={p!r} must be an int")
"""
NAMES = ["norms_len_of_a_scalar", "norms_item_of_the_norm", "norms_l2_matches_the_formula", "norms_lp_of_a_vector"]


def _course_tests() -> list[CourseTest]:
    return [CourseTest(name, getattr(failure_kinds, name).dlgrade_function, "hidden", 1.0,
                       under_grading(getattr(failure_kinds, name))) for name in NAMES]


@pytest.fixture(scope="module")
def graded(tmp_path_factory) -> dict:
    """``dlgrade grade --topic norms`` of WRONG, norms's tests being the four above: the CLI's
    output, gradebook.json's tests by name and the feedback."""
    root = tmp_path_factory.mktemp("wrong")
    (root / "class" / "eve").mkdir(parents=True)
    (root / "class" / "eve" / "norms.py").write_text(textwrap.dedent(WRONG))
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr("grader.engine.collect_tests", lambda course, topic: _course_tests())
        result = CliRunner().invoke(main, ["grade", str(root / "class"), "--out", str(root / "grades"), "--topic",
                                           "norms", "--jobs", "1", "--no-cache", "--course", str(COURSE_ROOT / "course.yml")])
    assert result.exit_code == 0, result.output
    gradebook = json.loads((root / "grades" / "gradebook.json").read_text(encoding="utf-8"))
    return {"output": result.output, "out": str(root / "grades"), "topic": gradebook["students"][0]["topics"][0],
            "tests": {t["name"]: t for t in gradebook["students"][0]["topics"][0]["tests"]},
            "feedback": (root / "grades" / "feedback" / "eve.md").read_text(encoding="utf-8")}


def test_a_test_that_fails_on_the_reference_too_is_a_grader_error_and_costs_nothing(graded):
    broken = graded["tests"]["norms_len_of_a_scalar"]
    assert broken["passed"] and broken["grader_error"]
    assert broken["message"].startswith("grader error: norms_len_of_a_scalar fails on the reference solution too")
    assert "TypeError: len() of a 0-d tensor" in broken["message"]
    assert (graded["topic"]["score"], graded["topic"]["max_score"]) == (1.0, 4.0)  # the broken test's point only
    assert [t.get("grader_error") for t in graded["tests"].values()] == [True, None, None, None]


def test_a_test_that_cannot_use_what_came_back_is_the_student_s_failure(graded, tmp_path):
    failed = graded["tests"]["norms_item_of_the_norm"]
    assert not failed["passed"] and "grader_error" not in failed
    assert failed["message"] == ("the test could not use what l1_norm returned: "
                                 "AttributeError: 'float' object has no attribute 'item'")
    # Without a reference to ask (dlgrade check in a student's bundle), the same, and the broken test too.
    (tmp_path / "norms.py").write_text(textwrap.dedent(WRONG))
    submission = InProcessSubmission(import_topic(tmp_path / "norms.py"))
    alone, _ = run_tests(_course_tests()[:2], submission, torch.device("cpu"), seed=0)
    assert [t.message.split(":")[0] for t in alone] == ["the test could not use what l1_norm returned"] * 2
    assert alone[1].message == failed["message"] and not any(t.passed or t.grader_error for t in alone)


def test_what_the_submission_raised_or_did_is_its_own_failure(graded):
    flaky, raised = graded["tests"]["norms_l2_matches_the_formula"], graded["tests"]["norms_lp_of_a_vector"]
    assert not flaky["passed"] and flaky["message"].startswith(FLAKY.format(function="l2_norm"))
    assert "Failing test case: norms_l2_matches_the_formula(" in flaky["message"]
    assert not raised["passed"] and raised["message"] == "TypeError: p=2.0 must be an int"


def test_feedback_and_cli_tell_a_grader_error_each_to_its_reader(graded):
    assert f"- hidden test `norms_len_of_a_scalar`: {GRADER_ERROR_FEEDBACK}" in graded["feedback"]
    assert "len() of a 0-d tensor" not in graded["feedback"]
    assert "eve/norms: grader error: norms_len_of_a_scalar fails on the reference solution too" in graded["output"]
    messages = "\n".join(t["message"] for t in graded["tests"].values())
    assert_no_leak(graded["feedback"], "feedback", sources=[KINDS_FILE])
    assert_no_leak(graded["output"], "output", sources=[KINDS_FILE], allow=[graded["out"]])
    assert_no_leak(messages, "gradebook.json", sources=[KINDS_FILE])


def test_keyboard_interrupt_still_stops_the_run():
    def interrupted(submission):
        raise KeyboardInterrupt

    test = CourseTest("test_interrupted", "l1_norm", "hidden", 1.0, interrupted)
    with pytest.raises(KeyboardInterrupt):
        run_tests([test], InProcessSubmission(sys.modules[__name__]), torch.device("cpu"), seed=0,
                  reference=_reference(COURSE, COURSE.topic("norms")))
