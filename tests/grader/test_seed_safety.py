"""Correct code keeps full marks under any secret grading seed.

A grading seed (``dlgrade grade --seed N``, ``$DLGRADE_SEED``, course.yml ``grading_seed``)
gives each hidden ``@given`` test its own stream of examples (:func:`grader.collect.hypothesis_seed`),
so an instructor's secret seed draws inputs no test author ever ran. Whatever it draws must stay
in the spec's domain and within the spec's tolerances: here the reference (``solutions/``) and
both differently written correct solutions (``submissions/correct_a``, ``correct_b``) are graded
on every topic under :data:`GRADING_SEEDS` and must not lose a point. A failure is a bug of the
hidden test that failed (an input outside the domain, a tolerance or a statistical bound wrongly
derived), never a reason to change the seeds.

The hidden tests run in this process on the imported module (``LocalSubmission``, as
``benchmarks/in_process.py`` does), with the same profile, seeds and per-test seeding of the global RNGs as
:func:`grader.engine.grade_topic`, which sends the same calls to a sandboxed worker: the same
outcomes and messages (checked against ``grade_topic`` on norms and softmax, reference, correct_b
and mutants), in a fraction of the time. Public tests draw the same examples whatever the seed;
test_mutants.py and ``dlgrade validate`` grade them. Each case grades one folder under one seed
(about 20 s of one core): the reference under the first seed runs by default, the other 59 cases
are marked ``slow`` and left out of the default run (about 20 minutes of one core together).
All 60: ``python -m pytest -n 0 -m "" tests/grader/test_seed_safety.py``; ``-k seed07`` one seed.
A failure reproduces with ``DLGRADE_SEED=<seed> dlgrade grade CLASS --topic <topic>``.
"""

import hashlib
import os
from pathlib import Path

import pytest
import torch

from grader.collect import collect_tests
from grader.course import load_course
from grader.engine import run_tests
from grader.notebook.kernel import LocalSubmission
from grader.submission import import_topic

COURSE_ROOT = Path(__file__).resolve().parents[2]
COURSE = load_course(COURSE_ROOT / "course.yml")
DEVICE = torch.device(os.environ.get("DLGRADE_DEVICE", "cpu"))
FOLDERS = {"reference": COURSE_ROOT / "solutions",
           "correct_a": Path(__file__).parent / "submissions" / "correct_a",
           "correct_b": Path(__file__).parent / "submissions" / "correct_b"}

# Twenty secrets as an instructor would pick them: 32-bit integers, fixed so that a failure
# reproduces, and taken from a hash so that nobody chose them to pass.
GRADING_SEEDS = [int.from_bytes(hashlib.sha256(f"dlgrade seed safety {i}".encode()).digest()[:4], "big")
                 for i in range(20)]

# The course's call time limit (5 s of wall clock) is what grading applies, but a loaded machine
# exceeds it on calls that take 0.2 s of CPU (correct_b's first forward-mode jacobian did, at a
# load of 16 on 2 cores). Seeds change inputs, not how long a machine makes a call wait: a call
# still may not hang, but a busy machine may not fail the test.
_CALL_TIMEOUT_S = 60.0


def _lost_points(folder: str, grading_seed: int) -> list[str]:
    """Every hidden test that the correct ``folder`` fails under ``grading_seed``, as one line each."""
    course = COURSE.with_settings(grading_seed=grading_seed)
    lost = []
    for topic in course.topics:
        module = import_topic(FOLDERS[folder] / f"{topic.id}.py")
        submission = LocalSubmission(vars(module), topic, _CALL_TIMEOUT_S)
        for test in collect_tests(course, topic, ("hidden",)):
            # As a worker begins a test: the functions that hung get a fresh chance, every global RNG
            # is seeded.
            submission.begin_test(test.function, course.settings.seed)
            [outcome], _ = run_tests([test], submission, DEVICE, seed=course.settings.seed)
            if not outcome.passed or outcome.grader_error:
                lost.append(f"grading seed {grading_seed}, {folder}, {topic.id}.{test.name}: {outcome.message}")
    return lost


@pytest.mark.parametrize(("folder", "grading_seed"), [
    pytest.param(folder, seed, id=f"{folder}-seed{i:02d}",
                 marks=[] if (folder, i) == ("reference", 0) else [pytest.mark.slow])
    for i, seed in enumerate(GRADING_SEEDS) for folder in FOLDERS])
def test_correct_code_keeps_full_marks_under_a_secret_grading_seed(folder, grading_seed):
    lost = _lost_points(folder, grading_seed)
    assert not lost, f"{len(lost)} hidden test(s) failed correct code:\n" + "\n\n".join(lost)
