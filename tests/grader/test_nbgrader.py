"""A real nbgrader round trip: generate, release, submit, autograde, feedback; no mocks.

In a temporary nbgrader course root made by ``dlgrade nbgrader generate``, nbgrader's own
commands release every topic and autograde three students: the released stubs, the reference,
and one with realistic mistakes (a topic each from the sample class). The mistakes must lose
exactly what ``dlgrade grade`` takes from the same code, imported with ``dlgrade nbgrader
import``; a torch warning on stderr must not zero a correct answer; feedback must not show the
hidden tests' source.
"""

import html
import json
import re
import shutil
import subprocess
import sys
import warnings
from pathlib import Path

import nbformat
import pytest
import torch
from click.testing import CliRunner

from grader.cli import main
from grader.course import load_course
from grader.notebook.submitted import fill_notebook

COURSE_ROOT = Path(__file__).resolve().parents[2]
COURSE = load_course(COURSE_ROOT / "course.yml")
CLASS = COURSE_ROOT / "examples" / "class"

# A sample-class student whose code for the topic has realistic mistakes (README's table).
MISTAKES = {"norms": "kim", "broadcasting": "chloe", "autograd": "emma", "sgd": "dmitri", "softmax": "ben",
            "activations": "ben", "dropout": "dmitri", "xavier": "emma", "kfold": "chloe", "losses": "ben",
            "mlp": "chloe", "stability": "farah"}
# A correct sigmoid that makes torch warn on stderr ("To copy construct from a tensor ...").
WARNING_SIGMOID = '''
def sigmoid(x):
    x = torch.tensor(x)
    return 1 / (1 + torch.exp(-x))
'''
IPYTHON_CELL = "%time _ = 1 + 1\n!echo a shell line\nNOTEBOOK_ONLY = 1\n"


def dlgrade(*args: str) -> str:
    result = CliRunner().invoke(main, [*args, "--course", str(COURSE_ROOT / "course.yml")])
    assert result.exit_code == 0, result.output
    return result.output


def nbgrader(root: Path, *args: str) -> None:
    done = subprocess.run([sys.executable, "-m", "nbgrader", *args], cwd=root, capture_output=True, text=True,
                          timeout=900)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]


def autograde(root: Path, students: list[str]) -> None:
    """``nbgrader autograde`` of every topic, one process per student at once: each notebook costs
    nbgrader a kernel and ``import torch`` (about 7 s here), and the cores would sit idle."""
    runs = [subprocess.Popen([sys.executable, "-m", "nbgrader", "autograde", "*", "--create", "--student", student],
                             cwd=root, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
            for student in students]
    for run in runs:
        output = run.communicate(timeout=900)[0]
        assert run.returncode == 0, output[-3000:]


def mistakes_source(topic: str) -> str:
    source = (CLASS / MISTAKES[topic] / f"{topic}.py").read_text(encoding="utf-8")
    return source + WARNING_SIGMOID if topic == "activations" else source


@pytest.fixture(scope="module")
def course_root(tmp_path_factory) -> Path:
    """The nbgrader course, released, submitted by three students and autograded."""
    root = tmp_path_factory.mktemp("nbgrader")
    dlgrade("nbgrader", "generate", "--out", str(root))
    nbgrader(root, "generate_assignment", "*")
    for topic in COURSE.topics:
        released = nbformat.read(root / "release" / topic.id / f"{topic.id}.ipynb", as_version=4)
        mistakes = fill_notebook(released, mistakes_source(topic.id))
        if topic.id == "norms":
            mistakes.cells.append(nbformat.v4.new_code_cell(IPYTHON_CELL))
        reference = fill_notebook(released, (COURSE_ROOT / "solutions" / f"{topic.id}.py").read_text())
        for student, notebook in (("stubs", released), ("reference", reference), ("mistakes", mistakes)):
            folder = root / "submitted" / student / topic.id
            folder.mkdir(parents=True)
            nbformat.write(notebook, folder / f"{topic.id}.ipynb")
    autograde(root, ["stubs", "reference", "mistakes"])
    return root


@pytest.fixture(scope="module")
def nbgrader_scores(course_root) -> dict[str, dict[str, float]]:
    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{course_root / 'gradebook.db'}") as gradebook:
        return {student: {t.id: gradebook.find_submission_notebook(t.id, t.id, student).score for t in COURSE.topics}
                for student in ("stubs", "reference", "mistakes")}


@pytest.fixture(scope="module")
def dlgrade_gradebook(course_root, tmp_path_factory) -> dict:
    """``dlgrade nbgrader import`` of the mistakes student, then ``dlgrade grade``."""
    out = tmp_path_factory.mktemp("imported")
    shutil.copytree(course_root / "submitted" / "mistakes", out / "submitted" / "mistakes")
    dlgrade("nbgrader", "import", str(out / "submitted"), "--out", str(out / "submissions"))
    dlgrade("grade", str(out / "submissions"), "--out", str(out / "grades"))
    return json.loads((out / "grades" / "gradebook.json").read_text())


def test_released_notebooks_hold_no_hidden_test_and_no_reference_body(course_root):
    released = "\n".join(cell.source for path in (course_root / "release").rglob("*.ipynb")
                         for cell in nbformat.read(path, as_version=4).cells)
    hidden = {name for path in (COURSE_ROOT / "tests" / "hidden").glob("*.py")
              for name in re.findall(r"^def (test_\w+)", path.read_text(), re.M)}
    bodies = {line.strip() for path in (COURSE_ROOT / "solutions").glob("*.py") for line in path.read_text().splitlines()
              if line.startswith("    ") and len(line.strip()) > 30 and not line.strip().startswith(("#", '"', "'"))}
    stub_lines = "\n".join(path.read_text() for path in (COURSE_ROOT / "exercises").glob("*.py"))
    assert hidden and not [name for name in hidden if name in released]
    assert bodies and not [line for line in bodies if line in released and line not in stub_lines]
    assert "raise NotImplementedError()" in released


def test_released_stubs_score_0(nbgrader_scores):
    assert nbgrader_scores["stubs"] == {t.id: 0 for t in COURSE.topics}


def test_the_reference_gets_full_marks(nbgrader_scores):
    assert nbgrader_scores["reference"] == pytest.approx({t.id: t.points for t in COURSE.topics}, abs=1e-9)


def test_mistakes_lose_exactly_what_dlgrade_grade_takes(nbgrader_scores, dlgrade_gradebook):
    graded = {t["id"]: t["score"] for t in dlgrade_gradebook["students"][0]["topics"]}
    assert nbgrader_scores["mistakes"] == pytest.approx(graded, abs=5e-4)
    lost = [t.id for t in COURSE.topics if graded[t.id] < t.points]
    assert set(lost) == set(MISTAKES), "every topic's mistakes cost points"


def test_a_torch_warning_on_stderr_does_not_zero_a_correct_answer(course_root):
    from nbgrader.api import Gradebook

    namespace = {"torch": torch}
    exec(WARNING_SIGMOID, namespace)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        namespace["sigmoid"](torch.zeros(2))
    assert caught, "the sigmoid was meant to make torch warn"
    with Gradebook(f"sqlite:///{course_root / 'gradebook.db'}") as gradebook:
        assert gradebook.find_grade("test_sigmoid", "activations", "activations", "mistakes").score == \
            COURSE.topic("activations").function_points("sigmoid")


def test_feedback_shows_results_but_not_the_hidden_tests_source(course_root):
    nbgrader(course_root, "generate_feedback", "*")
    hidden_lines = {line.strip() for path in (COURSE_ROOT / "tests" / "hidden").glob("test_*_props.py")
                    for line in path.read_text().splitlines() if len(line.strip()) > 25}
    public = "\n".join(path.read_text() for path in (COURSE_ROOT / "tests").rglob("*.py") if "hidden" not in path.parts)
    secret = {line for line in hidden_lines if line not in public}
    autograded = nbformat.read(course_root / "autograded" / "mistakes" / "norms" / "norms.ipynb", as_version=4)
    sources = "\n".join(cell.source for cell in autograded.cells)
    assert [line for line in secret if line in sources], "autograding restores the hidden tests: the check can fail"
    pages = sorted((course_root / "feedback" / "mistakes").rglob("*.html"))
    assert len(pages) == len(COURSE.topics)
    for page in pages:
        text = html.unescape(re.sub(r"<[^>]+>", "", page.read_text()))
        assert "tests passed" in text, f"{page}: the test cells' results are shown"
        shown = [line for line in secret if line in text]
        assert not shown, f"{page} shows hidden test source: {shown[:3]}"
