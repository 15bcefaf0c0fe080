"""Where student-topics are graded: a backend, this machine's cores or a Dask cluster.

:func:`grader.grading.grade` asks the result cache first and hands what is left to a backend;
both backends grade with the engine (:mod:`grader.engine`) and give the same results.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Protocol

from grader.course import Course, Topic
from grader.machine import choose_sandbox
from grader.scoring import TopicResult

__all__ = ["Backend", "LocalBackend", "Task", "backend_for"]

Task = tuple[Path, Topic]  # a submission folder and the topic to grade in it


class Backend(Protocol):
    """Grades tasks and says in which sandbox.

    Attributes:
        sandbox: the name of the sandbox the submissions ran in (several, comma-separated, where
            a cluster's workers differ); final once :meth:`grade`'s results are consumed.
    """

    sandbox: str

    def grade(self, course: Course, tasks: list[Task], device: str) -> Iterable[tuple[Task, TopicResult]]:
        """Each task's result as it finishes, in no fixed order. ``device`` is resolved (``cpu``,
        ``cuda:0``)."""


class LocalBackend:
    """This machine's cores: ``jobs`` grading processes (:func:`grader.engine.grade_tasks`).

    Args:
        replay: replay each property test's examples recorded on the reference (:mod:`grader.replay`).
        examples: where the recordings are kept between processes and runs (None: per run).

    Raises:
        SandboxError: no sandbox confines files here and ``unsafe`` is False.
    """

    def __init__(self, jobs: int = 1, unsafe: bool = False, replay: bool = True, examples: Path | None = None) -> None:
        self._sandbox = choose_sandbox(unsafe)
        self.sandbox = self._sandbox.name
        self._jobs, self._replay, self._examples = jobs, replay, examples

    def grade(self, course: Course, tasks: list[Task], device: str) -> Iterable[tuple[Task, TopicResult]]:
        if not tasks:
            return []
        from grader.engine import grade_tasks  # and so torch: only with something to grade

        return grade_tasks(course, tasks, device, self._jobs, self._sandbox, replay=self._replay,
                           examples=self._examples)


def backend_for(scheduler: str | None, *, jobs: int = 1, unsafe: bool = False, replay: bool = True,
                examples: Path | None = None) -> Backend:
    """The Dask cluster at ``scheduler`` (:class:`grader.distributed.DaskBackend`; each worker
    records its own examples), else this machine with ``jobs`` processes.

    Raises:
        SandboxError: here, no sandbox that confines files and not ``unsafe``.
    """
    if scheduler is not None:
        from grader.distributed import DaskBackend  # distributed is an optional extra

        return DaskBackend(scheduler, unsafe)
    return LocalBackend(jobs, unsafe, replay, examples)
