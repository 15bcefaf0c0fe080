"""Report -> the CSV that Canvas's gradebook importer reads (Grades > Import).

The rules are those of Canvas's own code (instructure/canvas-lms ``GradebookImporter``, which reads
what its ``GradebookExporter`` writes):

- The header names the student columns first: ``Student``, ``ID`` (Canvas's user id), then
  ``SIS User ID`` and ``SIS Login ID`` where the course has them, and ``Section`` last of them.
  Every column after ``Section`` is an assignment: ``Title (id)`` updates the assignment with that
  id; a plain title updates the assignment of that title, or creates one. Trailing columns named
  like Canvas's totals (``Current Score``, ``Final Grade``, ...) are read-only and dropped.
- A row whose first cell says ``Points Possible`` gives each column's points (a new assignment's
  maximum). Canvas exports it second, as ``"    Points Possible"`` with the other student cells blank.
- Every other row is a student, found by ``ID``, else by SIS id, else by name. A blank score
  changes nothing.

The roster is the gradebook the instructor exported from Canvas (Grades > Export): it gives each
student's Canvas identity, the assignments that already exist and their points. Canvas's test
student (``Student, Test``, the "student view" enrollment) is left out.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from grader.errors import GradesError
from grader.exports.table import Export, match_students, read_rows, score_cell, to_csv, topic_ids
from grader.report import csv_cell
from grader.scoring import Report, StudentResult

__all__ = ["MATCH_ON", "CanvasRoster", "canvas_csv", "read_canvas_roster"]

# The student columns Canvas exports and imports, in its order; Section always closes them.
_IDENTITY = ("Student", "ID", "SIS User ID", "SIS Login ID", "Section")
_REQUIRED = ("Student", "ID", "SIS Login ID", "Section")
# --match-on -> the roster column a submission folder's name is compared with.
MATCH_ON = {"sis_login": "SIS Login ID", "sis_user": "SIS User ID", "id": "ID", "name": "Student"}
_POINTS_POSSIBLE = "    Points Possible"  # as GradebookExporter writes it; the importer looks for the words
_TEST_STUDENT = "Student, Test"
# Assignment.title_and_id: "Softmax (123)" -> ("Softmax", "123").
_TITLE_AND_ID = re.compile(r"(.*)\s\((\d+)\)", re.DOTALL)
# GradebookImporter#strip_non_assignment_columns drops trailing columns named like these.
_TOTALS = re.compile(r"Current Score|Current Points|Current Grade|Final Score|Final Points|Final Grade")


@dataclass(frozen=True)
class CanvasRoster:
    """A gradebook exported from Canvas.

    Attributes:
        path: the file, for messages.
        identity: its student columns among ``Student, ID, SIS User ID, SIS Login ID, Section``,
            in that order.
        students: one dict per student row (the test student left out), identity column -> cell.
        assignments: the headers after ``Section``: custom columns, assignments (``Title (id)``),
            Canvas's read-only totals.
        points: the Points Possible row, header -> cell (empty when the file has none).
    """

    path: Path
    identity: tuple[str, ...]
    students: tuple[dict[str, str], ...]
    assignments: tuple[str, ...]
    points: dict[str, str]


def read_canvas_roster(path: Path) -> CanvasRoster:
    """The Canvas gradebook export at ``path``.

    Raises:
        GradesError: unreadable, not CSV, or its header lacks a column Canvas always exports
            (``Student``, ``ID``, ``SIS Login ID``, ``Section``).
    """
    header, *rows = read_rows(path)
    missing = [c for c in _REQUIRED if c not in header]
    if missing or header[0] != "Student":
        raise GradesError(f"{path}: not a gradebook exported from Canvas (its header has no "
                          f"{missing[0] if missing else 'Student first'!r}; it starts {header[:5]})")
    section = header.index("Section")
    identity = tuple(c for c in _IDENTITY if c in header[:section + 1])
    width = len(header)
    rows = [row + [""] * (width - len(row)) for row in rows]
    points = next((dict(zip(header, row)) for row in rows if "Points Possible" in row[0]), {})
    # A student row has Canvas's user id; the Points Possible and "Manual Posting" rows have none.
    students = tuple({c: row[header.index(c)] for c in identity} for row in rows
                     if row[header.index("ID")] and row[0] != _TEST_STUDENT)
    return CanvasRoster(path, identity, students, tuple(header[section + 1:]), points)


def canvas_csv(report: Report, roster: CanvasRoster, *, titles: Mapping[str, str] | None = None,
               mapping: Mapping[str, str] | None = None, assignments: Mapping[str, str] | None = None,
               columns: Literal["topics", "total"] = "topics", match_on: str = "sis_login",
               missing: Literal["blank", "zero"] = "blank", allow_unmatched: bool = False) -> Export:
    """Canvas's import CSV of ``report``: one row per student of ``roster``, one column per topic
    (``columns="topics"``) or one for the total (``"total"``).

    Args:
        titles: topic id -> title (course.yml), a new column's name; ``"total"`` names the total's
            (default: the course name). A topic without one is named by its id.
        mapping: topic id -> the Canvas column ``"Title (id)"`` it fills (course.yml
            ``lms.canvas_assignments``); topics not exported are ignored.
        assignments: the same for this export (``--assignment``), over ``mapping``; each key must
            be an exported topic, or ``"total"``.
        match_on: the roster column a folder name is matched with (a key of :data:`MATCH_ON`).
        missing: what a roster student without a submission gets: ``blank`` (Canvas changes
            nothing) or ``zero``.
        allow_unmatched: leave out submissions that match no roster student instead of failing.

    Returns:
        The CSV; identity cells are the roster's, neutralised for spreadsheets (Canvas finds a
        student by the numeric ``ID`` first, which neutralising never changes).

    Raises:
        GradesError: an unmatched submission, a mapping to a column the roster lacks or of other
            points, a column Canvas would misread; one line naming it.
    """
    keys = topic_ids(report) if columns == "topics" else ["total"]
    unknown = sorted(set(assignments or {}) - set(keys))
    if unknown:
        raise GradesError(f"--assignment {unknown[0]}=...: not a column of this export (columns: {', '.join(keys)})")
    points = ({t.id: t.max_score for t in report.students[0].topics} if columns == "topics"
              else {"total": report.max_points})
    headers = [_header(key, roster, titles or {}, mapping or {}, assignments or {}, report.course) for key in keys]
    for key, header in zip(keys, headers):
        _check_column(key, header, points[key], roster, headers)
    column = MATCH_ON[match_on]
    if column not in roster.identity:
        raise GradesError(f"{roster.path}: no {column!r} column to match on (--match-on {match_on}); "
                          f"its student columns: {', '.join(roster.identity)}")
    matched, unmatched = match_students(report, roster.students, lambda row: [row[column]], roster.path,
                                        f"by {column}", allow_unmatched)
    by_row = {matched[s.id]: s for s in report.students if s.id in matched}
    rows = [[*roster.identity, *headers],
            [_POINTS_POSSIBLE, *[""] * (len(roster.identity) - 1), *(score_cell(points[k]) for k in keys)]]
    for i, student in enumerate(roster.students):
        rows.append([*(csv_cell(student[c]) for c in roster.identity), *_scores(by_row.get(i), keys, missing)])
    return Export(to_csv(rows), len(roster.students), tuple(headers), unmatched)


def _scores(student: StudentResult | None, keys: list[str], missing: str) -> list[str]:
    if student is None:
        return ["0" if missing == "zero" else ""] * len(keys)
    scores = {t.id: t.score for t in student.topics} | {"total": student.total}
    return [score_cell(scores[k]) for k in keys]


def _header(key: str, roster: CanvasRoster, titles: Mapping[str, str], mapping: Mapping[str, str],
            assignments: Mapping[str, str], course: str) -> str:
    """The column ``key`` fills: the roster's column of the mapped assignment, else the roster's
    column of the same title, else a plain title (Canvas creates that assignment)."""
    if key in assignments or key in mapping:
        where = "--assignment" if key in assignments else "course.yml lms.canvas_assignments"
        value = assignments.get(key) or mapping[key]
        named = _TITLE_AND_ID.fullmatch(value.strip())
        if not named:
            raise GradesError(f"{where}: {key}={value!r} is not 'Title (id)', as Canvas names an assignment column")
        same_id = [h for h in roster.assignments if (m := _TITLE_AND_ID.fullmatch(h)) and m[2] == named[2]]
        if not same_id:
            raise GradesError(f"{where}: {key}={value!r}: {roster.path} has no assignment with id {named[2]} "
                              "(export the gradebook from Canvas again, or fix the mapping)")
        return same_id[0]  # as Canvas titles it now: the id is what matches
    title = titles.get(key, course if key == "total" else key)
    same_title = [h for h in roster.assignments if (m := _TITLE_AND_ID.fullmatch(h)) and m[1] == title]
    if len(same_title) > 1:
        raise GradesError(f"{roster.path}: {len(same_title)} assignments are titled {title!r} "
                          f"({', '.join(same_title)}): choose one with --assignment {key}=\"Title (id)\"")
    if _TITLE_AND_ID.fullmatch(title) and not same_title:
        raise GradesError(f"title {title!r} of {key!r} ends like a Canvas id: Canvas would look for that "
                          f"assignment; map it with --assignment {key}=\"Title (id)\"")
    return same_title[0] if same_title else title


def _check_column(key: str, header: str, points: float, roster: CanvasRoster, headers: list[str]) -> None:
    """A column Canvas reads as meant: its own, not a total it drops, worth what the topic is worth."""
    if headers.count(header) > 1:
        raise GradesError(f"two columns of this export are {header!r}: map each topic to its own assignment")
    if _TOTALS.search(header):
        raise GradesError(f"column {header!r} of {key!r} is named like a Canvas total, which Canvas "
                          "drops on import: give it another title with --assignment")
    cell = roster.points.get(header, "")
    try:
        canvas_points = float(cell.replace(",", ".")) if cell else None
    except ValueError:  # "(read only)": _TOTALS already stops those columns
        canvas_points = None
    if canvas_points is not None and abs(canvas_points - points) > 1e-6:
        raise GradesError(f"{key!r} is worth {score_cell(points)} points but Canvas's {header!r} "
                          f"{score_cell(canvas_points)} ({roster.path}, Points Possible): make them agree")
