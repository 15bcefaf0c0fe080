"""``dlgrade gradescope build``'s zip, unzipped and run as Gradescope runs it: its run_autograder
against a fake ``/autograder`` root, for a stub, the reference, a mutant and a hostile notebook,
each results.json validated against Gradescope's documented fields.

A copy of the course with one topic (norms) and short limits keeps it to seconds per run. Nothing
is installed: run_autograder runs with this Python (``DLGRADE_PYTHON``), where dlgrade is; the
network that setup.sh's pip needs is not used, its text is checked instead.
"""

import json
import os
import re
import stat
import subprocess
import sys
import zipfile
from importlib.metadata import version
from pathlib import Path

import jsonschema
import nbformat
import pytest
from click.testing import CliRunner
from markdown_it import MarkdownIt

from grader.course import load_course
from grader.errors import ReleaseError
from grader.gradescope.build import build_autograder, course_files
from grader.gradescope.cli import gradescope_group
from grader.gradescope.run import run
from grader.grading import grade
from grader.isolation.sandbox import Sandbox
from grader.notebook.generate import topic_notebook
from grader.notebook.submitted import fill_notebook
from tests.grader.courses import ENGINE, course_copy
from tests.grader.mutants import mutant_source

COURSE_ROOT = Path(__file__).resolve().parents[3]
SCHEMA = json.loads((Path(__file__).with_name("results_schema.json")).read_text(encoding="utf-8"))
MUTANT = "l1_without_abs"  # breaks l1_norm only
HOSTILE = "<script>alert('gs')</script> ``` <img src=x onerror=alert(1)>"


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> tuple[Path, Path]:
    """(the zip ``dlgrade gradescope build`` wrote for a one-topic course, the folder it is unzipped in)."""
    tmp = tmp_path_factory.mktemp("gradescope")
    course_yml = course_copy(tmp / "course", {**ENGINE, "grading_seed": 1234}, ["norms"])
    out = tmp / "autograder.zip"
    result = CliRunner().invoke(gradescope_group, ["build", "--out", str(out), "--course", str(course_yml)])
    assert result.exit_code == 0, result.output
    with zipfile.ZipFile(out) as archive:
        archive.extractall(tmp / "source")
    return out, tmp / "source"


def _run_autograder(built: tuple[Path, Path], root: Path, files: dict[str, str]) -> dict:
    """Lay out ``root`` as Gradescope's /autograder (source: the unzipped zip; submission:
    ``files``), run source/run_autograder there and return results.json, validated."""
    root.mkdir(parents=True, exist_ok=True)
    (root / "source").symlink_to(built[1], target_is_directory=True)
    for name, text in files.items():
        (root / "submission" / name).parent.mkdir(parents=True, exist_ok=True)
        (root / "submission" / name).write_text(text, encoding="utf-8")
    env = {**os.environ, "DLGRADE_GRADESCOPE_ROOT": str(root), "DLGRADE_PYTHON": sys.executable}
    done = subprocess.run(["bash", str(root / "source" / "run_autograder")], check=False, env=env, cwd=root,
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    results = json.loads((root / "results" / "results.json").read_text(encoding="utf-8"))
    jsonschema.validate(results, SCHEMA)
    assert [p.name for p in (root / "results").iterdir()] == ["results.json"]  # no temporary file left
    return results


def _by_name(results: dict) -> dict[str, dict]:
    return {t["name"]: t for t in results["tests"]}


def _norms(folder: str) -> str:
    return (COURSE_ROOT / folder / "norms.py").read_text(encoding="utf-8")


def test_zip_has_setup_sh_pinning_torch_first_run_autograder_the_wheel_and_the_whole_course(built):
    out, source = built
    with zipfile.ZipFile(out) as archive:
        modes = {info.filename: info.external_attr >> 16 for info in archive.infolist()}
    assert modes["setup.sh"] & stat.S_IXUSR and modes["run_autograder"] & stat.S_IXUSR
    setup = (source / "setup.sh").read_text(encoding="utf-8")
    installs = [line for line in setup.splitlines() if re.search(r"\bpip install\b", line)]
    assert installs[0].endswith(f" torch=={version('torch').split('+')[0]}"), installs
    assert all("torch" not in line for line in installs[1:]) and len(installs) == 2
    wheel = re.search(r"/autograder/source/(dist/\S+\.whl)$", installs[1]).group(1)
    assert (source / wheel).is_file() and wheel == f"dist/dlgrade-{version('dlgrade')}-py3-none-any.whl"
    assert "-m grader.gradescope.run" in (source / "run_autograder").read_text(encoding="utf-8")
    course = load_course(source / "course" / "course.yml")  # the zip's course loads, modules and all
    assert [t.id for t in course.topics] == ["norms"] and course.settings.grading_seed == 1234
    for relative in ("solutions/norms.py", "tests/hidden/test_norms_props.py", "tests/strategies.py",
                     "tests/helpers.py", "tests/functions.py"):
        assert (source / "course" / relative).is_file(), relative
    assert not (source / "course" / "tests" / "grader").exists()


def test_course_files_are_the_topics_tests_and_support_modules_without_the_engines_tests():
    files = {p.as_posix() for p in course_files(load_course(COURSE_ROOT / "course.yml"))}
    assert {"tests/__init__.py", "tests/helpers.py", "tests/strategies.py", "tests/functions.py",
            "tests/public/test_kfold.py", "tests/hidden/test_kfold_props.py", "solutions/kfold.py"} <= files
    assert not any(f.startswith("tests/grader/") for f in files) and "tests/test_strategies.py" not in files


def test_build_refuses_a_folder_as_out(tmp_path):
    with pytest.raises(ReleaseError, match="is a folder"):
        build_autograder(load_course(COURSE_ROOT / "course.yml"), tmp_path)


def test_reference_earns_every_point_and_output_names_the_sandbox(built, tmp_path):
    results = _run_autograder(built, tmp_path, {"norms.py": _norms("solutions")})
    assert results["score"] == 10 and all(t["status"] == "passed" for t in results["tests"])
    assert sum(t["max_score"] for t in results["tests"]) == pytest.approx(10)
    assert {t["name"] for t in results["tests"]} == {f"norms: {f} ({kind} tests)" for kind in ("public", "hidden")
                                                     for f in ("l1_norm", "l2_norm", "lp_norm", "frobenius_norm")}
    assert results["extra_data"]["sandbox"] in results["output"]


def test_stub_earns_nothing_and_says_not_attempted(built, tmp_path):
    results = _run_autograder(built, tmp_path, {"norms.py": _norms("exercises")})
    assert results["score"] == 0 and all(t["status"] == "failed" and t["score"] == 0 for t in results["tests"])
    assert all("not attempted" in t["output"] for t in results["tests"])


def test_mutant_loses_the_points_dlgrade_grade_takes_on_its_function_only(built, tmp_path):
    source = mutant_source("norms", MUTANT)
    results = _run_autograder(built, tmp_path / "root", {"norms.py": source})
    entries = _by_name(results)
    assert {name for name, t in entries.items() if t["status"] == "failed"} <= {
        "norms: l1_norm (public tests)", "norms: l1_norm (hidden tests)"}
    assert entries["norms: l1_norm (hidden tests)"]["status"] == "failed"
    (tmp_path / "class" / "student").mkdir(parents=True)
    (tmp_path / "class" / "student" / "norms.py").write_text(source, encoding="utf-8")
    report = grade(load_course(built[1] / "course" / "course.yml"), tmp_path / "class", unsafe=True)
    assert results["score"] == report.students[0].total < 10


def test_notebook_in_a_folder_is_graded_and_its_hostile_messages_render_as_text(built, tmp_path):
    course = load_course(built[1] / "course" / "course.yml")
    source = _norms("solutions") + f"\n\ndef l2_norm(x, dim=None, keepdim=False):\n    raise ValueError({HOSTILE!r})\n"
    notebook = nbformat.writes(fill_notebook(topic_notebook(course, course.topic("norms")), source))
    results = _run_autograder(built, tmp_path, {"hw1/norms.ipynb": notebook})
    entries = _by_name(results)
    assert {name for name, t in entries.items() if t["status"] == "failed"} == {
        "norms: l2_norm (public tests)", "norms: l2_norm (hidden tests)"}
    assert "hw1/norms.ipynb" in results["output"]
    markdown = MarkdownIt("commonmark")  # raw HTML on: what is not escaped passes through
    shown = markdown.render(entries["norms: l2_norm (public tests)"]["output"])
    assert "&lt;script&gt;alert('gs')&lt;/script&gt;" in shown
    for output in [results["output"], *(t["output"] for t in results["tests"])]:
        html = markdown.render(output)
        assert "<script" not in html and "<img" not in html


def test_grading_goes_on_where_no_sandbox_works_and_results_json_says_so(built, tmp_path, monkeypatch):
    # As in a container without Landlock, bubblewrap or user namespaces: the container is the sandbox.
    monkeypatch.setattr("grader.machine.detect", lambda: Sandbox(()))
    (tmp_path / "source").symlink_to(built[1], target_is_directory=True)
    (tmp_path / "submission").mkdir()
    (tmp_path / "submission" / "norms.py").write_text(_norms("solutions"), encoding="utf-8")
    results = run(tmp_path)
    assert json.loads((tmp_path / "results" / "results.json").read_text(encoding="utf-8")) == results
    jsonschema.validate(results, SCHEMA)
    assert results["score"] == 10 and results["extra_data"]["sandbox"] == "none"
    assert "the container alone isolated it" in results["output"]
