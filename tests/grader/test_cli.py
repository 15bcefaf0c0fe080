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
from tests.grader.leaks import assert_no_leak

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


def test_grade_writes_the_gradebooks_feedback_and_class_report_with_the_schema(small_class, tmp_path):
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
    for path in (tmp_path / "feedback").iterdir():
        assert_no_leak(path.read_text(), f"feedback/{path.name}")
    report = (tmp_path / "report.html").read_text()
    assert "3 students" in report and 'data-topic="norms"' in report, "expected the class report beside the gradebook"
    # The last lines name the files written, under --out: the instructor's own paths.
    assert_no_leak(result.output.partition("\nwrote ")[0], "grade's output")


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
                                       tmp_path / "report.html", *(tmp_path / "feedback").iterdir()]]
    assert not [text for text in [*written, result.output] if secret in text]


def test_a_seed_that_is_not_an_integer_is_a_usage_error(small_class):
    result = CliRunner().invoke(main, ["grade", str(small_class), "--course", str(COURSE_ROOT / "course.yml")],
                                env={"DLGRADE_SEED": "tuesday"})
    assert result.exit_code == 2 and "Invalid value for '--seed'" in result.output, result.output


@pytest.mark.parametrize(("args", "message"), [
    (("grade", "no/such/folder"), "submissions folder 'no/such/folder' does not exist"),
    (("grade", "--topic", "nonesuch"), "no topic 'nonesuch'"),
    (("check", "nonesuch"), "no topic 'nonesuch'"),
    (("check", "--dir", "typo"), "exercises folder 'typo' does not exist"),
    (("check", "--course", "missing.yml"), "course file 'missing.yml' not found"),
])
def test_grader_errors_are_one_line_and_exit_1(args, message):
    result = CliRunner().invoke(main, [*args] if "--course" in args else [*args, "--course",
                                                                          str(COURSE_ROOT / "course.yml")])
    assert result.exit_code == 1 and message in result.output and result.output.count("\n") == 1, result.output


@pytest.mark.parametrize(("args", "option", "message"), [
    (("grade", "--device", "gpu"), "--device", "'gpu' is not a device: cpu, cuda, cuda:N"),
    (("grade", "--device", "cuda:"), "--device", "'cuda:' is not a device"),
    (("grade", "--device", "cuda:-1"), "--device", "'cuda:-1' is not a device"),
    (("grade", "--jobs", "0"), "--jobs", "0 is not in the range"),
    (("validate", "--course", "."), "--course", "is a directory"),
    (("grade", "--out", "{file}/grades"), "--out", "'{file}/grades' cannot be created: '{file}' is a file"),
    (("grade", "--cache", "{file}/cache"), "--cache", "'{file}/cache' cannot be created: '{file}' is a file"),
    (("nbgrader", "import", ".", "--out", "{file}/sub"), "--out", "cannot be created"),
])
def test_a_bad_option_is_a_usage_error_naming_it_before_any_work(tmp_path, args, option, message):
    in_the_way = tmp_path / "a_file"
    in_the_way.write_text("")
    args = [a.format(file=in_the_way) for a in args]
    course = [] if "--course" in args else ["--course", str(COURSE_ROOT / "course.yml")]
    result = CliRunner().invoke(main, [*args, *course])
    assert result.exit_code == 2, result.output
    assert f"Invalid value for '{option}'" in result.output and message.format(file=in_the_way) in result.output
    assert "Traceback" not in result.output, result.output


@pytest.mark.parametrize("device", ["cuda", "cuda:0"])
def test_device_cuda_without_cuda_is_a_one_line_error(small_class, monkeypatch, device):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    result = run("grade", str(small_class), "--device", device)
    assert result.exit_code == 1 and result.output == \
        f"Error: --device {device}: CUDA is not available on this machine (try --device cpu)\n", result.output


def test_device_cuda_n_beyond_the_devices_is_a_one_line_error(small_class, monkeypatch):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    monkeypatch.setattr(torch.cuda, "device_count", lambda: 2)
    result = run("grade", str(small_class), "--device", "cuda:2")
    assert result.exit_code == 1 and result.output == \
        "Error: --device cuda:2: no such CUDA device (this machine has cuda:0 to cuda:1)\n", result.output


def test_device_cuda_n_is_accepted_and_written_to_the_gradebook(tmp_path, monkeypatch):
    """An empty class: nothing runs on the (pretended) second GPU, but the option is taken."""
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    monkeypatch.setattr(torch.cuda, "device_count", lambda: 2)
    (tmp_path / "class").mkdir()
    result = run("grade", str(tmp_path / "class"), "--out", str(tmp_path / "grades"), "--device", "cuda:1",
                 "--quiet")
    assert result.exit_code == 0, result.output
    assert json.loads((tmp_path / "grades" / "gradebook.json").read_text())["device"] == "cuda:1"


def test_check_passes_the_reference_and_shows_failures_of_the_stub():
    ok = run("check", "norms", "softmax", "--dir", str(COURSE_ROOT / "solutions"))
    assert ok.exit_code == 0 and "public tests passed" in ok.output, ok.output
    stub = run("check", "norms", "--dir", str(COURSE_ROOT / "exercises"))
    assert stub.exit_code == 1 and "not attempted" in stub.output and "l1_norm" in stub.output
    assert_no_leak(ok.output + stub.output, "check's output")


def test_check_fails_a_function_that_calls_a_banned_api_as_grading_does(tmp_path):
    """kim's mistake in the sample class: a softplus that calls F.softplus passes its public tests
    on values, and must fail them in check as it fails them in grading."""
    source = (COURSE_ROOT / "solutions" / "stability.py").read_text()
    (tmp_path / "stability.py").write_text(source + "\n\ndef softplus(x):\n    import torch.nn.functional as F\n"
                                            "    return F.softplus(x)\n")
    result = run("check", "stability", "--dir", str(tmp_path))
    assert result.exit_code == 1, result.output
    assert "✗ softplus" in result.output and "torch.nn.functional.softplus" in result.output, result.output
    assert "✓ grad_norm" in result.output, result.output


def test_python_dash_m_grader_grades_as_a_subprocess(small_class, tmp_path):
    proc = subprocess.run([sys.executable, "-m", "grader", "grade", str(small_class), "--out", str(tmp_path),
                           "--topic", "norms", "--course", str(COURSE_ROOT / "course.yml")],
                          capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr
    assert json.loads((tmp_path / "gradebook.json").read_text())["students"][1]["total"] == 10


def test_validate_passes_on_the_course_references_full_and_stubs_zero():
    result = run("validate")
    assert result.exit_code == 0, result.output
    assert result.output.count("reference 10/10, stub 0/10") == 12, result.output


def test_validate_fails_when_a_function_has_no_test(tmp_path):
    course_yml = course_copy(tmp_path, topics=["softmax"])
    data = yaml.safe_load(course_yml.read_text(encoding="utf-8"))
    data["topics"][0]["functions"]["argmax"] = {"weight": 1}
    course_yml.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    result = CliRunner().invoke(main, ["validate", "--course", str(course_yml)])
    assert result.exit_code == 1 and "softmax.argmax: no public test" in result.output, result.output


@pytest.mark.parametrize(("broken", "error"), [
    ("def broken(:", "SyntaxError: invalid syntax"),
    ("_ = {}['missing']", "KeyError: 'missing'"),
    ("import nonesuch_module_of_dlgrade", "ModuleNotFoundError: No module named 'nonesuch_module_of_dlgrade'"),
])
def test_validate_names_the_file_and_line_of_a_reference_that_does_not_import(tmp_path, broken, error):
    course_yml = course_copy(tmp_path, topics=["softmax"])
    reference = tmp_path / "solutions" / "softmax.py"
    lines = reference.read_text(encoding="utf-8").splitlines() + [broken, "X = 1"]
    reference.write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = CliRunner().invoke(main, ["validate", "--course", str(course_yml)])
    assert result.exit_code == 1, result.output
    assert f"    solutions/softmax.py:{len(lines) - 1}: {error}\n" in result.output, result.output
    assert "Traceback" not in result.output and "reference fails" not in result.output, result.output


def test_every_course_yml_problem_is_an_error_line_naming_its_key(tmp_path):
    course_yml = course_copy(tmp_path, topics=["norms", "softmax"])
    data = yaml.safe_load(course_yml.read_text(encoding="utf-8"))
    data["settings"]["max_exampels"] = 3
    data["topics"][1]["pionts"] = data["topics"][1].pop("points")
    course_yml.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    result = CliRunner().invoke(main, ["check", "--course", str(course_yml)])
    assert result.exit_code == 1 and result.output.splitlines() == [
        "Error: course.yml: settings.max_exampels: unknown key max_exampels (did you mean max_examples?)",
        "Error: course.yml: topics.1.points: Field required",
        "Error: course.yml: topics.1.pionts: unknown key pionts (did you mean points?)",
    ], result.output
