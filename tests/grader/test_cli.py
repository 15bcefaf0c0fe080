"""The CLI, through click's CliRunner and as a real subprocess, and the gradebook's schema."""

import json
import shutil
import subprocess
import sys
from pathlib import Path

import jsonschema
import pytest
import torch
import yaml
from click.testing import CliRunner

from grader.cli import main
from tests.grader.courses import course_copy

COURSE_ROOT = Path(__file__).resolve().parents[2]

GRADEBOOK_SCHEMA = {
    "type": "object",
    "required": ["course", "device", "max_points", "seeded", "hidden_feedback", "sandbox", "students"],
    "properties": {
        "course": {"type": "string"}, "device": {"type": "string"}, "max_points": {"type": "number"},
        "seeded": {"type": "boolean"}, "hidden_feedback": {"enum": ["full", "property", "score"]},
        "students": {"type": "array", "items": {
            "type": "object", "required": ["id", "total", "max_points", "topics"],
            "properties": {
                "id": {"type": "string"}, "total": {"type": "number"}, "max_points": {"type": "number"},
                "topics": {"type": "array", "items": {
                    "type": "object", "required": ["id", "score", "max_score", "status", "tests"],
                    "properties": {
                        "id": {"type": "string"}, "score": {"type": "number"}, "max_score": {"type": "number"},
                        "status": {"enum": ["graded", "missing", "import_error", "timeout", "crashed"]},
                        "tests": {"type": "array", "items": {
                            "type": "object",
                            "required": ["name", "function", "visibility", "passed", "weight", "message"],
                            "properties": {"name": {"type": "string"}, "function": {"type": "string"},
                                           "visibility": {"enum": ["public", "hidden"]},
                                           "passed": {"type": "boolean"}, "weight": {"type": "number"},
                                           "message": {"type": "string"}}}}}}}}}}},
}


@pytest.fixture(scope="module")
def small_class(tmp_path_factory) -> Path:
    """Three students on norms: the reference, the stub, and nothing."""
    root = tmp_path_factory.mktemp("class")
    for student, folder in (("ref", "solutions"), ("stub", "exercises")):
        (root / student).mkdir()
        shutil.copy(COURSE_ROOT / folder / "norms.py", root / student / "norms.py")
    (root / "empty").mkdir()
    return root


def run(*args: str):
    return CliRunner().invoke(main, [*args, "--course", str(COURSE_ROOT / "course.yml")])


def test_grade_writes_the_three_outputs_with_the_schema(small_class, tmp_path):
    result = run("grade", str(small_class), "--out", str(tmp_path), "--topic", "norms", "--jobs", "1")
    assert result.exit_code == 0, result.output
    gradebook = json.loads((tmp_path / "gradebook.json").read_text())
    jsonschema.validate(gradebook, GRADEBOOK_SCHEMA)
    scores = {s["id"]: (s["topics"][0]["score"], s["topics"][0]["status"]) for s in gradebook["students"]}
    assert scores == {"empty": (0, "missing"), "ref": (10, "graded"), "stub": (0, "graded")}
    assert gradebook["seeded"] is False and gradebook["hidden_feedback"] == "full"
    assert (tmp_path / "gradebook.csv").read_text().splitlines() == ["id,norms,total", "empty,0,0", "ref,10,10",
                                                                     "stub,0,0"]
    feedback = (tmp_path / "feedback" / "stub.md").read_text()
    assert "not attempted" in feedback and "def test_" not in feedback


@pytest.mark.parametrize(("how", "secret"), [("option", "918273645"), ("environment", "564738291")])
def test_a_secret_seed_from_the_option_or_environment_is_used_but_never_written(small_class, tmp_path, how,
                                                                                 secret):
    args = ["grade", str(small_class), "--out", str(tmp_path), "--topic", "norms", "--jobs", "1",
            "--course", str(COURSE_ROOT / "course.yml")]
    result = CliRunner().invoke(main, args + ["--seed", secret] if how == "option" else args,
                                env={"DLGRADE_SEED": secret if how == "environment" else None})
    assert result.exit_code == 0, result.output
    gradebook = json.loads((tmp_path / "gradebook.json").read_text())
    assert gradebook["seeded"] is True and "secret seed" in result.output
    assert {s["id"]: s["total"] for s in gradebook["students"]} == {"empty": 0, "ref": 10, "stub": 0}
    written = [p.read_text() for p in [tmp_path / "gradebook.json", tmp_path / "gradebook.csv",
                                       *(tmp_path / "feedback").iterdir()]]
    assert not [text for text in [*written, result.output] if secret in text]


def test_a_seed_that_is_not_an_integer_is_a_usage_error(small_class):
    result = CliRunner().invoke(main, ["grade", str(small_class), "--course", str(COURSE_ROOT / "course.yml")],
                                env={"DLGRADE_SEED": "tuesday"})
    assert result.exit_code == 2 and "Invalid value for '--seed'" in result.output, result.output


@pytest.mark.parametrize(("args", "message"), [
    (("grade", "no/such/folder"), "submissions folder 'no/such/folder' does not exist"),
    (("grade", "--topic", "nonesuch"), "no topic 'nonesuch'"),
    (("check", "--course", "missing.yml"), "course file 'missing.yml' not found"),
])
def test_grader_errors_are_one_line_and_exit_1(args, message):
    result = CliRunner().invoke(main, [*args] if "--course" in args else [*args, "--course",
                                                                          str(COURSE_ROOT / "course.yml")])
    assert result.exit_code == 1 and message in result.output and result.output.count("\n") == 1, result.output


@pytest.mark.skipif(torch.cuda.is_available(), reason="checks the error given where CUDA is absent")
def test_device_cuda_without_cuda_is_a_one_line_error(small_class):
    result = run("grade", str(small_class), "--device", "cuda")
    assert result.exit_code == 1 and "CUDA is not available" in result.output


def test_check_passes_the_reference_and_shows_failures_of_the_stub():
    ok = run("check", "norms", "softmax", "--dir", str(COURSE_ROOT / "solutions"))
    assert ok.exit_code == 0 and "public tests passed" in ok.output, ok.output
    stub = run("check", "norms", "--dir", str(COURSE_ROOT / "exercises"))
    assert stub.exit_code == 1 and "not attempted" in stub.output and "l1_norm" in stub.output


def test_python_dash_m_grader_grades_as_a_subprocess(small_class, tmp_path):
    proc = subprocess.run([sys.executable, "-m", "grader", "grade", str(small_class), "--out", str(tmp_path),
                           "--topic", "norms", "--course", str(COURSE_ROOT / "course.yml")],
                          capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr
    assert json.loads((tmp_path / "gradebook.json").read_text())["students"][1]["total"] == 10


def test_validate_passes_on_the_course_references_full_and_stubs_zero():
    result = run("validate")
    assert result.exit_code == 0, result.output
    assert result.output.count("reference 10/10, stub 0/10") == 9, result.output


def test_validate_fails_when_a_function_has_no_test(tmp_path):
    course_yml = course_copy(tmp_path, topics=["softmax"])
    data = yaml.safe_load(course_yml.read_text(encoding="utf-8"))
    data["topics"][0]["functions"]["argmax"] = {"weight": 1}
    course_yml.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    result = CliRunner().invoke(main, ["validate", "--course", str(course_yml)])
    assert result.exit_code == 1 and "softmax.argmax: no public test" in result.output, result.output
