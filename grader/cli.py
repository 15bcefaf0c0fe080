"""The ``dlgrade`` command: a thin click layer over :mod:`grader`'s functions."""

from __future__ import annotations

import importlib
import json
import os
import re
import sys
from pathlib import Path

import click
from rich.console import Console

from grader.cache import ResultCache
from grader.course import find_course
from grader.errors import DlgradeError
from grader.grading import grade, student_folders
from grader.machine import resolve_device
from grader.options import FolderToWrite, course_option
from grader.progress import reporter
from grader.report import grader_errors, summary_table, write_report
from grader.scoring import Report, TopicResult

console = Console(highlight=False)
class _Device(click.ParamType):
    """``--device``: ``cpu``, ``cuda``, ``cuda:N`` (N a device index) or ``auto``.

    Only the spelling is checked here; whether the machine that grades has the device is
    :func:`grader.machine.resolve_device`'s to say (on a Dask cluster, the workers').
    """

    name = "device"

    def convert(self, value, param, ctx):
        if isinstance(value, str) and re.fullmatch(r"cpu|cuda|cuda:\d+|auto", value):
            return value
        self.fail(f"{value!r} is not a device: cpu, cuda, cuda:N (N = 0, 1, ...) or auto", param, ctx)


class _Group(click.Group):
    """Report a DlgradeError as one line (one per problem, where it lists several) and exit status 1, like
    click's ClickException. The commands that work from a grades folder are imported when run
    (click's lazy subcommands): they bring matplotlib, jinja2 and copydetect, which ``dlgrade
    grade`` on a cached class must not wait for."""

    _LAZY = {"audit": "grader.audit.cli:audit_command", "export": "grader.exports.cli:export", "gradescope": "grader.gradescope.cli:gradescope_group",
             "new": "grader.authoring.cli:new_group", "report": "grader.analytics.cli:report_command",
             "similarity": "grader.similarity.cli:similarity_command"}

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted([*super().list_commands(ctx), *self._LAZY])

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        if name in self._LAZY:
            module, attribute = self._LAZY[name].split(":")
            return getattr(importlib.import_module(module), attribute)
        return super().get_command(ctx, name)

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except DlgradeError as exc:
            for line in str(exc).splitlines() or [""]:  # several problems (course.yml's): each on its own line
                click.echo(f"Error: {line}", err=True)
            sys.exit(1)


@click.group(cls=_Group)
@click.version_option(package_name="dlgrade")
def main() -> None:
    """dlgrade: auto-graded exercises for Dive into Deep Learning (PyTorch)."""


@main.command("check")
@click.argument("topics", nargs=-1)
@click.option("--dir", "folder", default="exercises", show_default=True, type=click.Path(file_okay=False),
              help="folder holding your <topic>.py files")
@course_option
def check_command(topics: tuple[str, ...], folder: str, course_file: str | None) -> None:
    """Run the public tests on your exercises and show what fails, with the failing input."""
    from grader.checks import check  # torch: only the commands that run tests import it

    results = check(find_course(course_file), Path(folder), topics or None)
    for topic in results:
        _print_topic(topic)
    passed = sum(t.passed for r in results for t in r.tests)
    total = sum(len(r.tests) for r in results)
    console.print(f"\n{passed} of {total} public tests passed")
    sys.exit(0 if passed == total else 1)


def _print_topic(topic: TopicResult) -> None:
    style = "green" if all(t.passed for t in topic.tests) else "red"
    console.print(f"\n[bold]{topic.id}[/bold] [{style}]{topic.status}[/{style}]")
    if topic.status != "graded":
        console.print(f"  {topic.message}", markup=False)
        return
    for function in dict.fromkeys(t.function for t in topic.tests):
        tests = [t for t in topic.tests if t.function == function]
        ok = sum(t.passed for t in tests)
        mark = "[green]✓[/green]" if ok == len(tests) else "[red]✗[/red]"
        console.print(f"  {mark} {function}: {ok}/{len(tests)} tests passed")
        for t in tests:
            if not t.passed:
                console.print(f"      {t.name}:", style="red")
                console.print("\n".join("        " + line for line in t.message.splitlines()), markup=False)


@main.command("grade")
@click.argument("submissions", required=False, type=click.Path(file_okay=False))
@click.option("--out", default="grades", show_default=True, type=FolderToWrite(),
              help="folder for gradebook.csv, gradebook.json and feedback/")
@click.option("--device", default="cpu", show_default=True, type=_Device(),
              help="where the tests put their inputs: cpu, cuda, cuda:N (the Nth GPU) or auto (cuda if there is one)")
@click.option("--topic", "topics", multiple=True, help="grade only this topic (repeatable)")
@click.option("--jobs", type=click.IntRange(min=1), default=None,
              help="student-topics graded in parallel [default: usable cores]")
@click.option("--seed", "grading_seed", type=int, envvar="DLGRADE_SEED",
              help="secret seed of the hidden tests' examples [default: $DLGRADE_SEED, else course.yml's "
                   "settings.grading_seed, else none: the same examples every run]; prefer $DLGRADE_SEED, "
                   "as a command line is visible to every process")
@click.option("--unsafe", is_flag=True,
              help="grade even where no sandbox can keep submissions from the course's files (trusted code only)")
@click.option("--cache", "cache_dir", type=FolderToWrite(),
              help="results of earlier runs, reused when nothing that decides them changed [default: OUT/.cache]")
@click.option("--no-cache", is_flag=True, help="grade everything again (the cache is still written)")
@click.option("--no-replay", is_flag=True,
              help="draw every property test's examples anew for each student, as plain pytest does, instead of "
                   "replaying those drawn once on the reference (slower; the same results)")
@click.option("--scheduler", envvar="DLGRADE_SCHEDULER",
              help="Dask scheduler whose workers grade, e.g. tcp://host:8786 [default: $DLGRADE_SCHEDULER, else "
                   "course.yml's settings.scheduler, else this machine]")
@click.option("--quiet", "mode", flag_value="quiet", help="print nothing; the exit status tells")
@click.option("--json-lines", "mode", flag_value="json-lines",
              help="print one JSON object per graded student-topic, for scripts")
@course_option
def grade_command(submissions: str | None, out: str, device: str, topics: tuple[str, ...], jobs: int | None,
                  grading_seed: int | None, unsafe: bool, cache_dir: str | None, no_cache: bool, no_replay: bool,
                  scheduler: str | None, mode: str | None, course_file: str | None) -> None:
    """Grade every submission folder (default: the course's examples/class) into a gradebook."""
    course = find_course(course_file)
    if grading_seed is not None:
        course = course.with_settings(grading_seed=grading_seed)
    folder = Path(submissions) if submissions else course.root / "examples" / "class"
    chosen = [course.topic(t).id for t in topics] or [t.id for t in course.topics]
    scheduler = scheduler or course.settings.scheduler
    if scheduler is None:  # a missing GPU is one line before the progress bar starts (a cluster's workers check)
        device = resolve_device(device)
    cache = ResultCache(Path(cache_dir) if cache_dir else Path(out) / ".cache")
    with reporter(mode or "progress", console, len(student_folders(folder)), chosen) as on_result:
        report = grade(course, folder, device=device, topics=chosen, jobs=jobs or len(os.sched_getaffinity(0)),
                       on_result=on_result, unsafe=unsafe, cache=cache, refresh=no_cache, scheduler=scheduler,
                       replay=not no_replay)
    _write_outputs(report, Path(out))
    if mode == "json-lines":
        print(json.dumps({"gradebook": str(Path(out) / "gradebook.json"), "students": len(report.students),
                          "sandbox": report.sandbox}))
    elif mode is None:
        console.print(summary_table(report))
        for line in grader_errors(report):  # broken tests: their points were given, the instructor must know
            console.print(line, style="yellow", markup=False, soft_wrap=True)
        console.print(f"sandbox: {report.sandbox}")
        console.print(f"wrote {Path(out) / 'gradebook.csv'}, {Path(out) / 'gradebook.json'}, "
                      f"{len(report.students)} feedback files in {Path(out) / 'feedback'} and the class report "
                      f"{Path(out) / 'report.html'}")


def _write_outputs(report: Report, out: Path) -> None:
    """The gradebooks, the feedback and the class report. The report is made again only where the
    gradebook changed (or it is missing): drawing it takes seconds, and a regrade with everything
    cached takes under one."""
    before = _read_bytes(out / "gradebook.json")
    write_report(report, out)
    if before != _read_bytes(out / "gradebook.json") or not (out / "report.html").is_file():
        from grader.analytics.class_report import write_class_report  # matplotlib: only where it draws

        write_class_report(report, out / "report.html")


def _read_bytes(path: Path) -> bytes | None:
    try:
        return path.read_bytes()
    except OSError:
        return None


@main.command("validate")
@click.option("--jobs", type=click.IntRange(min=1), default=None,
              help="gradings in parallel [default: usable cores]")
@course_option
def validate_command(jobs: int | None, course_file: str | None) -> None:
    """Check that references earn full marks, stubs earn 0 and course.yml matches the modules."""
    from grader.checks import validate

    results = validate(find_course(course_file), jobs=jobs or len(os.sched_getaffinity(0)))
    for r in results:
        mark = "[green]✓[/green]" if not r.problems else "[red]✗[/red]"
        console.print(f"{mark} {r.topic}: {r.tests} tests, reference {r.reference:g}/{r.points:g}, "
                      f"stub {r.stub:g}/{r.points:g}")
        for problem in r.problems:  # one line each, however narrow the terminal: a line names its culprit
            console.print(f"    {problem}", markup=False, soft_wrap=True)
    if any(r.problems for r in results):
        raise DlgradeError(f"{sum(bool(r.problems) for r in results)} topic(s) failed validation")


@main.command("release")
@click.option("--out", required=True, type=click.Path(file_okay=False),
              help="folder for the student bundle: new, or empty")
@course_option
def release_command(out: str, course_file: str | None) -> None:
    """Write the student bundle: stubs, public tests, course.yml without secrets, README, wheel."""
    from grader.release import release

    bundle = release(find_course(course_file), Path(out))
    console.print(f"wrote the student bundle {bundle} (no solution, no hidden test)", markup=False)


@main.group("nbgrader")
def nbgrader_group() -> None:
    """Jupyter classrooms: the course as nbgrader notebooks, and submitted notebooks to grade."""


@nbgrader_group.command("generate")
@click.option("--out", required=True, type=FolderToWrite(),
              help="nbgrader course root to write (nbgrader_config.py and source/<topic>/<topic>.ipynb)")
@course_option
def nbgrader_generate_command(out: str, course_file: str | None) -> None:
    """Write the course's topics as nbgrader source notebooks, with solutions and hidden tests."""
    from grader.notebook.generate import nbgrader_course

    notebooks = nbgrader_course(find_course(course_file), Path(out))
    console.print(f"wrote {len(notebooks)} notebooks under {Path(out) / 'source'} and "
                  f"{Path(out) / 'nbgrader_config.py'}; next, in {out}: nbgrader generate_assignment <topic>",
                  markup=False)


@nbgrader_group.command("import")
@click.argument("submitted", type=click.Path(file_okay=False))
@click.option("--out", required=True, type=FolderToWrite(),
              help="submissions folder to write, one <student>/<topic>.py per notebook, for dlgrade grade")
@course_option
def nbgrader_import_command(submitted: str, out: str, course_file: str | None) -> None:
    """Turn nbgrader's submitted/<student>/<topic>/<topic>.ipynb into a submissions folder."""
    from grader.notebook.submitted import import_submitted

    imported = import_submitted(find_course(course_file), Path(submitted), Path(out))
    for notebook in imported:
        if notebook.problem:
            console.print(f"{notebook.student}/{notebook.topic}: {notebook.problem} (graded as import_error)",
                          markup=False)
        elif notebook.dropped:
            console.print(f"{notebook.student}/{notebook.topic}: left out {len(notebook.dropped)} IPython "
                          "line(s), noted in the feedback", markup=False)
    students = len({n.student for n in imported})
    console.print(f"wrote {len(imported)} modules of {students} students to {out}; next: dlgrade grade {out}",
                  markup=False)


@nbgrader_group.command("writeback")
@click.argument("gradebook_json", type=click.Path(dir_okay=False))
@click.option("--root", required=True, type=click.Path(file_okay=False),
              help="nbgrader course root (gradebook.db, and submitted/ for the submission times)")
@click.option("--db", "db_url", help="nbgrader database URL [default: sqlite:///ROOT/gradebook.db, as nbgrader's]")
def nbgrader_writeback_command(gradebook_json: str, root: str, db_url: str | None) -> None:
    """Write dlgrade grade's scores into nbgrader's gradebook, where nbgrader export reads them."""
    from grader.notebook.writeback import write_back

    db_url = db_url or f"sqlite:///{Path(root).resolve() / 'gradebook.db'}"
    result = write_back(Path(gradebook_json), db_url, Path(root) / "submitted")
    for problem in result.problems:
        console.print(problem, markup=False)
    students = len({w.student for w in result.written})
    # the URL is not echoed: one given with --db may hold a password
    console.print(f"wrote {len(result.written)} submissions of {students} students into the nbgrader gradebook; "
                  f"next, in {root}: nbgrader export", markup=False)

