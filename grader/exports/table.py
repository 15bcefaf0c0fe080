"""What every LMS export shares: reading the roster CSV an LMS exported, matching submission
folders to its rows, a score as a cell, and the :class:`Export` an export function returns.

A roster is the instructor's download from the LMS, opened and perhaps re-saved by a
spreadsheet: it may start with a UTF-8 byte-order mark (Excel writes one) and use ``;`` between
cells (a spreadsheet in a locale whose decimal mark is a comma).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from grader.errors import GradesError
from grader.report import points_text
from grader.scoring import Report

__all__ = ["Export", "match_students", "read_rows", "score_cell", "to_csv", "topic_ids"]


@dataclass(frozen=True)
class Export:
    """An LMS import file, ready to write.

    Attributes:
        text: the CSV, every cell a submission controls neutralised (:func:`grader.report.csv_cell`).
        students: the student rows it holds.
        columns: the headers of its columns after the student's (grades, and feedback where asked), in order.
        unmatched: submission folders left out because no roster row matched them
            (``allow_unmatched``); empty otherwise.
    """

    text: str
    students: int
    columns: tuple[str, ...]
    unmatched: tuple[str, ...] = ()


def read_rows(path: Path) -> list[list[str]]:
    """The rows of the CSV file at ``path`` (a BOM dropped, ``,`` or ``;`` between cells), blank
    rows left out; the first row is the header.

    Raises:
        GradesError: the file cannot be read, is not UTF-8, is not CSV, or has no header row.
    """
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise GradesError(f"{path}: cannot read the roster ({getattr(exc, 'strerror', None) or exc})") from None
    first_line = text.partition("\n")[0]
    delimiter = ";" if first_line.count(";") > first_line.count(",") else ","
    try:
        rows = [row for row in csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
                if any(cell.strip() for cell in row)]
    except csv.Error as exc:
        raise GradesError(f"{path}: not a CSV file ({exc})") from None
    if not rows:
        raise GradesError(f"{path}: empty roster (no header row)")
    return [[cell.strip() for cell in row] for row in rows]


def _key(text: str) -> str:
    """How an identifier compares: case and surrounding spaces aside (``Ada@Uni.edu`` is ``ada@uni.edu``)."""
    return text.strip().casefold()


def match_students(report: Report, rows: Sequence[dict[str, str]], keys: Callable[[dict[str, str]], Iterable[str]],
                   roster: Path, how: str, allow_unmatched: bool) -> tuple[dict[str, int], tuple[str, ...]]:
    """Which roster row each submission folder of ``report`` is: ``({student id: row index}, unmatched)``.

    A folder matches a row when its name equals one of ``keys(row)`` (case aside; blank keys never
    match). ``how`` names the matching in messages (``"by SIS Login ID"``).

    Raises:
        GradesError: a folder matches two rows, two folders match one row, or (unless
            ``allow_unmatched``) folders match no row; one line listing them.
    """
    index: dict[str, set[int]] = {}
    for i, row in enumerate(rows):
        for key in keys(row):
            if key.strip():
                index.setdefault(_key(key), set()).add(i)
    matched: dict[str, int] = {}
    unmatched: list[str] = []
    for student in report.students:
        found = sorted(index.get(_key(student.id), ()))
        if len(found) > 1:
            raise GradesError(f"{roster}: submission {student.id!r} matches {len(found)} students {how} "
                              f"(rows {', '.join(str(i + 2) for i in found)})")
        if not found:
            unmatched.append(student.id)
            continue
        twin = next((s for s, i in matched.items() if i == found[0]), None)
        if twin is not None:
            raise GradesError(f"{roster}: submissions {twin!r} and {student.id!r} match the same student {how}")
        matched[student.id] = found[0]
    if unmatched and not allow_unmatched:
        raise GradesError(f"{len(unmatched)} submission(s) match no student of {roster} {how}: "
                          f"{', '.join(map(repr, unmatched))} (--allow-unmatched leaves them out)")
    return matched, tuple(unmatched)


def topic_ids(report: Report) -> list[str]:
    """The topics of ``report``, in course order.

    Raises:
        GradesError: the gradebook has no student, so nothing to export.
    """
    if not report.students:
        raise GradesError(f"gradebook of {report.course!r} has no student: nothing to export")
    return [t.id for t in report.students[0].topics]


def score_cell(points: float) -> str:
    """A score as gradebook.csv writes it: at most two decimals, no trailing zeros (``9.08``, ``10``)."""
    return points_text(points)


def to_csv(rows: Iterable[Sequence[str]]) -> str:
    """``rows`` as CSV text, quoted where a cell needs it, one ``\\r\\n`` per row as RFC 4180 says."""
    out = io.StringIO()
    csv.writer(out, lineterminator="\r\n").writerows(rows)
    return out.getvalue()
