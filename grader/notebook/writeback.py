"""dlgrade's scores -> an nbgrader gradebook: ``dlgrade nbgrader writeback``.

A Jupyter class graded the recommended way (``nbgrader collect``, ``dlgrade nbgrader import``,
``dlgrade grade`` in the sandbox) has its scores in dlgrade's gradebook.json. This writes them
into nbgrader's gradebook database through nbgrader's public API, as nbgrader's own
``SaveAutoGrades`` preprocessor does after ``nbgrader autograde``: per student and topic, the
submission (and the student, if new) is created, and each grade cell ``test_<f>`` gets as
``auto_score`` the points the student's tests of ``f`` earned, so ``nbgrader export`` shows
them. The submission's time is nbgrader's own ``submitted/<student>/<topic>/timestamp.txt``
where there is one.

What nbgrader's autograde does and this does not: it runs no notebook, so it writes no
``autograded/`` notebook, and formgrader's assignment and notebook pages go on listing a
collected submission without one as not yet autograded (score 0), while its students page and
``nbgrader export`` show the written score; it assigns no late penalty (nbgrader's
``LateSubmissionPlugin`` runs inside autograde only).
"""

from __future__ import annotations

import json
import warnings
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from types import SimpleNamespace

from grader.errors import WritebackError

__all__ = ["WriteBack", "WrittenSubmission", "write_back"]

_TEST_CELL = "test_"  # grade cell ``test_<f>`` holds the tests of function f (grader.notebook.generate)


@dataclass(frozen=True)
class WrittenSubmission:
    """One student's topic as nbgrader now holds it: ``score`` is the submission's score
    read back from nbgrader (the sum of its grade cells), ``timestamp`` the submission time
    nbgrader records (None if it has none)."""

    student: str
    topic: str
    score: float
    timestamp: datetime | None


@dataclass(frozen=True)
class WriteBack:
    """What :func:`write_back` wrote, and one line per thing it left out and why."""

    written: tuple[WrittenSubmission, ...]
    problems: tuple[str, ...]


def write_back(gradebook: dict | Path, db_url: str, submitted: Path | None = None) -> WriteBack:
    """Write gradebook.json's scores into the nbgrader gradebook at ``db_url``.

    For every topic of ``gradebook`` that is an nbgrader assignment (with a notebook of the
    same name), and every student: create the submission (and the student) if needed and set
    each grade cell ``test_<f>``'s ``auto_score`` to the points the student's tests of ``f``
    earned (rounded to 4 decimals, as dlgrade rounds; never above the cell's points). A manual
    score already given is kept, and the cell stays flagged for review, as after nbgrader's
    autograde. Writing twice gives the same gradebook.

    Args:
        gradebook: gradebook.json as written by ``dlgrade grade``, or its parsed document.
        db_url: nbgrader's database URL, e.g. ``sqlite:///<course root>/gradebook.db``.
        submitted: nbgrader's ``submitted/`` folder, whose ``<student>/<topic>/timestamp.txt``
            gives the submission time; None records none.

    Returns:
        The submissions written, and a line for each topic, grade cell or timestamp left out.

    Raises:
        WritebackError: nbgrader is not installed; gradebook.json is unreadable or not
            dlgrade's; the database is missing (a sqlite file) or cannot be opened.
    """
    nbgrader = _nbgrader()
    earned = _earned(gradebook)
    written: list[WrittenSubmission] = []
    problems: list[str] = []
    with _open(nbgrader, db_url) as nb, warnings.catch_warnings():
        # nbgrader's add_submission builds the submission's rows before adding them to its session,
        # so SQLAlchemy's autoflush warns that it cannot add them yet; they are added just after.
        warnings.simplefilter("ignore", nbgrader.SAWarning)
        for topic, students in earned.items():
            try:
                cells = _grade_cells(nb, topic)
            except nbgrader.MissingEntry:
                problems.append(f"{topic}: no nbgrader assignment {topic!r} with notebook {topic}.ipynb in the "
                                f"gradebook (nbgrader generate_assignment {topic}); its scores were not written")
                continue
            functions = set().union(*(points.keys() for points in students.values()))
            problems += [f"{topic}: no grade cell '{_TEST_CELL}{f}' in nbgrader's notebook; {f}'s points not written"
                         for f in sorted(functions - cells.keys())]
            problems += [f"{topic}: grade cell '{_TEST_CELL}{f}' has no dlgrade tests; left as it was"
                         for f in sorted(cells.keys() - functions)]
            for student, points in students.items():
                timestamp = _timestamp(nbgrader.parse_utc, submitted, student, topic, problems)
                written.append(_write(nb, topic, student, points, timestamp))
    return WriteBack(tuple(written), tuple(problems))


def _read_gradebook(path: Path) -> dict:
    """The document of a gradebook.json file.

    Raises:
        WritebackError: the file cannot be read or is not JSON.
    """
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise WritebackError(f"{path}: cannot read a gradebook.json ({type(exc).__name__}: {exc})") from None


def _earned(gradebook: dict | Path) -> dict[str, dict[str, dict[str, float]]]:
    """topic -> student -> function -> points the student's passed tests of it are worth."""
    document = gradebook if isinstance(gradebook, dict) else _read_gradebook(gradebook)
    earned: dict[str, dict[str, dict[str, float]]] = {}
    try:
        for student in document["students"]:
            for topic in student["topics"]:
                points: dict[str, float] = {}
                for test in topic["tests"]:
                    points[test["function"]] = points.get(test["function"], 0.0) + test["weight"] * bool(test["passed"])
                earned.setdefault(topic["id"], {})[student["id"]] = {f: round(p, 4) for f, p in points.items()}
    except (KeyError, TypeError) as exc:
        where = gradebook if isinstance(gradebook, Path) else "gradebook"
        raise WritebackError(f"{where}: not a dlgrade gradebook.json ({type(exc).__name__}: {exc})") from None
    return earned


def _nbgrader() -> SimpleNamespace:
    """What this module uses of nbgrader (and SQLAlchemy, which comes with it), imported late:
    nbgrader is a test dependency of dlgrade, not a runtime one."""
    try:
        from nbgrader.api import Gradebook, MissingEntry
        from nbgrader.utils import parse_utc
        from sqlalchemy.engine import make_url
        from sqlalchemy.exc import ArgumentError, SAWarning, SQLAlchemyError
    except ImportError:
        raise WritebackError("dlgrade nbgrader writeback needs nbgrader: pip install nbgrader") from None
    return SimpleNamespace(Gradebook=Gradebook, MissingEntry=MissingEntry, parse_utc=parse_utc, make_url=make_url,
                           ArgumentError=ArgumentError, SAWarning=SAWarning, SQLAlchemyError=SQLAlchemyError)


def _open(nbgrader: SimpleNamespace, db_url: str):
    """nbgrader's Gradebook on ``db_url``; a missing sqlite file is an error, as nbgrader would
    silently create an empty database there."""
    try:
        url = nbgrader.make_url(db_url)
    except nbgrader.ArgumentError:
        raise WritebackError(f"{db_url!r}: not a database URL (expected e.g. sqlite:///gradebook.db)") from None
    if url.get_backend_name() == "sqlite" and not (url.database and Path(url.database).is_file()):
        raise WritebackError(f"nbgrader gradebook {url.database!r} does not exist: run nbgrader generate_assignment "
                             "in the course root first")
    try:
        return nbgrader.Gradebook(db_url)
    except nbgrader.SQLAlchemyError as exc:
        raise WritebackError(f"cannot open the nbgrader gradebook {db_url}: {str(exc).splitlines()[0]}") from None


def _grade_cells(nb, topic: str) -> dict[str, float]:
    """function -> points of the grade cells ``test_<f>`` of assignment ``topic``'s notebook
    ``topic``; nbgrader's MissingEntry if there is no such notebook."""
    return {cell.name.removeprefix(_TEST_CELL): cell.max_score for cell in nb.find_notebook(topic, topic).grade_cells
            if cell.name.startswith(_TEST_CELL)}


def _timestamp(parse_utc, submitted: Path | None, student: str, topic: str, problems: list[str]) -> datetime | None:
    """The time in nbgrader's ``submitted/<student>/<topic>/timestamp.txt``, parsed as nbgrader
    parses it; None if there is no such file, it is empty, or (noted) it is not a time."""
    path = submitted / student / topic / "timestamp.txt" if submitted else None
    if path is None or not path.is_file():
        return None
    text = path.read_text(encoding="utf-8", errors="replace").strip()
    try:
        return parse_utc(text) if text else None
    except (ValueError, OverflowError):
        problems.append(f"{student}/{topic}: {path} is not a time ({text[:40]!r}); submission time not written")
        return None


def _write(nb, topic: str, student: str, points: dict[str, float], timestamp: datetime | None
           ) -> WrittenSubmission:
    """Set the student's grade cells of ``topic`` to ``points`` (as nbgrader's SaveAutoGrades
    sets ``auto_score``), commit, and read the submission back."""
    nb.update_or_create_student(student)
    submission = nb.update_or_create_submission(topic, student, **({"timestamp": timestamp} if timestamp else {}))
    for grade in nb.find_submission_notebook(topic, topic, student).grades:
        function = grade.name.removeprefix(_TEST_CELL)
        if grade.name.startswith(_TEST_CELL) and function in points:
            grade.auto_score = min(points[function], grade.max_score)
            # SaveAutoGrades' rule: a grader's manual score outranks ours, so flag it for review.
            grade.needs_manual_grade = grade.manual_score is not None
    nb.db.commit()
    return WrittenSubmission(student, topic, submission.score, submission.timestamp)
