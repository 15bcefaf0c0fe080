"""A grades folder reads back as the run that wrote it; anything else is a one-line GradesError."""

import json
import os
import stat

import pytest

from grader.errors import GradesError
from grader.gradebook import read_gradebook
from grader.report import atomic_write, write_report
from grader.scoring import Report, StudentResult, TopicResult
from grader.scoring import TestResult as Outcome  # not collected as a test class

REPORT = Report("demo", "cpu", seeded=True, hidden_feedback="property", sandbox="landlock", students=(
    StudentResult("ana", (
        TopicResult("softmax", "graded", 10.0, (
            Outcome("test_a", "softmax", "public", True, 4.0),
            Outcome("test_b", "softmax", "hidden", False, 6.0, "expected <b>1</b>, got =2"),
            Outcome("test_c", "accuracy", "hidden", True, 0.0, "broken on the reference", grader_error=True))),
        TopicResult("kfold", "import_error", 5.0, (), "SyntaxError: line 3", notes="cell 2 was not Python"))),
    StudentResult("bo", (TopicResult("softmax", "missing", 10.0, ()), TopicResult("kfold", "timeout", 5.0, ())))))


def test_a_written_report_reads_back_equal(tmp_path):
    write_report(REPORT, tmp_path)
    assert read_gradebook(tmp_path) == REPORT
    assert read_gradebook(tmp_path / "gradebook.json") == REPORT


@pytest.mark.parametrize(("text", "names"), [
    (None, "cannot read"),
    ("not json", "not a dlgrade gradebook.json"),
    (json.dumps({"course": "c", "device": "cpu", "max_points": 1, "students": [{"id": "x"}]}), "students.0.total"),
    (json.dumps({"course": "c", "device": "cpu", "max_points": 1, "students": [{"id": "x", "total": 0,
     "max_points": 1, "topics": [{"id": "t", "score": 0, "max_score": 1, "status": "lost", "tests": []}]}]}),
     "students.0.topics.0.status"),
])
def test_what_is_not_a_gradebook_is_one_line_naming_the_file_and_field(tmp_path, text, names):
    if text is not None:
        (tmp_path / "gradebook.json").write_text(text)
    with pytest.raises(GradesError) as caught:
        read_gradebook(tmp_path)
    message = str(caught.value)
    assert "\n" not in message and str(tmp_path / "gradebook.json") in message and names in message


def test_written_files_take_the_umask_not_mkstemp_s_0600(tmp_path):
    old = os.umask(0o027)
    try:
        write_report(REPORT, tmp_path)
    finally:
        os.umask(old)
    assert stat.S_IMODE((tmp_path / "gradebook.json").stat().st_mode) == 0o640
    assert stat.S_IMODE((tmp_path / "feedback" / "ana.md").stat().st_mode) == 0o640


def test_a_failed_write_leaves_the_old_file_and_no_temporary_one(tmp_path):
    target = tmp_path / "gradebook.csv"
    target.write_text("old\n")
    with pytest.raises(TypeError):
        atomic_write(target, 3)  # neither str nor bytes: fails half-way
    assert target.read_text() == "old\n" and [p.name for p in tmp_path.iterdir()] == ["gradebook.csv"]
