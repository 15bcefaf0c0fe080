"""A grades folder reads back as the run that wrote it; anything else is a one-line GradesError."""

import json

import pytest

from grader.errors import GradesError
from grader.gradebook import read_gradebook
from grader.report import write_report
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
