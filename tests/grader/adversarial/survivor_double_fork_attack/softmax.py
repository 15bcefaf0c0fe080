"""Attack: leave a process behind with the classic daemon recipe: fork, setsid, fork.

Tries: at import, a grandchild in its own session, re-parented to init, that runs on as
`python -c "import time; time.sleep(300)" dlgrade-survivor-survivor_double_fork`
(or sleeps in place, named dlgrade-survivor, where exec is denied).
Would gain: a process that keeps running after grading.
Must stop it: no fork in the worker, or its whole tree killed when it ends, daemons
included.
"""

import ctypes
import os
import sys
import time


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


def _daemon() -> None:
    try:
        pid = os.fork()
    except OSError:
        return
    if pid:
        os.waitpid(pid, 0)
        return
    try:
        os.setsid()
        if os.fork() == 0:
            _become_survivor("dlgrade-survivor-survivor_double_fork")
    finally:
        os._exit(0)


_daemon()


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
