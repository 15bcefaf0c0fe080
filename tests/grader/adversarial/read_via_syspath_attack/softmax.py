"""Attack: import the reference from sys.path, or read it from any sys.path entry.

Tries: ``import solutions.softmax`` (the course root is on the worker's path so that
trusted course modules import), else every sys.path entry's solutions/softmax.py.
Would gain: full marks on softmax without writing one.
Must stop it: the course's folders are neither importable nor readable in the worker.
"""

import importlib
import sys
from pathlib import Path


def _run(source: str) -> dict:
    namespace: dict = {"__name__": "stolen"}
    exec(compile(source, "stolen.py", "exec"), namespace)
    return namespace


def _steal() -> dict:
    try:
        return vars(importlib.import_module("solutions.softmax"))
    except Exception:
        pass
    for entry in sys.path:
        try:
            return _run((Path(entry or ".") / "solutions" / "softmax.py").read_text())
        except OSError:
            continue
    return {}


_STOLEN = _steal()


def _not_implemented(*args):
    raise NotImplementedError


def _accuracy(y_hat, y):  # as the twin's
    return float((y_hat.argmax(dim=1) == y).double().mean())


softmax = _STOLEN.get("softmax", _not_implemented)
cross_entropy = _STOLEN.get("cross_entropy", _not_implemented)
softmax_cross_entropy = _STOLEN.get("softmax_cross_entropy", _not_implemented)
softmax_cross_entropy_grad = _STOLEN.get("softmax_cross_entropy_grad", _not_implemented)
accuracy = _STOLEN.get("accuracy", _accuracy)
