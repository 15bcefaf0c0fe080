"""The in-process measurements of ``benchmarks/grading.py``, each run in a fresh process of its own.

    python benchmarks/in_process.py --floor CLASS --json FILE   # floor_grade(CLASS)
    python benchmarks/in_process.py --costs --json FILE         # worker_costs()

Each writes its result to FILE as JSON; ``grading.py`` times the process from outside.
"""

from __future__ import annotations

import argparse
import ast
import json
import tempfile
import time
from pathlib import Path
from typing import Any
from unittest import mock

import torch

from grader.banned import find_banned
from grader.collect import CourseTest, collect_tests
from grader.course import Course, Topic, load_course
from grader.engine import grade_topic, run_tests
from grader.grading import student_folders
from grader.isolation.runner import Limits, Worker
from grader.isolation.sandbox import detect
from grader.notebook.kernel import LocalSubmission
from grader.submission import import_topic

ROOT = Path(__file__).resolve().parents[1]
COURSE_FILE = ROOT / "course.yml"
SAMPLE = ROOT / "examples" / "class"


def floor_grade(class_dir: Path) -> dict:
    """Grade ``class_dir`` in this process, without isolation: the physical floor of dlgrade's work.

    Included: collecting every topic's tests (importing the test modules), then per
    student-topic: parsing the file for banned calls, importing it, and running every public and
    hidden test with :func:`grader.engine.run_tests` on the module itself, each call cut after
    ``call_timeout_s`` as dlgrade cuts it (``LocalSubmission``; a missing file runs nothing, an
    import that fails costs its import time). Excluded: worker processes, the sandbox, sending
    data across, the topic and import time limits, the run-time banned-call tripwire, the cache
    and the written reports. The caller times the whole process, so starting Python, importing
    torch and collecting the tests, which ``dlgrade grade`` pays too, count. The submissions are
    imported into this process, which changes the constants Hypothesis mixes into its draws
    (docs/performance.md): compare the floor's scores with dlgrade's, not its messages.

    Returns:
        ``{"grading_s": s, "calls": n, "scores": {student: {topic: score}}}``: the seconds of
        the grading loop (after the tests are collected), the calls into the submissions' public
        functions, the scores.
    """
    course = load_course(COURSE_FILE)
    tests = {topic.id: collect_tests(course, topic) for topic in course.topics}
    begin = time.perf_counter()
    scores = {folder.name: {topic.id: _floor_topic(course, topic, tests[topic.id], folder / f"{topic.id}.py")
                            for topic in course.topics}
              for folder in student_folders(class_dir)}
    return {"grading_s": time.perf_counter() - begin, "calls": _CountingSubmission.calls, "scores": scores}


def _floor_topic(course: Course, topic: Topic, tests: list[CourseTest], path: Path) -> float:
    """One student-topic of :func:`floor_grade`: its score, 0 if missing or failing to import."""
    if not path.is_file():
        return 0.0
    try:
        banned = find_banned(ast.parse(path.read_bytes()), {f: topic.banned_in(f) for f in topic.functions})
        module = import_topic(path)
    except (Exception, SystemExit):  # a syntax error, a missing import, sys.exit(): the topic scores 0
        return 0.0
    submission = _CountingSubmission(vars(module), topic, course.settings.call_timeout_s)
    outcomes = []
    for test in tests:  # one at a time: a function that hung gets a fresh chance in the next test, as in dlgrade
        submission.begin_test()
        outcomes += run_tests([test], submission, torch.device("cpu"), seed=course.settings.seed, banned=banned)[0]
    return round(sum(t.weight for t in outcomes if t.passed), 4)


class _CountingSubmission(LocalSubmission):
    """A LocalSubmission that counts calls into the submission's public functions, all
    student-topics together: each is a round trip to a worker in ``dlgrade grade``."""

    calls = 0

    def _call(self, name: str, args: tuple, kwargs: dict) -> Any:
        _CountingSubmission.calls += 1
        return super()._call(name, args, kwargs)


def worker_costs(starts: int = 30, calls: int = 300) -> dict:
    """What isolating a student-topic costs, on a one-line submission in this machine's sandbox.

    Returns:
        ``worker_start_ms``: mean time to fork a worker from the warm zygote, confine it and
        import the submission; ``call_round_trip_ms``: mean time of one call of a function on a
        (4, 4) float32 tensor, sent to the worker and answered, ``calls`` in a row. Both after a
        warm-up start. ``first_student``: :func:`time_in_calls` of the sample's first student.
    """
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder, "student", "norms.py")
        path.parent.mkdir()
        path.write_text("import torch\n\ndef l1_norm(x):\n    return x.abs().sum()\n", encoding="utf-8")
        with Worker(path, ROOT, Limits(10, 30, 4096), detect()) as worker:
            worker.start()
            begin = time.perf_counter()
            for _ in range(starts):
                worker.start()
            started = time.perf_counter()
            x = torch.ones(4, 4)
            for _ in range(calls):
                worker.request({"op": "call", "attr": "l1_norm"}, [x], {}, {})
            hot = {"worker_start_ms": 1000 * (started - begin) / starts,
                   "call_round_trip_ms": 1000 * (time.perf_counter() - started) / calls}
    return {**hot, "first_student": time_in_calls(sorted(p for p in SAMPLE.iterdir() if p.is_dir())[0])}


def time_in_calls(student: Path) -> dict:
    """Where one student's extra time goes: each topic of ``student`` graded the floor's way
    (:func:`_floor_topic`) and dlgrade's (:func:`grader.engine.grade_topic`, in this process,
    after a warm-up), the calls into the submission timed in both.

    dlgrade makes more calls than the floor counts: a returned object's methods (a ``Dropout``
    module, ``data_iter``'s iterator) are round trips too. Between two calls the grading
    process runs Hypothesis, which evicts the worker's code and data from the caches, so a call
    costs more here than in :func:`worker_costs`' loop.

    Returns:
        ``{"floor" | "dlgrade": {"seconds", "calls", "in_calls_s"}}``, all topics together.
    """
    course = load_course(COURSE_FILE)
    tests = {topic.id: collect_tests(course, topic) for topic in course.topics}
    grade_topic(course, course.topics[0], student / f"{course.topics[0].id}.py")
    ways = {"floor": (LocalSubmission, "_call", lambda t, p: _floor_topic(course, t, tests[t.id], p)),
            "dlgrade": (Worker, "request", lambda t, p: grade_topic(course, t, p))}
    result = {}
    for name, (cls, method, grade) in ways.items():
        seconds: list[float] = []
        original = getattr(cls, method)

        def timed(*args: Any, original: Any = original, seconds: list[float] = seconds) -> Any:
            begin = time.perf_counter()
            try:
                return original(*args)
            finally:
                seconds.append(time.perf_counter() - begin)

        begin = time.perf_counter()
        with mock.patch.object(cls, method, autospec=True, side_effect=timed):
            for topic in course.topics:
                grade(topic, student / f"{topic.id}.py")
        result[name] = {"seconds": time.perf_counter() - begin, "calls": len(seconds), "in_calls_s": sum(seconds)}
    return result


def main() -> None:
    """Run ``--floor CLASS`` or ``--costs`` and write the result to ``--json FILE``."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    which = parser.add_mutually_exclusive_group(required=True)
    which.add_argument("--floor", type=Path, help="grade this class folder the floor's way")
    which.add_argument("--costs", action="store_true", help="measure what isolation costs")
    parser.add_argument("--json", type=Path, required=True, help="write the result to this file")
    args = parser.parse_args()
    result = floor_grade(args.floor) if args.floor else worker_costs()
    args.json.write_text(json.dumps(result), encoding="utf-8")


if __name__ == "__main__":
    main()
