"""Report -> gradebook.csv, gradebook.json, feedback/<student>.md, and terminal tables.

Files are written atomically (a temporary file renamed over the target), so an interrupted run
never leaves a half-written gradebook. Feedback shows, per topic and function, what failed and
on which (shrunk) input; it never shows a test's source.
"""

from __future__ import annotations

import csv
import io
import json
import os
import tempfile
from dataclasses import asdict
from pathlib import Path

from rich.table import Table

from grader.scoring import Report, StudentResult, TopicResult

__all__ = ["feedback_markdown", "gradebook_json", "gradebook_markdown", "summary_table", "write_report"]


def gradebook_json(report: Report) -> dict:
    """The gradebook.json document (grader.md's schema, plus ``message`` and ``seconds``)."""
    return {
        "course": report.course, "device": report.device, "max_points": report.max_points,
        "students": [{
            "id": s.id, "total": s.total, "max_points": s.max_points,
            "topics": [{"id": t.id, "score": t.score, "max_score": t.max_score, "status": t.status,
                        "message": t.message, "tests": [asdict(r) for r in t.tests]} for t in s.topics],
        } for s in report.students],
    }


def _csv(report: Report) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    topics = [t.id for t in report.students[0].topics] if report.students else []
    writer.writerow(["id", *topics, "total"])
    for s in report.students:
        writer.writerow([s.id, *(_num(t.score) for t in s.topics), _num(s.total)])
    return out.getvalue()


def _num(x: float) -> str:
    return f"{x:.2f}".rstrip("0").rstrip(".")


def feedback_markdown(student: StudentResult) -> str:
    """A student's feedback: per topic, per function, the failed tests and why."""
    lines = [f"# Feedback for {student.id}", "",
             f"**Total: {_num(student.total)} / {_num(student.max_points)}**", ""]
    for topic in student.topics:
        lines += _topic_feedback(topic)
    return "\n".join(lines).rstrip() + "\n"


def _topic_feedback(topic: TopicResult) -> list[str]:
    lines = [f"## {topic.id}: {_num(topic.score)} / {_num(topic.max_score)} ({topic.status})", ""]
    if topic.status != "graded":
        lines += ["```", topic.message, "```", ""]
        if topic.status != "timeout":
            return lines
    functions = dict.fromkeys(t.function for t in topic.tests)
    for function in functions:
        tests = [t for t in topic.tests if t.function == function]
        earned, worth = sum(t.weight for t in tests if t.passed), sum(t.weight for t in tests)
        passed = sum(t.passed for t in tests)
        mark = "✓" if passed == len(tests) else "✗"
        lines.append(f"- {mark} `{function}`: {_num(earned)} / {_num(worth)} points, "
                     f"{passed} of {len(tests)} tests passed")
        for t in tests:
            if not t.passed and t.message != topic.message:
                lines += [f"  - {t.visibility} test `{t.name}` failed:", "", "    ```",
                          *("    " + m for m in t.message.splitlines()), "    ```"]
    return lines + [""]


def gradebook_markdown(report: Report) -> str:
    """The gradebook as a Markdown table; a status other than ``graded`` follows the score."""
    topics = [t.id for t in report.students[0].topics] if report.students else []
    rows = [["student", *topics, "total"], ["---"] * (len(topics) + 2)]
    for s in report.students:
        rows.append([s.id, *(_num(t.score) + ("" if t.status == "graded" else f" ({t.status})") for t in s.topics),
                     _num(s.total)])
    return "\n".join("| " + " | ".join(row) + " |" for row in rows) + "\n"


def summary_table(report: Report) -> Table:
    """A rich table: one row per student, one column per topic, and the total."""
    topics = [t.id for t in report.students[0].topics] if report.students else []
    table = Table(title=f"{report.course} ({report.device})")
    table.add_column("student")
    for t in topics:
        table.add_column(t, justify="right")
    table.add_column("total", justify="right", style="bold")
    for s in report.students:
        cells = [_num(t.score) if t.status == "graded" else f"{_num(t.score)} [dim]{t.status}[/dim]"
                 for t in s.topics]
        table.add_row(s.id, *cells, f"{_num(s.total)} / {_num(s.max_points)}")
    return table


def write_report(report: Report, out: Path) -> None:
    """Write gradebook.csv, gradebook.json and feedback/<student>.md under ``out``."""
    (out / "feedback").mkdir(parents=True, exist_ok=True)
    _atomic_write(out / "gradebook.json", json.dumps(gradebook_json(report), indent=2, ensure_ascii=False) + "\n")
    _atomic_write(out / "gradebook.csv", _csv(report))
    for student in report.students:
        _atomic_write(out / "feedback" / f"{student.id}.md", feedback_markdown(student))


def _atomic_write(path: Path, text: str) -> None:
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        f.write(text)
    os.replace(tmp, path)
