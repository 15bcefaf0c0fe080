"""grade(course, submissions) -> Report: every submission folder, every topic.

Each student-topic is taken from the result cache where nothing that decides it changed, else
graded by the engine (:mod:`grader.engine`), on this machine's cores or a Dask cluster's. The
engine, and so torch, is imported only when something is left to grade: a regrade with nothing
changed costs the cache lookups.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

from grader.cache import ResultCache
from grader.course import Course
from grader.errors import DeviceError, SandboxError, SubmissionsError
from grader.isolation.sandbox import Sandbox, detect
from grader.scoring import Report, StudentResult, TopicResult

__all__ = ["choose_sandbox", "grade", "resolve_device", "student_folders"]


def resolve_device(name: str) -> str:
    """The torch device to grade on, by name: ``cpu``; ``cuda`` (or ``cuda:N``); ``auto``, cuda if
    this machine has it, else cpu.

    Raises:
        DeviceError: cuda where this machine has none, cuda:N where it has N or fewer, or not a
            torch device.
    """
    if name == "cpu":  # needs no torch: a regrade that finds everything cached never imports it
        return name
    import torch

    if name == "auto":
        return "cuda" if torch.cuda.is_available() else "cpu"
    if name.startswith("cuda") and not torch.cuda.is_available():
        raise DeviceError(f"--device {name}: CUDA is not available on this machine (try --device cpu)")
    try:
        device = torch.device(name)
    except RuntimeError:
        raise DeviceError(f"--device {name}: not a torch device (cpu, cuda, cuda:N or auto)") from None
    count = torch.cuda.device_count()
    if device.type == "cuda" and device.index is not None and device.index >= count:
        has = "cuda:0" if count == 1 else f"cuda:0 to cuda:{count - 1}"
        raise DeviceError(f"--device {name}: no such CUDA device (this machine has {has})")
    return str(device)


def choose_sandbox(unsafe: bool = False) -> Sandbox:
    """The sandbox this machine offers (:func:`grader.isolation.sandbox.detect`).

    Raises:
        SandboxError: it cannot keep a submission from the course's files (no bubblewrap, no
            Landlock) and ``unsafe`` is False.
    """
    sandbox = detect()
    if not sandbox.confines_files and not unsafe:
        raise SandboxError(
            f"no sandbox for untrusted code on this machine (found: {sandbox.name}): grading needs Linux >= 5.13 "
            "with Landlock, or bubblewrap (apt-get install bubblewrap); pass --unsafe to grade without one")
    return sandbox


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
    if scheduler is not None:
        from grader.distributed import run_on_dask  # distributed is an optional extra

        done = run_on_dask(scheduler, course, pending, dev, unsafe)
    else:
        sandbox = choose_sandbox(unsafe)
        done = []
        if pending:
            from grader.engine import grade_tasks  # and so torch: only with something to grade

            examples = cache.folder / "examples" if cache else None
            done = grade_tasks(course, pending, dev, jobs, sandbox, replay=replay, examples=examples)
    for (folder, topic), result in done:
        if cache:
            cache.put(keys[folder, topic.id], result)
        finished(folder, result, False)
    sandbox_name = done.sandbox if scheduler is not None else sandbox.name  # the workers' on a cluster
    students = tuple(StudentResult(folder.name, tuple(results[folder.name, t.id] for t in chosen)) for folder in folders)
    return Report(course.course, dev, students, seeded=course.settings.grading_seed is not None,
                  hidden_feedback=course.settings.hidden_feedback, sandbox=sandbox_name)


