"""A topic made by ``new_topic`` is complete: ``dlgrade validate`` passes on it (reference full
marks, stub 0, "not attempted"), and every mutant of its catalog loses points, as
tests/grader/test_mutants.py requires of every topic of the course.

The copy holds one small topic of the course beside the new one (``validate`` grades every
topic). Both run in a process of their own, in the copy's folder: the new topic's tests are in
the copy's ``tests`` package, which this process, importing the project's, cannot see.
"""

import json
import subprocess
import sys
from pathlib import Path

import pytest

from grader.authoring import new_topic
from grader.course import load_course
from tests.grader.courses import COURSE_ROOT, ENGINE, course_copy

TOPIC = "scale_demo"


@pytest.fixture(scope="module")
def course(tmp_path_factory) -> Path:
    """A copy of the course with activations and the scaffolded topic; its course.yml."""
    course_yml = course_copy(tmp_path_factory.mktemp("course"), ENGINE, topics=["activations"])
    new_topic(course_yml, TOPIC, d2l="2.1")
    return course_yml


def _run(course_yml: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, *args], cwd=course_yml.parent, capture_output=True, text=True, check=False,
                          timeout=600)


def test_dlgrade_validate_passes_on_a_new_topic_reference_full_marks_stub_zero(course):
    proc = _run(course, "-m", "grader", "validate", "--course", str(course), "--jobs", "1")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert f"✓ {TOPIC}: 3 tests, reference 10/10, stub 0/10" in proc.stdout.splitlines(), proc.stdout


def test_the_new_stub_is_not_attempted_and_every_catalog_mutant_loses_points(course):
    # test_mutants.py grades the catalog with the course's own max_examples, not ENGINE's
    max_examples = load_course(COURSE_ROOT / "course.yml").settings.max_examples
    proc = _run(course, str(Path(__file__).with_name("grade_catalog.py")), TOPIC, str(max_examples))
    assert proc.returncode == 0, proc.stderr
    graded = json.loads(proc.stdout)
    assert graded["stub"] and all(m.splitlines()[0] == "not attempted: scale raises NotImplementedError"
                                  for m in graded["stub"]), graded["stub"]
    assert len(graded["mutants"]) >= 8, f"only {len(graded['mutants'])} mutants: test_mutants.py requires 8"
    escaped = {name: m for name, m in graded["mutants"].items() if m["status"] != "graded" or not m["failed"]}
    assert not escaped, f"mutants no test of their function catches: {escaped}"
