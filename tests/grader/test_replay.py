"""Replayed examples grade exactly as a live Hypothesis run does (:mod:`grader.replay`).

A recording holds what a test drew on the reference; replaying it hands a submission the very
inputs a live run would, and any difference from the recording (a failure, another number of
draws, an assumption that goes the other way) sends the test back to a live run, whose result
is the one reported. Whole corpora are compared, live against replayed, in test_mutants.py,
test_class.py and test_adversarial.py.
"""

import copy
import random
import types

import pytest
import torch
from hypothesis import assume, given
from hypothesis import strategies as st

from grader.collect import CourseTest, collect_tests, prepare, under_grading
from grader.course import load_course
from grader.engine import _reference, run_tests
from grader.replay import Examples, record, replay
from grader.submission import InProcessSubmission
from tests.grader.mutants import COURSE_ROOT
from tests.strategies import tensors

COURSE = load_course(COURSE_ROOT / "course.yml")
CPU = torch.device("cpu")
SHARED = [torch.zeros(2), torch.ones(2)]


@pytest.fixture(autouse=True)
def grading_profile():
    """This course's grading profile: another module's tests may have loaded another course's."""
    prepare(COURSE)


def _module(**functions) -> InProcessSubmission:
    module = types.ModuleType("submission_replayed")
    vars(module).update(functions)
    return InProcessSubmission(module)


def _course_test(test, seed=None) -> CourseTest:
    return CourseTest(test.__name__, "double", "hidden", 1.0, under_grading(test, seed), test, seed)


class _Inputs:
    """A submission whose ``double`` notes each input (a copy) and answers ``2 * x``; with
    ``wrong_above``, ``2 * x + 1`` where an element of x exceeds it."""

    traceback_file = None

    def __init__(self, wrong_above: float | None = None) -> None:
        self.inputs: list[list[float]] = []
        self._wrong_above = wrong_above

    def begin_test(self, function=None, seed=None, again=False) -> None:
        pass

    def banned_calls(self) -> dict:
        return {}

    def double(self, x: torch.Tensor) -> torch.Tensor:
        self.inputs.append(x.tolist())
        wrong = self._wrong_above is not None and bool((x > self._wrong_above).any())
        return 2 * x + (1 if wrong else 0)


@given(x=tensors(shape=(3,), dtype=torch.float64))
def doubles(submission, x):
    assert torch.equal(submission.double(x), 2 * x), "double(x) is not 2x"


@given(data=st.data())
def doubles_drawn_sizes(submission, data):
    n = data.draw(st.integers(1, 4), label="n")
    x = data.draw(tensors(shape=(n,), dtype=torch.float64), label="x")
    assert torch.equal(submission.double(x), 2 * x), "double(x) is not 2x"


@given(data=st.data())
def draws_after_the_call(submission, data):
    out = submission.double(torch.ones(data.draw(st.integers(1, 3))))
    data.draw(st.integers(0, len(out) - 1))


@given(x=st.floats(-1, 1))
def rejects_by_the_output(submission, x):
    assume(float(submission.double(torch.tensor(x))) > 0)


@given(x=tensors(shape=(2,), dtype=torch.float64))
def zeroes_its_input(submission, x):
    before = x.clone()
    x.zero_()
    assert torch.equal(submission.double(before), 2 * before)


@given(x=tensors(shape=(1,), dtype=torch.float64))
def doubles_python_randoms(submission, x):
    """Draws from Python's global ``random`` in its body, which Hypothesis seeds per example."""
    y = torch.cat([x, torch.tensor([random.random(), random.random()], dtype=torch.float64)])
    assert torch.equal(submission.double(y), 2 * y)


def _live_and_replayed(test: CourseTest, submission_factory) -> tuple[list, list]:
    """What ``test`` hands a submission, run live and replayed from a recording on ``_Inputs()``."""
    recording = record(test, _Inputs(), CPU, seed=0)
    assert recording is not None
    live, replayed = submission_factory(), submission_factory()
    run_tests([test], live, CPU, seed=0)
    run_tests([test], replayed, CPU, seed=0, recordings={test.name: recording})
    return live.inputs, replayed.inputs


@pytest.mark.parametrize("test", [doubles, doubles_drawn_sizes], ids=lambda t: t.__name__)
@pytest.mark.parametrize("seed", [None, 12345])
def test_replay_hands_the_submission_what_a_live_run_draws(test, seed):
    live, replayed = _live_and_replayed(_course_test(test, seed), _Inputs)
    assert len(live) >= 10 and replayed == live


def test_each_replayed_example_starts_python_s_random_where_a_live_one_does_and_leaves_it_as_it_was():
    before = random.getstate()
    live, replayed = _live_and_replayed(_course_test(doubles_python_randoms), _Inputs)
    assert len(live) >= 10 and replayed == live
    assert random.getstate() == before


def test_another_seed_records_other_examples():
    first, other = (record(_course_test(doubles, seed), _Inputs(), CPU, seed=0) for seed in (1, 2))
    assert [e.kwargs["x"].tolist() for e in first.examples] != [e.kwargs["x"].tolist() for e in other.examples]


def test_a_failure_is_found_and_shrunk_live_as_without_replay():
    test = _course_test(doubles)
    recording = record(test, _Inputs(), CPU, seed=0)
    wrong = _Inputs(wrong_above=3.0)  # passes the first examples, then fails
    assert not replay(test, recording, {"submission": wrong}) and len(wrong.inputs) > 1
    [live], _ = run_tests([test], wrong, CPU, seed=0)
    [replayed], _ = run_tests([test], wrong, CPU, seed=0, recordings={test.name: recording})
    assert not live.passed and replayed == live and "double(x) is not 2x" in live.message


def test_a_test_that_draws_after_using_the_submission_is_not_recorded():
    assert record(_course_test(draws_after_the_call), _Inputs(), CPU, seed=0) is None


def test_an_assumption_that_goes_otherwise_runs_live():
    test = _course_test(rejects_by_the_output)
    recording = record(test, _Inputs(), CPU, seed=0)
    assert {e.outcome for e in recording.examples} == {"passed", "rejected"}
    negated = _module(double=lambda x: -2 * x)
    assert not replay(test, recording, {"submission": negated})
    assert replay(test, recording, {"submission": _Inputs()})


def test_a_test_that_mutates_its_example_leaves_the_recording_intact():
    test = _course_test(zeroes_its_input)
    recording = record(test, _Inputs(), CPU, seed=0)
    kept = copy.deepcopy(recording)
    first, second = _Inputs(), _Inputs()
    assert replay(test, recording, {"submission": first}) and replay(test, recording, {"submission": second})
    assert first.inputs == second.inputs
    assert all(torch.equal(a.kwargs["x"], b.kwargs["x"]) for a, b in zip(recording.examples, kept.examples))


@given(data=st.data())
def draws_its_own_tensors(submission, data):
    mine = [torch.ones(2), torch.zeros(2)]
    for x in data.draw(st.permutations(mine), label="order"):
        submission.double(x)


@given(x=st.sampled_from(SHARED))
def draws_a_module_tensor(submission, x):
    submission.double(x)


@pytest.mark.parametrize("test", [draws_its_own_tensors, draws_a_module_tensor], ids=lambda t: t.__name__)
def test_a_draw_that_hands_out_an_existing_object_is_not_recorded(test):
    """A copy could not stand in for it: the test may look at the object the submission changed."""
    assert record(_course_test(test), _Inputs(), CPU, seed=0) is None


def test_a_draw_that_cannot_be_copied_is_not_recorded():
    @given(x=st.builds(lambda: (i for i in range(3))))  # a generator: deepcopy refuses it
    def takes_a_generator(submission, x):
        submission.double(torch.tensor(float(len(list(x)))))

    assert record(_course_test(takes_a_generator), _Inputs(), CPU, seed=0) is None


def test_a_test_that_fails_on_the_reference_is_not_recorded():
    assert record(_course_test(doubles), _module(double=lambda x: x), CPU, seed=0) is None


# Tests that always run live: what they draw holds their own objects (a permutation of their tensors).
LIVE_ONLY = {"test_sgd_leaves_params_whose_grad_is_none_alone"}


def test_every_property_test_of_the_course_is_recorded_and_replays_on_the_reference(tmp_path):
    """Recorded once, read back from disk by another grading process's Examples: the same."""
    for topic in COURSE.topics:
        tests = collect_tests(COURSE, topic)
        reference = _reference(COURSE, topic)
        recordings = Examples(COURSE, "cpu", tmp_path).for_topic(topic, tests, reference)
        assert set(recordings) == {t.name for t in tests if t.given is not None} - LIVE_ONLY, topic.id
        again = Examples(COURSE, "cpu", tmp_path).for_topic(topic, tests, reference)
        for test in tests:
            if test.name in recordings:
                assert len(again[test.name].examples) == len(recordings[test.name].examples)
                fixtures = {name: {"submission": reference(), "device": CPU}[name] for name in test.fixtures}
                assert replay(test, again[test.name], fixtures), test.name

