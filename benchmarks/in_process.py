"""The in-process measurements of ``benchmarks/grading.py``, each run in a fresh process of its own.

    python benchmarks/in_process.py --pytest CLASS --json FILE  # floor_grade(CLASS, replay=False)
    python benchmarks/in_process.py --floor CLASS --json FILE   # floor_grade(CLASS, replay=True)
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
from grader.engine import _reference, grade_topic, run_tests
from grader.grading import student_folders
from grader.isolation.runner import Limits, Worker
from grader.isolation.sandbox import detect
from grader.notebook.kernel import LocalSubmission
from grader.replay import Examples, Recording
from grader.submission import import_topic

ROOT = Path(__file__).resolve().parents[1]
COURSE_FILE = ROOT / "course.yml"
SAMPLE = ROOT / "examples" / "class"


def floor_grade(class_dir: Path, replay: bool) -> dict:
    """Grade ``class_dir`` in this process, without isolation: the floor of dlgrade's work.

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

    Args:
        replay: False: every test runs live under Hypothesis for every student, as plain pytest
            runs the tests (``pytest`` in the benchmark). True: dlgrade's engine as ``dlgrade
            grade`` runs it (``floor``): each topic's examples recorded once on its reference,
            in this process (``Examples(course, "cpu", None)``, no folder), when its first
            student is graded, and replayed for every student (:mod:`grader.replay`), the
            reference also judging a test that raised (a grader error).

    Returns:
        ``{"grading_s": s, "recording_s": s, "calls": n, "scores": {student: {topic: score}}}``:
        the seconds of the grading loop (after the tests are collected; the recording included),
        the seconds of it spent recording (0 without replay), the calls into the submissions'
        public functions, the scores.
    """
    course = load_course(COURSE_FILE)
    tests = {topic.id: collect_tests(course, topic) for topic in course.topics}
    examples = _Recorded(course, tests) if replay else None
    begin = time.perf_counter()
    scores = {folder.name: {topic.id: _floor_topic(course, topic, tests[topic.id], folder / f"{topic.id}.py",
                                                   examples)
                            for topic in course.topics}
              for folder in student_folders(class_dir)}
    return {"grading_s": time.perf_counter() - begin, "recording_s": examples.seconds if examples else 0.0,
            "calls": _CountingSubmission.calls, "scores": scores}


class _Recorded:
    """Each topic's reference loader and recorded examples for the floor, recorded on first use
    in this process (timed in ``seconds``), as a ``dlgrade grade`` process records them."""

    def __init__(self, course: Course, tests: dict[str, list[CourseTest]]) -> None:
        self.course, self.tests, self.seconds = course, tests, 0.0
        self.examples = Examples(course, "cpu", None)
        self.references = {topic.id: _reference(course, topic) for topic in course.topics}

    def for_topic(self, topic: Topic) -> dict[str, Recording]:
        """``topic``'s recordings (:meth:`grader.replay.Examples.for_topic`); none without a reference."""
        reference = self.references[topic.id]
        if reference is None:
            return {}
        begin = time.perf_counter()
        try:
            return self.examples.for_topic(topic, self.tests[topic.id], reference)
        finally:
            self.seconds += time.perf_counter() - begin


def _floor_topic(course: Course, topic: Topic, tests: list[CourseTest], path: Path,
                 examples: _Recorded | None) -> float:
    """One student-topic of :func:`floor_grade`: its score, 0 if missing or failing to import.
    ``examples``: replay as dlgrade does (None: every test live, the pytest way)."""
    # Recorded before the file is read, as the engine records before a student-topic's clock starts.
    recordings = examples.for_topic(topic) if examples else None
    if not path.is_file():
        return 0.0
    try:
        banned = find_banned(ast.parse(path.read_bytes()), {f: topic.banned_in(f) for f in topic.functions})
        module = import_topic(path)
    except (Exception, SystemExit):  # a syntax error, a missing import, sys.exit(): the topic scores 0
        return 0.0
    submission = _CountingSubmission(vars(module), topic, course.settings.call_timeout_s)
    # run_tests begins each test on the submission (a function that hung gets a fresh chance), as in dlgrade.
    outcomes, _ = run_tests(tests, submission, torch.device("cpu"), seed=course.settings.seed, banned=banned,
                            reference=examples.references[topic.id] if examples else None,
                            recordings=recordings)
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
    """Where one student's time goes: each topic of ``student`` graded the pytest way and the
    floor's (:func:`_floor_topic` without and with replay) and dlgrade's
    (:func:`grader.engine.grade_topic` with replay, in this process, after a warm-up), the calls
    into the submission timed in each. The floor and dlgrade replay the same recordings, made
    before any of it is timed (``recording_s``: every topic's, on the references).

    dlgrade makes more calls than the floor counts: a returned object's methods (a ``Dropout``
    module, ``data_iter``'s iterator) are round trips too. Between two calls the grading
    process runs the tests, which evicts the worker's code and data from the caches, so a call
    costs more here than in :func:`worker_costs`' loop.

    Returns:
        ``{"pytest" | "floor" | "dlgrade": {"seconds", "calls", "in_calls_s"}, "recording_s": s}``,
        all topics together.
    """
    course = load_course(COURSE_FILE)
    tests = {topic.id: collect_tests(course, topic) for topic in course.topics}
    recorded = _Recorded(course, tests)
    for topic in course.topics:
        recorded.for_topic(topic)
    grade_topic(course, course.topics[0], student / f"{course.topics[0].id}.py", examples=recorded.examples)
    ways = {"pytest": (LocalSubmission, "_call", lambda t, p: _floor_topic(course, t, tests[t.id], p, None)),
            "floor": (LocalSubmission, "_call", lambda t, p: _floor_topic(course, t, tests[t.id], p, recorded)),
            "dlgrade": (Worker, "request", lambda t, p: grade_topic(course, t, p, examples=recorded.examples))}
    result: dict[str, Any] = {"recording_s": recorded.seconds}
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
    """Run ``--pytest CLASS``, ``--floor CLASS`` or ``--costs`` and write the result to ``--json FILE``."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    which = parser.add_mutually_exclusive_group(required=True)
    which.add_argument("--pytest", type=Path, help="grade this class folder the plain way: every test live")
    which.add_argument("--floor", type=Path, help="grade this class folder with dlgrade's engine, in-process")
    which.add_argument("--costs", action="store_true", help="measure what isolation costs")
    parser.add_argument("--json", type=Path, required=True, help="write the result to this file")
    args = parser.parse_args()
    if args.costs:
        result = worker_costs()
    else:
        result = floor_grade(args.floor or args.pytest, replay=args.floor is not None)
    args.json.write_text(json.dumps(result), encoding="utf-8")


if __name__ == "__main__":
    main()
