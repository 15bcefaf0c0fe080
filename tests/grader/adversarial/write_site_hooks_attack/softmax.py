"""Attack: plant start-up hooks that every later Python process would run.

Tries: write files into site-packages, the user site (~/.local/...) and the standard
library folder, where a real attack would drop sitecustomize.py, usercustomize.py or a
.pth line that patches grader.scoring in every grading process started afterwards.
Here they are inert probes named dlgrade_adversarial_probe__* (Python never runs them),
so that an unsandboxed run cannot harm the machine; the test looks for them and removes
them.
Would gain: code run inside the next grading process: any score.
Must stop it: the worker can write nowhere but its scratch.
"""

import os
import site
import sysconfig
from pathlib import Path

_PROBE = "dlgrade_adversarial_probe__write_site_hooks__"


def _plant() -> None:
    folders = [*site.getsitepackages(), site.getusersitepackages(), sysconfig.get_path("purelib"),
               sysconfig.get_path("stdlib")]
    for folder in folders:
        for name in ("sitecustomize.py", "usercustomize.py", "hook.pth"):
            try:
                os.makedirs(folder, exist_ok=True)
                (Path(folder) / (_PROBE + name + ".txt")).write_text("# inert probe: a real attack runs code here\n")
            except OSError:
                pass


_plant()


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
