"""The generated notebooks, the kernel extension's scoring, and ``dlgrade nbgrader import``.

Fast checks beside the full nbgrader round trip of ``test_nbgrader.py``: the notebooks are
complete, valid and regenerate to the same bytes; a notebook's test cells score as ``dlgrade
grade`` does where the two could differ (a raising cell, an argument changed in place, a hang);
imported notebooks grade with notes for the IPython lines left out and ``import_error`` for a
corrupted file.
"""

import ast
import json
import subprocess
import sys
import textwrap
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import nbformat
import pytest
from click.testing import CliRunner
from nbgrader.nbgraderformat import MetadataValidator

from grader.cli import main
from grader.course import load_course
from grader.grading import grade
from grader.notebook.cells import HIDDEN_BEGIN, HIDDEN_END
from grader.notebook.generate import nbgrader_course, topic_notebook
from grader.notebook.submitted import fill_notebook

COURSE_ROOT = Path(__file__).resolve().parents[2]
COURSE = load_course(COURSE_ROOT / "course.yml")
NORMS = COURSE.topic("norms")


def role(cell) -> dict:
    return cell.metadata.get("nbgrader", {})


def test_regenerating_gives_the_same_bytes(tmp_path):
    first, second = nbgrader_course(COURSE, tmp_path / "a"), nbgrader_course(COURSE, tmp_path / "b")
    assert [p.read_bytes() for p in first] == [p.read_bytes() for p in second]
    assert [p.relative_to(tmp_path / "a") for p in first] == \
        [Path("source", t.id, f"{t.id}.ipynb") for t in COURSE.topics]
    assert "ClearHiddenTests" in (tmp_path / "a" / "nbgrader_config.py").read_text()


@pytest.mark.parametrize("topic", COURSE.topics, ids=lambda t: t.id)
def test_each_function_has_a_solution_cell_and_a_test_cell_with_all_its_tests(topic):
    notebook = topic_notebook(COURSE, topic)
    nbformat.validate(notebook)
    MetadataValidator().validate_nb(notebook)
    cells = {role(c).get("grade_id"): c for c in notebook.cells if role(c)}
    assert role(cells["imports"])["locked"] and not role(cells["imports"])["solution"]
    for function in topic.functions:
        solution, tests = cells[function], cells[f"test_{function}"]
        assert role(solution)["solution"] and not role(solution)["grade"]
        assert role(tests)["grade"] and role(tests)["locked"]
        assert role(tests)["points"] == pytest.approx(topic.function_points(function))
        public, hidden = tests.source.split(f"### {HIDDEN_BEGIN}")
        assert hidden.rstrip().endswith(f"### {HIDDEN_END}")
        assert set(_test_names(public)) == _graded_tests(f"public/test_{topic.id}.py", function)
        assert set(_test_names(hidden)) == _graded_tests(f"hidden/test_{topic.id}_props.py", function)


def _test_names(source: str) -> list[str]:
    return [line.split("(")[0][4:] for line in source.splitlines() if line.startswith("def test_")]


def _graded_tests(path: str, function: str) -> set[str]:
    tree = ast.parse((COURSE_ROOT / "tests" / path).read_text())
    return {n.name for n in tree.body if isinstance(n, ast.FunctionDef) and n.name.startswith("test_")
            and any(isinstance(d, ast.Call) and ast.unparse(d.func) == "graded" and d.args[0].value == function
                    for d in n.decorator_list)}


def test_a_solution_cell_keeps_the_stubs_signature_and_docstring_around_the_reference_body():
    cells = topic_notebook(COURSE, COURSE.topic("dropout")).cells
    cell = next(c for c in cells if role(c).get("grade_id") == "Dropout")
    stub = (COURSE_ROOT / "exercises" / "dropout.py").read_text()
    outside = cell.source.split("### BEGIN SOLUTION")[0]
    assert outside.strip() in stub, "the text before the first solution region is the stub's, verbatim"
    assert cell.source.count("### BEGIN SOLUTION") == 2, "one region per stubbed method: __init__ and forward"
    namespace: dict = {}
    exec("import torch\nfrom torch import Tensor\n" + _dropout_layer_source() + cell.source, namespace)
    layer = namespace["Dropout"](0.5)
    assert layer.p == 0.5, "the region holds the reference's body, with the helpers it calls nested"


def _dropout_layer_source() -> str:
    cells = topic_notebook(COURSE, COURSE.topic("dropout")).cells
    return next(c.source for c in cells if role(c).get("grade_id") == "dropout_layer") + "\n"


# The kernel extension, run by IPython in a process of its own (define_module replaces modules
# such as tests.helpers in sys.modules, which this process must keep).
RUN_NOTEBOOK = textwrap.dedent("""
    import json, sys
    import nbformat
    from IPython.core.interactiveshell import InteractiveShell
    from IPython.utils.capture import capture_output
    shell = InteractiveShell.instance()
    scores = {}
    for cell in nbformat.read(sys.argv[1], as_version=4).cells:
        if cell.cell_type != "code":
            continue
        with capture_output() as captured:
            result = shell.run_cell(cell.source)
        grade_id = cell.metadata.get("nbgrader", {}).get("grade_id", "")
        if grade_id.startswith("test_"):
            scores[grade_id] = [result.result, captured.stdout, captured.stderr]
    print(json.dumps(scores))
""")

STUDENT_CODE = {
    "a raising cell": "from solutions.norms import *\nraise RuntimeError('left over from an experiment')\n",
    "in place": "from solutions.norms import *\n"
                "def l1_norm(x, dim=None, keepdim=False):\n"
                "    x.abs_()\n    return x.sum() if dim is None else x.sum(dim, keepdim=keepdim)\n",
    "a hang": "from solutions.norms import *\n"
              "def l2_norm(x, dim=None, keepdim=False):\n    while True:\n        pass\n"
              "def l1_norm(x, dim=None, keepdim=False):\n    return lp_norm(x, 1, dim, keepdim)\n"
              "del lp_norm\n",
    "noise": "import os, sys, warnings\nfrom solutions import norms as _reference\n"
             "def l1_norm(x, dim=None, keepdim=False):\n"
             "    warnings.warn('noisy'); print('to stderr', file=sys.stderr); os.write(2, b'fd 2')\n"
             "    return _reference.l1_norm(x, dim, keepdim)\n",
}


@pytest.fixture(scope="module")
def kernel_scores(tmp_path_factory) -> dict[str, dict[str, list]]:
    """Each STUDENT_CODE's norms notebook run through the extension, with a call time limit of
    1 s: {case: {test cell: [value, stdout, stderr], "process stderr": what reached fd 2}}."""
    folder = tmp_path_factory.mktemp("kernel")
    course = COURSE.with_settings(call_timeout_s=1.0)
    source = topic_notebook(course, NORMS)

    def run(case: str) -> tuple[str, dict]:
        notebook = fill_notebook(source, STUDENT_CODE[case])
        path = folder / f"{case.replace(' ', '_')}.ipynb"
        nbformat.write(notebook, path)
        done = subprocess.run([sys.executable, "-c", RUN_NOTEBOOK, str(path)], capture_output=True, text=True,
                              cwd=COURSE_ROOT, timeout=600)
        assert done.returncode == 0, done.stderr[-2000:]
        scores = json.loads(done.stdout.splitlines()[-1])
        scores["process stderr"] = done.stderr
        return case, scores

    with ThreadPoolExecutor(2) as pool:
        return dict(pool.map(run, STUDENT_CODE))


def test_a_cell_that_raised_scores_the_topic_0_as_an_import_error_would(kernel_scores):
    scores = kernel_scores["a raising cell"]
    assert [scores[f"test_{f}"][0] for f in NORMS.functions] == [0] * len(NORMS.functions)
    assert "raised RuntimeError: left over from an experiment" in scores["test_l1_norm"][1]


def test_changing_an_argument_in_place_fails_as_in_a_worker(kernel_scores):
    value, stdout, _ = kernel_scores["in place"]["test_l1_norm"]
    assert value < NORMS.function_points("l1_norm")
    assert "l1_norm modified its argument no. 1 in place" in stdout
    assert kernel_scores["in place"]["test_l2_norm"][0] == NORMS.function_points("l2_norm")


def test_a_hanging_call_is_cut_after_the_call_time_limit(kernel_scores):
    value, stdout, _ = kernel_scores["a hang"]["test_l2_norm"]
    assert value == 0 and "did not return within 1 s" in stdout
    assert kernel_scores["a hang"]["test_lp_norm"][0] == NORMS.function_points("lp_norm")


def test_a_function_defined_in_a_later_cell_is_a_name_error_with_a_hint(kernel_scores):
    value, stdout, _ = kernel_scores["a hang"]["test_l1_norm"]
    assert value == 0 and "lp_norm is defined in a later cell" in stdout


def test_warnings_and_stderr_of_a_correct_answer_cost_nothing(kernel_scores):
    value, _, stderr = kernel_scores["noise"]["test_l1_norm"]
    assert value == NORMS.function_points("l1_norm")
    assert stderr == "" and "fd 2" not in kernel_scores["noise"]["process stderr"]


def test_import_writes_modules_notes_and_import_errors_that_grade(tmp_path):
    released = topic_notebook(COURSE, NORMS)
    submitted = tmp_path / "submitted"
    (submitted / "ann" / "norms").mkdir(parents=True)
    (submitted / "bob" / "norms").mkdir(parents=True)
    notebook = fill_notebook(released, (COURSE_ROOT / "solutions" / "norms.py").read_text())
    notebook.cells.append(nbformat.v4.new_code_cell("%matplotlib inline\n!pip list\nx = 1\n"))
    nbformat.write(notebook, submitted / "ann" / "norms" / "norms.ipynb")
    (submitted / "bob" / "norms" / "norms.ipynb").write_text('{"cells": [', encoding="utf-8")
    result = CliRunner().invoke(main, ["nbgrader", "import", str(submitted), "--out", str(tmp_path / "subs"),
                                       "--course", str(COURSE_ROOT / "course.yml")])
    assert result.exit_code == 0, result.output
    assert "bob/norms: norms.ipynb could not be read" in result.output
    module = (tmp_path / "subs" / "ann" / "norms.py").read_text()
    assert "%matplotlib" not in module and "!pip" not in module and "x = 1" in module
    assert "HIDDEN" not in module and "dlgrade_tests" not in module, "test cells are not the student's code"
    report = grade(COURSE, tmp_path / "subs", topics=["norms"])
    ann, bob = report.students
    assert ann.topics[0].score == NORMS.points and "%matplotlib inline" in ann.topics[0].notes
    assert bob.topics[0].status == "import_error" and "could not be read as a notebook" in bob.topics[0].message


def test_import_of_a_missing_folder_is_one_line(tmp_path):
    result = CliRunner().invoke(main, ["nbgrader", "import", str(tmp_path / "nope"), "--out", str(tmp_path / "o"),
                                       "--course", str(COURSE_ROOT / "course.yml")])
    assert result.exit_code == 1 and result.output.count("\n") == 1 and "does not exist" in result.output


SWALLOWED_ALARM = textwrap.dedent("""
    import gc, sys, time
    import torch
    from grader.course import load_course
    from grader.isolation.runner import CallTimeout
    from grader.notebook.kernel import LocalSubmission

    hanging = []

    def busy(phase, info):  # a gc callback, as Hypothesis keeps one
        if hanging == [True]:  # the first collection in the hang outlasts the limit: the alarm lands here
            hanging.append(False)
            time.sleep(5)

    def l2_norm(x, dim=None, keepdim=False):
        hanging.append(True)
        while True:  # garbage with cycles: the collector, and so the callback, runs
            cycle = []
            cycle.append(cycle)

    gc.callbacks.append(busy)
    submission = LocalSubmission({"l2_norm": l2_norm}, load_course(sys.argv[1]).topic("norms"), 0.5)
    begin = time.monotonic()
    try:
        submission.l2_norm(torch.ones(3))
    except CallTimeout as exc:
        print(time.monotonic() - begin, exc)
""")


def test_a_hang_is_cut_even_where_python_drops_the_alarms_exception():
    # Without a second alarm this never returns: the timeout 60 s below fails the test.
    done = subprocess.run([sys.executable, "-c", SWALLOWED_ALARM, str(COURSE_ROOT / "course.yml")],
                          capture_output=True, text=True, cwd=COURSE_ROOT, timeout=60)
    seconds, message = done.stdout.split(" ", 1)
    assert "Exception ignored" in done.stderr  # the first alarm's exception was dropped
    assert 0.5 <= float(seconds) < 30 and "l2_norm: did not return within 0.5 s" in message
