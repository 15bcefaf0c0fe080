"""Workers contain what a submission does: exceptions, exits, crashes, hangs, in-place changes."""

import textwrap
from pathlib import Path

import pytest
import torch

from grader.isolation.runner import (CallTimeout, Limits, RemoteSubmission, SubmissionError, Worker,
                                     WorkerCrashed)
from tests.functions import function

COURSE_ROOT = Path(__file__).resolve().parents[2]
LIMITS = Limits(call_timeout_s=3, import_timeout_s=30, memory_mb=4096)

MODULE = """
import ctypes, os, sys, time
import torch

def double(x):
    return x * 2

def fill_(W, generator=None):
    with torch.no_grad():
        W.uniform_(-1, 1, generator=generator)
    return W

def mutate(x):
    x += 1
    return None

def set_grad(x):
    x.requires_grad_(True)
    (x * x).sum().backward()

def batches(n):
    for i in range(n):
        yield torch.tensor([i])

def bad(p):
    raise ValueError(f"p={p} is not a probability")

def custom_error():
    class Mine(KeyError):
        pass
    raise Mine("k")

def exits():
    sys.exit(0)

def hard_exit():
    os._exit(0)

def segfault():
    ctypes.string_at(0)

def hangs():
    time.sleep(60)

def calls_back(fn, x):
    return fn(x, x + 1)

def autograd(f, x):
    x = x.detach().requires_grad_(True)
    f(x).sum().backward()
    return x.grad

def draws():
    return torch.rand(3)

class Module(torch.nn.Module):
    def __init__(self, p=0.5):
        super().__init__()
        self.p = p

    def forward(self, X):
        return X * 0 if self.training else X
"""


def write(tmp_path: Path, source: str, name: str = "topic.py") -> Path:
    path = tmp_path / name
    path.write_text(textwrap.dedent(source))
    return path


@pytest.fixture(scope="module")
def submission(tmp_path_factory):
    worker = Worker(write(tmp_path_factory.mktemp("sub"), MODULE), COURSE_ROOT, LIMITS)
    assert worker.start() is None
    yield RemoteSubmission(worker, "topic")
    worker.close()


def test_results_come_back_as_plain_tensors(submission):
    x = torch.arange(6.0).reshape(2, 3)
    out = submission.double(x)
    assert type(out) is torch.Tensor and torch.equal(out, x * 2)


def test_in_place_function_returns_the_same_object_and_updates_it(submission):
    W = torch.zeros(2, 3, requires_grad=True)
    g = torch.Generator().manual_seed(0)
    out = submission.fill_(W, generator=g)
    expected = torch.zeros(2, 3).uniform_(-1, 1, generator=torch.Generator().manual_seed(0))
    assert out is W and W.is_leaf and W.requires_grad and torch.equal(W.detach(), expected)
    assert not torch.equal(g.get_state(), torch.Generator().manual_seed(0).get_state()), "generator state not returned"


def test_mutation_of_an_argument_fails_a_function_not_named_in_place_and_is_visible(submission):
    x = torch.zeros(3)
    with pytest.raises(AssertionError, match=r"mutate modified its argument no. 1 in place"):
        submission.mutate(x)
    assert torch.equal(x, torch.ones(3))  # a test that compares x afterwards sees the change too


def test_grad_and_requires_grad_changes_are_visible(submission):
    x = torch.ones(2)
    submission.set_grad(x)
    assert x.requires_grad and torch.equal(x.grad, torch.full((2,), 2.0))


def test_iterator_is_consumed_remotely(submission):
    assert [int(b) for b in submission.batches(3)] == [0, 1, 2]


def test_module_object_lives_in_the_worker(submission):
    m = submission.Module(0.25)
    assert m.p == 0.25 and m.training is True
    assert torch.equal(m(torch.ones(2)), torch.zeros(2))
    assert m.eval() is m and m.training is False and torch.equal(m(torch.ones(2)), torch.ones(2))


def test_exceptions_arrive_as_their_builtin_class(submission):
    with pytest.raises(ValueError, match="p=1.5"):
        submission.bad(1.5)
    with pytest.raises(KeyError):
        submission.custom_error()


def test_sys_exit_fails_the_call_and_the_worker_survives(submission):
    with pytest.raises(SubmissionError, match="SystemExit"):
        submission.exits()
    assert torch.equal(submission.double(torch.ones(1)), torch.full((1,), 2.0))


@pytest.mark.parametrize("name", ["hard_exit", "segfault"])
def test_crash_fails_the_call_and_a_new_worker_serves_the_next(submission, name):
    with pytest.raises(WorkerCrashed):
        getattr(submission, name)()
    with pytest.raises(WorkerCrashed):  # fails fast within the same test
        getattr(submission, name)()
    submission._begin_test()
    assert torch.equal(submission.double(torch.ones(1)), torch.full((1,), 2.0))


def test_worker_killed_after_time_limit(submission):
    with pytest.raises(CallTimeout, match="3 s"):
        submission.hangs()
    submission._begin_test()
    assert torch.equal(submission.double(torch.ones(1)), torch.full((1,), 2.0))


def test_callback_runs_in_the_grading_process(submission):
    seen = []

    def record(a, b):
        seen.append((type(a), a.tolist(), b.tolist()))
        return 1.5, 2

    assert submission.calls_back(record, torch.zeros(2)) == (1.5, 2)
    assert seen == [(torch.Tensor, [0.0, 0.0], [1.0, 1.0])]


def test_trusted_function_runs_in_the_worker_under_autograd(submission):
    x = torch.tensor([1.0, 2.0], dtype=torch.float64)
    assert torch.equal(submission.autograd(function("cube"), x), 3 * x**2)


def test_global_rng_is_synchronised_both_ways(submission):
    torch.manual_seed(7)
    first = submission.draws()
    after = torch.rand(1)
    torch.manual_seed(7)
    assert torch.equal(first, torch.rand(3)) and torch.equal(after, torch.rand(1))


def test_unknown_name_is_an_attribute_error(submission):
    with pytest.raises(AttributeError, match="no 'softmax'"):
        submission.softmax


@pytest.mark.parametrize(("source", "status"), [
    ("import nonexistent_module_xyz\n", "import_error"),
    ("def f(:\n", "import_error"),
    ("import sys\nsys.exit(1)\n", "import_error"),
    ("import os\nos._exit(3)\n", "crashed"),
    ("import time\ntime.sleep(60)\n", "timeout"),
])
def test_import_failures_have_a_status(tmp_path, source, status):
    limits = Limits(call_timeout_s=3, import_timeout_s=5, memory_mb=4096)
    with Worker(write(tmp_path, source), COURSE_ROOT, limits) as worker:
        failure = worker.start()
    assert failure is not None and failure.status == status, failure
