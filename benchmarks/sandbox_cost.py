"""What the sandbox costs: the sample class graded with every layer this machine offers vs none.

    python benchmarks/sandbox_cost.py [--jobs N] [--starts N] [--json FILE]

Prints (and writes to FILE) the seconds per student-topic for both runs, and the mean time to
start one worker (fork from the zygote, confine, import a one-line submission) for both.
The two runs must give the same scores; the script fails if they do not.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import tempfile
import time
from pathlib import Path

import torch

import grader.grading
from grader.course import load_course
from grader.isolation.runner import Limits, Worker
from grader.isolation.sandbox import Sandbox, detect
from grader.report import gradebook_json

ROOT = Path(__file__).resolve().parents[1]


def grade_class(sandbox: Sandbox, jobs: int) -> tuple[float, dict, int]:
    """Seconds, gradebook and student-topics of grading examples/class inside ``sandbox``."""
    course = load_course(ROOT / "course.yml")
    grader.machine.detect = lambda: sandbox  # choose_sandbox() then returns exactly this
    start = time.perf_counter()
    report = grader.grading.grade(course, ROOT / "examples" / "class", jobs=jobs, unsafe=True)
    seconds = time.perf_counter() - start
    book = gradebook_json(report)
    return seconds, book, len(report.students) * len(course.topics)


def worker_start(sandbox: Sandbox, starts: int) -> float:
    """Mean seconds to start a worker on a one-line submission, after a warm-up start."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder, "student", "norms.py")
        path.parent.mkdir()
        path.write_text("import torch\n\ndef l1_norm(x):\n    return x.abs().sum()\n")
        with Worker(path, ROOT, Limits(10, 30, 4096), sandbox) as worker:
            assert worker.start() is None
            begin = time.perf_counter()
            for _ in range(starts):
                assert worker.start() is None
            return (time.perf_counter() - begin) / starts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=len(os.sched_getaffinity(0)))
    parser.add_argument("--starts", type=int, default=50)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    sandboxed, bare = detect(), Sandbox(())
    result = {"machine": f"{platform.machine()}, {len(os.sched_getaffinity(0))} cores", "torch": torch.__version__,
              "sandbox": sandboxed.name, "jobs": args.jobs}
    for name, sandbox in (("sandbox", sandboxed), ("none", bare)):
        result[f"worker_start_ms_{name}"] = round(1000 * worker_start(sandbox, args.starts), 2)
    books = {}
    for name, sandbox in (("sandbox", sandboxed), ("none", bare)):
        seconds, books[name], tasks = grade_class(sandbox, args.jobs)
        result[f"class_s_{name}"] = round(seconds, 1)
        result[f"per_student_topic_s_{name}"] = round(seconds / tasks, 3)
    for book in books.values():
        book.pop("sandbox")
    if books["sandbox"] != books["none"]:
        raise SystemExit("the sandboxed and the bare run gave different gradebooks")
    result["overhead_per_student_topic_s"] = round(result["per_student_topic_s_sandbox"]
                                                   - result["per_student_topic_s_none"], 3)
    print(json.dumps(result, indent=2))
    if args.json:
        args.json.write_text(json.dumps(result, indent=2) + "\n")


if __name__ == "__main__":
    main()
