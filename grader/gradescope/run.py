"""``python -m grader.gradescope.run``: what run_autograder runs in Gradescope's container.

It grades the submission in ``ROOT/submission`` with the course in ``ROOT/source/course`` (what
``dlgrade gradescope build`` zipped) and writes ``ROOT/results/results.json`` atomically. ROOT is
``/autograder``, Gradescope's, unless ``--root`` or ``$DLGRADE_GRADESCOPE_ROOT`` names another
(a test's fake root).

A topic is graded from ``<topic>.py``, else from ``<topic>.ipynb``, a notebook of ``dlgrade
nbgrader generate``, read as ``dlgrade nbgrader import`` reads it
(:func:`grader.notebook.submitted.import_submitted`). Students upload files, a folder or a
repository: each file is looked for at the top of the submission first, then in the shallowest
folder that has it (``exercises/norms.py``); hidden folders (``.git``, ``.ipynb_checkpoints``) and
``__MACOSX`` are skipped, and so are symbolic links, which could name the references on this
machine. Where the grader itself fails (a broken course), no results.json is written and the
exit status is 1: Gradescope then reports a failed autograder, not a score of 0.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from pathlib import Path

import click

from grader.course import Course, load_course
from grader.errors import DlgradeError, SubmissionsError
from grader.gradescope.results import grade_submission
from grader.notebook.submitted import import_submitted
from grader.report import atomic_write

__all__ = ["find_files", "main", "run", "stage_submission"]

_SKIPPED = ("__MACOSX", "__pycache__")


def run(root: Path, course_file: Path | None = None, jobs: int = 1) -> dict:
    """Grade ``root/submission``, write ``root/results/results.json`` and return its document.

    Args:
        course_file: the course.yml to grade with (default: ``root/source/course/course.yml``).
        jobs: topics graded in parallel.

    Raises:
        CourseError: the course cannot be loaded or its tests collected.
        SubmissionsError: ``root/submission`` is not a folder.
    """
    course = load_course(course_file or root / "source" / "course" / "course.yml")
    submission = root / "submission"
    if not submission.is_dir():
        raise SubmissionsError(f"gradescope: no submission folder {str(submission)!r}")
    with tempfile.TemporaryDirectory(prefix="dlgrade-gradescope-") as tmp:
        folder = Path(tmp) / "submissions" / "submission"
        folder.mkdir(parents=True)
        graded_files = stage_submission(course, submission, folder)
        results = grade_submission(course, folder.parent, jobs=jobs, graded_files=graded_files)
    # After grading, and whole: a submission that wrote results.json itself is overwritten.
    (root / "results").mkdir(parents=True, exist_ok=True)
    atomic_write(root / "results" / "results.json", json.dumps(results, indent=2, ensure_ascii=False) + "\n")
    return results


def stage_submission(course: Course, submission: Path, into: Path) -> dict[str, str]:
    """Write ``into/<topic>.py`` for each topic the submission has a file of (:func:`find_files`):
    a copy of ``<topic>.py``, or the module ``dlgrade nbgrader import`` makes of ``<topic>.ipynb``
    (with ``<topic>.notes`` where it left IPython lines out). Return topic id -> the submitted
    file's path relative to ``submission`` (``(none)`` where there is none), in course order.
    """
    found = find_files(course, submission)
    with tempfile.TemporaryDirectory(prefix="dlgrade-notebooks-") as tmp:
        notebooks = Path(tmp) / into.name  # import_submitted's layout: <student>/<topic>/<topic>.ipynb
        for topic, path in found.items():
            if path.suffix == ".py":
                shutil.copyfile(path, into / f"{topic}.py")
            else:
                (notebooks / topic).mkdir(parents=True)
                shutil.copyfile(path, notebooks / topic / f"{topic}.ipynb")
        if notebooks.is_dir():
            import_submitted(course, notebooks.parent, into.parent)
    return {t.id: found[t.id].relative_to(submission).as_posix() if t.id in found else "(none)"
            for t in course.topics}


def find_files(course: Course, submission: Path) -> dict[str, Path]:
    """Topic id -> the file to grade it from: the shallowest ``<topic>.py`` or ``<topic>.ipynb``
    under ``submission``, ``.py`` first at the same depth, then by path. Regular files only: a
    symbolic link, or a file in a linked, hidden or ``__MACOSX`` folder, is never graded."""
    names = {f"{t.id}{suffix}": t.id for t in course.topics for suffix in (".py", ".ipynb")}
    candidates: dict[str, list[tuple[int, int, str, Path]]] = {}
    for folder, dirs, files in os.walk(submission):  # os.walk does not enter linked folders
        dirs[:] = [d for d in dirs if not d.startswith(".") and d not in _SKIPPED]
        depth = len(Path(folder).relative_to(submission).parts)
        for name in files:
            path = Path(folder) / name
            if name in names and not path.is_symlink() and path.is_file():
                rank = (depth, 0 if name.endswith(".py") else 1, path.relative_to(submission).as_posix(), path)
                candidates.setdefault(names[name], []).append(rank)
    return {topic: min(ranks)[3] for topic, ranks in candidates.items()}


@click.command()
@click.option("--root", default="/autograder", envvar="DLGRADE_GRADESCOPE_ROOT", show_default=True,
              type=click.Path(file_okay=False), help="Gradescope's /autograder, or a folder laid out like it")
@click.option("--course", "course_file", type=click.Path(dir_okay=False),
              help="course.yml to grade with [default: ROOT/source/course/course.yml]")
@click.option("--jobs", type=click.IntRange(min=1), default=None,
              help="topics graded in parallel [default: usable cores]")
def main(root: str, course_file: str | None, jobs: int | None) -> None:
    """Grade ROOT/submission into ROOT/results/results.json (Gradescope's autograder)."""
    try:
        results = run(Path(root), Path(course_file) if course_file else None,
                      jobs or len(os.sched_getaffinity(0)))
    except DlgradeError as exc:
        raise click.ClickException(str(exc)) from None
    sandbox = results["extra_data"]["sandbox"]
    click.echo(f"dlgrade: score {results['score']:g}, {len(results['tests'])} results, sandbox {sandbox}; "
               f"wrote {Path(root) / 'results' / 'results.json'}")


if __name__ == "__main__":
    main()
