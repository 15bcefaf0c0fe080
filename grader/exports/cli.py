"""``dlgrade export canvas|moodle``: a grades folder into an LMS's gradebook import CSV.

Each command reads GRADES (:func:`grader.gradebook.read_gradebook`), calls one export function
and writes ``--out`` atomically: an export that fails (an unmatched student) leaves no file.
A :class:`~grader.errors.DlgradeError` reaches ``dlgrade``'s group, which prints it on one line.
"""

from __future__ import annotations

from pathlib import Path

import click

from grader.course import find_course
from grader.errors import GradesError
from grader.exports.canvas import MATCH_ON, canvas_csv, read_canvas_roster
from grader.exports.moodle import ID_FIELDS, moodle_csv, read_moodle_roster
from grader.exports.table import Export
from grader.gradebook import read_gradebook
from grader.options import course_option
from grader.report import atomic_write

_grades_argument = click.argument("grades", type=click.Path())
_out_option = click.option("--out", required=True, type=click.Path(dir_okay=False),
                          help="the CSV file to write (replaced whole, never left half-written)")
_allow_unmatched_option = click.option("--allow-unmatched", is_flag=True,
                                      help="leave out submissions no roster student matches, instead of stopping")


@click.group("export")
def export() -> None:
    """Grades into an LMS: the CSV that Canvas's or Moodle's gradebook import reads."""


@export.command("canvas")
@_grades_argument
@click.option("--roster", required=True, type=click.Path(dir_okay=False),
              help="the gradebook CSV exported from Canvas (Grades > Export): its students and assignments")
@_out_option
@click.option("--columns", type=click.Choice(["topics", "total"]), default="topics", show_default=True,
              help="one column per topic, or one for the total")
@click.option("--assignment", "assignments", multiple=True, metavar='TOPIC="Title (id)"',
              help="the Canvas assignment a topic (or 'total') fills, over course.yml's lms.canvas_assignments "
                   "(repeatable)")
@click.option("--match-on", type=click.Choice(list(MATCH_ON)), default="sis_login", show_default=True,
              help="the roster column a submission folder's name is: SIS Login ID, SIS User ID, Canvas ID, or name")
@click.option("--missing", type=click.Choice(["blank", "zero"]), default="blank", show_default=True,
              help="what a roster student without a submission gets (blank: Canvas keeps their grade)")
@_allow_unmatched_option
@course_option
def canvas_command(grades: str, roster: str, out: str, columns: str, assignments: tuple[str, ...], match_on: str,
                   missing: str, allow_unmatched: bool, course_file: str | None) -> None:
    """Write Canvas's gradebook import CSV: the roster's students, a column per topic, Points Possible."""
    course = find_course(course_file)
    result = canvas_csv(read_gradebook(Path(grades)), read_canvas_roster(Path(roster)),
                        titles={t.id: t.title for t in course.topics}, mapping=course.lms.canvas_assignments,
                        assignments=_pairs(assignments), columns=columns, match_on=match_on, missing=missing,
                        allow_unmatched=allow_unmatched)
    _write(Path(out), result)


@export.command("moodle")
@_grades_argument
@click.option("--id-field", required=True, type=click.Choice(list(ID_FIELDS)),
              help="the Moodle user field that identifies a student (Map to, on Moodle's import page)")
@click.option("--roster", type=click.Path(dir_okay=False),
              help="a user CSV exported from Moodle, to find each folder's ID field [default: the folder name is it]")
@_out_option
@click.option("--feedback", is_flag=True, help="add a 'Feedback for <topic>' column after each topic's grade")
@_allow_unmatched_option
@course_option
def moodle_command(grades: str, id_field: str, roster: str | None, out: str, feedback: bool, allow_unmatched: bool,
                   course_file: str | None) -> None:
    """Write a CSV for Moodle's grade import: an identifier, a grade per topic and its feedback."""
    course = find_course(course_file)
    result = moodle_csv(read_gradebook(Path(grades)), id_field=id_field,
                        roster=read_moodle_roster(Path(roster)) if roster else None,
                        titles={t.id: t.title for t in course.topics}, feedback=feedback,
                        allow_unmatched=allow_unmatched)
    _write(Path(out), result)


def _pairs(assignments: tuple[str, ...]) -> dict[str, str]:
    """``--assignment TOPIC="Title (id)"`` options as a dict (a usage error where one has no ``=``)."""
    pairs = {}
    for option in assignments:
        topic, sep, column = option.partition("=")
        if not sep or not topic.strip() or not column.strip():
            raise click.BadParameter(f'{option!r} is not TOPIC="Title (id)"', param_hint="--assignment")
        pairs[topic.strip()] = column.strip()
    return pairs


def _write(out: Path, result: Export) -> None:
    """Write the export atomically and say, on one line, what was written."""
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        atomic_write(out, result.text)
    except OSError as exc:
        raise GradesError(f"{out}: cannot write ({exc.strerror or exc})") from None
    left_out = (f"; left out {len(result.unmatched)} unmatched submission(s): {', '.join(map(repr, result.unmatched))}"
                if result.unmatched else "")
    click.echo(f"wrote {out}: {result.students} students, {len(result.columns)} column(s) "
               f"({', '.join(result.columns)}){left_out}")
