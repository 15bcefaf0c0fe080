"""A topic notebook's cells as Python: what a student wrote, as the module ``dlgrade grade`` grades.

Shared by the kernel extension (the banned-call check of a notebook's own code) and by
``dlgrade nbgrader import`` (submitted notebooks to ``<topic>.py``), so both read the same code.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

__all__ = ["HIDDEN_BEGIN", "HIDDEN_END", "IMPORTS_ID", "SOLUTION_BEGIN", "SOLUTION_END", "module_source",
           "student_cells"]

SOLUTION_BEGIN, SOLUTION_END = "### BEGIN SOLUTION", "### END SOLUTION"
HIDDEN_BEGIN, HIDDEN_END = "BEGIN HIDDEN TESTS", "END HIDDEN TESTS"  # nbgrader matches them within a line
IMPORTS_ID = "imports"
_OWN_MAGICS = ("%load_ext grader.notebook", "%dlgrade_topic")


def student_cells(notebook: Any) -> list[str]:
    """The sources, in order, in an nbformat notebook, of the code cells that make up the student's module: the imports
    cell, the solution cells and any code cell the student added (no nbgrader role). Test cells
    and the course's locked support cells are left out."""
    cells = []
    for cell in notebook.cells:
        if cell.cell_type != "code":
            continue
        role = cell.metadata.get("nbgrader", {})
        own = not (role.get("grade") or role.get("solution") or role.get("locked"))
        if role.get("grade_id") == IMPORTS_ID or role.get("solution") or own:
            cells.append(cell.source)
    return cells


def module_source(cells: Iterable[str]) -> tuple[str, list[str]]:
    """The cells joined into one module, without IPython's syntax.

    Returns:
        The source, and the student's lines that were dropped: ``%`` line magics, ``!`` shell
        lines and whole ``%%`` cell-magic cells (the course's own magics go without a note).
    """
    kept, dropped = [], []
    for cell in cells:
        if cell.lstrip().startswith("%%"):
            if not cell.lstrip().startswith("%%dlgrade"):
                dropped.append(cell.lstrip().splitlines()[0] + " (the whole cell)")
            continue
        lines = []
        for line in cell.splitlines():
            if line.lstrip().startswith(("%", "!")):
                if not line.lstrip().startswith(_OWN_MAGICS):
                    dropped.append(line.strip())
                continue
            lines.append(line)
        kept.append("\n".join(lines).strip("\n"))
    return "\n\n\n".join(c for c in kept if c) + "\n", dropped

