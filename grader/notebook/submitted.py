"""Submitted notebooks -> submission folders: ``dlgrade nbgrader import``.

nbgrader's ``submitted/<student>/<topic>/<topic>.ipynb`` becomes ``<out>/<student>/<topic>.py``:
the notebook's imports cell, solution cells and the student's own code cells, in order
(:func:`grader.notebook.cells.student_cells`), so that ``dlgrade grade`` grades Jupyter
submissions in its sandbox. Lines that are IPython, not Python (``%magic``, ``!shell``), are
left out and listed in ``<topic>.notes``, which the feedback shows. A notebook that cannot be
read becomes a module that raises on import, so its topic is graded ``import_error`` with the
reason.
"""

from __future__ import annotations

import ast
import copy
from dataclasses import dataclass
from pathlib import Path

import nbformat
from nbformat import NotebookNode

from grader.course import Course
from grader.errors import SubmissionsError
from grader.notebook.cells import IMPORTS_ID, module_source, student_cells

__all__ = ["ImportedNotebook", "fill_notebook", "import_submitted"]


@dataclass(frozen=True)
class ImportedNotebook:
    """One submitted notebook turned into ``path``; ``problem`` says why it could not be read
    (empty if it could), ``dropped`` the IPython lines left out."""

    student: str
    topic: str
    path: Path
    problem: str = ""
    dropped: tuple[str, ...] = ()


def import_submitted(course: Course, submitted: Path, out: Path) -> list[ImportedNotebook]:
    """Write ``out/<student>/<topic>.py`` for every ``submitted/<student>/<topic>/<topic>.ipynb``
    of a topic in ``course``; a topic without its notebook is left out (``dlgrade grade`` then
    scores it ``missing``). Student folders are created even when empty, so a student who
    submitted nothing still gets a row.

    Raises:
        SubmissionsError: ``submitted`` is not a folder.
    """
    if not submitted.is_dir():
        raise SubmissionsError(f"nbgrader submitted folder {str(submitted)!r} does not exist")
    imported = []
    for student in sorted(p for p in submitted.iterdir() if p.is_dir() and not p.name.startswith((".", "_"))):
        (out / student.name).mkdir(parents=True, exist_ok=True)
        for topic in course.topics:
            notebook = student / topic.id / f"{topic.id}.ipynb"
            if notebook.is_file():
                imported.append(_import_notebook(notebook, out / student.name / f"{topic.id}.py", student.name,
                                                 topic.id))
    return imported


def _import_notebook(notebook: Path, target: Path, student: str, topic: str) -> ImportedNotebook:
    target.with_suffix(".notes").unlink(missing_ok=True)
    try:
        cells = student_cells(nbformat.read(notebook, as_version=4))
    except Exception as exc:  # a corrupted notebook is the student's result, not the grader's failure
        problem = f"{notebook.name} could not be read as a notebook ({type(exc).__name__}: {_first_line(exc)})"
        target.write_text(f"# dlgrade nbgrader import: {problem}\nraise ImportError({problem!r})\n", encoding="utf-8")
        return ImportedNotebook(student, topic, target, problem)
    source, dropped = module_source(cells)
    target.write_text(source, encoding="utf-8")
    if dropped:
        target.with_suffix(".notes").write_text(
            f"{notebook.name}: these lines are IPython, not Python, and were left out of the graded module:\n"
            + "\n".join(dropped) + "\n", encoding="utf-8")
    return ImportedNotebook(student, topic, target, dropped=tuple(dropped))


def _first_line(exc: Exception) -> str:
    return (str(exc).strip().splitlines() or [""])[0][:300]


def fill_notebook(released: NotebookNode, source: str) -> NotebookNode:
    """``released`` (a topic's student notebook) as a student who wrote ``source`` (a
    ``<topic>.py``) would submit it: each solution cell holds the module's definition of its
    name (the stub stays where the module has none), and the module's other code goes in a cell
    of its own after the imports cell. A module that does not parse goes whole in that cell.
    For tests and benchmarks that grade the same code as notebooks and as modules.
    """
    notebook = nbformat.from_dict(copy.deepcopy(released))
    solution_ids = {c.metadata.get("nbgrader", {}).get("grade_id") for c in notebook.cells
                    if c.metadata.get("nbgrader", {}).get("solution")}
    try:
        tree = ast.parse(source)
    except SyntaxError:
        definitions, rest = {}, source
    else:
        lines = source.splitlines(keepends=True)

        def segment(node: ast.stmt) -> str:
            first = min([node.lineno, *(d.lineno for d in getattr(node, "decorator_list", []))])
            return "".join(lines[first - 1:node.end_lineno])

        definitions = {n.name: segment(n) for n in tree.body
                       if isinstance(n, (ast.FunctionDef, ast.ClassDef)) and n.name in solution_ids}
        rest = "\n".join(segment(n) for n in tree.body
                         if not (isinstance(n, (ast.FunctionDef, ast.ClassDef)) and n.name in definitions)
                         and not (isinstance(n, ast.ImportFrom) and n.module == "__future__"))
    for cell in notebook.cells:
        role = cell.metadata.get("nbgrader", {})
        if role.get("solution") and role.get("grade_id") in definitions:
            cell.source = definitions[role["grade_id"]].rstrip("\n")
    at = next(i for i, c in enumerate(notebook.cells) if c.metadata.get("nbgrader", {}).get("grade_id") == IMPORTS_ID)
    notebook.cells.insert(at + 1, nbformat.v4.new_code_cell(rest))
    return notebook
