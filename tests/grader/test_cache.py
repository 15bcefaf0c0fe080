"""Never redo work, lose nothing, and give the same gradebook for any --jobs.

The result cache regrades what changed and only that (a resubmission, a test, a setting); a run
killed with SIGKILL resumes with every student-topic it finished; --jobs never changes a byte
of the outputs; --quiet and --json-lines print what scripts expect.
"""

import contextlib
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import psutil
import pytest
from click.testing import CliRunner

from grader.cache import ResultCache
from grader.cli import main
from grader.course import load_course
from grader.grading import grade
from grader.report import gradebook_json
from tests.grader.courses import ENGINE, course_copy

COURSE_ROOT = Path(__file__).resolve().parents[2]
TOPICS = ["norms", "activations"]  # the quickest topics to grade
STUDENTS = ["ada", "kim"]  # correct, and with banned calls


@pytest.fixture()
def course(tmp_path):
    """A copy of the course, with fewer examples, whose tests and settings a test may change."""
    return load_course(course_copy(tmp_path / "course", ENGINE))


@pytest.fixture()
def submissions(tmp_path):
    for student in STUDENTS:
        shutil.copytree(COURSE_ROOT / "examples" / "class" / student, tmp_path / "class" / student)
    return tmp_path / "class"


def graded(course, submissions, cache, **options):
    """The report, and which (student, topic) were graded rather than taken from the cache."""
    fresh = []

    def note(student, result, cached):
        if not cached:
            fresh.append((student, result.id))

    report = grade(course, submissions, topics=TOPICS, cache=cache, on_result=note, **options)
    return report, sorted(fresh)


def test_a_regrade_with_nothing_changed_grades_nothing_and_gives_the_same_report(course, submissions, tmp_path):
    cache = ResultCache(tmp_path / "cache")
    first, fresh = graded(course, submissions, cache)
    assert fresh == sorted((s, t) for s in STUDENTS for t in TOPICS)
    second, fresh = graded(course, submissions, cache)
    assert fresh == []
    assert gradebook_json(second) == gradebook_json(first)
    _, fresh = graded(course, submissions, cache, refresh=True)
    assert len(fresh) == len(STUDENTS) * len(TOPICS), "--no-cache grades everything again"


def test_what_changed_is_regraded_and_only_that(course, submissions, tmp_path):
    cache = ResultCache(tmp_path / "cache")
    graded(course, submissions, cache)
    with open(submissions / "kim" / "norms.py", "a") as file:
        file.write("\n# resubmitted\n")
    assert graded(course, submissions, cache)[1] == [("kim", "norms")]
    with open(course.root / "tests" / "hidden" / "test_activations_props.py", "a") as file:
        file.write("\n# a test changed\n")
    assert graded(course, submissions, cache)[1] == [(s, "activations") for s in STUDENTS]
    assert graded(course.with_settings(grading_seed=7), submissions, cache)[1] == \
        sorted((s, t) for s in STUDENTS for t in TOPICS)
    assert graded(course.with_settings(hidden_feedback="score"), submissions, cache)[1] == [], \
        "how much feedback shows decides no result"


def test_an_unreadable_cache_entry_is_graded_again(course, submissions, tmp_path):
    cache = ResultCache(tmp_path / "cache")
    graded(course, submissions, cache)
    key = cache.keys(course, [(submissions / "kim", course.topic("norms"))], "cpu")[submissions / "kim", "norms"]
    cache._path(key).write_text("{ half a file")
    assert graded(course, submissions, cache)[1] == [("kim", "norms")]


def test_the_gradebook_is_byte_for_byte_the_same_for_any_jobs(course, tmp_path):
    """ben's softmax fails with a counterexample that once depended on which modules the grading
    process had imported (Hypothesis drew constants from them): here, or in a pool's process.
    Graded by the CLI, not in this process, where pytest rewrites the course tests' asserts."""
    ben = tmp_path / "ben_only"
    shutil.copytree(COURSE_ROOT / "examples" / "class" / "ben", ben / "ben")
    outputs = []
    for jobs in (1, 2):
        out = tmp_path / f"jobs{jobs}"
        subprocess.run([sys.executable, "-m", "grader", "grade", str(ben), "--out", str(out), "--quiet",
                        "--jobs", str(jobs), "--topic", "norms", "--topic", "softmax",
                        "--course", str(course.root / "course.yml")], check=True)
        outputs.append({p.relative_to(out): p.read_bytes() for p in sorted(out.rglob("*"))
                        if p.is_file() and ".cache" not in p.parts})
    assert outputs[0] == outputs[1]


def cli(*args):
    return subprocess.Popen([sys.executable, "-m", "grader", *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, start_new_session=True)


def test_a_run_killed_with_sigkill_resumes_and_loses_nothing(course, submissions, tmp_path):
    out = tmp_path / "grades"
    args = ["grade", str(submissions), "--out", str(out), "--jobs", "1", "--json-lines", "--course",
            str(course.root / "course.yml"), *[f"--topic={t}" for t in TOPICS]]
    run = cli(*args)
    finished = [json.loads(run.stdout.readline()) for _ in range(2)]
    os.killpg(run.pid, signal.SIGKILL)
    run.communicate()
    assert not (out / "gradebook.json").exists(), "nothing half-written"
    rerun = subprocess.run([sys.executable, "-m", "grader", *args], capture_output=True, text=True, check=True)
    lines = [json.loads(line) for line in rerun.stdout.splitlines()]
    cached = {(r["student"], r["topic"]) for r in lines[:-1] if r["cached"]}
    assert {(r["student"], r["topic"]) for r in finished} <= cached
    assert len(lines) == len(STUDENTS) * len(TOPICS) + 1 and "gradebook" in lines[-1]
    clean = gradebook_json(grade(course, submissions, topics=TOPICS))
    assert json.loads((out / "gradebook.json").read_text()) == json.loads(json.dumps(clean))


def _running(processes: list[psutil.Process]) -> list[psutil.Process]:
    """Those of ``processes`` still running (a zombie has ended; its reaper may be slow)."""
    def running(process: psutil.Process) -> bool:
        try:
            return process.is_running() and process.status() != psutil.STATUS_ZOMBIE
        except psutil.NoSuchProcess:
            return False
    return [p for p in processes if running(p)]


def test_a_run_killed_alone_takes_its_grading_processes_and_workers_with_it(course, submissions, tmp_path):
    args = ["grade", str(submissions), "--out", str(tmp_path / "grades"), "--jobs", "2", "--json-lines", "--course",
            str(course.root / "course.yml"), *[f"--topic={t}" for t in TOPICS]]
    run = cli(*args)
    try:
        json.loads(run.stdout.readline())  # the pool and its workers are up
        below = psutil.Process(run.pid).children(recursive=True)
        assert below, "a run with --jobs 2 has grading processes"
        os.kill(run.pid, signal.SIGKILL)  # the dlgrade process alone, as an OOM killer would
        run.wait()  # not communicate(): processes that outlive it would hold its pipes open
        deadline = time.monotonic() + 30
        while _running(below) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not _running(below), "processes outlived the dlgrade run that started them"
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(run.pid, signal.SIGKILL)
        run.stdout.close()
        run.stderr.close()


NO_TORCH = """
import sys
from grader.cli import main
try:
    main(sys.argv[1:], prog_name="dlgrade")
except SystemExit as done:
    assert done.code in (0, None), done.code
print("torch" in sys.modules, "matplotlib" in sys.modules)
"""


def test_a_regrade_with_everything_cached_never_imports_torch_nor_draws_the_report(course, submissions, tmp_path):
    args = ["grade", str(submissions), "--out", str(tmp_path / "out"), "--quiet", "--topic", "norms",
            "--course", str(course.root / "course.yml")]
    subprocess.run([sys.executable, "-m", "grader", *args], check=True)
    regrade = subprocess.run([sys.executable, "-c", NO_TORCH, *args], capture_output=True, text=True, check=True)
    assert regrade.stdout.split() == ["False", "False"], \
        "torch was imported or the class report drawn again, though nothing was left to grade"
    (submissions / "kim" / "norms.py").write_text("# resubmitted empty\n")
    regrade = subprocess.run([sys.executable, "-c", NO_TORCH, *args], capture_output=True, text=True, check=True)
    assert regrade.stdout.split() == ["True", "True"], "a resubmission is graded and the class report redrawn"


def test_quiet_prints_nothing_and_json_lines_one_object_per_student_topic(course, submissions, tmp_path):
    base = [str(submissions), "--topic", "norms", "--course", str(course.root / "course.yml")]
    quiet = CliRunner().invoke(main, ["grade", *base, "--out", str(tmp_path / "q"), "--quiet"])
    assert quiet.exit_code == 0 and quiet.output == ""
    lines = CliRunner().invoke(main, ["grade", *base, "--out", str(tmp_path / "q"), "--json-lines"]).output
    records = [json.loads(line) for line in lines.splitlines()]
    assert [(r["student"], r["cached"]) for r in records[:-1]] == [(s, True) for s in STUDENTS]
    assert set(records[0]) == {"student", "topic", "status", "score", "max_score", "seconds", "cached"}
    assert records[-1]["gradebook"] == str(tmp_path / "q" / "gradebook.json")


def test_a_pool_grades_its_own_course_whatever_else_the_parent_s_sys_path_holds(course, submissions, tmp_path,
                                                                               monkeypatch):
    # Spawned pool processes inherit the parent's sys.path. In a process that graded another
    # course before (a test run, a notebook), that course's root stands before this one's, and
    # its own ``tests`` package, without this course's test modules, would be imported instead.
    decoy = tmp_path / "other_course"
    for package in ("tests", "tests/public", "tests/hidden"):
        (decoy / package).mkdir(parents=True)
        (decoy / package / "__init__.py").write_text("", encoding="utf-8")
    monkeypatch.syspath_prepend(str(course.root))
    monkeypatch.syspath_prepend(str(decoy))
    alone, _ = graded(course, submissions, None, jobs=1)
    pooled, _ = graded(course, submissions, None, jobs=2)
    assert gradebook_json(pooled) == gradebook_json(alone)
    assert all(t.status == "graded" for s in pooled.students for t in s.topics), gradebook_json(pooled)
