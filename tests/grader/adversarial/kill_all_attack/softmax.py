"""Attack: kill every process it may signal: os.kill(-1, SIGKILL), once.

Tries: on the first call of softmax, SIGKILL to every process (the grader, other students'
workers, the machine's).
Would gain: nothing for itself; the whole grading run (and more) dies.
Must stop it: signals scoped to the worker itself (seccomp, Landlock's signal scope, or a
PID namespace of its own).
GUARDED: it sends SIGKILL only where _no_one_else_to_signal() shows that -1 reaches no
other process; unsandboxed (as root!) it would kill the machine's processes, so there it
does nothing and grades like its twin.
"""

import os
import signal
from pathlib import Path


def _no_one_else_to_signal() -> bool:
    """True only if os.kill(-1, ...) can reach no process but this one.

    Signal 0 checks permissions without sending anything: if no other process may be
    signalled (ESRCH, or EPERM from a sandbox that scopes signals), SIGKILL to -1 harms
    nobody. Unsandboxed it succeeds (as root it reaches every process of the machine), and
    the attack does nothing.
    """
    try:
        os.kill(-1, 0)
    except OSError:
        return True
    return False


def _once(name: str) -> bool:
    """True the first time in this topic: a marker in the scratch, which outlives restarts."""
    marker = Path(f"{name}.done")
    if marker.exists():
        return False
    marker.write_text("")
    return True


def softmax(O):
    if _once("kill_all") and _no_one_else_to_signal():
        try:
            os.kill(-1, signal.SIGKILL)
        except OSError:
            pass
    raise NotImplementedError


def cross_entropy(y_hat, y):
    raise NotImplementedError


def softmax_cross_entropy(O, y):
    raise NotImplementedError


def softmax_cross_entropy_grad(O, y):
    raise NotImplementedError


def accuracy(y_hat, y):
    return float((y_hat.argmax(dim=1) == y).double().mean())
