"""``dlgrade similarity``: a thin click layer over :func:`grader.similarity.find_similar`."""

from __future__ import annotations

from pathlib import Path

import click
from rich.console import Console

from grader.options import course_option
from grader.course import find_course
from grader.similarity.detect import DEFAULT_THRESHOLD, find_similar
from grader.similarity.report import flagged_table, write_similarity

__all__ = ["similarity_command"]

console = Console(highlight=False)


@click.command("similarity")
@click.argument("submissions", type=click.Path(file_okay=False))
@click.option("--out", default="similarity.html", show_default=True, type=click.Path(dir_okay=False),
              help="the HTML report to write (one self-contained file)")
@click.option("--threshold", type=click.FloatRange(0, 1), default=DEFAULT_THRESHOLD, show_default=True,
              help="flag a pair whose score (the larger share of one student's code found in the other's) "
                   "is at least this")
@click.option("--topic", "topics", multiple=True, help="compare only this topic (repeatable)")
@click.option("--boilerplate", multiple=True, type=click.Path(exists=True, file_okay=False),
              help="folder of code every student may use (the book's, the lectures'): its <topic>.py files "
                   "count as the stubs do, as nothing (repeatable)")
@course_option
def similarity_command(submissions: str, out: str, threshold: float, topics: tuple[str, ...],
                       boilerplate: tuple[str, ...], course_file: str | None) -> None:
    """Flag pairs of students whose code for a topic is suspiciously similar; write them side by side."""
    if not Path(out).absolute().parent.is_dir():  # before the work, not after it
        raise click.BadParameter(f"{out!r}: folder {str(Path(out).absolute().parent)!r} does not exist",
                                 param_hint="'--out'")
    result = find_similar(find_course(course_file), Path(submissions), topics=topics, threshold=threshold,
                          boilerplate=[Path(b) for b in boilerplate])
    write_similarity(result, Path(out))
    if result.pairs:
        console.print(flagged_table(result))
    compared = sum(t.pairs for t in result.topics)
    console.print(f"{len(result.pairs)} of {compared} pairs flagged; wrote {out}", markup=False, soft_wrap=True)
