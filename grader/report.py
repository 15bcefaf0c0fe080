"""Report -> gradebook.csv, gradebook.json, feedback/<student>.md, and terminal tables.

Files are written atomically (a temporary file renamed over the target), so an interrupted run
never leaves a half-written gradebook. Feedback shows, per topic and function, what failed and
on which (shrunk) input; it never shows a test's source. How much it shows of the hidden tests
follows the run's ``hidden_feedback`` (course.yml): ``full`` their failures and counterexamples,
``property`` the names of the failed ones only, ``score`` nothing but the topic's score. Public
tests always show in full, and gradebook.json, for the instructor, keeps every message.
"""

from __future__ import annotations

import csv
import io
import json
import os
import re
import tempfile
from dataclasses import asdict
from pathlib import Path

from rich.table import Table

from grader.course import HiddenFeedback
from grader.scoring import Report, StudentResult, TestResult, TopicResult

__all__ = ["GRADER_ERROR_FEEDBACK", "atomic_write", "csv_cell", "failure_lines", "feedback_markdown", "fenced",
           "gradebook_json", "gradebook_markdown", "grader_errors", "points_text", "summary_table", "write_report"]


def gradebook_json(report: Report) -> dict:
    """The gradebook.json document: grader.md's schema, plus each topic's ``message`` (and
    ``notes`` where it has some), ``"grader_error": true`` on a test that broke (its points
    given, its message the instructor's), whether a
    secret grading seed was used (``seeded``; never the seed) and the ``hidden_feedback`` level."""
    return {
        "course": report.course, "device": report.device, "max_points": report.max_points,
        "seeded": report.seeded, "hidden_feedback": report.hidden_feedback, "sandbox": report.sandbox,
        "students": [{
            "id": s.id, "total": s.total, "max_points": s.max_points,
            "topics": [{"id": t.id, "score": t.score, "max_score": t.max_score, "status": t.status,
                        "message": t.message, **({"notes": t.notes} if t.notes else {}),
                        "tests": [_test_json(r) for r in t.tests]} for t in s.topics],
        } for s in report.students],
    }


def _test_json(test: TestResult) -> dict:
    """A test's record; ``grader_error`` only where it is true, the schema of every other test unchanged."""
    record = asdict(test)
    if not test.grader_error:
        del record["grader_error"]
    return record


def _csv(report: Report) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    topics = [t.id for t in report.students[0].topics] if report.students else []
    writer.writerow(["id", *topics, "total"])
    for s in report.students:
        writer.writerow([csv_cell(s.id), *(points_text(t.score) for t in s.topics), points_text(s.total)])
    return out.getvalue()


# What a spreadsheet reads as a formula when a cell starts with it (OWASP "CSV injection").
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def csv_cell(text: str) -> str:
    """``text`` safe as a CSV cell an instructor opens in a spreadsheet: a cell a submission
    controls (a folder name, a message) that starts like a formula gets a leading ``'``, which
    Excel, LibreOffice and Google Sheets show as text. Numbers we write are not passed here."""
    return "'" + text if text.startswith(_FORMULA_STARTS) else text


def points_text(x: float) -> str:
    """Points as the gradebook writes them: two decimals at most, no trailing zeros (``7.5``, ``10``)."""
    return f"{x:.2f}".rstrip("0").rstrip(".")


# What a student reads of a test that broke (TestResult.grader_error): its points are theirs.
GRADER_ERROR_FEEDBACK = "not your mistake: the grader failed on this test; your instructor has been told"

_HIDDEN_NOTE = {
    "full": [],
    "property": ["Hidden tests are named by the property they check; their inputs are not shown.", ""],
    "score": ["Hidden tests count towards your score; their details are not shown.", ""],
}


def feedback_markdown(student: StudentResult, hidden_feedback: HiddenFeedback = "full") -> str:
    """A student's feedback: per topic, per function, the failed tests and why.

    Args:
        hidden_feedback: what shows of a hidden test: ``full`` (its failure message and
            counterexample), ``property`` (the name of a failed one) or ``score`` (nothing: the
            function lines count public tests only).
    """
    lines = [f"# Feedback for {student.id}", "",
             f"**Total: {points_text(student.total)} / {points_text(student.max_points)}**", "", *_HIDDEN_NOTE[hidden_feedback]]
    for topic in student.topics:
        lines += _topic_feedback(topic, hidden_feedback)
    return "\n".join(lines).rstrip() + "\n"


def _topic_feedback(topic: TopicResult, hidden_feedback: HiddenFeedback) -> list[str]:
    lines = [f"## {topic.id}: {points_text(topic.score)} / {points_text(topic.max_score)} ({topic.status})", ""]
    if topic.notes:
        lines += ["Note:", "", *fenced(topic.notes), ""]
    if topic.status != "graded":
        lines += [*fenced(topic.message), ""]
        if topic.status != "timeout":
            return lines
    shown = [t for t in topic.tests if hidden_feedback != "score" or t.visibility == "public"]
    for function in dict.fromkeys(t.function for t in shown):
        tests = [t for t in shown if t.function == function]
        passed = sum(t.passed for t in tests)
        mark = "✓" if passed == len(tests) else "✗"
        if hidden_feedback == "score":  # a function's points would tell how its hidden tests did
            lines.append(f"- {mark} `{function}`: {passed} of {len(tests)} public tests passed")
        else:
            earned, worth = sum(t.weight for t in tests if t.passed), sum(t.weight for t in tests)
            lines.append(f"- {mark} `{function}`: {points_text(earned)} / {points_text(worth)} points, "
                         f"{passed} of {len(tests)} tests passed")
        for t in tests:
            if t.grader_error:
                lines.append(f"  - {t.visibility} test `{t.name}`: {GRADER_ERROR_FEEDBACK}")
            elif not t.passed:
                lines += failure_lines(t, topic.message, hidden_feedback)
    return lines + [""]


def failure_lines(test: TestResult, topic_message: str, hidden_feedback: HiddenFeedback) -> list[str]:
    """The lines of one failed test: its name, and its message where it is shown and new."""
    if test.visibility == "hidden" and hidden_feedback == "property":
        return [f"  - hidden test `{test.name}` failed"]
    if test.message == topic_message:  # the topic's heading already says it
        return []
    return [f"  - {test.visibility} test `{test.name}` failed:", "", *fenced(test.message, "    ")]


def fenced(text: str, indent: str = "") -> list[str]:
    """``text`` as a code block no line of it can close: the fence outruns its longest run of
    backticks (a submission writes its own error messages)."""
    fence = "`" * max(3, 1 + max((len(run) for run in re.findall("`+", text)), default=0))
    return [indent + fence, *(indent + line for line in text.splitlines()), indent + fence]


def gradebook_markdown(report: Report) -> str:
    """The gradebook as a Markdown table; a status other than ``graded`` follows the score."""
    topics = [t.id for t in report.students[0].topics] if report.students else []
    rows = [["student", *topics, "total"], ["---"] * (len(topics) + 2)]
    for s in report.students:
        rows.append([s.id, *(points_text(t.score) + ("" if t.status == "graded" else f" ({t.status})") for t in s.topics),
                     points_text(s.total)])
    return "\n".join("| " + " | ".join(row) + " |" for row in rows) + "\n"


def summary_table(report: Report) -> Table:
    """A rich table: one row per student, one column per topic, and the total.

    The title names the course, the device and whether a secret seed drew the hidden examples.
    """
    topics = [t.id for t in report.students[0].topics] if report.students else []
    table = Table(title=f"{report.course} ({report.device}{', secret seed' if report.seeded else ''})")
    table.add_column("student")
    for t in topics:
        table.add_column(t, justify="right")
    table.add_column("total", justify="right", style="bold")
    for s in report.students:
        cells = [points_text(t.score) if t.status == "graded" else f"{points_text(t.score)} [dim]{t.status}[/dim]"
                 for t in s.topics]
        table.add_row(s.id, *cells, f"{points_text(s.total)} / {points_text(s.max_points)}")
    return table


def grader_errors(report: Report) -> list[str]:
    """One line per test that broke while grading a student (``student/topic: grader error: test
    ... fails on the reference solution too ...``), for the instructor (``dlgrade grade`` prints
    them under its table); its points were given, not lost."""
    return [f"{s.id}/{topic.id}: {t.message.splitlines()[0] if t.message else 'grader error: ' + t.name}"
            for s in report.students for topic in s.topics for t in topic.tests if t.grader_error]


def write_report(report: Report, out: Path) -> None:
    """Write gradebook.csv, gradebook.json and feedback/<student>.md under ``out``.

    Feedback shows hidden tests as ``report.hidden_feedback`` says; gradebook.json keeps all.
    """
    (out / "feedback").mkdir(parents=True, exist_ok=True)
    atomic_write(out / "gradebook.json", json.dumps(gradebook_json(report), indent=2, ensure_ascii=False) + "\n")
    atomic_write(out / "gradebook.csv", _csv(report))
    for student in report.students:
        atomic_write(out / "feedback" / f"{student.id}.md", feedback_markdown(student, report.hidden_feedback))


def atomic_write(path: Path, text: str | bytes) -> None:
    """Write ``text`` (UTF-8) or bytes to ``path`` through a temporary file renamed over it:
    readers, and a run killed half-way, see the old file or the new one, never a part."""
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        # mkstemp makes the file 0600; the result is read by others (course staff, a web server)
        # as any file the user writes would be: 0666 less the umask.
        os.fchmod(fd, 0o666 & ~_umask())
        with os.fdopen(fd, "wb") as f:
            f.write(text.encode() if isinstance(text, str) else text)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _umask() -> int:
    mask = os.umask(0)  # the only way to read it is to set it
    os.umask(mask)
    return mask
