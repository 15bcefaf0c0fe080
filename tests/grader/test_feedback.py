"""course.yml's ``hidden_feedback`` sets what a student's feedback shows of the hidden tests.

One wrong submission (an ``l1_norm`` that takes the absolute value after the sum, failing public
and hidden tests) is graded through the CLI at each level: ``full`` shows the hidden failures
with their counterexamples, ``property`` their names only, ``score`` nothing of them; public
failures always show in full, gradebook.json always keeps every message, and no level ever
shows a line of the hidden tests' source.
"""

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from grader.cli import main
from tests.grader.courses import course_copy
from tests.grader.mutants import mutant_source

COURSE_ROOT = Path(__file__).resolve().parents[2]
LEVELS = ("full", "property", "score")
# What every shrunk counterexample of a hidden norms test shows, whatever Hypothesis calls it
# ("Falsifying example" before 6.16x, "Failing test case" after): the call's arguments.
COUNTEREXAMPLE = "submission=<submission norms>"


@pytest.fixture(scope="module")
def graded(tmp_path_factory) -> dict[str, tuple[str, dict]]:
    """``{level: (feedback/wrong.md, gradebook.json)}``, graded by ``dlgrade grade --topic norms``."""
    root = tmp_path_factory.mktemp("feedback")
    (root / "class" / "wrong").mkdir(parents=True)
    (root / "class" / "wrong" / "norms.py").write_text(mutant_source("norms", "l1_abs_after_the_sum"))
    outputs = {}
    for level in LEVELS:
        course = course_copy(root / level, {"hidden_feedback": level})
        out = root / level / "grades"
        # One cache for the three: the level decides no result, so only the first run grades.
        result = CliRunner().invoke(main, ["grade", str(root / "class"), "--out", str(out), "--topic", "norms",
                                           "--jobs", "1", "--course", str(course), "--cache", str(root / "cache")])
        assert result.exit_code == 0, result.output
        outputs[level] = ((out / "feedback" / "wrong.md").read_text(encoding="utf-8"),
                          json.loads((out / "gradebook.json").read_text(encoding="utf-8")))
    return outputs


def _failed(gradebook: dict, visibility: str) -> list[dict]:
    tests = gradebook["students"][0]["topics"][0]["tests"]
    failed = [t for t in tests if not t["passed"] and t["visibility"] == visibility]
    assert failed, f"the wrong submission fails no {visibility} test"
    return failed


def test_the_level_is_recorded_and_the_score_does_not_depend_on_it(graded):
    assert {level: graded[level][1]["hidden_feedback"] for level in LEVELS} == {level: level for level in LEVELS}
    totals = {graded[level][1]["students"][0]["total"] for level in LEVELS}
    assert len(totals) == 1 and 0 < totals.pop() < 10
    for level in LEVELS:
        assert "**Total: 8.22 / 10**" in graded[level][0] and "## norms: 8.22 / 10 (graded)" in graded[level][0]


@pytest.mark.parametrize("level", LEVELS)
def test_public_failures_always_show_in_full(graded, level):
    feedback, gradebook = graded[level]
    for test in _failed(gradebook, "public"):
        assert f"public test `{test['name']}` failed:" in feedback
        assert all(line in feedback for line in test["message"].splitlines()), feedback


@pytest.mark.parametrize("level", LEVELS)
def test_gradebook_keeps_the_hidden_counterexamples(graded, level):
    assert all(COUNTEREXAMPLE in t["message"] for t in _failed(graded[level][1], "hidden"))


def test_full_shows_hidden_failures_with_their_counterexamples(graded):
    feedback, gradebook = graded["full"]
    for test in _failed(gradebook, "hidden"):
        assert f"hidden test `{test['name']}` failed:" in feedback
        assert all(line in feedback for line in test["message"].splitlines()), feedback


def test_property_names_the_failed_hidden_tests_without_their_inputs(graded):
    feedback, gradebook = graded["property"]
    for test in _failed(gradebook, "hidden"):
        assert f"hidden test `{test['name']}` failed\n" in feedback
    assert COUNTEREXAMPLE not in feedback and "Draw 1" not in feedback, feedback
    assert "- ✗ `l1_norm`:" in feedback and "- ✓ `l2_norm`:" in feedback


def test_score_shows_no_line_per_hidden_test(graded):
    feedback, gradebook = graded["score"]
    tests = gradebook["students"][0]["topics"][0]["tests"]
    hidden = [t["name"] for t in tests if t["visibility"] == "hidden"]
    assert not [name for name in hidden if f"`{name}`" in feedback], feedback
    assert "hidden test" not in feedback and COUNTEREXAMPLE not in feedback, feedback
    public_l1 = [t for t in tests if t["visibility"] == "public" and t["function"] == "l1_norm"]
    passed = sum(t["passed"] for t in public_l1)
    # a function's points would tell how its hidden tests did: only public counts are shown
    assert f"- ✗ `l1_norm`: {passed} of {len(public_l1)} public tests passed\n" in feedback, feedback
    assert " points, " not in feedback


@pytest.mark.parametrize("level", LEVELS)
def test_feedback_never_contains_hidden_test_source(graded, level):
    source = (COURSE_ROOT / "tests" / "hidden" / "test_norms_props.py").read_text(encoding="utf-8")
    lines = {line.strip() for line in source.splitlines() if len(line.strip()) >= 20}
    assert len(lines) > 50
    feedback = graded[level][0]
    assert not [line for line in lines if line in feedback]
    assert "def test_" not in feedback and "@given" not in feedback and "@graded" not in feedback
