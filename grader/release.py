"""``release``: the student bundle, everything a student needs and nothing they must not see.

The bundle holds ``exercises/<topic>.py`` (the stubs, as they are), the public tests
(``tests/public/test_<topic>.py``, ``tests/__init__.py``, ``tests/conftest.py`` and every module
of ``tests`` they import), a ``course.yml`` without the instructor's settings, a ``pytest.ini``,
a student ``README.md`` and ``dist/``, the wheel of dlgrade built from this source checkout. It
holds no ``solutions/``, no ``tests/hidden`` and no ``tests/grader``: the support modules are
found by following the public tests' imports, and an import of a hidden module is an error.
"""

from __future__ import annotations

import ast
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import yaml

from grader.course import Course
from grader.errors import CourseError, ReleaseError

__all__ = ["build_wheel", "project_root", "release"]

# What only grading needs: the secret seed of the hidden tests' examples, and how much of the
# hidden tests a student's feedback shows.
_INSTRUCTOR_SETTINGS = {"grading_seed", "hidden_feedback"}
_SECRET_MODULES = ("tests.hidden", "tests.grader", "solutions")

# Warnings stay warnings: `dlgrade check` and grading do not fail a test on one either.
_PYTEST_INI = """\
[pytest]
testpaths = tests/public
addopts = -p no:cacheprovider
"""

_README = """\
# {course}: exercises

Exercises on the fundamentals of *[Dive into Deep Learning](https://d2l.ai)* (PyTorch), one
file per topic in `exercises/`:

| topic | title | d2l | points |
| --- | --- | --- | --- |
{topics}

## Install

With Python ≥ 3.10, in this folder:

```bash
pip install torch==2.13.0 && pip install dist/{wheel}
```

(`torch==2.13.0` is pinned first so that pip never resolves an unpinned torch; any torch ≥ 2.2
works.)

## Work and check

Each function's docstring says what to compute, the shapes and dtypes, the edge cases, the d2l
section and the calls you may not use. Replace each `raise NotImplementedError(...)` with your
code, then, in this folder,

```bash
dlgrade check              # every topic
dlgrade check {example}{pad}# one topic
```

runs the public tests and prints, per function, what passed and, for each failure, the input and
what was expected. Plain `python -m pytest` runs the same tests on `exercises/`
(`python -m pytest tests/public/test_{example}.py` for one topic).

## Public tests and grading

The tests in `tests/public/` are the public tests: examples you can read and run. Grading runs
them again and adds hidden property-based tests that draw many inputs (both float dtypes, edge
shapes, extreme values where the docstring promises stability): passing the public tests is
necessary, not sufficient. `course.yml` lists each topic's points, each function's weight and
the banned calls; a function that calls a banned API loses its tests.
"""


def release(course: Course, out: Path) -> Path:
    """Write the student bundle of ``course`` into ``out`` and return ``out``.

    The bundle is assembled next to ``out`` and renamed into place, so a failure leaves no half
    bundle. An existing ``out`` must be an empty folder: a previous bundle is not replaced, so
    nothing is ever deleted that this call did not write.

    Besides the secret ``grading_seed``, the student course.yml drops ``hidden_feedback`` (how
    much of the hidden tests grading's feedback shows): both only matter to grading; and the
    ``audit`` section (the mutants the hidden tests let through, the author's business). It keeps
    the topics, points, weights, banned calls, ``max_examples``, ``seed`` and the limits.

    Raises:
        ReleaseError: ``out`` exists and is not an empty folder, or cannot be created; dlgrade
            is installed from a wheel (no source checkout to build the wheel from); pip fails.
        CourseError: a public test imports a hidden test, the grader's tests or the solutions,
            or a ``tests`` module that does not exist.
    """
    out = Path(out)
    if out.exists() and not (out.is_dir() and not any(out.iterdir())):
        raise ReleaseError(f"release: --out {str(out)!r} exists and is not an empty folder; "
                           "remove it or name a new one")
    project = project_root()
    target = out.resolve()  # `--out .` stages beside the current folder, not inside it
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=f".{target.name}.", dir=target.parent))
    except OSError as exc:
        raise ReleaseError(f"release: cannot create {str(out)!r}: {exc.strerror}") from None
    try:
        _write_bundle(course, project, staging)
        if target.exists():  # empty: fill it, so that a shell whose current folder it is keeps it
            for item in staging.iterdir():
                item.rename(target / item.name)
            staging.rmdir()
        else:
            staging.rename(target)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return out


def project_root() -> Path:
    """The source checkout holding the ``grader`` package and its pyproject.toml."""
    root = Path(__file__).resolve().parent.parent
    if not (root / "pyproject.toml").is_file():
        raise ReleaseError(f"release: needs a source checkout of dlgrade (no pyproject.toml in {root}, "
                           "dlgrade is installed from a wheel)")
    return root


def _write_bundle(course: Course, project: Path, bundle: Path) -> None:
    for relative in (*_exercise_files(course), *_test_files(course)):
        (bundle / relative).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(course.root / relative, bundle / relative)
    (bundle / "course.yml").write_text(_student_course_yml(course), encoding="utf-8")
    (bundle / "pytest.ini").write_text(_PYTEST_INI, encoding="utf-8")
    wheel = build_wheel(project, bundle / "dist")
    (bundle / "README.md").write_text(_student_readme(course, wheel.name), encoding="utf-8")


def _exercise_files(course: Course) -> list[Path]:
    return [Path("exercises") / f"{topic.id}.py" for topic in course.topics]


def _test_files(course: Course) -> list[Path]:
    """The public tests of every topic and the ``tests`` modules they import, transitively."""
    found = {Path("tests/__init__.py"), Path("tests/conftest.py"), Path("tests/public/__init__.py")}
    found |= {Path("tests/public") / f"test_{topic.id}.py" for topic in course.topics}
    todo = sorted(found)
    while todo:
        for module in _imported_test_modules(course.root, todo.pop()):
            path = _module_path(course.root, module)
            for package in _packages_of(path):
                if package not in found:
                    found.add(package)
                    todo.append(package)
    return sorted(found)


def _imported_test_modules(root: Path, relative: Path) -> list[str]:
    """The modules of the ``tests`` package that ``relative`` imports, by dotted name.

    ``from tests import helpers`` names ``tests.helpers``: each imported name is tried as a
    submodule too, and kept where it is one.
    """
    modules = []
    for node in ast.walk(ast.parse((root / relative).read_text(encoding="utf-8"), str(relative))):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = _absolute(relative, node.module, node.level)
            names = [base, *(f"{base}.{alias.name}" for alias in node.names
                             if _is_module(root, f"{base}.{alias.name}"))]
        else:
            continue
        for name in names:
            if any(name == secret or name.startswith(secret + ".") for secret in _SECRET_MODULES):
                raise CourseError(f"{relative.as_posix()}: imports {name}, which students must not see")
            if name == "tests" or name.startswith("tests."):
                modules.append(name)
    return modules


def _absolute(relative: Path, module: str | None, level: int) -> str:
    """The dotted name of ``from <level dots><module> import ...`` written in file ``relative``."""
    if level == 0:
        return module or ""
    package = list(relative.with_suffix("").parts[:-level])
    return ".".join(package + ([module] if module else []))


def _is_module(root: Path, name: str) -> bool:
    path = root.joinpath(*name.split("."))
    return path.with_suffix(".py").is_file() or (path / "__init__.py").is_file()


def _module_path(root: Path, name: str) -> Path:
    """``tests/x.py`` or ``tests/x/__init__.py`` for the module ``tests.x``, relative to root."""
    path = Path(*name.split("."))
    for candidate in (path.with_suffix(".py"), path / "__init__.py"):
        if (root / candidate).is_file():
            return candidate
    raise CourseError(f"the public tests import {name}, but {path}.py does not exist")


def _packages_of(path: Path) -> list[Path]:
    """``path`` and the ``__init__.py`` of every package above it (``tests/a/b.py`` -> 3 files)."""
    return [path] + [Path(*path.parts[:i]) / "__init__.py" for i in range(1, len(path.parts))]


def _student_course_yml(course: Course) -> str:
    """course.yml as students see it: topics, points, weights and bans, no instructor settings."""
    data = course.model_dump(mode="json", exclude={"settings": _INSTRUCTOR_SETTINGS, "audit": True})
    return ("# The course: topics, points, weights and banned calls (the student copy, from dlgrade release).\n"
            + yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=100))


def build_wheel(project: Path, dist: Path) -> Path:
    """Build dlgrade's wheel into ``dist`` from a copy of ``project``, so no build/ or
    egg-info is left in the checkout; return the wheel's path.

    The copy holds the checkout's top-level files (pyproject.toml, the README it names) and the
    ``grader`` package: all a build of the package reads.
    """
    with tempfile.TemporaryDirectory(prefix="dlgrade-wheel-") as tmp:
        source = Path(tmp)
        for item in project.iterdir():
            if item.is_file():
                shutil.copyfile(item, source / item.name)
        shutil.copytree(project / "grader", source / "grader", ignore=shutil.ignore_patterns("__pycache__"))
        done = subprocess.run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "--no-build-isolation",
                               "-w", str(dist), str(source)], check=False, capture_output=True, text=True)
    if done.returncode != 0:
        why = (done.stderr.strip().splitlines() or [f"exit status {done.returncode}"])[-1]
        raise ReleaseError(f"release: building the wheel of dlgrade failed: {why}")
    return next(dist.glob("dlgrade-*.whl"))


def _student_readme(course: Course, wheel: str) -> str:
    topics = "\n".join(f"| `{t.id}` | {t.title} | {t.d2l} | {t.points:g} |" for t in course.topics)
    example = course.topics[0].id
    return _README.format(course=course.course, topics=topics, wheel=wheel, example=example,
                          pad=" " * max(1, 13 - len(example)))
