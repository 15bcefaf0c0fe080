"""Attack: leave a process behind: a new session that outlives the worker.

Tries: at import, start `python -c "import time; time.sleep(300)" dlgrade-survivor-survivor_popen`
with start_new_session=True, out of the worker's process group.
Would gain: a process that keeps running after grading (to rewrite the gradebook once it
is written, or to slow down everyone).
Must stop it: the worker's whole tree killed when it ends (a PID namespace whose init
dies with it, or a cgroup), not just its process group.
"""

import subprocess
import sys

try:
    subprocess.Popen([sys.executable, "-c", "import time; time.sleep(300)", "dlgrade-survivor-survivor_popen"],
                     start_new_session=True, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                     stderr=subprocess.DEVNULL)
except OSError:
    pass


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
