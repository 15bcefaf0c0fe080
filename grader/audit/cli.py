"""``dlgrade audit``: a thin click layer over :func:`grader.audit.run.audit` and its report."""

from __future__ import annotations

import json
import os
from pathlib import Path

import click
from rich.console import Console
from rich.progress import Progress

from grader.audit.report import audit_json, audit_notes, audit_table, write_audit
from grader.audit.run import audit
from grader.course import find_course
from grader.options import FolderToWrite, course_option

__all__ = ["audit_command"]

console = Console(highlight=False)


@click.command("audit")
@click.option("--topic", "topics", multiple=True, help="audit only this topic (repeatable)")
@click.option("--jobs", type=click.IntRange(min=1), default=None, help="gradings in parallel [default: usable cores]")
@click.option("--out", default="audit", show_default=True, type=FolderToWrite(),
              help="folder for audit.json, audit.md and the cache of results (.cache)")
@click.option("--json", "as_json", is_flag=True, help="print audit.json to stdout instead of the table")
@course_option
def audit_command(topics: tuple[str, ...], jobs: int | None, out: str, as_json: bool, course_file: str | None) -> None:
    """Grade generated mutants of each reference: which mistakes do the tests miss?"""
    course = find_course(course_file)
    with Progress(console=Console(stderr=True), transient=True, disable=as_json) as progress:
        task = progress.add_task("grading mutants", total=None)
        audits = audit(course, topics or None, jobs=jobs or len(os.sched_getaffinity(0)), cache=Path(out) / ".cache",
                       on_progress=lambda done, total: progress.update(task, completed=done, total=total))
    json_path, markdown_path = write_audit(audits, Path(out))
    if as_json:
        click.echo(json.dumps(audit_json(audits), indent=2, ensure_ascii=False))
        return
    console.print(audit_table(audits))
    for note in (n for a in audits for n in audit_notes(a)):
        console.print(note, markup=False, soft_wrap=True)
    survivors = sum(o.counts for a in audits for o in a.mutants)
    console.print(f"{survivors} survivor(s) count against the score; their diffs are in {markdown_path}; "
                  f"wrote {json_path}", markup=False)
