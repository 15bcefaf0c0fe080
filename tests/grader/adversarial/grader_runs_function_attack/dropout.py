"""Attack: have the grader itself run a function of the attack's choice: F.dropout.

Tries: Dropout(p) returns grader.testing.NamedFunction("torch.nn.functional", "dropout"),
which the worker sends as a "function" record; the grader rebuilds it as a callable and
the test calls it, in the grading process: F.dropout(X) with p = 0.5, training=True.
Would gain: the Dropout tests that F.dropout(X) passes (p = 1/2 by default, follows
torch.manual_seed, leaves X alone), through a banned call that neither the source check
(no call of it in the source) nor a run-time check in the worker (it runs in the grader)
can see; and any importable function run in the grader.
Must stop it: the grader never rebuilds a callable from what a worker sends; a "function"
record only travels from the grader to the worker.
"""

from grader.testing import NamedFunction


def dropout_layer(X, dropout, generator=None):
    raise NotImplementedError


def Dropout(p=0.5):
    if not 0 <= p <= 1:
        raise ValueError(f"Dropout(): p={p} must be in [0, 1]")
    return NamedFunction("torch.nn." + "functional", "drop" + "out")
