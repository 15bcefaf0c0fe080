"""Attack: find the reference solution from this file's own path and run it.

Tries: walk up from ``__file__`` (a submission graded inside the course tree, as
examples/class is) to a folder holding solutions/softmax.py, and use its functions.
Would gain: full marks on softmax without writing one.
Must stop it: the worker sees a copy of its own submission and no parent folder of it.
"""

from pathlib import Path


def _run(source: str) -> dict:
    namespace: dict = {"__name__": "stolen"}
    exec(compile(source, "stolen.py", "exec"), namespace)
    return namespace


def _steal() -> dict:
    for folder in Path(__file__).resolve().parents:
        try:
            return _run((folder / "solutions" / "softmax.py").read_text())
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
