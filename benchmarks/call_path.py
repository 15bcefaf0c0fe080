"""What one call into a worker costs: microseconds per round trip in a tight loop.

    python benchmarks/call_path.py [--calls N] [--repeats R] [--pin]

Starts a :class:`~grader.isolation.runner.Worker` (sandboxed as in grading) on a tiny
submission and times, for each kind of call a test makes, N calls in a row, R times; prints
the best and median µs per call of each kind:

- ``call``: ``double(x)`` on a 4-element float32 tensor, the cheapest call there is;
- ``call_seeded``: the same, with torch's RNG reseeded here to the same seed before each call,
  as a test reseeds per example (the reseeding is not counted);
- ``in_place``: ``scale_(x)`` on a 4-element tensor, whose change comes back;
- ``call_1k``: ``double(x)`` on a 32×32 float32 tensor (the tensor codec's share);
- ``drain8``: ``list(batches(8))``: an 8-item remote iterator consumed whole;
- ``getattr_call``: ``m.train()`` on a remote ``torch.nn.Module``, getattr then call;
- ``graded``: a call as grading makes it: the tripwire watching the function's banned calls
  (dropout's, from course.yml), torch reseeded here with a new seed, and a submission that
  draws a dropout mask of a (8, 16) float32 input from torch's global RNG, so the RNG state
  crosses both ways. The reseeding (~0.2 ms on its own) is not counted.

``--pin`` pins this process (and so the worker it forks from the zygote, started after the
pin) to one core, as ``--jobs N`` pins a grading process. The figures are best-of-R, as a busy
shared machine only ever adds time.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

import torch

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from grader.banned import ALWAYS_BANNED, LOOPS  # noqa: E402
from grader.course import load_course  # noqa: E402
from grader.isolation.runner import Limits, RemoteSubmission, Worker  # noqa: E402

SUBMISSION = '''
import torch

def double(x):
    return x * 2

def scale_(x):
    x.add_(1)

def batches(n):
    for i in range(n):
        yield torch.tensor([i])

def mask(X, p):
    return X * (torch.rand(X.shape) > p) / (1 - p)

class Module(torch.nn.Module):
    def forward(self, X):
        return X
'''


def _time(calls: int, repeats: int, one: callable, before: callable = lambda: None) -> tuple[float, float]:
    """Best and median µs per call of ``one()`` over ``repeats`` loops of ``calls`` calls, not
    counting ``before()``, run before each call."""
    per_call = []
    for _ in range(repeats):
        spent = 0.0
        for _ in range(calls):
            before()
            start = time.perf_counter()
            one()
            spent += time.perf_counter() - start
        per_call.append(spent / calls * 1e6)
    return min(per_call), statistics.median(per_call)


def main() -> None:
    """Parse the options, run each kind of call and print its µs per round trip."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=500)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--pin", action="store_true", help="pin to one core, as --jobs N does")
    options = parser.parse_args()
    if options.pin:
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})
    torch.set_num_threads(1)
    limits = Limits(call_timeout_s=10, import_timeout_s=60, memory_mb=4096)
    course = load_course(ROOT / "course.yml")
    dropout = next(t for t in course.topics if t.id == "dropout")
    patterns = [p for p in dropout.banned_in("dropout_layer") if p != LOOPS] + list(ALWAYS_BANNED)
    watched = {p for t in course.topics for f in t.functions for p in t.banned_in(f) if p != LOOPS}
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder, "bench.py")
        path.write_text(SUBMISSION)
        with Worker(path, ROOT, limits, banned={"mask": patterns}, watched=watched) as worker:
            failure = worker.start()
            if failure is not None:
                raise SystemExit(f"the benchmark's submission did not import: {failure.message}")
            sub = RemoteSubmission(worker, "bench")
            small, big, X = torch.ones(4), torch.ones(32, 32), torch.ones(8, 16)
            module = sub.Module()
            seeds = iter(range(10**9))
            kinds = {"call": lambda: sub.double(small), "call_seeded": lambda: sub.double(small),
                     "in_place": lambda: sub.scale_(small), "call_1k": lambda: sub.double(big),
                     "drain8": lambda: list(sub.batches(8)), "getattr_call": lambda: module.train(),
                     "graded": lambda: sub.mask(X, 0.5)}
            before = {"call_seeded": lambda: torch.manual_seed(0), "graded": lambda: torch.manual_seed(next(seeds))}
            sub.begin_test("mask")  # only mask's calls are watched: its banned calls are dropout's
            for name, one in kinds.items():
                one()  # warm up: first calls pay for imports and caches
                calls = options.calls // (8 if name == "drain8" else 1)
                best, median = _time(calls, options.repeats, one, before.get(name, lambda: None))
                print(f"{name:13s} best {best:8.1f} µs   median {median:8.1f} µs")


if __name__ == "__main__":
    main()
