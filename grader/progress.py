"""How ``dlgrade grade`` shows a run as it goes: a rich progress display, JSON lines, or nothing.

Each reporter is a context manager that yields the ``on_result(student, result, cached)``
callback of :func:`grader.grading.grade`.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Literal

from rich.console import Console
from rich.progress import (BarColumn, MofNCompleteColumn, Progress, ProgressColumn, Task, TextColumn,
                           TimeElapsedColumn, TimeRemainingColumn)
from rich.text import Text

from grader.scoring import TopicResult

__all__ = ["OnResult", "reporter"]

OnResult = Callable[[str, TopicResult, bool], None]
Mode = Literal["progress", "quiet", "json-lines"]


class _Rate(ProgressColumn):
    """Student-topics graded per second, cached ones left out (they cost nothing)."""

    def render(self, task: Task) -> Text:
        return Text("" if task.speed is None else f"{task.speed:.2f}/s", style="progress.data.speed")


@contextmanager
def reporter(mode: Mode, console: Console, students: int, topics: Sequence[str]) -> Iterator[OnResult]:
    """The ``on_result`` callback for ``mode``:

    - ``progress``: a bar over all student-topics with its rate and time left, and one count
      per topic (removed when the run ends);
    - ``json-lines``: one JSON object per finished student-topic on stdout (``student``,
      ``topic``, ``status``, ``score``, ``max_score``, ``seconds``, ``cached``);
    - ``quiet``: nothing.
    """
    if mode == "quiet":
        yield lambda student, result, cached: None
    elif mode == "json-lines":
        def line(student: str, result: TopicResult, cached: bool) -> None:
            record = {"student": student, "topic": result.id, "status": result.status, "score": result.score,
                      "max_score": result.max_score, "seconds": round(result.seconds, 3), "cached": cached}
            print(json.dumps(record), flush=True)

        yield line
    else:
        with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), _Rate(),
                      TimeElapsedColumn(), TimeRemainingColumn(), console=console, transient=True) as progress:
            overall = progress.add_task("grading", total=students * len(topics))
            per_topic = {t: progress.add_task(f"  {t}", total=students) for t in topics}

            cached_count = 0

            def advance(student: str, result: TopicResult, cached: bool) -> None:
                nonlocal cached_count
                if cached:  # no work done: keep it out of the rate and the time left
                    cached_count += 1
                    progress.update(overall, total=progress.tasks[overall].total - 1,
                                    description=f"grading ({cached_count} cached)")
                else:
                    progress.advance(overall)
                progress.advance(per_topic[result.id])

            yield advance
