"""``dlgrade new``: a thin click layer over :func:`grader.authoring.new_topic`."""

from __future__ import annotations

from pathlib import Path

import click
from rich.console import Console

from grader.authoring.scaffold import new_topic
from grader.course import find_course
from grader.options import course_option

__all__ = ["new_group"]

console = Console(highlight=False)


@click.group("new")
def new_group() -> None:
    """Start something new in the course from templates that follow its conventions."""


@new_group.command("topic")
@click.argument("topic_id", metavar="ID")
@click.option("--title", help="the topic's title [default: ID in words]")
@click.option("--d2l", "section", metavar="SECTION", help="the book's section, e.g. 5.6 [default: TODO, a placeholder]")
@click.option("--points", metavar="N", type=click.FloatRange(min=0, min_open=True), default=10.0, show_default=True,
              help="the topic's points")
@course_option
def new_topic_command(topic_id: str, title: str | None, section: str | None, points: float,
                      course_file: str | None) -> None:
    """Scaffold topic ID: its course.yml entry, stub, reference, tests and mutant catalog.

    The new topic is a working example, one function ``scale``, that ``dlgrade validate`` passes;
    replace it with the topic's own functions. No existing file is overwritten.
    """
    # find_course picks the course as every command does (--course, ./course.yml, the installed one)
    path = Path(course_file) if course_file else find_course().root / "course.yml"
    scaffold = new_topic(path, topic_id, title=title, d2l=section, points=points)
    root = path.resolve().parent
    console.print(f"added topic {topic_id!r} to {path} and wrote:", markup=False, soft_wrap=True)
    for file in scaffold.files:
        console.print(f"  {file.relative_to(root)}", markup=False, soft_wrap=True)
    console.print(f"next: replace the example function scale in these files with the topic's own, then run "
                  f"dlgrade validate and dlgrade audit --topic {topic_id}", markup=False, soft_wrap=True)
