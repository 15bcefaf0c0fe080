"""A secret grading seed changes the hidden tests' examples, reproducibly, and stays secret.

Without a seed the hidden tests draw exactly the derandomized examples they always drew. With
one, each hidden test draws from its own stream, fixed by (seed, test name): the same seed grades
the same, another seed draws other inputs. The seed reaches neither the gradebook nor the
feedback nor any process a submission can look into. Every global RNG a submission can reach is
seeded per test in its worker, so a submission drawing from Python's ``random`` or NumPy grades
the same, byte for byte, on every run and under any ``--jobs``.
"""

import difflib
import inspect
import json
import os
import random
import subprocess
import sys
from pathlib import Path

import numpy
import pytest
import torch
import yaml

from grader.collect import collect_tests, hypothesis_seed
from grader.course import load_course
from grader.engine import run_tests
from grader.grading import grade
from grader.notebook.kernel import LocalSubmission
from grader.report import feedback_markdown, gradebook_json
from solutions import norms as reference
from tests.grader.courses import ENGINE, course_copy
from tests.grader.mutants import mutant_source

COURSE_ROOT = Path(__file__).resolve().parents[2]
COURSE = load_course(COURSE_ROOT / "course.yml")
NORMS = COURSE.topic("norms")
DRAWING = "test_l1_norm_equals_the_sum_of_absolute_values_for_any_dim_and_keepdim"


class _Recorder:
    """A correct norms submission (the reference) that notes every input a test hands it."""

    traceback_file = None

    def __init__(self) -> None:
        self.inputs: list[tuple] = []

    def begin_test(self, function=None, seed=None, again=False) -> None:
        pass

    def banned_calls(self) -> dict:
        return {}

    def __getattr__(self, name: str):
        def call(*args, **kwargs):
            self.inputs.append((name, [(a.dtype, a.tolist()) if isinstance(a, torch.Tensor) else a for a in args],
                                sorted(kwargs.items())))
            return getattr(reference, name)(*args, **kwargs)
        return call


def _drawn(grading_seed: int | None) -> list[tuple]:
    """The inputs the hidden test DRAWING hands a submission, graded with ``grading_seed``."""
    course = COURSE if grading_seed is None else COURSE.with_settings(grading_seed=grading_seed)
    test = next(t for t in collect_tests(course, NORMS, ("hidden",)) if t.name == DRAWING)
    recorder = _Recorder()
    [outcome], _ = run_tests([test], recorder, torch.device("cpu"), seed=course.settings.seed)
    assert outcome.passed, outcome.message
    assert len(recorder.inputs) >= 10
    return recorder.inputs


def test_hypothesis_seed_depends_on_the_grading_seed_and_the_test():
    seeds = {hypothesis_seed(s, name) for s in (1, 2) for name in ("tests.hidden.a.test_x", "tests.hidden.a.test_y")}
    assert len(seeds) == 4 and hypothesis_seed(1, "t") == hypothesis_seed(1, "t")
    assert all(0 <= s < 2 ** 128 for s in seeds)


def test_a_grading_seed_draws_other_examples_and_the_same_seed_the_same_ones():
    plain, first, second = _drawn(None), _drawn(1), _drawn(2)
    assert _drawn(1) == first
    assert first != plain and second != plain and first != second


# Run in a fresh process: under pytest the hidden module is imported with rewritten asserts and the
# session's profile, neither of which grading has.
ALWAYS_DREW = f"""
import torch
from tests.grader.test_seed import COURSE, _Recorder, _drawn
engine = _drawn(None)  # loads the grading profile, then imports the module: its test keeps the profile
from tests.hidden.test_norms_props import {DRAWING} as test
recorder = _Recorder()
torch.manual_seed(COURSE.settings.seed)
test(submission=recorder, device=torch.device("cpu"))
_drawn(7)
print(engine == recorder.inputs, _drawn(None) == engine)
"""


def test_without_a_seed_the_hidden_tests_draw_what_they_always_drew():
    done = subprocess.run([sys.executable, "-c", ALWAYS_DREW], cwd=COURSE_ROOT, capture_output=True, text=True,
                          timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    as_the_module, unchanged_by_a_seeded_run = done.stdout.split()
    assert as_the_module == "True", "the engine draws other examples than the module's own test"
    assert unchanged_by_a_seeded_run == "True", "a seeded run left its seed on the test"


IMPORTED_EARLIER = """
from hypothesis import settings
settings.register_profile("student", max_examples=3, derandomize=False)
settings.load_profile("student")
import tests.hidden.test_norms_props  # imported first, under another profile, as pytest's collection does
from tests.grader.test_seed import COURSE, _drawn
first, second = _drawn(None), _drawn(None)
print(first == second, len(first) >= COURSE.settings.max_examples)
"""


def test_a_hidden_module_imported_under_another_profile_grades_with_the_grading_profile():
    done = subprocess.run([sys.executable, "-c", IMPORTED_EARLIER], cwd=COURSE_ROOT, capture_output=True, text=True,
                          timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.split() == ["True", "True"], "derandomized, with course.yml's number of examples"


def test_public_tests_keep_their_examples_under_a_seed():
    plain = collect_tests(COURSE, NORMS)
    seeded = collect_tests(COURSE.with_settings(grading_seed=3), NORMS)
    assert [t.run for t in plain if t.visibility == "public"] == [t.run for t in seeded if t.visibility == "public"]
    assert all(a.run is not b.run for a, b in zip(plain, seeded) if a.visibility == "hidden")
    assert [t.fixtures for t in plain] == [t.fixtures for t in seeded]


@pytest.fixture(scope="module")
def wrong_class(tmp_path_factory) -> Path:
    """One student whose ``l1_norm`` takes the absolute value after the sum."""
    root = tmp_path_factory.mktemp("seeded")
    (root / "wrong").mkdir()
    (root / "wrong" / "norms.py").write_text(mutant_source("norms", "l1_abs_after_the_sum"))
    return root


def test_the_same_seed_grades_the_same_and_leaves_no_trace_of_itself(wrong_class):
    secret = 86753091234567
    course = COURSE.with_settings(grading_seed=secret)
    first, again = (grade(course, wrong_class, topics=["norms"]) for _ in range(2))
    assert gradebook_json(first) == gradebook_json(again)
    assert first.seeded and 0 < first.students[0].total < 10
    derived = [str(hypothesis_seed(secret, f"tests.hidden.test_norms_props.{t.name}"))
               for t in first.students[0].topics[0].tests]
    outputs = json.dumps(gradebook_json(first)) + feedback_markdown(first.students[0])
    assert not [s for s in [str(secret), *derived] if s in outputs]


def _look_for_seeds() -> list[str]:
    """Every trace of a seed this process can read: its environment, other processes, course.yml.

    The spy submission's ``l1_norm`` runs this (its source is copied there) and raises what it
    found, so that the feedback shows it.
    """
    import os
    import sys
    found = [f"{k}={v}" for k, v in os.environ.items() if "SEED" in k.upper()]
    try:
        pids = [p for p in os.listdir("/proc") if p.isdigit()]
    except OSError:
        pids = []
    for pid in pids:
        for name in ("environ", "cmdline"):
            try:
                with open(f"/proc/{pid}/{name}", "rb") as f:
                    words = f.read().decode(errors="replace").split("\0")
            except OSError:
                continue
            found += [f"{pid}/{name}: {w} {n}" for w, n in zip(words, words[1:] + [""]) if "seed" in w.lower()]
    for folder in {os.getcwd(), *sys.path}:
        for up in (folder, os.path.dirname(folder)):
            try:
                with open(os.path.join(up, "course.yml")) as f:
                    found += [line for line in f if "seed:" in line]
            except OSError:
                continue
    return found


SPY = inspect.getsource(_look_for_seeds) + """

def l1_norm(x, dim=None, keepdim=False):
    raise ValueError(f"spy found: {_look_for_seeds()}")
"""


def test_a_submission_cannot_find_the_seed(tmp_path, monkeypatch):
    """A spy searches the environment, /proc and course.yml; seeds come from all three sources."""
    env_seed, option_seed, course_seed = "31415926535", "27182818284", "16180339887"
    course = tmp_path / "course" / "course.yml"
    course.parent.mkdir()
    for folder in ("exercises", "solutions", "tests"):
        (course.parent / folder).symlink_to(COURSE_ROOT / folder)
    data = yaml.safe_load((COURSE_ROOT / "course.yml").read_text(encoding="utf-8"))
    data["settings"]["grading_seed"] = int(course_seed)
    course.write_text(yaml.safe_dump(data), encoding="utf-8")
    (tmp_path / "class" / "spy").mkdir(parents=True)
    spy = (COURSE_ROOT / "solutions" / "norms.py").read_text(encoding="utf-8")
    (tmp_path / "class" / "spy" / "norms.py").write_text(spy + "\n\n" + SPY)
    with monkeypatch.context() as here:  # where nothing confines it, the spy finds the seeds
        here.setenv("DLGRADE_SEED", env_seed)
        here.chdir(course.parent)
        found = "\n".join(_look_for_seeds())
        assert f"DLGRADE_SEED={env_seed}" in found and f"grading_seed: {course_seed}" in found, found

    out = tmp_path / "grades"
    proc = subprocess.run([sys.executable, "-m", "grader", "grade", str(tmp_path / "class"), "--out", str(out),
                           "--topic", "norms", "--jobs", "1", "--course", str(course), "--seed", option_seed],
                          capture_output=True, text=True, timeout=600, env={**os.environ, "DLGRADE_SEED": env_seed})
    assert proc.returncode == 0, proc.stderr
    gradebook = (out / "gradebook.json").read_text(encoding="utf-8")
    feedback = (out / "feedback" / "spy.md").read_text(encoding="utf-8")
    assert json.loads(gradebook)["seeded"] is True and "spy found: [" in feedback
    for seed in (env_seed, option_seed, course_seed):
        assert seed not in gradebook + feedback + proc.stdout, f"seed {seed} leaked"


# d2l's own style: Python's random for the order, NumPy for the initial weights and a mask. The
# contract asks for torch's RNGs, so these lose points; how they lose them must not change.
D2L_SGD = '''
import random

import numpy as np
import torch


def data_iter(batch_size, features, labels, generator=None):
    if batch_size < 1 or len(features) != len(labels):
        raise ValueError(f"batch_size={batch_size}, {len(features)} features, {len(labels)} labels")
    num_examples = len(features)
    indices = list(range(num_examples))
    random.shuffle(indices)
    for i in range(0, num_examples, batch_size):
        batch_indices = torch.tensor(indices[i: min(i + batch_size, num_examples)], dtype=torch.long)
        yield features[batch_indices], labels[batch_indices]


def linreg(X, w, b):
    return torch.matmul(X, w) + b


def squared_loss(y_hat, y):
    return (y_hat - y.reshape(y_hat.shape)) ** 2 / 2


def sgd_(params, lr, batch_size, weight_decay=0.0):
    if not lr > 0 or batch_size < 1 or not weight_decay >= 0:
        raise ValueError(f"lr={lr}, batch_size={batch_size}, weight_decay={weight_decay}")
    with torch.no_grad():
        for param in params:
            if param.grad is not None:
                param -= lr * (param.grad / batch_size + weight_decay * param)
                param.grad.zero_()


def train_linreg(features, labels, lr=0.03, num_epochs=3, batch_size=10, generator=None):
    w = torch.tensor(np.random.normal(0, 0.01, (features.shape[1], 1)), dtype=features.dtype,
                     device=features.device, requires_grad=True)
    b = torch.zeros(1, dtype=features.dtype, device=features.device, requires_grad=True)
    for _ in range(num_epochs):
        for X, y in data_iter(batch_size, features, labels):
            squared_loss(linreg(X, w, b), y).sum().backward()
            sgd_([w, b], lr, batch_size)
    return w.detach(), b.detach()
'''

D2L_DROPOUT = '''
import random

import numpy as np
import torch


def dropout_layer(X, dropout, generator=None):
    if not 0 <= dropout <= 1:
        raise ValueError(f"dropout={dropout} is not a probability")
    if dropout == 1:
        return torch.zeros_like(X)
    keep = torch.from_numpy(np.asarray(np.random.uniform(size=tuple(X.shape)) >= dropout)).to(X.device)
    return torch.where(keep, X / (1 - dropout), torch.zeros_like(X))


class Dropout(torch.nn.Module):
    def __init__(self, p=0.5):
        super().__init__()
        if not 0 <= p <= 1:
            raise ValueError(f"p={p} is not a probability")
        self.p = p

    def forward(self, X):
        if not self.training or self.p == 0:
            return X
        keep = torch.tensor([random.random() >= self.p for _ in range(X.numel())], device=X.device)
        return torch.where(keep.reshape(X.shape), X / (1 - self.p), torch.zeros_like(X))
'''


def _outputs(out: Path) -> dict[str, bytes]:
    """Every file ``dlgrade grade`` wrote under ``out`` but its result cache: path -> bytes."""
    return {str(p.relative_to(out)): p.read_bytes() for p in sorted(out.rglob("*"))
            if p.is_file() and ".cache" not in p.relative_to(out).parts}


def test_a_submission_drawing_from_random_and_numpy_grades_byte_for_byte_alike(tmp_path):
    """Each worker is forked from a zygote whose ``random`` and NumPy states are new on every run:
    unseeded, the order data_iter shuffles (and so the failures' messages) changed between runs.

    Two gradings through the CLI: ``--jobs 1``, then ``--jobs 2 --no-cache`` into the same folder
    (a second run, in other processes, past the first one's cache). Few examples and no shrinking
    keep it short (the public tests alone show the order data_iter drew); the worker's seeding is
    the same either way. The time limits are generous: a limit reached on a busy machine would
    change the outcome, and the RNGs are what this tests.
    """
    settings = {**ENGINE, "max_examples": 2, "shrink": False, "call_timeout_s": 30.0, "topic_timeout_s": 600.0}
    course = course_copy(tmp_path / "course", settings, topics=["sgd", "dropout"])
    student = tmp_path / "class" / "d2l"
    student.mkdir(parents=True)
    (student / "sgd.py").write_text(D2L_SGD, encoding="utf-8")
    (student / "dropout.py").write_text(D2L_DROPOUT, encoding="utf-8")
    out, outputs = tmp_path / "grades", []
    for options in (["--jobs", "1"], ["--jobs", "2", "--no-cache"]):
        proc = subprocess.run([sys.executable, "-m", "grader", "grade", str(tmp_path / "class"), "--out", str(out),
                               "--course", str(course), "--quiet", *options],
                              capture_output=True, text=True, timeout=600)
        assert proc.returncode == 0, proc.stderr[-2000:]
        outputs.append(_outputs(out))
    first, second = outputs
    assert sorted(first) == ["feedback/d2l.md", "gradebook.csv", "gradebook.json", "report.html"]
    topics = json.loads(first["gradebook.json"])["students"][0]["topics"]
    assert all(t["status"] == "graded" and 0 < t["score"] < t["max_score"] for t in topics), topics
    changed = [name for name in first if first[name] != second[name]]
    diff = "\n".join(difflib.unified_diff(first[changed[0]].decode().splitlines(),
                                          second[changed[0]].decode().splitlines(), lineterm="")) if changed else ""
    assert not changed, f"{changed} differ between runs:\n{diff[:4000]}"


def test_a_notebook_seeds_every_global_rng_before_each_test():
    """In a notebook the student's code runs in the kernel, which seeds as a worker does."""
    def l1_norm(*args):
        return random.random(), float(numpy.random.random()), float(torch.rand(1))

    submission = LocalSubmission({"l1_norm": l1_norm}, NORMS, call_timeout_s=5)
    submission.begin_test("l1_norm", 4)
    first, second = submission.l1_norm(), submission.l1_norm()
    submission.begin_test("l1_norm", 4)
    seeded = (random.Random(4).random(), float(numpy.random.RandomState(4).random_sample()),
              float(torch.rand(1, generator=torch.Generator().manual_seed(4))))
    assert submission.l1_norm() == first == seeded and second != first
