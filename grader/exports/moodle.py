"""Report -> a CSV for Moodle's grade import (Grades > Import > CSV file).

Moodle's importer (moodle/moodle ``grade/import/csv``, class ``gradeimport_csv_load_data``) reads
a header row and then one row per student. The instructor maps the columns on its import page:
one column identifies the user ("Map from" a column, "Map to" the user's ``email``, ``username``
or ``idnumber``; a value that names no user stops the whole import), each grade column goes to a
grade item (or a new one, named by its header), and each feedback column to "Feedback for" its
item. A grade cell is a number; ``-`` or blank leaves the grade alone. Moodle shows feedback as
HTML, so feedback here is HTML-escaped: a submission's ``<script>`` reads as text. Importing
feedback for an item also writes its grade, so a feedback column always has its grade beside it.

Without a roster the identifier is the submission folder's name; with one (a CSV Moodle
exported, e.g. Grades > Export > Plain text file), a folder is matched with the row whose
username, email address or ID number it names, and the identifier is that row's ``id_field``.
"""

from __future__ import annotations

import html
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from grader.course import HiddenFeedback
from grader.errors import GradesError
from grader.exports.table import Export, match_students, read_rows, score_cell, to_csv, topic_ids
from grader.report import csv_cell
from grader.scoring import Report, TopicResult

__all__ = ["ID_FIELDS", "MoodleRoster", "moodle_csv", "read_moodle_roster", "topic_feedback"]

IdField = Literal["email", "username", "idnumber"]
# --id-field -> the identifier column's header, as Moodle's own export names that field.
ID_FIELDS: dict[str, str] = {"email": "Email address", "username": "Username", "idnumber": "ID number"}
# Roster headers (case aside) that hold each field: Moodle's export names, and its database names.
_ROSTER_NAMES = {"email address": "email", "email": "email", "username": "username",
                 "id number": "idnumber", "idnumber": "idnumber"}
_LINE = 300  # characters of a message's first line kept in a feedback cell; the rest is in feedback/<id>.md


@dataclass(frozen=True)
class MoodleRoster:
    """A CSV of the course's users exported from Moodle.

    Attributes:
        path: the file, for messages.
        fields: the identifier fields it has (of ``email``, ``username``, ``idnumber``).
        students: one dict per row, field -> cell.
    """

    path: Path
    fields: tuple[str, ...]
    students: tuple[dict[str, str], ...]


def read_moodle_roster(path: Path) -> MoodleRoster:
    """The Moodle user list at ``path``: its ``Email address``, ``Username`` and ``ID number``
    columns (any of them; case aside).

    Raises:
        GradesError: unreadable, not CSV, or none of those columns.
    """
    header, *rows = read_rows(path)
    columns = {_ROSTER_NAMES[h.casefold()]: i for i, h in reversed(list(enumerate(header)))
               if h.casefold() in _ROSTER_NAMES}
    if not columns:
        raise GradesError(f"{path}: no user identifier column (Email address, Username or ID number); "
                          f"its header starts {header[:6]}")
    fields = tuple(f for f in ID_FIELDS if f in columns)
    students = tuple({f: row[columns[f]] if columns[f] < len(row) else "" for f in fields} for row in rows)
    return MoodleRoster(path, fields, students)


def moodle_csv(report: Report, *, id_field: IdField, roster: MoodleRoster | None = None,
               titles: Mapping[str, str] | None = None, feedback: bool = False,
               allow_unmatched: bool = False) -> Export:
    """Moodle's import CSV of ``report``: one row per submission, an identifier column, one
    grade column per topic and, with ``feedback``, a ``Feedback for <title>`` column after each.

    Args:
        id_field: the Moodle user field the identifier column holds ("Map to" on the import page).
        roster: where each folder's ``id_field`` is found; None: the folder name is it.
        titles: topic id -> column title (course.yml); a topic without one is named by its id.
        feedback: add each topic's feedback (:func:`topic_feedback`) in its own column.
        allow_unmatched: with a roster, leave out submissions it does not know instead of failing.

    Raises:
        GradesError: a submission the roster does not know or has no ``id_field`` for, a folder
            name that cannot be an email address (``id_field="email"`` without a roster).
    """
    topics = topic_ids(report)
    identifiers, unmatched = _identifiers(report, id_field, roster, allow_unmatched)
    header = [ID_FIELDS[id_field]]
    for topic in topics:
        title = (titles or {}).get(topic, topic)
        header += [title, f"Feedback for {title}"] if feedback else [title]
    rows = [header]
    for student in report.students:
        if student.id not in identifiers:
            continue
        row = [csv_cell(identifiers[student.id])]
        for topic in student.topics:
            row.append(score_cell(topic.score))
            if feedback:
                row.append(csv_cell(html.escape(topic_feedback(topic, report.hidden_feedback), quote=False)))
        rows.append(row)
    return Export(to_csv(rows), len(rows) - 1, tuple(header[1:]), unmatched)


def _identifiers(report: Report, id_field: IdField, roster: MoodleRoster | None,
                 allow_unmatched: bool) -> tuple[dict[str, str], tuple[str, ...]]:
    """Each submission's identifier for Moodle, and the submissions left out."""
    if roster is None:
        if id_field == "email":  # Moodle stops the whole import at an address it does not know
            bad = [s.id for s in report.students if "@" not in s.id]
            if bad:
                raise GradesError(f"--id-field email: {len(bad)} submission folder(s) are not email addresses: "
                                  f"{', '.join(map(repr, bad))} (--roster maps folders to addresses)")
        return {s.id: s.id for s in report.students}, ()
    if id_field not in roster.fields:
        raise GradesError(f"{roster.path}: no {ID_FIELDS[id_field]!r} column for --id-field {id_field}")
    matched, unmatched = match_students(report, roster.students, lambda row: row.values(), roster.path,
                                        f"by {' or '.join(ID_FIELDS[f] for f in roster.fields)}", allow_unmatched)
    blank = [s for s, i in matched.items() if not roster.students[i][id_field]]
    if blank:
        raise GradesError(f"{roster.path}: no {ID_FIELDS[id_field]} for {len(blank)} matched student(s): "
                          f"{', '.join(map(repr, blank))}")
    return {s: roster.students[i][id_field] for s, i in matched.items()}, unmatched


def topic_feedback(topic: TopicResult, hidden_feedback: HiddenFeedback = "full") -> str:
    """A topic's feedback for a gradebook cell (plain text, a line each): the score and status,
    why a topic was not graded, and each failed test with the first line of its message.

    Hidden tests show as ``feedback/<student>.md`` shows them (``hidden_feedback``): ``full``
    with their message, ``property`` by name only, ``score`` not at all. A test that broke
    (``grader_error``) counts as passed and is not listed.
    """
    lines = [f"{score_cell(topic.score)} / {score_cell(topic.max_score)} ({topic.status})"]
    if topic.status != "graded" and topic.message:
        lines.append(_first_line(topic.message))
    for test in topic.tests:
        if test.passed or (test.visibility == "hidden" and hidden_feedback == "score"):
            continue
        line = f"failed: {test.visibility} test {test.name}"
        shown = test.visibility == "public" or hidden_feedback == "full"
        if shown and test.message and test.message != topic.message:
            line += f": {_first_line(test.message)}"
        lines.append(line)
    return "\n".join(lines)


def _first_line(message: str) -> str:
    line = message.strip().splitlines()[0] if message.strip() else ""
    return line if len(line) <= _LINE else line[:_LINE] + "…"
