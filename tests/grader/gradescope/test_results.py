"""results.json from a graded submission, without grading: Gradescope's schema, one entry per
function and kind of test, hidden tests' visibility and feedback as course.yml says, hostile
messages rendered as text; and which submitted file grades each topic."""

import json
import os
from pathlib import Path

import jsonschema
import nbformat
import pytest
from markdown_it import MarkdownIt

from grader.course import load_course
from grader.gradescope.results import results_json
from grader.gradescope.run import find_files, stage_submission
from grader.notebook.generate import topic_notebook
from grader.notebook.submitted import fill_notebook
from grader.scoring import StudentResult, TopicResult
from grader.scoring import TestResult as Outcome  # not collected as a test class

COURSE_ROOT = Path(__file__).resolve().parents[3]
COURSE = load_course(COURSE_ROOT / "course.yml")
SCHEMA = json.loads((Path(__file__).with_name("results_schema.json")).read_text(encoding="utf-8"))
HOSTILE = "<script>alert('xss')</script>\n````\n<img src=x onerror=alert(1)>\n```"
SECRET = "x=tensor([1e30]) (the hidden counterexample)"


def _student() -> StudentResult:
    """A graded norms topic (public and hidden tests, a hostile message, a broken test) and a
    missing softmax topic."""
    norms = TopicResult("norms", "graded", 10.0, (
        Outcome("test_l1_small", "l1_norm", "public", True, 1.0),
        Outcome("test_l1_hostile", "l1_norm", "public", False, 1.0, HOSTILE),
        Outcome("test_l1_props", "l1_norm", "hidden", False, 2.0, SECRET),
        Outcome("test_l2_small", "l2_norm", "public", True, 2.0),
        Outcome("test_l2_props", "l2_norm", "hidden", True, 4.0, "grader error: fails on the reference too",
                   grader_error=True),
    ))
    softmax = TopicResult("softmax", "missing", 10.0, (
        Outcome("test_softmax_small", "softmax", "public", False, 4.0, "no softmax.py in the submission"),
        Outcome("test_softmax_props", "softmax", "hidden", False, 6.0, "no softmax.py in the submission"),
    ), "no softmax.py in the submission")
    return StudentResult("submission", (norms, softmax))


def _course(hidden_feedback: str = "full", visibility: str = "after_published"):
    course = COURSE.with_settings(hidden_feedback=hidden_feedback)
    return course.model_copy(update={"lms": course.lms.model_copy(update={"gradescope_hidden_visibility": visibility})})


def _entries(results: dict) -> dict[str, dict]:
    return {t["name"]: t for t in results["tests"]}


@pytest.mark.parametrize("hidden_feedback", ["full", "property", "score"])
def test_results_validate_against_gradescope_schema_and_add_up(hidden_feedback):
    results = results_json(_course(hidden_feedback), _student(), "landlock+seccomp", 12.3)
    jsonschema.validate(results, SCHEMA)
    student = _student()
    assert results["score"] == student.total == 7.0  # 1 (l1 public) + 2 (l2 public) + 4 (broken test: given)
    assert sum(t["score"] for t in results["tests"]) == pytest.approx(results["score"])
    assert sum(t["max_score"] for t in results["tests"]) == pytest.approx(student.max_points)
    assert results["execution_time"] == 13 and results["output_format"] == "md"
    per_function = ["1.1", "1.2", "1.3", "1.4", "2.1", "2.2"]  # l1 public, l1 hidden, l2 ..., softmax ...
    numbers = ["1.1", "1.2", "1.3", "2.1", "2.2"] if hidden_feedback == "score" else per_function
    assert [t["number"] for t in results["tests"]] == numbers
    assert {t["status"] for t in results["tests"] if t["score"] < t["max_score"]} == {"failed"}
    assert all(t["output_format"] == "md" and t["tags"] in (["norms"], ["softmax"]) for t in results["tests"])


@pytest.mark.parametrize("visibility", ["hidden", "after_due_date", "after_published", "visible"])
def test_public_tests_are_visible_and_hidden_ones_follow_course_yml(visibility):
    entries = _entries(results_json(_course("full", visibility), _student(), "landlock", 1.0))
    assert list(entries) == ["norms: l1_norm (public tests)", "norms: l1_norm (hidden tests)",
                             "norms: l2_norm (public tests)", "norms: l2_norm (hidden tests)",
                             "softmax: softmax (public tests)", "softmax: softmax (hidden tests)"]
    for name, entry in entries.items():
        assert entry["visibility"] == ("visible" if "(public tests)" in name else visibility), name
    l1_public, l1_hidden = entries["norms: l1_norm (public tests)"], entries["norms: l1_norm (hidden tests)"]
    assert (l1_public["score"], l1_public["max_score"], l1_public["status"]) == (1.0, 2.0, "failed")
    assert (l1_hidden["score"], l1_hidden["max_score"], l1_hidden["status"]) == (0.0, 2.0, "failed")
    broken = entries["norms: l2_norm (hidden tests)"]
    assert broken["status"] == "passed" and "not your mistake" in broken["output"]


def test_hidden_feedback_full_property_and_score_show_less_and_less_of_the_hidden_tests():
    full = _entries(results_json(_course("full"), _student(), "landlock", 1.0))
    prop = _entries(results_json(_course("property"), _student(), "landlock", 1.0))
    score = results_json(_course("score"), _student(), "landlock", 1.0)
    assert SECRET in full["norms: l1_norm (hidden tests)"]["output"]
    assert "test_l1_props" in prop["norms: l1_norm (hidden tests)"]["output"]
    assert SECRET not in json.dumps(prop)
    # score: a topic's hidden tests are one entry, named by no test, and no counterexample shows
    assert [t["name"] for t in score["tests"]] == ["norms: l1_norm (public tests)", "norms: l2_norm (public tests)",
                                                   "norms: hidden tests", "softmax: softmax (public tests)",
                                                   "softmax: hidden tests"]
    assert SECRET not in json.dumps(score) and "test_l1_props" not in json.dumps(score)
    hidden = _entries(score)["norms: hidden tests"]
    assert (hidden["score"], hidden["max_score"]) == (4.0, 6.0)


def test_a_topic_not_graded_says_why_in_each_of_its_entries():
    entries = _entries(results_json(_course(), _student(), "landlock", 1.0))
    for name in ("softmax: softmax (public tests)", "softmax: softmax (hidden tests)"):
        assert entries[name]["status"] == "failed" and entries[name]["score"] == 0
        assert "**missing**" in entries[name]["output"]
        assert "no softmax.py in the submission" in entries[name]["output"]


@pytest.mark.parametrize("sandbox, says", [("landlock+seccomp+namespaces", "sandbox: `landlock+seccomp+namespaces`"),
                                           ("none", "the container alone isolated it")])
def test_output_names_the_sandbox_and_the_files_graded(sandbox, says):
    results = results_json(_course(), _student(), sandbox, 1.0, {"norms": "hw/norms.ipynb", "softmax": "(none)"})
    assert says in results["output"] and results["extra_data"]["sandbox"] == sandbox
    assert "norms    hw/norms.ipynb" in results["output"]


def test_summary_shows_totals_only_where_the_hidden_tests_are_visible():
    visible = results_json(_course("full", "visible"), _student(), "landlock", 1.0)["output"]
    waiting = results_json(_course("full", "after_published"), _student(), "landlock", 1.0)["output"]
    assert "**Total: 7 / 20**" in visible and "| norms | 7 / 10 | graded |" in visible
    # before the grades are published, the summary counts public tests only: 1 of l1's 2 points, l2's 2
    assert "Total" not in waiting and "| norms | 3 / 4 | graded |" in waiting
    assert "| softmax | 0 / 4 | missing |" in waiting and "once the grades are published" in waiting


def test_hostile_messages_and_file_names_render_as_text_in_gradescope_markdown():
    hostile_file = "<img src=x onerror=alert(2)>/norms.py"
    results = results_json(_course(), _student(), "landlock", 1.0, {"norms": hostile_file})
    markdown = MarkdownIt("commonmark")  # raw HTML on: what is not escaped passes through
    for output in [results["output"], *(t["output"] for t in results["tests"])]:
        html = markdown.render(output)
        assert "<script" not in html and "<img" not in html, output
    shown = markdown.render(_entries(results)["norms: l1_norm (public tests)"]["output"])
    assert "&lt;script&gt;alert('xss')&lt;/script&gt;" in shown and "&lt;img src=x onerror=alert(1)&gt;" in shown
    assert "&lt;img src=x onerror=alert(2)&gt;/norms.py" in markdown.render(results["output"])


# --- which file grades a topic ---------------------------------------------------------------------

def _write(path: Path, text: str = "") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def test_files_at_the_top_win_then_the_shallowest_then_py_before_ipynb(tmp_path):
    top = _write(tmp_path / "norms.py")
    _write(tmp_path / "exercises" / "norms.py")
    nested = _write(tmp_path / "hw1" / "exercises" / "softmax.py")
    _write(tmp_path / "hw1" / "exercises" / "deeper" / "softmax.ipynb")
    notebook = _write(tmp_path / "sub" / "kfold.ipynb")
    _write(tmp_path / "sub" / "xavier.ipynb")
    py_beside = _write(tmp_path / "sub" / "xavier.py")
    assert find_files(COURSE, tmp_path) == {"norms": top, "softmax": nested, "kfold": notebook, "xavier": py_beside}


def test_links_hidden_folders_and_macos_folders_are_never_graded(tmp_path):
    submission = tmp_path / "submission"
    _write(submission / ".ipynb_checkpoints" / "norms.ipynb")
    _write(submission / "__MACOSX" / "softmax.py")
    _write(submission / ".git" / "kfold.py")
    (submission / "sgd.py").symlink_to(COURSE_ROOT / "solutions" / "sgd.py")  # would grade the reference
    (submission / "linked").symlink_to(COURSE_ROOT / "solutions", target_is_directory=True)
    assert find_files(COURSE, submission) == {}


def test_staging_copies_modules_and_imports_notebooks_as_nbgrader_import_does(tmp_path):
    submission, into = tmp_path / "submission", tmp_path / "staged" / "submission"
    into.mkdir(parents=True)
    reference = (COURSE_ROOT / "solutions" / "norms.py").read_text(encoding="utf-8")
    notebook = fill_notebook(topic_notebook(COURSE, COURSE.topic("norms")), reference)
    notebook.cells.append(nbformat.v4.new_code_cell("%matplotlib inline"))
    (submission / "hw").mkdir(parents=True)
    nbformat.write(notebook, submission / "hw" / "norms.ipynb")
    _write(submission / "softmax.py", "def softmax(X):\n    return X\n")
    graded = stage_submission(COURSE, submission, into)
    assert graded == {t.id: {"norms": "hw/norms.ipynb", "softmax": "softmax.py"}.get(t.id, "(none)")
                      for t in COURSE.topics}
    assert sorted(os.listdir(into)) == ["norms.notes", "norms.py", "softmax.py"]
    assert "def l1_norm" in (into / "norms.py").read_text() and "%matplotlib" in (into / "norms.notes").read_text()
    assert (into / "softmax.py").read_text() == "def softmax(X):\n    return X\n"
