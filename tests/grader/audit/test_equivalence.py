"""A survivor is flagged "probably equivalent" only where it does what the reference does on the
tests' own inputs: a rewrite that computes the same is flagged, a subtly wrong one is not."""

from pathlib import Path

import pytest
import torch

from grader.audit.equivalence import PairedSubmission, probably_equivalent
from grader.course import load_course
from grader.replay import Examples
from grader.submission import import_topic
from tests.grader.mutants import COURSE_ROOT

REFERENCE = '''
import torch

def scale(x, alpha):
    if alpha < 0:
        raise ValueError("alpha < 0")
    return alpha * x

def noisy(x):
    return x + torch.rand(x.shape, dtype=x.dtype)

def batches(x):
    return (row for row in x)
'''


def _paired(tmp_path: Path, old: str, new: str) -> PairedSubmission:
    assert old in REFERENCE
    modules = []
    for name, source in (("reference", REFERENCE), ("mutant", REFERENCE.replace(old, new))):
        (tmp_path / name).mkdir()
        (tmp_path / name / "topic.py").write_text(source)
        modules.append(import_topic(tmp_path / name / "topic.py", prefix=f"test_equivalence_{name}"))
    return PairedSubmission(*modules)


def _use(paired: PairedSubmission) -> None:
    """Calls as a test makes them; each returns the reference's result."""
    x = torch.tensor([[1.0, -2.0], [3.0, 0.5]])
    assert torch.equal(paired.scale(x, 3.0), 3.0 * x)
    with pytest.raises(ValueError):
        paired.scale(x, -1.0)
    torch.manual_seed(0)
    noisy = paired.noisy(x)
    torch.manual_seed(0)
    assert torch.equal(noisy, x + torch.rand(x.shape))
    assert [r.tolist() for r in paired.batches(x)] == x.tolist()


def test_a_rewrite_that_computes_the_same_shows_no_difference(tmp_path):
    paired = _paired(tmp_path, "return alpha * x", "return x * alpha")
    _use(paired)
    assert paired.difference == "" and paired.calls == 4


@pytest.mark.parametrize(("old", "new", "why"), [
    ("return alpha * x", "return alpha * x * (1 + 1e-9)", "in float64"),  # below float32's tolerance
    ("return alpha * x", "return x.mul_(alpha)", "the arguments after the call"),
    ("return alpha * x", "return x if alpha == 1 else alpha * x", "which outputs are inputs"),
    ("raise ValueError", "raise TypeError", "raised"),
    ("torch.rand(x.shape", "torch.randn(x.shape", "other values"),
    ("(row for row in x)", "(row for row in x[:1])", "items"),
])
def test_a_wrong_mutant_shows_its_difference(tmp_path, old, new, why):
    paired = _paired(tmp_path, old, new)
    try:
        _use(paired)
        paired.scale(torch.ones(2), 1.0)  # an output that is the input itself, for one of them only
    except AssertionError:  # the reference's results reach the test: a mismatch means the pairing broke
        pytest.fail("a paired call returned another result than the reference's")
    assert paired.difference and why in paired.difference, paired.difference


@pytest.fixture(scope="module")
def activations(tmp_path_factory):
    course = load_course(COURSE_ROOT / "course.yml").with_settings(shrink=False)
    return course, course.topic("activations"), Examples(course, "cpu", tmp_path_factory.mktemp("examples"))


def test_the_topic_s_tests_flag_a_known_equivalent_rewrite(activations):
    course, topic, examples = activations
    reference = (course.root / "solutions" / "activations.py").read_text()
    rewrite = reference.replace("return 4 * z / (1 + z) ** 2", "return z * 4 / (1 + z) ** 2")
    assert rewrite != reference
    verdict = probably_equivalent(course, topic, rewrite, ("tanh_grad",), examples)
    assert verdict.equivalent and verdict.calls >= 10, verdict


def test_the_topic_s_tests_do_not_flag_a_subtly_wrong_mutant(activations):
    course, topic, examples = activations
    reference = (course.root / "solutions" / "activations.py").read_text()
    wrong = reference.replace("return 4 * z / (1 + z) ** 2", "return 4.000001 * z / (1 + z) ** 2")
    assert wrong != reference
    verdict = probably_equivalent(course, topic, wrong, ("tanh_grad",), examples)
    assert not verdict.equivalent and "tanh_grad" in verdict.reason, verdict
