"""A grading run as one self-contained HTML page for the instructor, and a terminal summary.

The page (``dlgrade report``, and ``report.html`` beside every gradebook ``dlgrade grade``
writes) shows first the total's distribution and the largest common mistakes, then the status
counts per topic, each topic's distribution, every mistake group, and the pass rates per function
and per test, worst first. It loads nothing: the histograms are inline SVG, the CSS is inline,
there is no script, and its Content-Security-Policy forbids any fetch. Everything a submission
controls (student ids, messages, reprs) is escaped by jinja2's autoescape.
"""

from __future__ import annotations

import statistics
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import groupby
from pathlib import Path

from jinja2 import Environment, StrictUndefined
from markupsafe import Markup
from rich.console import Group
from rich.table import Table
from rich.text import Text

from grader.analytics.charts import histogram_svg
from grader.analytics.mistakes import KINDS, Mistake, common_mistakes, failure_kind
from grader.analytics.template import TEMPLATE
from grader.errors import GradesError
from grader.report import atomic_write
from grader.scoring import Report

__all__ = ["class_report_html", "summary", "write_class_report"]

LARGEST = 5  # mistake groups at the top of the page and in the terminal summary


@dataclass(frozen=True)
class _Distribution:
    """One topic's scores (or the totals): the numbers the page prints and its histogram."""

    id: str
    max_score: float
    mean: float
    median: float
    low: float
    high: float
    full: int  # students with full marks
    kinds: dict[str, list[str]]  # KINDS -> the students of that status
    chart: Markup


@dataclass(frozen=True)
class _Rate:
    """How many of ``students`` passed a test, or every test of a function."""

    topic: str
    function: str
    test: str
    visibility: str
    passed: int
    students: int
    tests: int

    @property
    def rate(self) -> float:
        return self.passed / self.students if self.students else 1.0


def write_class_report(report: Report, out: Path) -> None:
    """Write :func:`class_report_html` of ``report`` to ``out`` atomically (the folder is made
    where missing); an existing file is replaced whole or not at all.

    Raises:
        GradesError: ``out`` cannot be written (the message names it and the reason).
    """
    html = class_report_html(report)
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        atomic_write(out, html)
    except OSError as exc:
        raise GradesError(f"{out}: cannot write the class report ({exc.strerror or exc})") from None


def class_report_html(report: Report) -> str:
    """The class report of ``report`` as an HTML document (UTF-8 text, self-contained)."""
    mistakes = common_mistakes(report)
    by_topic = [(topic, [(function, list(group)) for function, group in groupby(
        sorted(ms, key=lambda m: m.function), key=lambda m: m.function)])
        for topic, ms in groupby(sorted(mistakes, key=lambda m: _topic_order(report)[m.topic]), key=lambda m: m.topic)]
    totals = [s.total for s in report.students]
    return _environment().from_string(TEMPLATE).render(
        course=report.course, device=report.device, sandbox=report.sandbox, seeded=report.seeded,
        students=[s.id for s in report.students], max_points=report.max_points, kinds=KINDS,
        total=_distribution("total", totals, report.max_points, {}, bins=20, size=(5.4, 2.4), title=""),
        lowest=_lowest(report),
        topics=_topics(report), largest=mistakes[:LARGEST], mistakes=mistakes, mistakes_by_topic=by_topic,
        functions=_function_rates(report), tests=_test_rates(report))


def summary(report: Report, mistakes: Sequence[Mistake] | None = None) -> Group:
    """A rich renderable for the terminal: the :data:`LARGEST` largest common mistakes of
    ``report`` (``mistakes``, where already computed), with their students and the first line
    of the representative message. Values stay plain text (no rich markup is read)."""
    mistakes = common_mistakes(report) if mistakes is None else mistakes
    if not mistakes:
        return Group(Text("No common mistakes: no test of a graded topic failed on its property."))
    table = Table(title=f"Largest common mistakes ({len(mistakes)} groups)", title_justify="left")
    table.add_column("students", justify="right")
    for column in ("function", "property (test)", "what failed", "who"):
        table.add_column(column, overflow="fold")
    for m in mistakes[:LARGEST]:
        who = ", ".join(m.students[:6]) + (f", +{m.size - 6}" if m.size > 6 else "")
        table.add_row(Text(str(m.size)), Text(m.function), Text(m.test), Text(_headline(m.example)[:160]), Text(who))
    return Group(table)


def _environment() -> Environment:
    environment = Environment(autoescape=True, undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True)
    environment.filters["fmt"] = _fmt
    environment.filters["bar"] = _bar
    environment.filters["headline"] = _headline
    return environment


def _fmt(x: float, digits: int = 4) -> str:
    """``x`` with at most ``digits`` decimals and no trailing zeros (``7.5``, ``90``)."""
    return f"{x:.{digits}f}".rstrip("0").rstrip(".")


def _bar(rate: float) -> Markup:
    """A pass rate in [0, 1] as a small bar; red under a half, amber under 90 %."""
    level = "low" if rate < 0.5 else "mid" if rate < 0.9 else "ok"
    return Markup('<span class="bar" title="{0:.0f}%"><i class="{1}" style="width: {0:.1f}%"></i></span>').format(
        rate * 100, level)


def _headline(message: str) -> str:
    """The failure's first line, without the ``AssertionError:`` every assertion starts with."""
    return _first_line(message.removeprefix("AssertionError: "), limit=300)


def _lowest(report: Report) -> list[dict[str, object]]:
    """The :data:`LARGEST` lowest totals, lowest first, each with its topics not graded."""
    students = sorted(report.students, key=lambda s: s.total)[:LARGEST]
    return [{"id": s.id, "total": s.total,
             "not_graded": ", ".join(f"{t.id} {t.status}" for t in s.topics if t.status != "graded")}
            for s in students]


def _first_line(text: str, limit: int = 80) -> str:
    line = text.strip().split("\n", 1)[0]
    return line if len(line) <= limit else line[:limit - 1] + "…"


def _topic_order(report: Report) -> dict[str, int]:
    order: dict[str, int] = {}
    for student in report.students:
        for topic in student.topics:
            order.setdefault(topic.id, len(order))
    return order


def _topics(report: Report) -> list[_Distribution]:
    """Each topic's distribution, in course order, with the students of each status kind."""
    scores: dict[str, list[float]] = defaultdict(list)
    max_score: dict[str, float] = {}
    kinds: dict[str, dict[str, list[str]]] = defaultdict(lambda: {kind: [] for kind in KINDS})
    for student in report.students:
        for topic in student.topics:
            scores[topic.id].append(topic.score)
            max_score[topic.id] = topic.max_score
            found = {topic.status} if topic.status != "graded" else set()
            if topic.status in ("graded", "timeout"):
                found |= {failure_kind(t.message) for t in topic.tests if not t.passed}
            for kind in KINDS:
                if kind in found:
                    kinds[topic.id][kind].append(student.id)
    return [_distribution(topic, scores[topic], max_score[topic], kinds[topic], bins=10, size=(3.6, 2.0))
            for topic in _topic_order(report)]


def _distribution(name: str, scores: list[float], max_score: float, kinds: dict[str, list[str]], *,
                  bins: int, size: tuple[float, float], title: str | None = None) -> _Distribution:
    chart = histogram_svg(scores, max_score, title=name if title is None else title, bins=bins, size=size,
                          prefix=f"chart-{name}")
    return _Distribution(name, max_score, statistics.fmean(scores) if scores else 0.0,
                         statistics.median(scores) if scores else 0.0, min(scores, default=0.0),
                         max(scores, default=0.0), sum(1 for s in scores if s >= max_score - 1e-9),
                         kinds, Markup(chart))


def _test_rates(report: Report) -> list[_Rate]:
    """Each test's passes over the class, worst first (then course order)."""
    rates: dict[tuple[str, str, str, str], int] = {}
    for student in report.students:
        for topic in student.topics:
            for test in topic.tests:
                key = (topic.id, test.function, test.name, test.visibility)
                rates[key] = rates.get(key, 0) + test.passed
    rows = [_Rate(*key, passed, len(report.students), 1) for key, passed in rates.items()]
    return sorted(rows, key=lambda r: r.rate)  # sorted() is stable: ties keep course order


def _function_rates(report: Report) -> list[_Rate]:
    """Each function's students who passed all its tests, worst first (then course order)."""
    passed: dict[tuple[str, str], int] = {}
    tests: dict[tuple[str, str], set[str]] = defaultdict(set)
    for student in report.students:
        for topic in student.topics:
            failed = {t.function for t in topic.tests if not t.passed}
            for test in topic.tests:
                tests[(topic.id, test.function)].add(test.name)
            for function in dict.fromkeys(t.function for t in topic.tests):
                passed[(topic.id, function)] = passed.get((topic.id, function), 0) + (function not in failed)
    rows = [_Rate(topic, function, "", "", n, len(report.students), len(tests[(topic, function)]))
            for (topic, function), n in passed.items()]
    return sorted(rows, key=lambda r: r.rate)
