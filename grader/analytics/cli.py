"""``dlgrade report``: the class report of a grades folder (registered in :mod:`grader.cli`)."""

from __future__ import annotations

from pathlib import Path

import click
from rich.console import Console

from grader.analytics.class_report import summary, write_class_report
from grader.gradebook import read_gradebook

__all__ = ["report_command"]


@click.command("report")
@click.argument("grades", type=click.Path(file_okay=False))
@click.option("--out", type=click.Path(dir_okay=False),
              help="the HTML file to write (default: GRADES/report.html)")
def report_command(grades: str, out: str | None) -> None:
    """Write the class report of GRADES (what `dlgrade grade --out` wrote) as one self-contained
    HTML file, and print the largest common mistakes."""
    report = read_gradebook(Path(grades))
    target = Path(out) if out else Path(grades) / "report.html"
    write_class_report(report, target)
    console = Console(highlight=False)  # made here, so it measures the terminal it prints to
    console.print(summary(report))
    console.print(f"wrote {target}", markup=False, soft_wrap=True)
