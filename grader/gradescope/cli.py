"""``dlgrade gradescope``: the command group, a thin layer over :mod:`grader.gradescope.build`.

grader/cli.py registers it (``main.add_command(gradescope_group)``); its DlgradeErrors reach
``dlgrade``'s group, which prints them on one line.
"""

from __future__ import annotations

from pathlib import Path

import click
from rich.console import Console

from grader.course import find_course
from grader.options import course_option

__all__ = ["gradescope_group"]

console = Console(highlight=False)


@click.group("gradescope")
def gradescope_group() -> None:
    """Gradescope: the course as an autograder that grades each submission in its container."""


@gradescope_group.command("build")
@click.option("--out", required=True, type=click.Path(dir_okay=False),
              help="the autograder zip to write (replaced whole where it exists); upload it to Gradescope")
@course_option
def build_command(out: str, course_file: str | None) -> None:
    """Write the Gradescope autograder zip: setup.sh, run_autograder, dlgrade's wheel, the course.

    The zip holds the solutions and the hidden tests: upload it to Gradescope, share it with no one.
    """
    from grader.gradescope.build import build_autograder, torch_requirement

    course = find_course(course_file)
    path = build_autograder(course, Path(out))
    console.print(f"wrote {path}: {len(course.topics)} topics, {torch_requirement()}; it holds the solutions "
                  "and hidden tests, upload it to Gradescope only", markup=False)
