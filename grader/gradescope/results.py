"""One submission graded -> Gradescope's results.json (its autograder specification).

The document: ``score`` (the total), ``execution_time`` (s), ``output`` (a Markdown summary:
each topic's score and status, of the public tests only while the hidden ones wait to be shown,
the sandbox that ran the submission, the files graded) with ``output_format: "md"``,
``extra_data`` for the instructor, and ``tests``, one entry per function and kind of test:

- ``<topic>: <function> (public tests)``: its public tests, ``visibility: "visible"``;
- ``<topic>: <function> (hidden tests)``: its hidden tests, ``visibility`` course.yml's
  ``lms.gradescope_hidden_visibility`` (``after_published`` by default). Split from the public
  entry so that Gradescope can show the public results at once and the hidden ones later.

Each entry has ``name``, ``number`` (``<topic>.<entry>``), ``score``, ``max_score``, ``status``
(``passed`` when every test passed), ``tags: [<topic>]`` and ``output``: its failures as
``feedback/<student>.md`` shows them (:func:`grader.report.feedback_markdown`), with course.yml's
``settings.hidden_feedback`` applied to the hidden ones: ``full`` shows their failures,
``property`` their names, and ``score`` nothing: then a topic's hidden tests are one entry,
``<topic>: hidden tests``, since a function's points would tell how its hidden tests did.

Everything a submission controls (its messages, the reprs of its values, file names) is
hostile: it reaches Gradescope's Markdown only inside code blocks it cannot close
(``grader.report``'s fences), where ``<script>`` is text.
"""

from __future__ import annotations

import math
import time
from collections.abc import Mapping
from importlib.metadata import version
from pathlib import Path

from grader.course import Course
from grader.errors import SubmissionsError
from grader.grading import grade
from grader.report import GRADER_ERROR_FEEDBACK, failure_lines, fenced, points_text
from grader.scoring import StudentResult, TestResult, TopicResult

__all__ = ["grade_submission", "results_json"]

_WHEN_HIDDEN_SHOWN = {
    "visible": "Hidden tests' results are in the table and below.",
    "after_published": "Hidden tests' results, and your total, are shown once the grades are published.",
    "after_due_date": "Hidden tests' results, and your total, are shown after the due date.",
    "hidden": "Hidden tests' results are not shown; they count towards your score.",
}


def grade_submission(course: Course, submissions: Path, *, jobs: int = 1,
                     graded_files: Mapping[str, str] | None = None) -> dict:
    """Grade the one submission folder under ``submissions`` (``<submissions>/<name>/<topic>.py``)
    on every topic of ``course`` and return its results.json document (:func:`results_json`).

    Grading runs in the best sandbox this machine offers, and goes on where none confines files
    (``unsafe``): in Gradescope's container, which holds this one submission, the container is
    the sandbox. results.json names the sandbox that ran.

    Args:
        jobs: topics graded in parallel (processes).
        graded_files: topic id -> the submitted file each topic's module came from, for the
            summary (:func:`results_json`).

    Raises:
        SubmissionsError: ``submissions`` does not hold exactly one submission folder.
        CourseError: the course's tests cannot be collected.
    """
    start = time.monotonic()
    report = grade(course, submissions, jobs=jobs, unsafe=True)
    if len(report.students) != 1:
        raise SubmissionsError(f"gradescope: {str(submissions)!r} holds {len(report.students)} submission "
                               "folders, not one")
    return results_json(course, report.students[0], report.sandbox, time.monotonic() - start, graded_files)


def results_json(course: Course, student: StudentResult, sandbox: str, seconds: float,
                 graded_files: Mapping[str, str] | None = None) -> dict:
    """The results.json document of ``student``'s grading (see the module's docstring).

    Args:
        sandbox: the sandbox the submission ran in (:attr:`grader.scoring.Report.sandbox`).
        seconds: how long grading took, wall clock.
        graded_files: topic id -> the submitted file its module came from (``norms.ipynb``);
            listed in the summary, as code (a file name is the student's).
    """
    tests = []
    for index, topic in enumerate(student.topics, start=1):
        entries = _topic_entries(course, topic)
        tests += [{"number": f"{index}.{n}", **entry} for n, entry in enumerate(entries, start=1)]
    return {
        "score": student.total,
        "execution_time": math.ceil(seconds),
        "output": _summary(course, student, sandbox, graded_files or {}),
        "output_format": "md",
        "tests": tests,
        "extra_data": {"sandbox": sandbox, "dlgrade": version("dlgrade"), "torch": version("torch"),
                       "statuses": {t.id: t.status for t in student.topics}},
    }


def _topic_entries(course: Course, topic: TopicResult) -> list[dict]:
    """The tests[] entries of one topic: per function, its public tests, then its hidden ones
    (all of the topic's hidden tests in one entry under ``hidden_feedback: score``)."""
    hidden_feedback = course.settings.hidden_feedback
    hidden_visibility = course.lms.gradescope_hidden_visibility
    entries = []
    for function in dict.fromkeys(t.function for t in topic.tests):
        public = [t for t in topic.tests if t.function == function and t.visibility == "public"]
        hidden = [t for t in topic.tests if t.function == function and t.visibility == "hidden"]
        if public:
            entries.append(_entry(f"{topic.id}: {function} (public tests)", topic, public, "visible",
                                  _failures(topic, public, hidden_feedback)))
        if hidden and hidden_feedback != "score":
            entries.append(_entry(f"{topic.id}: {function} (hidden tests)", topic, hidden, hidden_visibility,
                                  _failures(topic, hidden, hidden_feedback)))
    hidden = [t for t in topic.tests if t.visibility == "hidden"]
    if hidden and hidden_feedback == "score":
        entries.append(_entry(f"{topic.id}: hidden tests", topic, hidden, hidden_visibility,
                              ["Hidden tests count towards your score; their details are not shown."]))
    return entries


def _entry(name: str, topic: TopicResult, tests: list[TestResult], visibility: str, lines: list[str]) -> dict:
    passed = sum(t.passed for t in tests)
    kind = "hidden" if tests[0].visibility == "hidden" else "public"
    head = [f"{passed} of {len(tests)} {kind} tests passed."]
    if topic.status != "graded":  # why every test of the topic failed, said once per entry
        head += ["", f"The topic was not graded to the end: **{topic.status}**.", "", *fenced(topic.message)]
    return {
        "name": name,
        "score": round(sum(t.weight for t in tests if t.passed), 4),
        "max_score": round(sum(t.weight for t in tests), 4),
        "status": "passed" if passed == len(tests) else "failed",
        "output": "\n".join([*head, "", *lines]).rstrip() + "\n",
        "output_format": "md",
        "tags": [topic.id],
        "visibility": visibility,
    }


def _failures(topic: TopicResult, tests: list[TestResult], hidden_feedback: str) -> list[str]:
    """The failed tests' lines, as the student's feedback file words them (grader.report)."""
    lines = []
    for t in tests:
        if t.grader_error:
            lines.append(f"  - {t.visibility} test `{t.name}`: {GRADER_ERROR_FEEDBACK}")
        elif not t.passed:
            lines += failure_lines(t, topic.message, hidden_feedback)
    return lines


def _summary(course: Course, student: StudentResult, sandbox: str, graded_files: Mapping[str, str]) -> str:
    """The top-level ``output``: a table of the topics, the sandbox, the files graded, the notes.

    Students see it at once: where the hidden tests' results wait (``gradescope_hidden_visibility``
    is not ``visible``), the table counts the public tests only and no total is given, since the
    hidden tests' points would show in them.
    """
    if course.lms.gradescope_hidden_visibility == "visible":
        lines = [f"**Total: {points_text(student.total)} / {points_text(student.max_points)}** ({course.course})", "",
                 "| topic | score | status |", "| --- | --- | --- |"]
        lines += [f"| {t.id} | {points_text(t.score)} / {points_text(t.max_score)} | {t.status} |" for t in student.topics]
    else:
        lines = [f"**{course.course}**", "", "| topic | public tests | status |", "| --- | --- | --- |"]
        for t in student.topics:
            public = [r for r in t.tests if r.visibility == "public"]
            earned, worth = sum(r.weight for r in public if r.passed), sum(r.weight for r in public)
            lines.append(f"| {t.id} | {points_text(earned)} / {points_text(worth)} | {t.status} |")
    isolation = ("no sandbox layer works in this container: the container alone isolated it"
                 if sandbox == "none" else f"sandbox: `{sandbox}`")
    lines += ["", f"Your code ran in dlgrade's worker processes ({isolation}).",
              _WHEN_HIDDEN_SHOWN[course.lms.gradescope_hidden_visibility]]
    if graded_files:
        width = max(len(topic) for topic in graded_files)
        lines += ["", "Files graded:", "",
                  *fenced("\n".join(f"{topic:<{width}}  {name}" for topic, name in graded_files.items()))]
    for topic in student.topics:
        if topic.notes:
            lines += ["", f"Note on {topic.id}:", "", *fenced(topic.notes)]
    return "\n".join(lines) + "\n"
