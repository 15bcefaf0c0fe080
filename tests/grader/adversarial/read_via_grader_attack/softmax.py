"""Attack: find the reference solution next to the grader's own package and run it.

Tries: the worker has ``grader`` imported; grader.__file__/../../solutions/softmax.py is the
course's reference wherever the grader is installed from a checkout.
Would gain: full marks on softmax without writing one.
Must stop it: the sandbox lets the worker read neither the grader's folder nor the course.
"""

from pathlib import Path


def _run(source: str) -> dict:
    namespace: dict = {"__name__": "stolen"}
    exec(compile(source, "stolen.py", "exec"), namespace)
    return namespace


def _steal() -> dict:
    try:
        import grader

        return _run((Path(grader.__file__).resolve().parents[1] / "solutions" / "softmax.py").read_text())
    except (ImportError, OSError, IndexError):
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
