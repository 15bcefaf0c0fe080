"""grade(course, submissions) -> Report: every submission folder, every topic.

Each student-topic is taken from the result cache where nothing that decides it changed, else
graded by a backend (:mod:`grader.backends`): the engine on this machine's cores or a Dask
cluster's. The engine, and so torch, is imported only when something is left to grade: a
regrade with nothing changed costs the cache lookups.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

from grader.backends import backend_for
from grader.cache import ResultCache
from grader.course import Course
from grader.errors import SubmissionsError
from grader.machine import resolve_device
from grader.scoring import Report, StudentResult, TopicResult

__all__ = ["grade", "student_folders"]


def student_folders(submissions: Path) -> list[Path]:
    """The submission folders under ``submissions``, sorted by student id.

    Raises:
        SubmissionsError: ``submissions`` is not a folder.
    """
    if not submissions.is_dir():
        raise SubmissionsError(f"submissions folder {str(submissions)!r} does not exist")
    return sorted(p for p in submissions.iterdir() if p.is_dir() and not p.name.startswith((".", "_")))


def grade(course: Course, submissions: Path, *, device: str = "cpu", topics: Sequence[str] | None = None,
          jobs: int = 1, on_result: Callable[[str, TopicResult, bool], None] | None = None, unsafe: bool = False,
          cache: ResultCache | None = None, refresh: bool = False, scheduler: str | None = None,
          replay: bool = True) -> Report:
    """Grade every submission folder under ``submissions`` on ``topics`` (default: all).

    The hidden tests draw their examples from ``course.settings.grading_seed`` where it is set
    (see :meth:`Course.with_settings`), else the same examples on every run.

    Args:
        device: ``cpu``, ``cuda`` or ``auto``; inputs are put there and outputs must stay there.
        jobs: student-topics graded in parallel (processes); any value gives the same Report.
        on_result: called with (student id, result, whether it came from the cache) as each
            student-topic finishes.
        unsafe: grade even where no sandbox can keep submissions from the course's files.
        cache: results of earlier runs to reuse, and where this run's are stored as they come.
        refresh: grade everything again, reusing nothing (the cache is still written).
        scheduler: address of a Dask scheduler whose workers grade (:mod:`grader.distributed`);
            None grades on this machine.
        replay: replay each property test's examples, drawn once on the reference, before running
            it live (:mod:`grader.replay`; kept in the cache's folder): the same Report, faster.

    Raises:
        SubmissionsError, DeviceError, CourseError, SandboxError, SchedulerError: the grader
            itself cannot run.
    """
    # On a cluster the workers check the device, not this machine.
    dev = resolve_device(device) if scheduler is None or device == "auto" else device
    chosen = [course.topic(t) for t in topics] if topics else list(course.topics)
    folders = student_folders(submissions)
    tasks = [(folder, topic) for folder in folders for topic in chosen]
    keys = cache.keys(course, tasks, dev) if cache else {}
    results: dict[tuple[str, str], TopicResult] = {}

    def finished(folder: Path, result: TopicResult, cached: bool) -> None:
        results[folder.name, result.id] = result
        if on_result is not None:
            on_result(folder.name, result, cached)

    pending = []
    for folder, topic in tasks:
        hit = cache.get(keys[folder, topic.id]) if cache and not refresh else None
        if hit is None:
            pending.append((folder, topic))
        else:
            finished(folder, hit, True)
    backend = backend_for(scheduler, jobs=jobs, unsafe=unsafe, replay=replay,
                          examples=cache.folder / "examples" if cache else None)
    for (folder, topic), result in backend.grade(course, pending, dev):
        if cache:
            cache.put(keys[folder, topic.id], result)
        finished(folder, result, False)
    students = tuple(StudentResult(folder.name, tuple(results[folder.name, t.id] for t in chosen)) for folder in folders)
    return Report(course.course, dev, students, seeded=course.settings.grading_seed is not None,
                  hidden_feedback=course.settings.hidden_feedback, sandbox=backend.sandbox)


