"""Grading on a Dask cluster (grader.distributed) gives exactly this machine's results, sandboxed.

A ``distributed.LocalCluster`` of two worker processes grades a small class: full marks, a
SyntaxError, a banned call, a ``.notes`` file, and an adversarial case whose attack imports or
reads the reference from its sys.path (on a worker, the unpacked course is there); neither of
its folders holds an autograd.py (missing). The class is graded once on this machine
(``jobs=1``), then through ``run_on_dask``, ``grade(scheduler=...)`` and ``dlgrade grade
--scheduler``: every result must be the same. A course copy with fewer Hypothesis examples
keeps the module near 60 s on 2 cores.
"""

from __future__ import annotations

import inspect
import io
import json
import operator
import shutil
import socket
import sys
import zipfile
from collections.abc import Iterator
from dataclasses import replace
from importlib import metadata
from pathlib import Path

import pytest
from click.testing import CliRunner
from distributed import Client, LocalCluster

import grader.distributed
import grader.machine
from grader.cli import main
from grader.course import Course, Function, Topic, load_course
from grader.distributed import _pack_course, collect, run_on_dask
from grader.errors import CourseError, SandboxError, SchedulerError
from grader.grading import grade
from grader.isolation.sandbox import Sandbox
from grader.report import gradebook_json
from grader.scoring import Report, StudentResult, TopicResult
from tests.grader.courses import ENGINE, course_copy

COURSE_ROOT = Path(__file__).resolve().parents[2]
STUDENTS = ("ada", "hana", "kim")  # full marks; a SyntaxError in autograd.py; torch.softmax
TOPICS = ("autograd", "softmax")
CASE = "read_via_syspath"  # the adversarial case: its attack and its honest twin
NOTES = "cell 4 was Markdown and was left out"


@pytest.fixture(scope="module")
def course(tmp_path_factory: pytest.TempPathFactory) -> Course:
    """A copy of the course with fewer examples and shorter limits (course.yml too, for the CLI)."""
    return load_course(course_copy(tmp_path_factory.mktemp("course"), ENGINE))


@pytest.fixture(scope="module")
def submissions(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("class")
    for student in STUDENTS:
        (folder / student).mkdir()
        for topic in TOPICS:
            if (COURSE_ROOT / "examples" / "class" / student / f"{topic}.py").is_file():
                shutil.copy(COURSE_ROOT / "examples" / "class" / student / f"{topic}.py", folder / student)
    (folder / "kim" / "softmax.notes").write_text(NOTES, encoding="utf-8")
    for kind in ("attack", "twin"):
        shutil.copytree(COURSE_ROOT / "tests" / "grader" / "adversarial" / f"{CASE}_{kind}", folder / f"{CASE}_{kind}")
    return folder


@pytest.fixture(scope="module")
def cluster() -> Iterator[LocalCluster]:
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0") as local_cluster:
        yield local_cluster


@pytest.fixture(scope="module")
def local(course: Course, submissions: Path) -> Report:
    """The class graded on this machine, one student-topic after another."""
    return grade(course, submissions, topics=list(TOPICS), jobs=1)


@pytest.fixture(scope="module")
def on_dask(cluster: LocalCluster, course: Course, submissions: Path) -> tuple[dict[tuple[str, str], TopicResult], str]:
    """The class graded through run_on_dask: results by (student, topic), and the sandbox's name."""
    tasks = [(folder, course.topic(t)) for folder in sorted(submissions.iterdir()) for t in TOPICS]
    run = run_on_dask(cluster.scheduler_address, course, tasks, "cpu", False)
    results = {(folder.name, topic.id): result for (folder, topic), result in run}
    return results, run.sandbox


def _by_task(report: Report) -> dict[tuple[str, str], TopicResult]:
    return {(s.id, t.id): t for s in report.students for t in s.topics}


def _only(report: Report, topic: str) -> Report:
    """``report`` as if only ``topic`` had been graded."""
    return replace(report, students=tuple(StudentResult(s.id, tuple(t for t in s.topics if t.id == topic))
                                          for s in report.students))


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_the_class_covers_each_kind_of_result(local: Report):
    results = _by_task(local)
    assert {r.status for r in results.values()} == {"graded", "missing", "import_error"}
    assert any("banned" in t.message for t in results["kim", "softmax"].tests)
    assert results["kim", "softmax"].notes == NOTES


def test_dask_grades_every_student_topic_exactly_as_this_machine(on_dask, local: Report):
    results, sandbox = on_dask
    assert results == _by_task(local)  # statuses, every test's outcome and message, the notes
    assert sandbox == local.sandbox


def test_the_sandbox_holds_on_the_workers(on_dask):
    results, sandbox = on_dask
    attack, twin = results[f"{CASE}_attack", "softmax"], results[f"{CASE}_twin", "softmax"]
    assert attack.score <= twin.score < attack.max_score, (attack.score, twin.score)
    assert "landlock" in sandbox or "bubblewrap" in sandbox


def test_grade_with_a_scheduler_writes_this_machines_gradebook(cluster, course: Course, submissions: Path,
                                                                local: Report):
    assert "scheduler" in inspect.signature(grade).parameters
    report = grade(course, submissions, topics=["autograd"], scheduler=cluster.scheduler_address)
    assert gradebook_json(report) == gradebook_json(_only(local, "autograd"))


def test_cli_grades_on_the_cluster(cluster, course: Course, submissions: Path, local: Report, tmp_path: Path):
    out = tmp_path / "grades"
    result = CliRunner().invoke(main, ["grade", str(submissions), "--scheduler", cluster.scheduler_address,
                                       "--topic", "autograd", "--out", str(out), "--course",
                                       str(course.root / "course.yml")])
    assert result.exit_code == 0, result.output
    written = json.loads((out / "gradebook.json").read_text(encoding="utf-8"))
    assert written == json.loads(json.dumps(gradebook_json(_only(local, "autograd"))))


def test_a_worker_without_a_sandbox_fails_the_run(cluster, course: Course, submissions: Path):
    with Client(cluster.scheduler_address, set_as_default=False) as client:
        client.run(lambda: setattr(grader.machine, "detect", lambda: Sandbox(("seccomp",))))
        try:
            with pytest.raises(SandboxError, match=r"^Dask worker tcp://[\d.:]+: no sandbox for untrusted code"):
                run_on_dask(cluster.scheduler_address, course, [(submissions / "ada", course.topic("softmax"))],
                            "cpu", False)
        finally:
            client.run(lambda: setattr(grader.machine, "detect", sys.modules["grader.isolation.sandbox"].detect))


def test_a_worker_with_other_libraries_fails_the_run(cluster, course: Course):
    with Client(cluster.scheduler_address, set_as_default=False) as client:
        # A worker's versions are cached per process: make its cached ones name another Hypothesis.
        client.run(lambda: grader.machine.package_versions().update(hypothesis="0.0"))
        try:
            with pytest.raises(SchedulerError, match=rf"hypothesis is 0.0 here but {metadata.version('hypothesis')} "
                                                     "on the grading machine"):
                run_on_dask(cluster.scheduler_address, course, [], "cpu", False)
        finally:
            client.run(lambda: grader.machine.package_versions.cache_clear())


def test_an_error_of_the_course_on_a_worker_stops_the_run_naming_the_worker(cluster, course: Course,
                                                                            submissions: Path):
    broken = Topic(id="nosuch", title="No tests", d2l="0", points=1, functions={"f": Function()})
    run = run_on_dask(cluster.scheduler_address, course, [(submissions / "ada", broken)], "cpu", False)
    with pytest.raises(CourseError, match=r"^Dask worker tcp://[\d.:]+: tests.public.test_nosuch: cannot import"):
        list(run)


def test_a_failed_task_loses_none_of_the_others(cluster, local: Report):
    result = _by_task(local)["ada", "softmax"]
    with Client(cluster.scheduler_address, set_as_default=False) as client:
        ok = client.submit(tuple, [result, "landlock"], pure=False)
        failing = client.submit(operator.truediv, 1, 0, pure=False)
        topic = Topic(id="softmax", title="Softmax", d2l="4.1", points=10, functions={"softmax": Function()})
        futures = {ok: (Path("ada"), topic), failing: (Path("ben"), topic)}
        sandboxes: set[str] = set()
        yielded = []
        with pytest.raises(SchedulerError, match=r"^1 of 2 student-topics failed .*ben/softmax: ZeroDivisionError"):
            for item in collect(client, futures, sandboxes):
                yielded.append(item)
    assert yielded == [((Path("ada"), topic), result)] and sandboxes == {"landlock"}


def test_an_unreachable_scheduler_is_one_line_and_exit_1(course: Course, submissions: Path, tmp_path: Path):
    address = f"tcp://127.0.0.1:{_free_port()}"
    result = CliRunner().invoke(main, ["grade", str(submissions), "--scheduler", address, "--out", str(tmp_path),
                                       "--course", str(course.root / "course.yml")])
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert result.exit_code == 1 and len(lines) == 1, result.output
    assert lines[0].startswith(f"Error: --scheduler {address}: cannot connect"), result.output


def test_a_scheduler_without_workers_says_so(course: Course, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setattr(grader.distributed, "WORKER_WAIT_S", 0.5)
    with (LocalCluster(n_workers=0, processes=False, dashboard_address=":0") as empty,
          pytest.raises(SchedulerError, match="no Dask worker joined within 0.5 s")):
        run_on_dask(empty.scheduler_address, course, [], "cpu", False)


@pytest.mark.parametrize(("address", "says"), [
    ("nonsense", "not a scheduler address"),
    ("missing-scheduler.json", "cannot read a scheduler's address"),
])
def test_a_malformed_address_says_what_is_expected(course: Course, address: str, says: str):
    with pytest.raises(SchedulerError, match=says):
        run_on_dask(address, course, [], "cpu", False)


def test_without_distributed_scheduler_says_how_to_install(course: Course, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setitem(sys.modules, "distributed", None)  # import distributed now raises ImportError
    with pytest.raises(SchedulerError, match=r"pip install 'dlgrade\[dask\]'"):
        run_on_dask("tcp://127.0.0.1:8786", course, [], "cpu", False)


def test_the_course_travels_as_the_same_zip_without_the_graders_suite():
    packed = _pack_course(COURSE_ROOT)
    names = zipfile.ZipFile(io.BytesIO(packed)).namelist()
    assert packed == _pack_course(COURSE_ROOT)
    assert {"solutions/softmax.py", "tests/public/test_softmax.py", "tests/hidden/test_softmax_props.py",
            "tests/helpers.py", "tests/functions.py", "exercises/softmax.py"} <= set(names)
    assert not [n for n in names if n.startswith("tests/grader/") or "__pycache__" in n], names


def test_workers_grade_with_the_course_of_each_run(cluster, course: Course, submissions: Path,
                                                   tmp_path: Path):
    """A test added after a first run is graded on a worker that imported the old test module.

    The folder has no autograd.py: its result lists every test without starting a submission."""
    changed = tmp_path / "course"
    shutil.copytree(course.root, changed)
    with (changed / "tests" / "public" / "test_autograd.py").open("a", encoding="utf-8") as module:
        module.write('\n\n@graded("grad")\ndef test_added_for_the_regrade(submission):\n    assert False, "added"\n')
    tasks = [(submissions / f"{CASE}_twin", course.topic("autograd"))]
    names = [{t.name for _, result in run_on_dask(cluster.scheduler_address, c, tasks, "cpu", False)
              for t in result.tests}
             for c in (course, load_course(changed / "course.yml"))]  # one run after the other
    assert names[1] - names[0] == {"test_added_for_the_regrade"}
