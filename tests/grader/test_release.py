"""``dlgrade release``: the student bundle holds the stubs and the public tests, neither it nor the
wheel in it holds a solution body or a hidden test's name, and ``dlgrade check`` works in it
once the wheel is installed."""

import ast
import json
import os
import re
import shutil
import site
import subprocess
import sys
import zipfile
from importlib.metadata import requires, version
from pathlib import Path

import pytest
from click.testing import CliRunner
from packaging.requirements import Requirement

from grader.cli import main
from grader.course import load_course
from grader.errors import CourseError
from grader.release import release

COURSE_ROOT = Path(__file__).resolve().parents[2]
SECRET_SEED = 90210417


@pytest.fixture(scope="module")
def bundle(tmp_path_factory) -> Path:
    """The bundle of the repository's course, released with a secret grading seed set."""
    course = load_course(COURSE_ROOT / "course.yml").with_settings(grading_seed=SECRET_SEED)
    return release(course, tmp_path_factory.mktemp("release") / "bundle")


def _files(folder: Path) -> set[str]:
    return {p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file()}


def _wheel(folder: Path) -> Path:
    (wheel,) = (folder / "dist").glob("*.whl")
    return wheel


def test_bundle_holds_the_stubs_the_public_tests_and_their_support_modules_only(bundle):
    course = load_course(COURSE_ROOT / "course.yml")
    sources = [COURSE_ROOT / "tests" / "conftest.py", *(COURSE_ROOT / "tests" / "public").glob("*.py")]
    support = {f"tests/{m}.py" for path in sources
               for m in re.findall(r"^(?:from|import) tests\.(\w+)", path.read_text(), re.MULTILINE)}
    copied = {*(f"exercises/{t.id}.py" for t in course.topics),
              *(f"tests/public/test_{t.id}.py" for t in course.topics),
              "tests/__init__.py", "tests/public/__init__.py", "tests/conftest.py", *support}
    assert "tests/helpers.py" in support
    assert _files(bundle) == copied | {"course.yml", "pytest.ini", "README.md",
                                       f"dist/dlgrade-{version('dlgrade')}-py3-none-any.whl"}
    for relative in copied:
        assert (bundle / relative).read_bytes() == (COURSE_ROOT / relative).read_bytes(), relative


def test_bundle_course_yml_keeps_topics_and_limits_and_drops_the_secret_seed(bundle):
    text = (bundle / "course.yml").read_text()
    student, repo = load_course(bundle / "course.yml"), load_course(COURSE_ROOT / "course.yml")
    assert student.topics == repo.topics
    kept = {"exclude": {"hidden_feedback"}}
    assert student.settings.model_dump(**kept) == repo.settings.model_dump(**kept)
    assert "grading_seed" not in text and str(SECRET_SEED) not in text and "hidden_feedback" not in text
    assert repo.audit.accepted and "accepted" not in text, "the mutants the hidden tests let through stay the author's"


def test_bundle_readme_tells_students_to_install_the_wheel_check_and_run_pytest(bundle):
    readme = (bundle / "README.md").read_text()
    for command in (f"pip install dist/{_wheel(bundle).name}", "dlgrade check ", "python -m pytest"):
        assert command in readme, command


# --- leaks -------------------------------------------------------------------------------------

def _normalized(text: str) -> str:
    return " ".join(text.split())


def _solution_bodies() -> dict[str, set[str]]:
    """``<topic>.<function>`` (methods and helpers too) -> its body after the docstring, normalized,
    as written and as ``ast.unparse`` writes it (which drops comments)."""
    bodies = {}
    for path in sorted((COURSE_ROOT / "solutions").glob("*.py")):
        source = path.read_text()
        for node in ast.walk(ast.parse(source)):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                body = node.body[1:] if ast.get_docstring(node) is not None else node.body
                lines = source.splitlines()[body[0].lineno - 1:body[-1].end_lineno]
                bodies[f"{path.stem}.{node.name}"] = {_normalized("\n".join(lines)),
                                                      _normalized("\n".join(ast.unparse(s) for s in body))}
    return bodies


def _hidden_test_names() -> set[str]:
    return {node.name for path in (COURSE_ROOT / "tests" / "hidden").glob("*.py")
            for node in ast.walk(ast.parse(path.read_text()))
            if isinstance(node, ast.FunctionDef) and node.name.startswith("test_")}


def _searchable(name: str, text: str) -> str:
    """The text normalized, plus, for Python, its ``ast.unparse`` form (comments gone)."""
    return _normalized(text) + ("\n" + _normalized(ast.unparse(ast.parse(text))) if name.endswith(".py") else "")


def _bundle_texts(folder: Path) -> dict[str, str]:
    """Every file of the bundle, and every file inside its wheel, searchable."""
    texts = {}
    for relative in _files(folder):
        if relative.endswith(".whl"):
            with zipfile.ZipFile(folder / relative) as wheel:
                texts |= {f"{relative}!{name}": _searchable(name, wheel.read(name).decode())
                          for name in wheel.namelist()}
        else:
            texts[relative] = _searchable(relative, (folder / relative).read_text())
    return texts


def _leaks(texts: dict[str, str]) -> set[str]:
    bodies, hidden = _solution_bodies(), _hidden_test_names()
    found = {f"{file}: body of {function}" for file, text in texts.items()
             for function, forms in bodies.items() if any(form in text for form in forms)}
    return found | {f"{file}: hidden test {name}" for file, text in texts.items()
                    for name in hidden & set(re.findall(r"\btest_\w+", text))}


def test_bundle_and_its_wheel_hold_no_solution_body_and_no_hidden_test_name(bundle):
    texts = _bundle_texts(bundle)
    assert any(name.endswith("!grader/grading.py") for name in texts)  # the wheel was read
    assert len(_solution_bodies()) >= 40 and len(_hidden_test_names()) >= 100
    assert _leaks(texts) == set()


def test_leak_check_finds_a_body_planted_in_the_wheel_and_a_hidden_name_in_the_readme(bundle, tmp_path):
    copy = shutil.copytree(bundle, tmp_path / "bundle")
    source = (COURSE_ROOT / "solutions" / "softmax.py").read_text()
    node = next(n for n in ast.parse(source).body if getattr(n, "name", "") == "softmax_cross_entropy")
    planted = "class Planted:\n" + "\n".join("    " + line
                                              for line in ast.get_source_segment(source, node).splitlines())
    with zipfile.ZipFile(_wheel(copy), "a") as wheel:
        wheel.writestr("grader/planted.py", planted)
    hidden = min(_hidden_test_names())
    with (copy / "README.md").open("a") as readme:
        readme.write(f"\nsee {hidden}\n")
    assert {f"dist/{_wheel(copy).name}!grader/planted.py: body of softmax.softmax_cross_entropy",
            f"README.md: hidden test {hidden}"} <= _leaks(_bundle_texts(copy))


# --- the bundle in a student's environment -------------------------------------------------------

def _run(command: list, cwd: Path) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH" and not k.startswith("DLGRADE_")}
    return subprocess.run([str(c) for c in command], check=False, cwd=cwd, env=env, capture_output=True, text=True,
                          timeout=300)


def _site_dirs() -> list[str]:
    """The running interpreter's site-packages folders, a venv's or the system's (and the user's
    where it is enabled): where its torch, hypothesis, ... are."""
    dirs = [*site.getsitepackages(), *([site.getusersitepackages()] if site.ENABLE_USER_SITE else [])]
    return [d for d in dirs if Path(d).is_dir()]


def _requirements(lines: list[str]) -> list[str]:
    """``Requires-Dist`` lines as packaging writes them, sorted: the same whatever tool wrote them."""
    return sorted(str(Requirement(line)) for line in lines)


@pytest.fixture(scope="module")
def installed(bundle, tmp_path_factory) -> tuple[Path, Path]:
    """(venv, a copy of the bundle): the bundle's wheel installed into a fresh venv that sees the
    running environment's packages (torch, hypothesis, ...) but not its editable dlgrade.

    ``--system-site-packages`` would not do: made from a venv's interpreter, the new venv sees the
    base interpreter's packages, not the venv's. A .pth file listing the running site-packages
    folders adds them to ``sys.path`` after the venv's own, without running the .pth files in them,
    one of which is the editable install's import hook."""
    root = tmp_path_factory.mktemp("student")
    work, venv = shutil.copytree(bundle, root / "bundle"), root / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", venv], check=True)
    python = venv / "bin" / "python"
    purelib = _run([python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"], work)
    Path(purelib.stdout.strip(), "running-environment.pth").write_text("\n".join(_site_dirs()) + "\n")
    # The wheel's own dependency metadata, resolved offline against what is there: it declares
    # dlgrade's requirements, all present, so pip would install dlgrade alone. A dry run: a real
    # one would try to replace the running environment's editable dlgrade.
    pip = [python, "-m", "pip", "install", "-q", "--no-index"]
    plan = _run([*pip, "--dry-run", "--report", "-", _wheel(work)], work)
    assert plan.returncode == 0, plan.stderr
    (wheel,) = json.loads(plan.stdout)["install"]
    assert wheel["metadata"]["name"] == "dlgrade"
    assert _requirements(wheel["metadata"]["requires_dist"]) == _requirements(requires("dlgrade"))
    done = _run([*pip, "--no-deps", "--ignore-installed", _wheel(work)], work)
    assert done.returncode == 0, done.stderr
    where = _run([python, "-c", "import importlib.util; print(importlib.util.find_spec('grader').origin)"], work)
    assert Path(where.stdout.strip()).is_relative_to(venv), where.stdout + where.stderr
    return venv, work


def test_check_and_pytest_in_the_installed_bundle_fail_the_stubs_and_pass_the_reference(installed):
    venv, work = installed
    first, *others = load_course(work / "course.yml").topics
    stubs = _run([venv / "bin" / "dlgrade", "check"], work)
    for topic in others:
        shutil.copy(COURSE_ROOT / "solutions" / f"{topic.id}.py", work / "exercises")
    mixed = _run([venv / "bin" / "python", "-m", "pytest", "-q"], work)
    shutil.copy(COURSE_ROOT / "solutions" / f"{first.id}.py", work / "exercises")
    reference = _run([venv / "bin" / "dlgrade", "check"], work)
    assert [r.returncode for r in (stubs, mixed, reference)] == [1, 1, 0], \
        [r.stdout[-2000:] + r.stderr[-2000:] for r in (stubs, mixed, reference)]
    total = int(re.search(r"(\d+) of \1 public tests passed", reference.stdout)[1])
    assert total >= 9 * len(others) and f"\n0 of {total} public tests passed" in stubs.stdout
    # Plain pytest: the one topic left as a stub fails every test, the reference topics pass every one.
    failed = re.findall(r"^FAILED (\S+?)::", mixed.stdout, re.MULTILINE)
    assert failed and set(failed) == {f"tests/public/test_{first.id}.py"}
    assert f"{len(failed)} failed, {total - len(failed)} passed" in mixed.stdout


def test_release_from_an_installed_wheel_asks_for_a_source_checkout(installed, tmp_path):
    venv, work = installed
    done = _run([venv / "bin" / "dlgrade", "release", "--out", tmp_path / "out"], work)
    assert done.returncode == 1
    assert done.stderr.startswith("Error: release: needs a source checkout") and done.stderr.count("\n") == 1
    assert not (tmp_path / "out").exists()


def test_release_refuses_a_public_test_that_imports_a_hidden_one_and_leaves_nothing(tmp_path):
    root = tmp_path / "course"
    for relative in ("course.yml", "exercises", "tests/__init__.py", "tests/conftest.py", "tests/helpers.py",
                     "tests/functions.py", "tests/public", "tests/hidden"):
        copy = shutil.copytree if (COURSE_ROOT / relative).is_dir() else shutil.copyfile
        (root / relative).parent.mkdir(parents=True, exist_ok=True)
        copy(COURSE_ROOT / relative, root / relative)
    with (root / "tests" / "public" / "test_norms.py").open("a") as test:
        test.write("\nfrom tests.hidden import test_norms_props\n")
    with pytest.raises(CourseError, match=r"^tests/public/test_norms.py: imports tests.hidden, "
                                          r"which students must not see$"):
        release(load_course(root / "course.yml"), tmp_path / "out")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["course"]


# --- the command -------------------------------------------------------------------------------

def _build_litter() -> dict[str, int]:
    """build/ and *.egg-info in the checkout, each file with its modification time."""
    return {p.as_posix(): p.stat().st_mtime_ns for top in COURSE_ROOT.iterdir()
            if top.name == "build" or top.name.endswith(".egg-info") for p in [top, *top.rglob("*")]}


def test_release_command_fills_an_empty_folder_and_leaves_no_build_litter(tmp_path):
    before = _build_litter()
    (tmp_path / "out").mkdir()
    result = CliRunner().invoke(main, ["release", "--out", str(tmp_path / "out"),
                                       "--course", str(COURSE_ROOT / "course.yml")])
    assert result.exit_code == 0, result.output
    assert "wrote the student bundle" in result.output and _wheel(tmp_path / "out").is_file()
    assert load_course(tmp_path / "out" / "course.yml").topics == load_course(COURSE_ROOT / "course.yml").topics
    assert _build_litter() == before
    assert [p.name for p in tmp_path.iterdir()] == ["out"]  # no staging folder left beside it


def test_release_command_refuses_a_folder_that_is_not_empty_and_leaves_it_alone(tmp_path):
    (tmp_path / "notes.txt").write_text("mine")
    result = CliRunner().invoke(main, ["release", "--out", str(tmp_path),
                                       "--course", str(COURSE_ROOT / "course.yml")])
    assert result.exit_code == 1
    assert result.output == f"Error: release: --out {str(tmp_path)!r} exists and is not an empty folder; " \
                            "remove it or name a new one\n"
    assert _files(tmp_path) == {"notes.txt"} and (tmp_path / "notes.txt").read_text() == "mine"
