"""``dlgrade gradescope build``: the course as a Gradescope autograder zip.

Gradescope unpacks the zip into ``/autograder/source``, runs ``setup.sh`` once to build the
image, then, for each submission, copies ``run_autograder`` to ``/autograder/run_autograder`` and
runs it in a fresh container (Gradescope's autograder specification). The zip holds::

    setup.sh                 Python, torch (pinned first), dlgrade's wheel, in /autograder/venv
    run_autograder           python -m grader.gradescope.run
    dist/dlgrade-<v>-py3-none-any.whl   built from this source checkout, as `dlgrade release` does
    course/course.yml        the whole course: settings (a grading_seed too), lms, topics
    course/exercises/        the stubs (load_course checks them; grading scores them 0)
    course/solutions/        the references the hidden tests compare with
    course/tests/            public and hidden tests of the course's topics and their support modules

It is secret: it holds the solutions and the hidden tests. Instructors upload it to Gradescope
only; in the container, the sandbox keeps submissions from reading it (where one works there).
"""

from __future__ import annotations

import os
import tempfile
import zipfile
from importlib.metadata import version
from pathlib import Path

import yaml

from grader.course import Course
from grader.errors import ReleaseError
from grader.release import build_wheel, project_root

__all__ = ["build_autograder", "setup_script", "torch_requirement"]

# Gradescope's containers have no GPU: the CPU wheels are a fraction of the CUDA ones' size.
_TORCH_INDEX = "https://download.pytorch.org/whl/cpu"
_EXECUTABLE = 0o100755 << 16  # a zip entry's Unix mode: a regular file, rwxr-xr-x
_FILE = 0o100644 << 16
_FIXED_TIME = (2020, 1, 1, 0, 0, 0)  # entries' timestamps: the same course gives the same entries

_RUN_AUTOGRADER = """\
#!/usr/bin/env bash
# dlgrade's Gradescope autograder: grades /autograder/submission (the student's <topic>.py files or
# <topic>.ipynb notebooks) into /autograder/results/results.json. Gradescope runs it as
# /autograder/run_autograder; DLGRADE_GRADESCOPE_ROOT moves /autograder elsewhere (a test's fake
# root) and DLGRADE_PYTHON names another Python with dlgrade installed (default: setup.sh's venv).
set -eu
root="${DLGRADE_GRADESCOPE_ROOT:-/autograder}"
cd "$root"
exec "${DLGRADE_PYTHON:-$root/venv/bin/python}" -m grader.gradescope.run --root "$root"
"""


def torch_requirement() -> str:
    """``torch==X.Y.Z``: the torch this machine grades with, without its local label (``+cpu``),
    which no index but PyTorch's own knows."""
    return "torch==" + version("torch").split("+")[0]


def setup_script(wheel: str) -> str:
    """setup.sh's text: a venv in /autograder/venv with torch pinned and installed first (so pip
    never resolves an unpinned torch), then dlgrade from ``dist/<wheel>`` with its dependencies.

    bubblewrap is installed too: grading uses it where the container lets it make namespaces.
    """
    return f"""\
#!/usr/bin/env bash
# Builds dlgrade's Gradescope image (run once, as root, by Gradescope).
set -euxo pipefail
export DEBIAN_FRONTEND=noninteractive
apt-get update
apt-get install -y --no-install-recommends python3 python3-venv python3-pip bubblewrap
python3 -m venv /autograder/venv
# torch first and pinned: the torch the course was built and checked with, CPU wheels
/autograder/venv/bin/pip install --no-cache-dir --index-url {_TORCH_INDEX} {torch_requirement()}
/autograder/venv/bin/pip install --no-cache-dir /autograder/source/dist/{wheel}
"""


def build_autograder(course: Course, out: Path) -> Path:
    """Write the Gradescope autograder zip of ``course`` to ``out`` and return ``out``.

    The zip is written to a temporary file beside ``out`` and renamed over it: an existing
    ``out`` is replaced whole, never left half-written.

    Raises:
        ReleaseError: ``out`` is a folder or cannot be written; dlgrade is installed from a
            wheel (no source checkout to build its wheel from); pip fails to build the wheel.
    """
    out = Path(out)
    if out.is_dir():
        raise ReleaseError(f"gradescope build: --out {str(out)!r} is a folder; name the zip to write")
    project = project_root()
    target = out.resolve()
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".zip")
    except OSError as exc:
        raise ReleaseError(f"gradescope build: cannot write {str(out)!r}: {exc.strerror}") from None
    os.close(fd)
    try:
        with tempfile.TemporaryDirectory(prefix="dlgrade-gradescope-") as staging:
            wheel = build_wheel(project, Path(staging) / "dist")
            with zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as archive:
                _add(archive, "setup.sh", setup_script(wheel.name), _EXECUTABLE)
                _add(archive, "run_autograder", _RUN_AUTOGRADER, _EXECUTABLE)
                _add(archive, f"dist/{wheel.name}", wheel.read_bytes(), _FILE)
                _add(archive, "course/course.yml", _course_yml(course), _FILE)
                for relative in course_files(course):
                    _add(archive, f"course/{relative.as_posix()}", (course.root / relative).read_bytes(), _FILE)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return out


def course_files(course: Course) -> list[Path]:
    """The files of the course that grading reads, relative to ``course.root``, sorted.

    Each topic's stub, reference, public and hidden tests, and every module of ``tests`` that is
    not a test module (``__init__.py``, ``helpers.py``, ``strategies.py``, ...), wherever it is:
    the support modules the tests import. ``tests/grader`` (the engine's own tests) is left out.
    """
    root = course.root
    found = set()
    for topic in course.topics:
        found |= {Path("exercises") / f"{topic.id}.py", Path("solutions") / f"{topic.id}.py",
                  Path("tests/public") / f"test_{topic.id}.py", Path("tests/hidden") / f"test_{topic.id}_props.py"}
    for package in ("exercises", "solutions"):
        if (root / package / "__init__.py").is_file():
            found.add(Path(package) / "__init__.py")
    for path in (root / "tests").rglob("*.py"):
        relative = path.relative_to(root)
        if not path.name.startswith("test_") and "__pycache__" not in relative.parts \
                and relative.parts[:2] != ("tests", "grader"):
            found.add(relative)
    missing = sorted(p.as_posix() for p in found if not (root / p).is_file())
    if missing:  # load_course checks the modules, not the tests
        raise ReleaseError(f"gradescope build: the course has no {missing[0]} (in {root})")
    return sorted(found)


def _course_yml(course: Course) -> str:
    """course.yml as grading reads it: every setting kept (the grading seed too: the zip is the
    instructor's, and the hidden tests must draw the same examples as ``dlgrade grade``)."""
    data = course.model_dump(mode="json")
    return ("# The course as dlgrade gradescope build wrote it (the instructor's copy: keep it secret).\n"
            + yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=100))


def _add(archive: zipfile.ZipFile, name: str, data: str | bytes, mode: int) -> None:
    info = zipfile.ZipInfo(name, _FIXED_TIME)
    info.external_attr = mode
    info.compress_type = zipfile.ZIP_DEFLATED
    archive.writestr(info, data.encode() if isinstance(data, str) else data)
