"""The engine: one submission file graded on one topic, its tests run here, the submission in a worker.

The tests run in this grading process; the submission runs in a worker per student-topic
(:mod:`grader.isolation`) and only data crosses. What one submission does costs that
student-topic only: its import failing, hanging or crashing sets the topic's status; a call
failing, hanging or crashing fails that test. :func:`grade_tasks` spreads many such gradings
over processes. Everything here needs torch; :mod:`grader.grading` imports it only when there
is something to grade.
"""

from __future__ import annotations

import ast
import ctypes
import functools
import os
import signal
import tempfile
import time
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import replace
from multiprocessing import get_context
from pathlib import Path
from typing import Any

import torch

from grader.banned import ALWAYS_BANNED, GRADER, LOOPS, BannedCall, find_banned
from grader.collect import CourseTest, collect_tests
from grader.course import Course, Topic
from grader.failures import describe_failure, describe_grader_error, is_students, sanitize, source_lines
from grader.isolation.runner import CallTimeout, Limits, RemoteSubmission, Worker, WorkerCrashed
from grader.isolation.sandbox import Sandbox
from grader.isolation.tripwire import TAMPERING
from grader.scoring import TestResult, TopicResult
from grader.replay import Examples, Recording, process_examples, replay, seed_torch
from grader.submission import Submission, import_topic

__all__ = ["failed_topic", "grade_tasks", "grade_topic", "max_score", "record_examples", "run_tests",
           "static_banned_calls"]

_NOTES_LIMIT = 4000
_PR_SET_PDEATHSIG = 1  # prctl(2)


def grade_tasks(course: Course, tasks: list[tuple[Path, Topic]], device: str = "cpu", jobs: int = 1,
                sandbox: Sandbox | None = None, replay: bool = True,
                examples: Path | None = None) -> Iterable[tuple[tuple[Path, Topic], TopicResult]]:
    """Grade each ``(folder, topic)`` task's ``folder/<topic>.py``, ``jobs`` at a time.

    Yields ``((folder, topic), result)`` as each finishes, in no fixed order. With ``jobs`` > 1
    each task is graded by one of ``jobs`` spawned processes, each pinned to a core.

    Args:
        replay: replay each test's examples recorded on the reference before running it live
            (:mod:`grader.replay`); the results are the same, only faster.
        examples: where recorded examples are kept across processes and runs (the result
            cache's folder); None: a temporary folder for this call where ``jobs`` > 1.
    """
    if jobs <= 1 or len(tasks) <= 1:
        recorded = Examples(course, device, examples) if replay else None
        for folder, topic in tasks:
            yield (folder, topic), grade_topic(course, topic, folder / f"{topic.id}.py", device, sandbox=sandbox,
                                               examples=recorded)
        return
    # spawn, not fork: the parent may have run OpenMP threads or initialised CUDA.
    context = get_context("spawn")
    with (tempfile.TemporaryDirectory(prefix="dlgrade-examples-") as scratch,
          ProcessPoolExecutor(max_workers=jobs, mp_context=context, initializer=_start_grading_process,
                              initargs=(context.Value("i", 0), os.getpid())) as pool):
        folder = (examples or Path(scratch)) if replay else None
        if folder is not None:  # each topic recorded once, in parallel, before any student needs it
            topics = list({topic.id: topic for _, topic in tasks}.values())
            for _ in pool.map(record_examples, [course] * len(topics), topics, [device] * len(topics),
                              [folder] * len(topics)):
                pass
        futures = {pool.submit(_grade_in_pool, course, topic, student, device, sandbox, folder): (student, topic)
                   for student, topic in tasks}
        for future in as_completed(futures):
            yield futures[future], future.result()


def record_examples(course: Course, topic: Topic, device: str, folder: Path) -> None:
    """Record ``topic``'s examples on its reference into ``folder`` (:mod:`grader.replay`), unless
    they are there already; a course without references records nothing."""
    reference = _reference(course, topic)
    if reference is not None:
        process_examples(course, device, folder).for_topic(topic, collect_tests(course, topic), reference)


def _grade_in_pool(course: Course, topic: Topic, submission: Path, device: str, sandbox: Sandbox | None,
                   folder: Path | None) -> TopicResult:
    """:func:`grade_topic` in a pool process, with that process's examples read from ``folder``."""
    examples = None if folder is None else process_examples(course, device, folder)
    return grade_topic(course, topic, submission / f"{topic.id}.py", device, sandbox=sandbox, examples=examples)


def _start_grading_process(counter: Any, parent: int) -> None:
    """End with the grader, and take a core of its own, round robin.

    A grading process outlives a grader killed outright (SIGKILL, the OOM killer), and its
    workers with it: the kernel ends it with its parent instead. Pinned, and unable to change
    its affinity (seccomp), a submission whose threads spin slows only its own student's
    grading, never another job's.
    """
    ctypes.CDLL(None).prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    if os.getppid() != parent:  # the grader ended before the line above
        os._exit(1)
    with counter.get_lock():
        index = counter.value
        counter.value += 1
    cores = sorted(os.sched_getaffinity(0))
    os.sched_setaffinity(0, {cores[index % len(cores)]})
    torch.set_num_threads(1)


def grade_topic(course: Course, topic: Topic, path: Path, device: str = "cpu",
                functions: Collection[str] | None = None, sandbox: Sandbox | None = None,
                examples: Examples | None = None) -> TopicResult:
    """Grade one submission file on one topic with its public and hidden tests.

    A ``<topic>.notes`` text file beside the submission file (``dlgrade nbgrader import`` writes
    one) becomes the result's ``notes``, shown in the student's feedback.

    Args:
        functions: run only the tests of these functions (default: all); the others are absent
            from the result, so its score is out of their points only.
        sandbox: how to confine the worker (default: all this machine offers).
        examples: the topic's recorded examples, replayed before a test runs live
            (:mod:`grader.replay`; made on first use); None: every test runs live. The result
            is the same either way.
    """
    result = _grade_topic(course, topic, path, device, functions, sandbox, examples)
    notes = path.with_suffix(".notes")
    if notes.is_file():
        result = replace(result, notes=notes.read_text(encoding="utf-8", errors="replace")[:_NOTES_LIMIT].strip())
    return result


def _grade_topic(course: Course, topic: Topic, path: Path, device: str, functions: Collection[str] | None,
                 sandbox: Sandbox | None, examples: Examples | None) -> TopicResult:
    tests = [t for t in collect_tests(course, topic) if functions is None or t.function in functions]
    reference = _reference(course, topic)
    # Recorded before the clock starts: the topic's time limit is the student's code's.
    recordings = examples.for_topic(topic, tests, reference) if examples and reference else {}
    start = time.monotonic()
    if not path.is_file():
        return failed_topic(topic, tests, "missing", f"no {topic.id}.py in the submission")
    try:
        tree = ast.parse(path.read_bytes(), filename=path.name)
    except (SyntaxError, ValueError) as exc:
        line = f" (line {exc.lineno})" if getattr(exc, "lineno", None) else ""
        return failed_topic(topic, tests, "import_error", f"{type(exc).__name__}: {getattr(exc, 'msg', exc)}{line}")
    banned = static_banned_calls(topic, tree)
    settings = course.settings
    cuda = device.startswith("cuda")  # an address-space limit breaks the CUDA driver: watch RSS instead
    limits = Limits(settings.call_timeout_s, settings.import_timeout_s, 0 if cuda else settings.memory_mb,
                    settings.cpu_time_s, settings.disk_mb, settings.memory_mb if cuda else 0,
                    settings.memory_mb if cuda else 0)
    banned_in = {f: [p for p in topic.banned_in(f) if p != LOOPS] + list(ALWAYS_BANNED) for f in topic.functions}
    watched = {p for t in course.topics for f in t.functions for p in t.banned_in(f) if p != LOOPS}
    with Worker(path, course.root, limits, sandbox, device, banned_in, watched, settings.seed) as worker:
        failure = worker.start()
        if failure is not None:  # the import's traceback keeps the frames of the student's own file
            return failed_topic(topic, tests, failure.status, sanitize(failure.message, own_file=path.name))
        outcomes, timed_out = run_tests(tests, RemoteSubmission(worker, topic.id), torch.device(device),
                                        seed=settings.seed, banned=banned,
                                        deadline=start + settings.topic_timeout_s,
                                        reference=reference, recordings=recordings)
    message = f"stopped after the topic's time limit of {settings.topic_timeout_s:g} s" if timed_out else ""
    return TopicResult(topic.id, "timeout" if timed_out else "graded", max_score(tests), tuple(outcomes),
                       message, time.monotonic() - start)


def static_banned_calls(topic: Topic, tree: ast.Module) -> dict[str, list[BannedCall]]:
    """The banned calls the source ``tree`` of a ``topic`` submission makes, per public function
    (:func:`grader.banned.find_banned` with each function's patterns): what grading and
    ``dlgrade check`` charge before any test runs."""
    return find_banned(tree, {f: topic.banned_in(f) for f in topic.functions})


def run_tests(tests: Sequence[CourseTest], submission: Submission, device: torch.device, *, seed: int,
              banned: dict[str, list[BannedCall]] | None = None, deadline: float = float("inf"),
              reference: Callable[[], Any] | None = None,
              recordings: Mapping[str, Recording] | None = None) -> tuple[list[TestResult], bool]:
    """Run ``tests`` against ``submission``.

    A test that fails by an assertion, by what the submission raised or did (a hang, a crash) or
    by ``NotImplementedError`` fails (:func:`grader.failures.is_students`). One whose own code
    raised anything else (a ``TypeError``, an error in a strategy) is run again in this process
    on ``reference``'s module: where that fails too, the test is broken, a grader error: it
    counts as passed, with ``grader_error`` set, so no student loses its points.

    Args:
        reference: returns the reference solution's module (called once, when first needed);
            None: nothing to ask, and such a failure is the student's.
        recordings: ``{test name: recording}``: such a test first replays its recorded examples
            (:func:`grader.replay.replay`) and runs live under Hypothesis only where they do not
            all pass as they did on the reference.

    Returns:
        The outcomes in order, and whether ``deadline`` (time.monotonic) cut the run short.
    """
    outcomes, timed_out, hung = [], False, set()
    for test in tests:
        grader_error = False
        if test.function in (banned or {}):
            calls = ", ".join(str(c) for c in banned[test.function])
            why = ("a submission may not touch the grader" if any(c.pattern == GRADER for c in banned[test.function])
                   else "this exercise asks you to compute it yourself")
            passed, message = False, f"{test.function} uses a {calls}: {why}"
        elif time.monotonic() > deadline:
            timed_out, passed, message = True, False, "not run: the topic's time limit was reached"
        else:
            # A function that hung or crashed replayed hangs again live: its other tests go live at once.
            recording = None if test.function in hung else (recordings or {}).get(test.name)
            passed, message, grader_error = _run_one(test, submission, device, seed, reference, recording,
                                                     lambda exc, f=test.function: _note_hang(exc, f, hung))
        outcomes.append(TestResult(test.name, test.function, test.visibility, passed, round(test.points, 6), message,
                                   grader_error))
    return _charge_banned_calls(outcomes, submission.banned_calls()), timed_out


def _charge_banned_calls(outcomes: list[TestResult], seen: dict[str, list[str]]) -> list[TestResult]:
    """Fail every test of a function that called a banned API at run time, as the static check
    does for one it names."""
    charged = []
    for outcome in outcomes:
        if outcome.function in seen:
            calls = ", ".join(f"`{name}`" for name in seen[outcome.function] if name != TAMPERING)
            message = (f"{outcome.function} called banned {calls} while it ran: this exercise asks you to "
                       "compute it yourself") if calls else f"{outcome.function} tampered with the grader while it ran"
            outcome = TestResult(outcome.name, outcome.function, outcome.visibility, False, outcome.weight, message)
        charged.append(outcome)
    return charged


def _note_hang(exc: BaseException, function: str, hung: set[str]) -> None:
    if isinstance(exc, (CallTimeout, WorkerCrashed)):
        hung.add(function)


def _run_one(test: CourseTest, submission: Submission, device: torch.device, seed: int,
             reference: Callable[[], Any] | None, recording: Recording | None,
             on_replay_error: Callable[[BaseException], None] | None = None) -> tuple[bool, str, bool]:
    """``(passed, message, grader_error)`` of one test (see :func:`run_tests`)."""
    fixtures = {name: {"submission": submission, "device": device}[name] for name in test.fixtures}
    _begin(test, submission, device, seed)
    if recording is not None:
        if replay(test, recording, fixtures, on_replay_error):
            return True, "", False
        # The live run starts as if it were the first, except that a call that hung in the
        # replay fails at once where the live run makes it: the same call, so the same hang.
        _begin(test, submission, device, seed, again=True)
    try:
        test.run(**fixtures)
    except KeyboardInterrupt:
        raise
    except BaseException as exc:  # pytest.fail's Failed is a BaseException too
        own = submission.traceback_file
        hidden = source_lines(test.run)
        if reference is not None and not is_students(exc, own):
            broken = _fails_on_reference(test, reference, device, seed)
            if broken is not None:
                return True, describe_grader_error(broken, test.name, hidden), True
        return False, describe_failure(exc, test.function, submission_file=own, hidden=hidden), False
    return True, "", False


def _begin(test: CourseTest, submission: Submission, device: torch.device, seed: int, again: bool = False) -> None:
    """Seed this process's torch and the submission's RNGs, and tell it whose test begins
    (``again``: the test that just ran, again)."""
    seed_torch(device, seed)
    submission.begin_test(test.function, seed, again=again)


def _fails_on_reference(test: CourseTest, reference: Callable[[], Any], device: torch.device,
                        seed: int) -> BaseException | None:
    """What ``test`` raises run here on the reference solution (None: it passes), seeded as
    :func:`_run_one` seeds, so it draws the examples the submission's run drew first."""
    seed_torch(device, seed)
    try:
        fixtures = {"submission": reference(), "device": device}
        test.run(**{name: fixtures[name] for name in test.fixtures})
    except KeyboardInterrupt:
        raise
    except BaseException as exc:  # a reference that cannot be imported is the course's bug too
        return exc
    return None


def _reference(course: Course, topic: Topic) -> Callable[[], Any] | None:
    """Imports ``solutions/<topic>.py`` once, on the first call; None where the course has none
    (a student bundle)."""
    path = course.root / "solutions" / f"{topic.id}.py"
    if not path.is_file():
        return None

    @functools.cache
    def load() -> Any:
        return import_topic(path, prefix="dlgrade_reference")

    return load


def failed_topic(topic: Topic, tests: Sequence[CourseTest], status: str, message: str) -> TopicResult:
    """A topic result with every test failed for one reason (missing, import error, ...), its
    message sanitized (:func:`grader.failures.sanitize`)."""
    message = sanitize(message)
    outcomes = tuple(TestResult(t.name, t.function, t.visibility, False, round(t.points, 6), message) for t in tests)
    return TopicResult(topic.id, status, max_score(tests), outcomes, message)


def max_score(tests: Sequence[CourseTest]) -> float:
    """The points ``tests`` are worth together, rounded as scores are."""
    return round(sum(t.points for t in tests), 4)
